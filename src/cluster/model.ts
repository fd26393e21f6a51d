// The learned combination of the signals: a logistic regression over standardized features, read from a
// versioned JSON file (src/cluster/model.json, written by `npm run train:cluster` with its provenance).
// A file of another format version, or for other features, is refused with a clear message.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import shipped from './model.json' with { type: 'json' };

/** The model file format this code reads. Bump with any change to the meaning of the file's fields. */
export const MODEL_FORMAT = 'storyfeed-cluster-model';
export const MODEL_VERSION = 1;
/** Standardized values are clipped here: a value far outside what training saw does not extrapolate. */
export const CLIP = 3;

/**
 * The signals, in the model's order: the same names appear in model.json, `storyfeed explain` and the
 * training rows. Changing this list needs a retrained model (the loader compares the names).
 */
export const FEATURES = [
  'titleTitle', // max TF-IDF cosine of the item's title with a member's title
  'titleLead', // max cosine of one's title with the other's lead (either way round)
  'leadLead', // max cosine of the leads (first sentences)
  'bodyCentroid', // cosine of the item's body with the story's body centroid
  'bodyMax', // max body cosine with one member
  'bothBodies', // 1 when the item and the story have body text (else the body signals are 0)
  'titleOnly', // titleTitle when there is no body to compare (titles carry the whole decision)
  'titleStory', // without bodies: cosine of the title with the sum of the members' titles (the story's words)
  'personShare', 'personAny', // rarity-weighted share of the item's people that the story names; 1 if it names any
  'orgShare', 'orgAny',
  'placeShare', 'placeAny',
  'nameShare', 'nameAny', // other capitalized names
  'numberShare', 'numberAny', // figures (3+ digits or decimals)
  'gapNewest', 'gapOldest', 'gapMean', // log(1 + hours / 24) to the story's newest, oldest and mean member
  'storySize', // log(1 + members)
  'sameOutlet', // share of the story's members from the item's source
  'nearDuplicate', // 1 when the bodies' SimHashes are within a few bits (wire copies)
  'entityBest', // best rarity-weighted Jaccard of names and figures with one member (blob-proof)
  'entityNew', // rarity-weighted share of the item's people, organisations and places no member names
] as const;
export type FeatureName = (typeof FEATURES)[number];

/**
 * Two regimes, each a logistic regression of its own: 'body' when the item and the story both have
 * body text, 'title' otherwise (title-only feeds: the title carries the whole decision).
 */
export const REGIMES = ['body', 'title'] as const;
export type Regime = (typeof REGIMES)[number];

const regimeSchema = z.object({
  mean: z.array(z.number()),
  scale: z.array(z.number().positive()),
  weights: z.array(z.number()),
  bias: z.number(),
});
export type RegimeWeights = z.infer<typeof regimeSchema>;

const modelSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.number().int(),
  analysis: z.number().int(),
  features: z.array(z.string()),
  regimes: z.object({ body: regimeSchema, title: regimeSchema }),
  /** Probability at or above which an item joins a story (and a member moves, a story merges), per regime. */
  thresholds: z.object({ body: z.number().min(0).max(1), title: z.number().min(0).max(1) }),
  provenance: z.record(z.string(), z.unknown()),
});
export type ModelFile = z.infer<typeof modelSchema>;

const BOTH_BODIES = FEATURES.indexOf('bothBodies');

/** (value - mean) / scale, clipped to ±CLIP. */
export function standardize(value: number, mean: number, scale: number): number {
  return Math.max(-CLIP, Math.min(CLIP, (value - mean) / scale));
}

export class ModelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`cluster: ${message}`, options);
    this.name = 'ModelError';
  }
}

export interface Contribution {
  feature: FeatureName;
  value: number;
  /** weight × standardized value: the feature's share of the log-odds. */
  contribution: number;
}

export class Model {
  private constructor(readonly file: ModelFile) {}

