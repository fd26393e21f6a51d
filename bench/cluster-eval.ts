// Clustering quality on every development set, out-of-fold: for each of K folds (groups of whole events,
// by topic for ECB+), a model is trained on the other folds of all sets, the whole set is clustered with
// it by the same clusterDocs() that `storyfeed cluster` and the worker use, and only the held-out fold's
// documents are scored. Prints pair-counting and B-cubed precision/recall/F1, one line per set.
//   npm run eval:cluster            (npx tsx bench/cluster-eval.ts)
import { clusterDocs } from '../src/cluster/index.js';
import { quality, type Quality } from '../src/cluster/metrics.js';
import { fitLogistic, toModel, trainingRows, type LabelledDoc, type Rows } from '../src/cluster/train.js';
import { shippedModel, ANALYSIS_VERSION, type Model } from '../src/cluster/index.js';
import { devSets, folds, seedPair, UNDATED_TIME, type DevSet } from './cluster-data.js';

export const K = 5;

export interface FoldResult {
  set: string;
  quality: Quality;
}

function rowsOf(docs: readonly LabelledDoc[]): Rows {
  return trainingRows(docs, shippedModel(ANALYSIS_VERSION));
}

/** Concatenate rows, each set's rows weighted so that every set weighs the same in the fit. */
export function pool(perSet: readonly Rows[]): Rows {
  const out: Rows = { x: [], y: [], w: [] };
  const total = perSet.reduce((n, r) => n + r.x.length, 0);
  for (const r of perSet) {
    const w = r.x.length ? total / (perSet.length * r.x.length) : 0;
    out.x.push(...r.x);
    out.y.push(...r.y);
    for (let i = 0; i < r.x.length; i++) out.w?.push(w);
  }
  return out;
}
const concat = (rs: readonly Rows[]): Rows => ({ x: rs.flatMap((r) => r.x), y: rs.flatMap((r) => r.y) });

/** Out-of-fold quality of every set (and the pooled training rows of all sets, for the final fit). */
export function outOfFold(sets: readonly DevSet[], k = K, log = (_: string) => {}): { results: FoldResult[]; all: Rows } {
  const foldMaps = sets.map((s) => folds(s.docs, k));
  const trainDocs = sets.map((s) => (s.textOnlyTraining ? s.docs.map((d) => ({ ...d, published: UNDATED_TIME, source: undefined })) : s.docs));
  const predicted = sets.map((s) => new Map<string | number, string>(s.docs.map((d) => [d.id, ''])));
  // Rows per set and fold, computed once: a fold's rows come from its own documents streamed alone.
  const rows = sets.map((_, i) => Array.from({ length: k }, (_, f) => rowsOf((trainDocs[i] as LabelledDoc[]).filter((d) => foldMaps[i]?.get(d.group) === f))));
  const all = pool(rows.map((perFold) => concat(perFold)));
  for (let f = 0; f < k; f++) {
    const train = pool(rows.map((perFold) => concat(perFold.filter((_, g) => g !== f))));
    const model = toModel(fitLogistic(train));
    sets.forEach((s, i) => {
      const got = clusterDocs(s.docs.map(({ story: _s, group: _g, ...d }) => d), { model });
      for (const d of s.docs) if (foldMaps[i]?.get(d.group) === f) predicted[i]?.set(d.id, `${f}:${got.get(d.id)}`);
    });
    log(`fold ${f + 1}/${k}: ${train.x.length} training rows`);
  }
  const results = sets.map((s, i) => ({ set: s.name,
    quality: quality(s.docs.map((d) => predicted[i]?.get(d.id) as string), s.docs.map((d) => d.story)) }));
  return { results, all };
}

const pct = (x: number) => (x * 100).toFixed(1);
export function table(results: readonly FoldResult[]): string {
  const head = '| set | items | stories (true → found) | pair P / R / F1 | B³ P / R / F1 |\n| --- | --- | --- | --- | --- |';
  return [head, ...results.map(({ set, quality: q }) =>
    `| ${set} | ${q.items} | ${q.trueClusters} → ${q.predictedClusters} | ${pct(q.pairPrecision)} / ${pct(q.pairRecall)} / ${pct(q.pairF1)} | ` +
    `${pct(q.bcubedPrecision)} / ${pct(q.bcubedRecall)} / ${pct(q.bcubedF1)} |`)].join('\n');
}

/** The seed pair (one event, two outlets) under a model (default: the shipped one). */
export function seedCheck(model?: Model): string {
  const got = clusterDocs(seedPair(), model ? { model } : {});
  return `seed pair: ${new Set(got.values()).size === 1 ? 'one story' : 'NOT one story'}`;
}

function main(): void {
  const t0 = performance.now();
  const { results } = outOfFold(devSets(), K, (m) => process.stderr.write(`${m}\n`));
  console.log(`out-of-fold, ${K} folds split by event (ECB+: by topic), trained on the other folds of all three sets:`);
  console.log(table(results));
  console.log(seedCheck());
  process.stderr.write(`(${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) main();
