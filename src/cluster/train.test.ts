import { describe, expect, it } from 'vitest';
import { FEATURES } from './model.js';
import { fitLogistic, toModel, type Rows } from './train.js';

const at = (name: (typeof FEATURES)[number]) => FEATURES.indexOf(name);

/** A body-regime row: both bodies, a body cosine, and one time gap (log(1 + days)) to every member. */
function row(body: number, gap: number): number[] {
  const x = new Array<number>(FEATURES.length).fill(0);
  x[at('bothBodies')] = 1;
  x[at('bodyMax')] = body;
  x[at('bodyCentroid')] = body;
  for (const f of ['gapNewest', 'gapOldest', 'gapMean'] as const) x[at(f)] = gap;
  return x;
}

describe('fitLogistic', () => {
  it('learns time from the dated rows even when most rows are undated (gap 0): a 5-day gap is told from a 1-day one', () => {
    const rows: Rows = { x: [], y: [] };
    // Undated rows (a set without dates): the body cosine decides, the gap is always 0.
    for (let i = 0; i < 2000; i++) {
      const y = i % 2;
      rows.x.push(row(y ? 0.5 + (i % 7) / 20 : 0.1 + (i % 5) / 20, 0));
      rows.y.push(y);
    }
    // Dated rows: same bodies, and reports of one story come within a day, others days apart.
    for (let i = 0; i < 60; i++) {
      const y = i % 2;
      rows.x.push(row(0.4, y ? (i % 10) / 30 : 0.7 + (i % 10) / 8));
      rows.y.push(y);
    }
    const model = toModel(fitLogistic(rows));
    const p = (gap: number) => model.probability(row(0.4, gap));
    expect(p(Math.log1p(0.25))).toBeGreaterThan(p(Math.log1p(1)));
    expect(p(Math.log1p(1)) - p(Math.log1p(5))).toBeGreaterThan(0.05);
  });
});
