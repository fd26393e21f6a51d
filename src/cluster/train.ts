// Learning the combination: labelled rows (an article's signals against a candidate story; 1 when it is
// the article's true story) from a simulated stream, a logistic regression fit by Newton's method on
// standardized features, and folds that keep whole groups (events, or topics) together. Pure; used by
// `npm run train:cluster` and `npm run eval:cluster` (bench/cluster-train.ts, bench/cluster-eval.ts).
import { Clusterer, type ClusterDoc, type StoryKey } from './index.js';
import { ANALYSIS_VERSION } from './features.js';
import { FEATURES, MODEL_FORMAT, MODEL_VERSION, Model, standardize, type ModelFile, type RegimeWeights } from './model.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** L2 penalty on the standardized weights (per row: the fit barely notices it with thousands of rows). */
const L2 = 1;
const NEWTON_STEPS = 25;
/** Smallest standardization scale: features live on 0..1 (or log hours), so 0.1 is a small step. */
const MIN_SCALE = 0.1;
/**
 * Smallest scale of the time gaps (log(1 + days)). Two of the three development sets are undated (ECB+,
 * and UCI trained on its text alone), so pooled rows have gaps of 0 almost everywhere and a spread of
 * 0.16: standardized and clipped at CLIP, any gap past half a day then looked like a week. The rows that
 * have gaps spread 0.52-0.62 (every fold); at 0.5 the clip is reached at about 3.5 days.
 */
const MIN_SCALE_GAP = 0.5;
/** Join probability: 0.5 is the decision a calibrated model makes (the default before tuning). */
export const THRESHOLD = 0.5;
// ---------------------------------------------------------------------------------------------------

export interface LabelledDoc extends ClusterDoc {
  /** The true story. */
  story: string;
  /** The fold group: the event, or for ECB+ its topic (both look-alike events in one fold). */
  group: string;
}

export interface Rows {
  x: number[][];
  y: number[];
  /** Row weights (default 1): each development set weighs the same in the fit, however many rows it gives. */
  w?: number[];
}

/**
 * Rows from a simulated stream: documents in publication order, each scored against its candidate
 * stories (and its true story, when retrieval missed it) among the true stories so far, then added to
 * its true story. The signals do not depend on `model` (it only has to be valid).
 */
export function trainingRows(docs: readonly LabelledDoc[], model: Model): Rows {
  const c = new Clusterer({ model });
  const rows: Rows = { x: [], y: [] };
  const seen = new Set<StoryKey>();
  for (const d of stream(docs)) {
    for (const r of c.candidateSignals(d, seen.has(d.story) ? [d.story] : [])) {
      rows.x.push(r.features);
      rows.y.push(r.story === d.story ? 1 : 0);
    }
    c.add(d, d.story, 1);
    seen.add(d.story);
  }
  return rows;
}

/** Documents in publication order (ties: input order), later copies of one URL left out. */
function stream(docs: readonly LabelledDoc[]): LabelledDoc[] {
  const urls = new Set<string>();
  return docs.map((d, i) => ({ d, i })).sort((a, b) => a.d.published - b.d.published || a.i - b.i).map((o) => o.d)
    .filter((d) => {
      if (!d.url) return true;
      if (urls.has(d.url)) return false;
      urls.add(d.url);
      return true;
    });
}

/** Solve A x = b for a symmetric positive definite A (Cholesky). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = (a[i] as number[])[j] as number;
      for (let k = 0; k < j; k++) s -= ((l[i] as number[])[k] as number) * ((l[j] as number[])[k] as number);
      (l[i] as number[])[j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / ((l[j] as number[])[j] as number);
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= ((l[i] as number[])[k] as number) * (y[k] as number);
    y[i] = s / ((l[i] as number[])[i] as number);
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < n; k++) s -= ((l[k] as number[])[i] as number) * (x[k] as number);
    x[i] = s / ((l[i] as number[])[i] as number);
  }
  return x;
}

/** The model: one logistic regression per regime (rows split by whether both sides have a body). */
export function fitLogistic(rows: Rows, provenance: Record<string, unknown> = {},
  thresholds = { body: THRESHOLD, title: THRESHOLD }): ModelFile {
  const part = (body: boolean): Rows => {
    const out: Rows = { x: [], y: [], w: [] };
    rows.x.forEach((x, i) => {
      if ((Model.regime(x) === 'body') !== body) return;
      out.x.push(x);
      out.y.push(rows.y[i] as number);
      out.w?.push(rows.w?.[i] ?? 1);
    });
    return out;
  };
  return {
    format: MODEL_FORMAT, version: MODEL_VERSION, analysis: ANALYSIS_VERSION, features: [...FEATURES],
    regimes: { body: fitRegime(part(true)), title: fitRegime(part(false)) }, thresholds, provenance,
  };
}

