// Clustering quality: pair-counting precision/recall/F1 and B-cubed precision/recall/F1, from predicted
// and ground-truth labels of the same items. Pure; used by the evaluation script and tests.

export interface Quality {
  items: number;
  predictedClusters: number;
  trueClusters: number;
  pairPrecision: number;
  pairRecall: number;
  pairF1: number;
  bcubedPrecision: number;
  bcubedRecall: number;
  bcubedF1: number;
}

const pairs = (n: number) => (n * (n - 1)) / 2;
const f1 = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);

function counts<K>(keys: Iterable<K>): Map<K, number> {
  const m = new Map<K, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** `predicted[i]` and `truth[i]` label item i. */
export function quality(predicted: readonly string[], truth: readonly string[]): Quality {
  if (predicted.length !== truth.length) throw new Error('metrics: label lists differ in length');
  const n = predicted.length;
  const pred = counts(predicted);
  const gold = counts(truth);
  const cell = counts(predicted.map((p, i) => `${p}\u0000${truth[i]}`));
  let tp = 0;
  for (const c of cell.values()) tp += pairs(c);
  let predPairs = 0;
  for (const c of pred.values()) predPairs += pairs(c);
  let goldPairs = 0;
  for (const c of gold.values()) goldPairs += pairs(c);
  let bp = 0;
  let br = 0;
  for (let i = 0; i < n; i++) {
    const both = cell.get(`${predicted[i]}\u0000${truth[i]}`) as number;
    bp += both / (pred.get(predicted[i] as string) as number);
    br += both / (gold.get(truth[i] as string) as number);
  }
  const pairPrecision = predPairs ? tp / predPairs : 1;
  const pairRecall = goldPairs ? tp / goldPairs : 1;
  const bcubedPrecision = n ? bp / n : 1;
  const bcubedRecall = n ? br / n : 1;
  return {
    items: n, predictedClusters: pred.size, trueClusters: gold.size,
    pairPrecision, pairRecall, pairF1: f1(pairPrecision, pairRecall),
    bcubedPrecision, bcubedRecall, bcubedF1: f1(bcubedPrecision, bcubedRecall),
  };
}
