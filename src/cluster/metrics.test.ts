import { describe, expect, it } from 'vitest';
import { quality, type Quality } from './metrics.js';

// Every expected figure below is worked out by hand in the comment beside it.
// [what, predicted, truth, expected]
const CASES: [string, string[], string[], Quality][] = [
  [
    // pairs: predicted {01,02,12} = 3, true {01,23} = 2, both {01} = 1 -> P 1/3, R 1/2, F1 2/5.
    // B-cubed P per item: 2/3, 2/3, 1/3, 1 -> 2/3; R per item: 1, 1, 1/2, 1/2 -> 3/4; F1 = 2·(2/3)(3/4)/(17/12) = 12/17.
    'one predicted cluster too many items', ['x', 'x', 'x', 'y'], ['a', 'a', 'b', 'b'],
    { items: 4, predictedClusters: 2, trueClusters: 2, pairPrecision: 1 / 3, pairRecall: 1 / 2, pairF1: 2 / 5,
      bcubedPrecision: 2 / 3, bcubedRecall: 3 / 4, bcubedF1: 12 / 17 },
  ],
  [
    // a true story split in two: predicted pairs {01} = 1 (correct), true pairs {01,02,12} = 3 -> P 1, R 1/3, F1 1/2.
    // B-cubed P: all 1; R per item: 2/3, 2/3, 1/3, 1 -> 2/3; F1 = 2·(2/3)/(5/3) = 4/5.
    'a story split in two', ['p', 'p', 'q', 'r'], ['a', 'a', 'a', 'b'],
    { items: 4, predictedClusters: 3, trueClusters: 2, pairPrecision: 1, pairRecall: 1 / 3, pairF1: 1 / 2,
      bcubedPrecision: 1, bcubedRecall: 2 / 3, bcubedF1: 4 / 5 },
  ],
  [
    // labels are names only: a perfect clustering under other names scores 1 everywhere.
    'perfect clustering, renamed labels', ['s1', 's1', 's2', 's3', 's3', 's3'], ['a', 'a', 'b', 'c', 'c', 'c'],
    { items: 6, predictedClusters: 3, trueClusters: 3, pairPrecision: 1, pairRecall: 1, pairF1: 1,
      bcubedPrecision: 1, bcubedRecall: 1, bcubedF1: 1 },
  ],
  [
    // all singletons: no predicted pairs (precision 1 by convention), true pairs 1 + 3 = 4, none found -> R 0, F1 0.
    // B-cubed P: 1; R per item: 1/2, 1/2, 1/3, 1/3, 1/3 -> 2/5; F1 = 2·(2/5)/(7/5) = 4/7.
    'all singletons', ['1', '2', '3', '4', '5'], ['a', 'a', 'b', 'b', 'b'],
    { items: 5, predictedClusters: 5, trueClusters: 2, pairPrecision: 1, pairRecall: 0, pairF1: 0,
      bcubedPrecision: 1, bcubedRecall: 2 / 5, bcubedF1: 4 / 7 },
  ],
  [
    // everything in one cluster: predicted pairs 10, true pairs 1 + 3 = 4, all found -> P 2/5, R 1, F1 4/7.
    // B-cubed P per item: 2/5, 2/5, 3/5, 3/5, 3/5 -> 13/25; R: 1; F1 = 2·(13/25)/(38/25) = 13/19.
    'everything lumped together', ['z', 'z', 'z', 'z', 'z'], ['a', 'a', 'b', 'b', 'b'],
    { items: 5, predictedClusters: 1, trueClusters: 2, pairPrecision: 2 / 5, pairRecall: 1, pairF1: 4 / 7,
      bcubedPrecision: 13 / 25, bcubedRecall: 1, bcubedF1: 13 / 19 },
  ],
  [
    // the same label string on both sides means nothing: predicted 'a' is not truth 'a'.
    // predicted {a: items 0,1}, {b: 2,3}; truth {b: 0,2}, {a: 1,3}: predicted pairs 2, true pairs 2, both 0.
    // B-cubed P per item 1/2 -> 1/2; R 1/2; F1 1/2.
    'crossed labels', ['a', 'a', 'b', 'b'], ['b', 'a', 'b', 'a'],
    { items: 4, predictedClusters: 2, trueClusters: 2, pairPrecision: 0, pairRecall: 0, pairF1: 0,
      bcubedPrecision: 1 / 2, bcubedRecall: 1 / 2, bcubedF1: 1 / 2 },
  ],
  [
    // nothing to get wrong.
    'no items', [], [],
    { items: 0, predictedClusters: 0, trueClusters: 0, pairPrecision: 1, pairRecall: 1, pairF1: 1,
      bcubedPrecision: 1, bcubedRecall: 1, bcubedF1: 1 },
  ],
];

describe('quality', () => {
  it.each(CASES)('%s', (_what, predicted, truth, expected) => {
    const q = quality(predicted, truth);
    expect(q.items).toBe(expected.items);
    expect(q.predictedClusters).toBe(expected.predictedClusters);
    expect(q.trueClusters).toBe(expected.trueClusters);
    for (const k of ['pairPrecision', 'pairRecall', 'pairF1', 'bcubedPrecision', 'bcubedRecall', 'bcubedF1'] as const) {
      expect(q[k], k).toBeCloseTo(expected[k], 12);
    }
  });

  it('does not depend on item order', () => {
    const predicted = ['x', 'x', 'x', 'y', 'z', 'z'];
    const truth = ['a', 'a', 'b', 'b', 'c', 'a'];
    const order = [5, 2, 0, 4, 1, 3];
    const q = quality(predicted, truth);
    const r = quality(order.map((i) => predicted[i] as string), order.map((i) => truth[i] as string));
    for (const [k, v] of Object.entries(q)) expect(r[k as keyof Quality], k).toBeCloseTo(v, 12);
  });

  it('swapping predicted and truth swaps precision and recall', () => {
    const predicted = ['x', 'x', 'x', 'y', 'z', 'z'];
    const truth = ['a', 'a', 'b', 'b', 'c', 'a'];
    const q = quality(predicted, truth);
    const r = quality(truth, predicted);
    expect(r.pairPrecision).toBeCloseTo(q.pairRecall, 12);
    expect(r.pairRecall).toBeCloseTo(q.pairPrecision, 12);
    expect(r.bcubedPrecision).toBeCloseTo(q.bcubedRecall, 12);
    expect(r.bcubedRecall).toBeCloseTo(q.bcubedPrecision, 12);
  });

  const MISMATCHED: [string, string[], string[]][] = [
    ['predicted longer', ['x', 'x', 'y'], ['a', 'a']],
    ['truth longer', ['x'], ['a', 'b']],
    ['one side empty', [], ['a']],
  ];
  it.each(MISMATCHED)('throws when the label lists differ in length: %s', (_what, predicted, truth) => {
    expect(() => quality(predicted, truth)).toThrow(/differ in length/);
  });
});