  /** Validate a parsed model file; `where` names it in errors. */
  static from(data: unknown, where: string, analysisVersion: number): Model {
    const format = (data as { format?: unknown } | null)?.format;
    if (format !== MODEL_FORMAT) throw new ModelError(`${where} is not a storyfeed cluster model (format ${JSON.stringify(format)})`);
    const version = (data as { version?: unknown }).version;
    if (version !== MODEL_VERSION) {
      throw new ModelError(`${where} has model version ${JSON.stringify(version)}; this storyfeed reads version ${MODEL_VERSION} ` +
        '(retrain with `npm run train:cluster`)');
    }
    const r = modelSchema.safeParse(data);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new ModelError(`${where}: ${issue?.path.join('.') || 'model'}: ${issue?.message}`);
    }
    const m = r.data;
    if (m.analysis !== analysisVersion) {
      throw new ModelError(`${where} was trained on text analysis version ${m.analysis}; this storyfeed analyses with version ` +
        `${analysisVersion} (retrain with \`npm run train:cluster\`)`);
    }
    if (m.features.join(',') !== FEATURES.join(',')) {
      throw new ModelError(`${where} was trained on other signals (${m.features.join(', ')}); retrain with \`npm run train:cluster\``);
    }
    for (const regime of REGIMES) {
      for (const key of ['mean', 'scale', 'weights'] as const) {
        const n = m.regimes[regime][key].length;
        if (n !== FEATURES.length) throw new ModelError(`${where}: regimes.${regime}.${key} has ${n} values, expected ${FEATURES.length}`);
      }
    }
    return new Model(m);
  }

  /** Read and validate a model file. */
  static load(path: string | URL, analysisVersion: number): Model {
    const where = String(path instanceof URL ? path.pathname : path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ModelError(`cannot read the model ${where}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new ModelError(`${where} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    return Model.from(data, where, analysisVersion);
  }

  /** The join threshold for these signals' regime. */
  threshold(x: ArrayLike<number>): number {
    return this.file.thresholds[Model.regime(x)];
  }

  /** Probability minus the regime's threshold: > 0 means "belongs", comparable across regimes. */
  margin(x: ArrayLike<number>): number {
    return this.probability(x) - this.threshold(x);
  }

  /** Which regression decides: 'body' when both sides have body text. */
  static regime(x: ArrayLike<number>): Regime {
    return (x[BOTH_BODIES] as number) > 0 ? 'body' : 'title';
  }

  /** Log-odds that the item belongs with the story. */
  logit(x: ArrayLike<number>): number {
    const { mean, scale, weights, bias } = this.file.regimes[Model.regime(x)];
    let z = bias;
    for (let i = 0; i < weights.length; i++) z += (weights[i] as number) * standardize(x[i] as number, mean[i] as number, scale[i] as number);
    return z;
  }

  probability(x: ArrayLike<number>): number {
    return 1 / (1 + Math.exp(-this.logit(x)));
  }

  /** Each feature's value and contribution to the log-odds; with the bias they add up to logit(x). */
  explain(x: ArrayLike<number>): { regime: Regime; bias: number; logit: number; probability: number; features: Contribution[] } {
    const regime = Model.regime(x);
    const { mean, scale, weights, bias } = this.file.regimes[regime];
    const features = FEATURES.map((feature, i) => ({
      feature, value: x[i] as number,
      contribution: (weights[i] as number) * standardize(x[i] as number, mean[i] as number, scale[i] as number),
    }));
    const logit = this.logit(x);
    return { regime, bias, logit, probability: 1 / (1 + Math.exp(-logit)), features };
  }
}

let defaultModel: Model | undefined;
/** The model shipped in the repository (src/cluster/model.json), validated on first use. */
export function shippedModel(analysisVersion: number): Model {
  defaultModel ??= Model.from(shipped, 'src/cluster/model.json', analysisVersion);
  return defaultModel;
}
