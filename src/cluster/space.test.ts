import { describe, expect, it } from 'vitest';
import { CountTable, Postings, SumTable } from './space.js';

describe('CountTable (document frequencies)', () => {
  it('counts an id once per document, and down to zero but not below', () => {
    const t = new CountTable();
    t.begin();
    t.add(7, 1);
    t.add(7, 1);
    t.add(9, 1);
    t.begin();
    t.add(7, 1);
    expect([t.get(7), t.get(9), t.get(11), t.size]).toEqual([2, 1, 0, 2]);
    t.begin();
    t.add(9, -1);
    t.begin();
    t.add(9, -1);
    expect([t.get(9), t.size]).toEqual([0, 1]);
  });

  it('keeps every count through growth (hundreds of thousands of ids)', () => {
    const t = new CountTable();
    for (let id = 0; id < 300_000; id++) {
      t.begin();
      t.add((id * 7919) & 0x3fffffff, 1 + (id % 3));
    }
    let wrong = 0;
    for (let id = 0; id < 300_000; id++) if (t.get((id * 7919) & 0x3fffffff) !== 1 + (id % 3)) wrong++;
    expect(wrong).toBe(0);
    expect(t.size).toBe(300_000);
  });
});

describe('Postings', () => {
  const list = (p: Postings, term: number) => {
    const out: number[] = [];
    for (let h = p.head(term); h >= 0; h = p.blocks[h + 1] as number) {
      for (let k = (p.blocks[h] as number) - 1; k >= 0; k--) out.push(p.blocks[h + 2 + k] as number);
    }
    return out;
  };

  it('lists a term\'s stories newest first across blocks, a story once while it is among the newest', () => {
    const p = new Postings();
    p.add(5, 0);
    p.add(5, 1);
    p.add(5, 0);
    p.add(6, 1);
    expect(list(p, 5)).toEqual([1, 0]);
    expect(list(p, 6)).toEqual([1]);
    expect(list(p, 7)).toEqual([]);
    for (let s = 2; s < 30; s++) p.add(9, s);
    expect(list(p, 9)).toEqual(Array.from({ length: 28 }, (_, i) => 29 - i));
  });

  it('compacts: dropped stories leave, the others keep their order under new slots', () => {
    const p = new Postings();
    for (let term = 0; term < 5000; term++) for (let s = 0; s < 4; s++) p.add(term, (term + s) % 10);
    const renumber = (slot: number) => (slot % 2 === 0 ? slot / 2 : -1);
    p.compact(renumber);
    // Term 3 had stories 6, 5, 4, 3 (newest first): 6 and 4 stay, as slots 3 and 2.
    expect(list(p, 3)).toEqual([3, 2]);
    expect(list(p, 4000)).toEqual([1, 0]);
    expect(p.size).toBe(10_000);
  });
});

describe('SumTable (story centroids, title vocabularies, entity counts)', () => {
  /** The reference it replaces: a Map of sums, packed by a stable sort. */
  const reference = (adds: readonly [number, number][], keep: number) => {
    const m = new Map<number, number>();
    for (const [id, w] of adds) {
      const sum = (m.get(id) ?? 0) + w;
      if (Math.abs(sum) < 1e-6) m.delete(id);
      else m.set(id, sum);
    }
    let entries = [...m];
    if (entries.length > keep) entries = entries.sort((a, b) => b[1] - a[1]).slice(0, keep);
    entries.sort((a, b) => a[0] - b[0]);
    const n = Math.sqrt(entries.reduce((s, [, w]) => s + w * w, 0));
    return { m, ids: entries.map(([id]) => id), ws: entries.map(([, w]) => Math.fround(w)), n };
  };

  it('sums per id like a Map, an id whose sum cancels out leaves and comes back last', () => {
    const t = new SumTable(2);
    for (const [id, w] of [[5, 0.5], [3, 0.25], [5, 0.25], [3, -0.25], [9, 1], [3, 2]] as const) t.add(id, w);
    expect([t.get(5), t.get(3), t.get(9), t.get(4), t.size]).toEqual([0.75, 2, 1, undefined, 3]);
    expect(t.pack(2).vec.ids).toEqual(Int32Array.from([3, 9]));
    // Equal sums at the cut: the id that came first stays (4, then 1, came after 3 came back).
    t.add(4, 2);
    expect(t.pack(1).vec.ids).toEqual(Int32Array.from([3]));
    t.add(1, 2);
    expect(t.pack(1).vec.ids).toEqual(Int32Array.from([3]));
  });

  it('packs the heaviest sums exactly as the Map it replaces, through growth and removals', () => {
    let seed = 1;
    const r = () => ((seed = (Math.imul(seed, 48271) >>> 0) % 2147483647) / 2147483647);
    const adds: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const id = Math.floor(r() * 900);
      // Weights on a coarse grid: many equal sums (ties at the cut) and sums that cancel out.
      adds.push([id, (Math.floor(r() * 9) - 2) / 8]);
    }
    const t = new SumTable();
    for (const [id, w] of adds) t.add(id, w);
    for (const keep of [Infinity, 150, 10]) {
      const want = reference(adds, keep);
      const got = t.pack(keep);
      expect([...got.vec.ids]).toEqual(want.ids);
      expect([...got.vec.ws]).toEqual(want.ws);
      expect(got.norm).toBe(want.n);
    }
    expect(t.size).toBe(reference(adds, Infinity).m.size);
  });
});
