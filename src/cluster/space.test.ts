import { describe, expect, it } from 'vitest';
import { countAt, CountTable, dot, dotAt, hasAt, normAt, Postings, Slab, SortedSums, SumTable } from './space.js';

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
    // The newest block in the term's table slot, the older ones in blocks (as candidate lookups read them).
    for (let h = p.head(term), b = p.table; h >= 0; h = b[h + 1] as number, b = p.blocks) {
      for (let k = (b[h] as number) - 1; k >= 0; k--) out.push(b[h + 2 + k] as number);
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

describe('SortedSums (a story\'s aggregates, held sorted)', () => {
  let seed = 7;
  const r = () => ((seed = (Math.imul(seed, 48271) >>> 0) % 2147483647) / 2147483647);
  /** An ascending run of ids (duplicates included, as hash collisions give) and coarse weights (ties, cancellations). */
  const run = (n: number, range: number) => {
    const ids = Int32Array.from({ length: n }, () => Math.floor(r() * range)).sort();
    const ws = Float32Array.from({ length: n }, () => (Math.floor(r() * 9) - 2) / 8);
    return { ids, ws };
  };
  const same = (t: SumTable, s: SortedSums, keep: number) => {
    const want = t.pack(keep);
    expect(s.prepare(keep)).toBe(want.norm);
    const got = s.vec();
    expect([...got.ids]).toEqual([...want.vec.ids]);
    expect([...got.ws]).toEqual([...want.vec.ws]);
  };

  it('holds what a SumTable fed the same runs holds: sums, cut (ties: the id that came first), norm, dot products', () => {
    const t = new SumTable();
    const s = new SortedSums(true);
    for (let k = 0; k < 40; k++) {
      const { ids, ws } = run(30 + Math.floor(r() * 60), 400);
      t.addAt(ids, ws, 0, ids.length);
      s.addAt(ids, ws, 0, ids.length);
      for (const keep of [Infinity, 150, 7]) same(t, s, keep);
    }
    expect(s.size).toBe(t.size);
    for (let id = 0; id < 400; id++) expect(s.get(id)).toBe(t.get(id));
    const { ids, ws } = run(50, 400);
    s.prepare(150);
    expect(s.dotAt(ids, ws, 0, ids.length)).toBe(dot(t.pack(150).vec, { ids, ws }));
  });

  it('counts without weights, and takes over a table\'s sums as if merged in turn', () => {
    const counts = new SortedSums(false);
    counts.addAt(Int32Array.from([2, 5, 5, 9]), undefined, 0, 4);
    counts.addAt(Int32Array.from([5, 7]), undefined, 0, 2);
    expect([2, 5, 7, 9, 3].map((id) => counts.get(id))).toEqual([1, 3, 1, 1, undefined]);
    const t = new SumTable();
    const s = new SortedSums(true);
    const direct = new SortedSums(true);
    for (let k = 0; k < 20; k++) {
      const { ids, ws } = run(60, 300);
      t.addAt(ids, ws, 0, ids.length);
      direct.addAt(ids, ws, 0, ids.length);
    }
    t.moveTo(s);
    expect(t.size).toBe(0);
    for (const keep of [Infinity, 100, 5]) {
      expect(s.prepare(keep)).toBe(direct.prepare(keep));
      expect([...s.vec().ids]).toEqual([...direct.vec().ids]);
    }
  });

  it('normAt is the norm a table holding one vector packs to, or -1 when a table would not hold it as it is', () => {
    const ids = Int32Array.from([1, 4, 9]);
    const ws = Float32Array.from([0.5, 0.25, 0.75]);
    const t = new SumTable();
    t.addAt(ids, ws, 0, 3);
    expect(normAt(ids, ws, 0, 3)).toBe(t.pack().norm);
    expect(normAt(Int32Array.from([1, 4, 4]), ws, 0, 3)).toBe(-1);
    expect(normAt(ids, Float32Array.from([0.5, 1e-7, 0.75]), 0, 3)).toBe(-1);
    expect([1, 4, 5].map((id) => countAt(Int32Array.from([0, 1, 4, 4, 4, 9]), 1, 5, id))).toEqual([1, 3, 0]);
  });
});

describe('Slab (per-article records)', () => {
  /** A record of n entries whose ids and weights say which record and entry they are. */
  const fill = (s: Slab, tag: number, n: number) => {
    const at = s.alloc(n);
    for (let i = 0; i < n; i++) {
      s.ids[at + i] = tag * 1000 + i;
      s.ws[at + i] = tag + i / 1000;
    }
    return { tag, n, at };
  };
  const intact = (s: Slab, r: { tag: number; n: number; at: number }) =>
    Array.from({ length: r.n }, (_, i) => s.ids[r.at + i] === r.tag * 1000 + i && s.ws[r.at + i] === Math.fround(r.tag + i / 1000)).every(Boolean);

  it('keeps every record through growth, at stable offsets, new records zeroed', () => {
    const s = new Slab(16);
    const rs = Array.from({ length: 200 }, (_, k) => fill(s, k, 1 + (k % 37)));
    expect(rs.every((r) => intact(s, r))).toBe(true);
    expect(s.used).toBe(rs.reduce((a, r) => a + r.n, 0));
    s.ws.fill(9, s.used, s.ids.length);
    const at = s.alloc(5);
    expect([...s.ws.subarray(at, at + 5)]).toEqual([0, 0, 0, 0, 0]);
  });

  it('reserve() makes room once: records adding up to it never copy the arrays, and what was there is kept', () => {
    const s = new Slab(16);
    const first = fill(s, 1, 10);
    s.reserve(5_000);
    const [ids, ws] = [s.ids, s.ws];
    expect(intact(s, first)).toBe(true);
    const rs = Array.from({ length: 100 }, (_, k) => fill(s, k + 2, 50));
    expect([s.ids === ids, s.ws === ws]).toEqual([true, true]);
    expect(rs.every((r) => intact(s, r)) && intact(s, first)).toBe(true);
    // Past the reserve it grows as before.
    fill(s, 200, 100);
    expect(s.ids === ids).toBe(false);
    expect(rs.every((r) => intact(s, r))).toBe(true);
    s.reserve(0);
    expect(s.ids.length).toBeGreaterThanOrEqual(s.used);
  });

  it('compacts the live records down in place, in offset order, telling each its new offset', () => {
    const s = new Slab(64);
    const rs = Array.from({ length: 50 }, (_, k) => fill(s, k, 3 + (k % 5)));
    const dropped = rs.filter((r) => r.tag % 3 !== 1);
    for (const r of dropped) s.free(r.n);
    const live = rs.filter((r) => r.tag % 3 === 1);
    expect(s.waste).toBe(dropped.reduce((a, r) => a + r.n, 0));
    const moved: number[] = [];
    // Given in any order: compacted in offset order.
    s.compact([...live].reverse(), (r) => r.at, (r) => r.n, (r, at) => { moved.push(r.tag); r.at = at; });
    expect(live.every((r) => intact(s, r))).toBe(true);
    expect(live.map((r) => r.at)).toEqual(live.map((_, i) => live.slice(0, i).reduce((a, r) => a + r.n, 0)));
    expect(moved).toEqual(live.map((r) => r.tag));
    expect([s.used, s.waste]).toEqual([live.reduce((a, r) => a + r.n, 0), 0]);
    const next = fill(s, 99, 4);
    expect(next.at).toBe(s.used - 4);
    expect(live.every((r) => intact(s, r)) && intact(s, next)).toBe(true);
  });

  it('reads vectors held in it as the Vec functions read them', () => {
    const s = new Slab(8);
    const at = s.alloc(4);
    s.ids.set([2, 5, 9, 14], at);
    s.ws.set([0.5, 0.25, 1, 2], at);
    const v = { ids: Int32Array.from([1, 5, 9, 20]), ws: Float32Array.from([3, 4, 0.5, 7]) };
    const own = { ids: s.ids.slice(at, at + 4), ws: s.ws.slice(at, at + 4) };
    expect(dotAt(v, s.ids, s.ws, at, 4)).toBe(dot(v, own));
    expect(dotAt(v, s.ids, s.ws, at, 4)).toBe(4 * 0.25 + 0.5 * 1);
    expect([2, 5, 9, 14, 1, 6, 15].map((id) => hasAt(s.ids, at, 4, id))).toEqual([true, true, true, true, false, false, false]);
    expect(hasAt(s.ids, at, 0, 2)).toBe(false);
    const t = new SumTable();
    t.addAt(s.ids, s.ws, at, 4);
    expect([t.get(2), t.get(14), t.get(1)]).toEqual([0.5, 2, undefined]);
  });
});
