// `npm run train:cluster`: fit the clustering model and write src/cluster/model.json with its provenance.
// 1. Out-of-fold figures: K folds split by event (ECB+: by topic), a model per fold trained on the other
//    folds of all development sets, each set clustered and scored on its held-out fold (bench/cluster-eval.ts).
// 2. The shipped model: the same fit on every row of every set, with the join thresholds chosen by
//    cross-validation over all K folds. Its provenance records the data, the command, the folds, the
//    thresholds and the out-of-fold figures (what the README quotes).
import { writeFileSync } from 'node:fs';
import { fitLogistic, toModel } from '../src/cluster/train.js';
import { devSets } from './cluster-data.js';
import { K, outOfFold, seedCheck, table } from './cluster-eval.js';

const MODEL = new URL('../src/cluster/model.json', import.meta.url);

const t0 = performance.now();
const sets = devSets();
const { results, all, thresholds } = outOfFold(sets, K, (m) => process.stderr.write(`${m}\n`));
const round = (x: number) => Math.round(x * 1000) / 1000;
const file = fitLogistic(all, {
  command: 'npm run train:cluster',
  data: sets.map((s) => `${s.name}: ${s.docs.length} documents, ${new Set(s.docs.map((d) => d.story)).size} stories` +
    (s.textOnlyTraining ? ' (trained on its text alone: its timestamps are crawl times, one per story, and its publishers recur within stories)' : '')),
  rows: `${all.x.length} (an article against each candidate story of a simulated stream; each set weighs the same)`,
  folds: `${K} folds split by event (ECB+: by topic, both look-alike events in one fold); per fold a model trained on the other folds of all sets`,
  thresholds: 'title regime: the best mean of pair and B-cubed F1 by cross-validation over the folds (for the out-of-fold figures: ' +
    'over the training folds of each fold); body regime: the calibrated 0.5',
  outOfFold: Object.fromEntries(results.map(({ set, quality: q }) => [set, {
    pairPrecision: round(q.pairPrecision), pairRecall: round(q.pairRecall), pairF1: round(q.pairF1),
    bcubedPrecision: round(q.bcubedPrecision), bcubedRecall: round(q.bcubedRecall), bcubedF1: round(q.bcubedF1),
  }])),
}, thresholds);
const model = toModel(file); // refuse to write a model the loader would reject
const rounded = { ...file, regimes: Object.fromEntries(Object.entries(file.regimes).map(([k, r]) => [k, {
  mean: r.mean.map((v) => Number(v.toPrecision(6))), scale: r.scale.map((v) => Number(v.toPrecision(6))),
  weights: r.weights.map((v) => Number(v.toPrecision(6))), bias: Number(r.bias.toPrecision(6)) }])) };
writeFileSync(MODEL, `${JSON.stringify(rounded, null, 2)}\n`);
console.log(table(results));
console.log(seedCheck(model));
console.log(`wrote ${MODEL.pathname} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