const GAPS = new Set((['gapNewest', 'gapOldest', 'gapMean'] as const).map((f) => FEATURES.indexOf(f)));

/** A logistic regression on standardized features: weights, bias, and the standardization. */
function fitRegime(rows: Rows): RegimeWeights {
  const n = rows.x.length;
  const k = FEATURES.length;
  const mean = new Array<number>(k).fill(0);
  const scale = new Array<number>(k).fill(0);
  for (const r of rows.x) r.forEach((v, i) => { mean[i] = (mean[i] as number) + v / n; });
  for (const r of rows.x) r.forEach((v, i) => { scale[i] = (scale[i] as number) + (v - (mean[i] as number)) ** 2 / n; });
  // A floor on the scale: a rare feature (almost always 0) would otherwise get a standardized value so
  // large that a tiny weight dominates every decision it appears in.
  for (let i = 0; i < k; i++) scale[i] = Math.max(Math.sqrt(scale[i] as number), GAPS.has(i) ? MIN_SCALE_GAP : MIN_SCALE);
  const z = rows.x.map((r) => [1, ...r.map((v, i) => standardize(v, mean[i] as number, scale[i] as number))]);
  let w = new Array<number>(k + 1).fill(0);
  for (let step = 0; step < NEWTON_STEPS; step++) {
    const g = new Array<number>(k + 1).fill(0);
    const h = Array.from({ length: k + 1 }, () => new Array<number>(k + 1).fill(0));
    for (let r = 0; r < n; r++) {
      const zr = z[r] as number[];
      let t = 0;
      for (let i = 0; i <= k; i++) t += (w[i] as number) * (zr[i] as number);
      const p = 1 / (1 + Math.exp(-t));
      const wr = rows.w?.[r] ?? 1;
      const e = wr * (p - (rows.y[r] as number));
      const q = wr * Math.max(p * (1 - p), 1e-9);
      for (let i = 0; i <= k; i++) {
        g[i] = (g[i] as number) + e * (zr[i] as number);
        const hi = h[i] as number[];
        for (let j = 0; j <= i; j++) hi[j] = (hi[j] as number) + q * (zr[i] as number) * (zr[j] as number);
      }
    }
    for (let i = 0; i <= k; i++) {
      for (let j = 0; j < i; j++) (h[j] as number[])[i] = (h[i] as number[])[j] as number;
      if (i > 0) {
        g[i] = (g[i] as number) + L2 * (w[i] as number);
        (h[i] as number[])[i] = ((h[i] as number[])[i] as number) + L2;
      }
    }
    const delta = solve(h, g);
    w = w.map((v, i) => v - (delta[i] as number));
    if (Math.max(...delta.map(Math.abs)) < 1e-6) break;
  }
  return { mean, scale, weights: w.slice(1), bias: w[0] as number };
}

/** A stable fold (0..k-1) for a group name: FNV-1a of the name. */
export function foldOf(group: string, k: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < group.length; i++) {
    h ^= group.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % k;
}

export function toModel(file: ModelFile): Model {
  return Model.from(file, 'trained model', ANALYSIS_VERSION);
}

/**
 * A valid model with every weight 0, for computing training rows (their signals do not depend on the
 * model): training does not need the shipped file to be of this code's signals and analysis already.
 */
export function placeholderModel(): Model {
  const k = FEATURES.length;
  const regime: RegimeWeights = { mean: new Array<number>(k).fill(0), scale: new Array<number>(k).fill(1), weights: new Array<number>(k).fill(0), bias: 0 };
  return toModel({ format: MODEL_FORMAT, version: MODEL_VERSION, analysis: ANALYSIS_VERSION, features: [...FEATURES],
    regimes: { body: regime, title: regime }, thresholds: { body: THRESHOLD, title: THRESHOLD }, provenance: {} });
}
