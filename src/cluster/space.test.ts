import { describe, expect, it } from 'vitest';
import { CountTable, Postings } from './space.js';

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
