// The vector space the clusterer computes in: sparse unit vectors over hashed term ids (typed arrays),
// and a probe table that holds one article's vectors for the comparisons with many others (each
// comparison then walks the other side once, one hash probe per term, instead of merging two lists).

/** A sparse vector: ascending term ids and their weights. */
export interface Vec {
  ids: Int32Array;
  ws: Float32Array;
}
export const EMPTY: Vec = { ids: new Int32Array(0), ws: new Float32Array(0) };

/** The dot product of two sparse vectors (a merge of their ascending ids). */
export function dot(a: Vec, b: Vec): number {
  let i = 0;
  let j = 0;
  let s = 0;
  const ai = a.ids;
  const bi = b.ids;
  while (i < ai.length && j < bi.length) {
    const x = ai[i] as number;
    const y = bi[j] as number;
    if (x === y) {
      s += (a.ws[i] as number) * (b.ws[j] as number);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return s;
}

/** The dot product of a sparse vector and one held at [at, at + n) of `ids`/`ws` (as dot()). */
export function dotAt(a: Vec, ids: Int32Array, ws: Float32Array, at: number, n: number): number {
  let i = 0;
  let j = at;
  let s = 0;
  const ai = a.ids;
  const end = at + n;
  while (i < ai.length && j < end) {
    const x = ai[i] as number;
    const y = ids[j] as number;
    if (x === y) {
      s += (a.ws[i] as number) * (ws[j] as number);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return s;
}

/** Where `id` stands in the ascending run [at, at + n) of `ids` (one of its places), or -1. */
function indexAt(ids: Int32Array, at: number, n: number, id: number): number {
  let lo = at;
  let hi = at + n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = ids[mid] as number;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Is `id` in the ascending run [at, at + n) of `ids`? */
export function hasAt(ids: Int32Array, at: number, n: number, id: number): boolean {
  return indexAt(ids, at, n, id) >= 0;
}

/** Is `id` in an ascending list? */
export function has(sorted: Int32Array, id: number): boolean {
  return hasAt(sorted, 0, sorted.length, id);
}

/** Sums under this magnitude are dropped (a term whose weights cancelled out). */
const ZERO = 1e-6;

/**
 * The norm of the vector held at [at, at + n) of `ids`/`ws` as SumTable.pack() computes it for a table
 * filled with that vector alone, or -1 when such a table would not hold the vector as it is (its ids not
 * strictly ascending, a weight under ZERO in magnitude): then the vector can stand in for the table.
 */
export function normAt(ids: Int32Array, ws: Float32Array, at: number, n: number): number {
  let norm = 0;
  for (let i = at; i < at + n; i++) {
    const w = ws[i] as number;
    if (Math.abs(w) < ZERO || (i > at && (ids[i] as number) <= (ids[i - 1] as number))) return -1;
    norm += w * w;
  }
  return Math.sqrt(norm);
}

/** How many times `id` is in the ascending run [at, at + n) of `ids`. */
export function countAt(ids: Int32Array, at: number, n: number, id: number): number {
  const mid = indexAt(ids, at, n, id);
  if (mid < 0) return 0;
  let c = 1;
  for (let j = mid - 1; j >= at && ids[j] === id; j--) c++;
  for (let j = mid + 1; j < at + n && ids[j] === id; j++) c++;
  return c;
}

/** An id's home slot in an open-addressing table of 2^bits slots (Fibonacci hashing). */
function home(id: number, bits: number): number {
  return Math.imul(id, 0x9e3779b1) >>> (32 - bits);
}

/**
 * Sums per id (a story's body centroid, its title vocabulary, how many members name an entity) in
 * typed arrays, in the order the ids first came (as a Map keeps them): dense keys and float64 sums,
 * with an open-addressing index of positions. A Map of numbers cost a boxed double per set() and
 * ~50 bytes per entry, held by every story; this costs ~20 bytes per entry and allocates on growth
 * only. A sum that falls under ZERO in magnitude leaves (and an id that comes back is appended again).
 */
export class SumTable {
  private keys: Int32Array;
  private sums: Float64Array;
  /** Per position: 1 when its sum was removed. */
  private gone: Uint8Array;
  /** Position + 1 per index slot; 0: empty; -1: removed. */
  private index: Int32Array;
  private bits: number;
  /** Positions used (live and removed). */
  private used = 0;
  /** Ids with a sum. */
  size = 0;

  constructor(capacity = 16) {
    let bits = 4;
    while (1 << bits < capacity * 2) bits++;
    this.bits = bits;
    [this.sums, this.keys, this.index, this.gone] = SumTable.arrays(bits);
  }

  /** Room for 2^(bits-1) sums, in one buffer (one off-heap allocation per table and growth). */
  private static arrays(bits: number): [Float64Array, Int32Array, Int32Array, Uint8Array] {
    const c = 1 << (bits - 1);
    const buf = new ArrayBuffer(c * 21);
    return [new Float64Array(buf, 0, c), new Int32Array(buf, c * 8, c), new Int32Array(buf, c * 12, 2 * c), new Uint8Array(buf, c * 20, c)];
  }

  /** The index slot of an id (its own, or the first free one after it). */
  private find(id: number): number {
    const mask = (1 << this.bits) - 1;
    let i = home(id, this.bits);
    for (;;) {
      const at = this.index[i] as number;
      if (at === 0 || (at > 0 && this.keys[at - 1] === id)) return i;
      i = (i + 1) & mask;
    }
  }

  get(id: number): number | undefined {
    const at = this.index[this.find(id)] as number;
    return at > 0 ? (this.sums[at - 1] as number) : undefined;
  }

  /** Add `w` to an id's sum (as `m.set(id, (m.get(id) ?? 0) + w)`, dropping a sum that falls under ZERO). */
  add(id: number, w: number): void {
    let i = this.find(id);
    const at = this.index[i] as number;
    const sum = (at > 0 ? (this.sums[at - 1] as number) : 0) + w;
    if (Math.abs(sum) < ZERO) {
      if (at > 0) {
        this.index[i] = -1;
        this.gone[at - 1] = 1;
        this.size--;
      }
      return;
    }
    if (at > 0) {
      this.sums[at - 1] = sum;
      return;
    }
    if (this.used === this.keys.length) {
      this.grow();
      i = this.find(id);
    }
    this.keys[this.used] = id;
    this.sums[this.used] = sum;
    this.index[i] = ++this.used;
    this.size++;
  }

  /** Empty again, keeping the room (a story's aggregates are rebuilt in the tables they had). */
  clear(): void {
    this.index.fill(0);
    this.gone.fill(0, 0, this.used);
    this.used = 0;
    this.size = 0;
  }

  addVec(v: Vec): void {
    for (let i = 0; i < v.ids.length; i++) this.add(v.ids[i] as number, v.ws[i] as number);
  }

  /** addVec() of the vector held at [at, at + n) of `ids`/`ws`. */
  addAt(ids: Int32Array, ws: Float32Array, at: number, n: number): void {
    for (let i = at; i < at + n; i++) this.add(ids[i] as number, ws[i] as number);
  }

  /** Room for twice the live sums (removed positions dropped, the order of the others kept). */
  private grow(): void {
    const [keys, sums, gone, used] = [this.keys, this.sums, this.gone, this.used];
    while (1 << (this.bits - 1) < this.size * 2) this.bits++;
    [this.sums, this.keys, this.index, this.gone] = SumTable.arrays(this.bits);
    this.used = 0;
    for (let at = 0; at < used; at++) {
      if (gone[at]) continue;
      const i = this.find(keys[at] as number);
      this.keys[this.used] = keys[at] as number;
      this.sums[this.used] = sums[at] as number;
      this.index[i] = ++this.used;
    }
  }

  /** Its sums into a SortedSums (which then holds them as if they had been added there), and empty again. */
  moveTo(into: SortedSums): void {
    into.load(this.keys, this.sums, this.gone, this.used);
    this.clear();
  }

  /** Bytes of its buffers (for the memory figures). */
  get bytes(): number {
    return this.keys.length * 21 + (this.order?.byteLength ?? 0) + (this.out?.byteLength ?? 0);
  }

  /** pack()'s storage: its live positions (scratch), and the packed vector's buffer (reused while it fits). */
  private order?: Int32Array;
  private out?: ArrayBuffer;

  /**
   * The sums as a vector for dot products: the heaviest `keep` (ties: the id that came first), ascending
   * ids, float32 weights, and the norm of the unrounded sums. The vector lives in this table's buffer
   * until the next pack() of the table (a story's packed aggregates are replaced whenever they change):
   * no new ArrayBuffer per pack, which were most of the off-heap garbage awaiting a major collection.
   */
  pack(keep = Infinity): { vec: Vec; norm: number } {
    const { keys, sums, gone } = this;
    if (!this.order || this.order.length < this.used) this.order = new Int32Array(Math.max(16, this.keys.length));
    const order = this.order;
    let n = 0;
    for (let i = 0; i < this.used; i++) if (!gone[i]) order[n++] = i;
    let at = order.subarray(0, n);
    if (n > keep) {
      at.sort((a, b) => (sums[b] as number) - (sums[a] as number) || a - b);
      at = at.subarray(0, keep);
      n = keep;
    }
    at.sort((a, b) => (keys[a] as number) - (keys[b] as number));
    if (!this.out || this.out.byteLength < n * 8) this.out = new ArrayBuffer(Math.max(64, (n * 10 + 7) & ~7));
    const room = this.out.byteLength >> 3;
    const ids = new Int32Array(this.out, 0, n);
    const ws = new Float32Array(this.out, room * 4, n);
    let norm = 0;
    for (let i = 0; i < n; i++) {
      const w = sums[at[i] as number] as number;
      ids[i] = keys[at[i] as number] as number;
      ws[i] = w;
      norm += w * w;
    }
    return { vec: { ids, ws }, norm: Math.sqrt(norm) };
  }
}

/** Scratch of SortedSums merges and selections (one at a time: the clusterer is single-threaded). */
let mergeIds = new Int32Array(1024);
let mergeSums = new Float64Array(1024);
let mergeRanks = new Int32Array(1024);
let order = new Int32Array(1024);

/**
 * Sums per id as SumTable keeps them (the same sums, the same order of first coming for ties at a cut),
 * held compactly for the stories that keep them: ids ascending with their float64 sums (and, when
 * `ranked`, each id's order of coming), filled by merging ascending runs. A SumTable costs 21 bytes per
 * slot at a load of one half to one, plus its packed copy and six typed-array objects; this costs 12
 * (16 ranked) bytes per sum and two or three. The packed form (the heaviest `keep`, float32 weights) is
 * not copied: prepare() finds the cut (a sum and a rank) and the norm, and readers skip what is cut off.
 */
export class SortedSums {
  ids: Int32Array;
  sums: Float64Array;
  ranks: Int32Array | undefined;
  /** Sums held. */
  size = 0;
  /** The next id's order of coming. */
  private next = 0;
  /** The cut of the last prepare() (entries kept: sum > cutSum, or equal and rank <= cutRank), its norm. */
  cutSum = -Infinity;
  cutRank = 0;
  norm = 0;
  private prepared = -1;

  constructor(ranked: boolean, capacity = 0) {
    this.ids = new Int32Array(capacity);
    this.sums = new Float64Array(capacity);
    this.ranks = ranked ? new Int32Array(capacity) : undefined;
  }

  /** Bytes of its arrays (for the memory figures). */
  get bytes(): number {
    return this.ids.byteLength + this.sums.byteLength + (this.ranks?.byteLength ?? 0);
  }

  clear(): void {
    this.size = 0;
    this.next = 0;
    this.prepared = -1;
  }

  get(id: number): number | undefined {
    const ids = this.ids;
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = ids[mid] as number;
      if (v === id) return this.sums[mid] as number;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /**
   * SumTable.addAt() of the ascending run [at, at + n) of `ids` (weights `ws`, or 1 each without): each
   * entry added in turn (a sum under ZERO in magnitude leaves; an id that comes again comes last).
   */
  addAt(ids: Int32Array, ws: Float32Array | undefined, at: number, n: number): void {
    const most = this.size + n;
    if (mergeIds.length < most) {
      const c = Math.max(most, mergeIds.length * 2);
      [mergeIds, mergeSums, mergeRanks] = [new Int32Array(c), new Float64Array(c), new Int32Array(c)];
    }
    const [oIds, oSums] = [this.ids, this.sums];
    const oRanks = this.ranks;
    let i = 0;
    let j = at;
    let k = 0;
    const end = at + n;
    const own = this.size;
    while (i < own || j < end) {
      if (j >= end || (i < own && (oIds[i] as number) < (ids[j] as number))) {
        mergeIds[k] = oIds[i] as number;
        mergeSums[k] = oSums[i] as number;
        if (oRanks) mergeRanks[k] = oRanks[i] as number;
        k++;
        i++;
        continue;
      }
      const id = ids[j] as number;
      let present = i < own && oIds[i] === id;
      let sum = present ? (oSums[i] as number) : 0;
      let rank = present && oRanks ? (oRanks[i] as number) : 0;
      if (present) i++;
      for (; j < end && ids[j] === id; j++) {
        const w = ws ? (ws[j] as number) : 1;
        if (present) {
          sum += w;
          if (Math.abs(sum) < ZERO) present = false;
        } else {
          sum = 0 + w;
          if (Math.abs(sum) < ZERO) continue;
          present = true;
          rank = this.next++;
        }
      }
      if (!present) continue;
      mergeIds[k] = id;
      mergeSums[k] = sum;
      mergeRanks[k] = rank;
      k++;
    }
    if (this.ids.length < k) {
      const c = Math.max(k, Math.ceil(this.ids.length * 1.5));
      this.ids = new Int32Array(c);
      this.sums = new Float64Array(c);
      if (this.ranks) this.ranks = new Int32Array(c);
    }
    this.ids.set(mergeIds.subarray(0, k));
    this.sums.set(mergeSums.subarray(0, k));
    if (this.ranks) this.ranks.set(mergeRanks.subarray(0, k));
    this.size = k;
    this.prepared = -1;
  }

  /**
   * The cut and norm of SumTable.pack(keep) of the same sums: the heaviest `keep` (ties: the id that
   * came first; unranked sums are never cut), the norm of their unrounded sums in ascending id order.
   */
  prepare(keep = Infinity): number {
    if (this.prepared === keep) return this.norm;
    const n = this.size;
    const sums = this.sums;
    const ranks = this.ranks;
    this.cutSum = -Infinity;
    this.cutRank = 0;
    if (n > keep && ranks) {
      if (order.length < n) order = new Int32Array(Math.max(n, order.length * 2));
      for (let i = 0; i < n; i++) order[i] = i;
      const at = order.subarray(0, n);
      at.sort((a, b) => (sums[b] as number) - (sums[a] as number) || (ranks[a] as number) - (ranks[b] as number));
      const last = at[keep - 1] as number;
      this.cutSum = sums[last] as number;
      this.cutRank = ranks[last] as number;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) {
      if (!this.kept(i)) continue;
      const w = sums[i] as number;
      norm += w * w;
    }
    this.norm = Math.sqrt(norm);
    this.prepared = keep;
    return this.norm;
  }

  /** Is entry `i` within the last prepare()'s cut? */
  kept(i: number): boolean {
    const s = this.sums[i] as number;
    return s > this.cutSum || (s === this.cutSum && (this.ranks?.[i] as number) <= this.cutRank);
  }

  /** dotAt() of the prepared (packed) sums and the vector held at [at, at + n) of `ids`/`ws`. */
  dotAt(ids: Int32Array, ws: Float32Array, at: number, n: number): number {
    let i = 0;
    let j = at;
    let s = 0;
    const own = this.ids;
    const end = at + n;
    while (i < this.size && j < end) {
      if (!this.kept(i)) {
        i++;
        continue;
      }
      const x = own[i] as number;
      const y = ids[j] as number;
      if (x === y) {
        s += Math.fround(this.sums[i] as number) * (ws[j] as number);
        i++;
        j++;
      } else if (x < y) i++;
      else j++;
    }
    return s;
  }

  /** Hold the sums of a table (as if its adds had been merged here in turn), sorted by id. */
  load(keys: Int32Array, sums: Float64Array, gone: Uint8Array, used: number): void {
    if (order.length < used) order = new Int32Array(Math.max(used, order.length * 2));
    let n = 0;
    for (let i = 0; i < used; i++) if (!gone[i]) order[n++] = i;
    const at = order.subarray(0, n);
    at.sort((a, b) => (keys[a] as number) - (keys[b] as number));
    // Room for them (and not much more: a table reused from a bigger story gives its room back).
    if (this.ids.length < n || this.ids.length > 2 * n + 16) {
      this.ids = new Int32Array(n);
      this.sums = new Float64Array(n);
      if (this.ranks) this.ranks = new Int32Array(n);
    }
    for (let i = 0; i < n; i++) {
      const p = at[i] as number;
      this.ids[i] = keys[p] as number;
      this.sums[i] = sums[p] as number;
      if (this.ranks) this.ranks[i] = p;
    }
    this.size = n;
    this.next = used;
    this.prepared = -1;
  }

  /** The prepared (packed) sums as a vector (tests). */
  vec(): Vec {
    const at: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.kept(i)) at.push(i);
    return { ids: Int32Array.from(at, (i) => this.ids[i] as number), ws: Float32Array.from(at, (i) => this.sums[i] as number) };
  }
}

/** A sum table packed for dot products (see SumTable.pack). */
export function pack(t: SumTable, keep = Infinity): { vec: Vec; norm: number } {
  return t.pack(keep);
}

/** Channels of the probe: what the probed article has under a term id. */
export const TITLE = 0;
export const LEAD = 1;
export const BODY = 2;
export const NAME = 3;
export const FIGURE = 4;
const CHANNELS = 5;

/**
 * One article's vectors in an open-addressing table (linear probing, keys stamped with an epoch so a
 * new article never clears the table): `slot(id)` finds a term, `at(slot, channel)` its weight.
 */
export class Probe {
  private bits = 10;
  private keys = new Int32Array(1 << 10);
  private stamp = new Int32Array(1 << 10);
  private w = new Float32Array(CHANNELS << 10);
  private epoch = 0;

  /** Start a new article of at most `n` entries. */
  begin(n: number): void {
    if (n * 3 > 1 << this.bits) {
      while (n * 3 > 1 << this.bits) this.bits++;
      this.keys = new Int32Array(1 << this.bits);
      this.stamp = new Int32Array(1 << this.bits);
      this.w = new Float32Array(CHANNELS << this.bits);
      this.epoch = 0;
    }
    this.epoch++;
  }

  private home(id: number): number {
    return home(id, this.bits);
  }

  /** Put a weight under a term id and channel. */
  put(id: number, channel: number, weight: number): void {
    const mask = (1 << this.bits) - 1;
    let i = this.home(id);
    while (this.stamp[i] === this.epoch && this.keys[i] !== id) i = (i + 1) & mask;
    if (this.stamp[i] !== this.epoch) {
      this.stamp[i] = this.epoch;
      this.keys[i] = id;
      this.w.fill(0, i * CHANNELS, i * CHANNELS + CHANNELS);
    }
    this.w[i * CHANNELS + channel] = weight;
  }

  putVec(v: Vec, channel: number): void {
    for (let i = 0; i < v.ids.length; i++) this.put(v.ids[i] as number, channel, v.ws[i] as number);
  }

  /** putVec() of the vector held at [at, at + n) of `ids`/`ws`. */
  putAt(ids: Int32Array, ws: Float32Array, at: number, n: number, channel: number): void {
    for (let i = at; i < at + n; i++) this.put(ids[i] as number, channel, ws[i] as number);
  }

  /** The slot of a term id, or -1. */
  slot(id: number): number {
    const mask = (1 << this.bits) - 1;
    let i = this.home(id);
    while (this.stamp[i] === this.epoch) {
      if (this.keys[i] === id) return i * CHANNELS;
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** The weight at a slot (from slot()) in a channel. */
  at(slot: number, channel: number): number {
    return this.w[slot + channel] as number;
  }

  /** Sum over a vector of its weights times the probe's in a channel, and how many terms both have. */
  dot(v: Vec, channel: number): { sum: number; shared: number } {
    let sum = 0;
    let shared = 0;
    for (let i = 0; i < v.ids.length; i++) {
      const s = this.slot(v.ids[i] as number);
      if (s < 0) continue;
      const w = this.w[s + channel] as number;
      if (w !== 0) {
        sum += w * (v.ws[i] as number);
        shared++;
      }
    }
    return { sum, shared };
  }
}

/**
 * Counts per term id (document frequencies) in an open-addressing table of typed arrays: a Map of a few
 * hundred thousand numbers costs tens of bytes per entry and its lookups dominate a start; this costs 12
 * bytes per slot, a slot's id, count and stamp side by side (one cache line per lookup: three arrays
 * cost three misses, most of a start's counting). Ids are term ids (non-negative, 30 bits). Ids whose
 * count fell to zero keep their slot until the table is rebuilt on growth.
 */
export class CountTable {
  private bits = 12;
  /** Per slot: id (-1: free), count, stamp (the document that counted it last). */
  private slots = CountTable.empty(12);
  private used = 0;
  private epoch = 0;
  /** Ids with a count above zero. */
  size = 0;

  private static empty(bits: number): Int32Array {
    const a = new Int32Array(3 << bits);
    for (let i = 0; i < a.length; i += 3) a[i] = -1;
    return a;
  }

  /** The slot of an id (its own, or the first free one after its home), as an offset into `slots`. */
  private find(id: number): number {
    const t = this.slots;
    const mask = (1 << this.bits) - 1;
    let i = home(id, this.bits);
    for (;;) {
      const k = t[i * 3] as number;
      if (k === id || k === -1) return i * 3;
      i = (i + 1) & mask;
    }
  }

  get(id: number): number {
    const i = this.find(id);
    return this.slots[i] === id ? (this.slots[i + 1] as number) : 0;
  }

  /** Bytes of its table (for the memory figures). */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Start a new document: add() counts each id once per document. */
  begin(): void {
    this.epoch++;
  }

  /** Add `by` to an id's count, once per document (since begin()). */
  add(id: number, by: number): void {
    let i = this.find(id);
    let t = this.slots;
    if (t[i] !== id) {
      if ((this.used + 1) * 2 > 1 << this.bits) {
        this.rebuild();
        i = this.find(id);
        t = this.slots;
      }
      t[i] = id;
      t[i + 1] = 0;
      t[i + 2] = 0;
      this.used++;
    }
    if (t[i + 2] === this.epoch) return;
    t[i + 2] = this.epoch;
    const before = t[i + 1] as number;
    const after = Math.max(0, before + by);
    t[i + 1] = after;
    if (before === 0 && after > 0) this.size++;
    else if (before > 0 && after === 0) this.size--;
  }

  /** Re-insert the live ids into a table sized for them (doubling when most are live). */
  private rebuild(): void {
    const old = this.slots;
    while (this.size * 4 > 1 << this.bits) this.bits++;
    this.slots = CountTable.empty(this.bits);
    this.used = 0;
    for (let j = 0; j < old.length; j += 3) {
      const c = old[j + 1] as number;
      if (old[j] === -1 || c <= 0) continue;
      const i = this.find(old[j] as number);
      this.slots[i] = old[j] as number;
      this.slots[i + 1] = c;
      this.slots[i + 2] = old[j + 2] as number;
      this.used++;
    }
  }
}

/** A story is not indexed under a term again when it is among the newest of the term's newest block. */
const RECENT_CHECKED = 8;
/** Story slots per block of a posting list (a block is two more numbers: its fill and the older block). */
const BLOCK = 8;
const BLOCK_SIZE = BLOCK + 2;

/** A term's slot in the postings table: its id, then its newest block (fill, older block, BLOCK story slots). */
const SLOT = BLOCK_SIZE + 1;

/**
 * Posting lists: term id -> the stories indexed under it, newest first, in blocks of BLOCK story slots
 * (a block: its fill, the term's previous (older) block or -1, then the slots). A term's newest block
 * lies in its slot of an open-addressing table, beside its id; older blocks lie in one Int32Array
 * (`blocks`). A Map of arrays costs a JS array per term and dominated a start's profile; a chain of
 * single entries cost a cache miss per entry in every lookup; a head block apart from the term's id
 * cost a second miss per entry indexed (most of the postings' share of a start). Entries of stories
 * that ended stay until compact().
 */
export class Postings {
  private bits = 12;
  /** Per term slot (SLOT numbers): its id (-1: free) and its newest block. */
  table = Postings.empty(12);
  private terms = 0;
  /** The older blocks: [fill, previous block, BLOCK slots] each. */
  blocks = new Int32Array(BLOCK_SIZE * 1024);
  private used = 0;
  private n = 0;

  private static empty(bits: number): Int32Array {
    const a = new Int32Array(SLOT << bits);
    for (let i = 0; i < a.length; i += SLOT) a[i] = -1;
    return a;
  }

  /** A term's slot (its own, or the first free one after its home), as an offset into `table`. */
  private find(id: number): number {
    const t = this.table;
    const mask = (1 << this.bits) - 1;
    let i = home(id, this.bits);
    for (;;) {
      const k = t[i * SLOT] as number;
      if (k === id || k === -1) return i * SLOT;
      i = (i + 1) & mask;
    }
  }

  /**
   * The newest block of a term, an offset into `table` (its older blocks' offsets, from the block's
   * second number on, are into `blocks`), or -1.
   */
  head(id: number): number {
    const i = this.find(id);
    return this.table[i] === id ? i + 1 : -1;
  }

  /** Index a story slot under a term (not again when it is among the term's newest few). */
  add(id: number, slot: number): void {
    let i = this.find(id);
    if (this.table[i] !== id) {
      if ((this.terms + 1) * 2 > 1 << this.bits) {
        this.grow();
        i = this.find(id);
      }
      this.table[i] = id;
      this.table[i + 1] = 0;
      this.table[i + 2] = -1;
      this.terms++;
    }
    this.append(i, slot);
  }

  /** Add a slot to the list of the term at `table` offset `i` (not again when among its newest few). */
  private append(i: number, slot: number): void {
    const t = this.table;
    const h = i + 1;
    const fill = t[h] as number;
    // Not again when among the term's newest (a story's members share their terms).
    for (let k = fill - 1; k >= 0 && k >= fill - RECENT_CHECKED; k--) if (t[h + 2 + k] === slot) return;
    if (fill === BLOCK) {
      // The newest block is full: it becomes the newest of the older ones, and the term's slot starts a new one.
      if (this.used + BLOCK_SIZE > this.blocks.length) {
        const grown = new Int32Array(this.blocks.length * 2);
        grown.set(this.blocks);
        this.blocks = grown;
      }
      const nb = this.used;
      this.used += BLOCK_SIZE;
      this.blocks.set(t.subarray(h, h + BLOCK_SIZE), nb);
      t[h] = 0;
      t[h + 1] = nb;
    }
    t[h + 2 + (t[h] as number)] = slot;
    t[h] = (t[h] as number) + 1;
    this.n++;
  }

  private grow(): void {
    const old = this.table;
    this.bits++;
    this.table = Postings.empty(this.bits);
    for (let j = 0; j < old.length; j += SLOT) {
      if (old[j] === -1) continue;
      const i = this.find(old[j] as number);
      this.table.set(old.subarray(j, j + SLOT), i);
    }
  }

  /** Entries held (for the memory figures). */
  get size(): number {
    return this.n;
  }

  /** Bytes of its tables (for the memory figures). */
  get bytes(): number {
    return this.table.byteLength + this.blocks.byteLength;
  }

  /**
   * Keep the entries whose slot `renumber` maps to a new slot (>= 0), in their order; drop the others
   * (and terms left without entries). The lists are rebuilt as add() would build them from the kept
   * entries, oldest first, into tables sized for what was there (no regrowth, no array per term).
   */
  compact(renumber: Int32Array | ((slot: number) => number)): void {
    const [old, blocks, terms, used] = [this.table, this.blocks, this.terms, this.used];
    const map = typeof renumber === 'function' ? undefined : renumber;
    const to = (slot: number) => (map ? (map[slot] ?? -1) : (renumber as (slot: number) => number)(slot));
    this.clear();
    while (terms * 2 > 1 << this.bits) this.bits++;
    this.table = Postings.empty(this.bits);
    this.blocks = new Int32Array(Math.max(BLOCK_SIZE * 1024, used));
    let live = new Int32Array(64);
    for (let j = 0; j < old.length; j += SLOT) {
      if (old[j] === -1) continue;
      // The term's kept slots, newest first: its slot's block, then the older ones.
      let n = 0;
      let arr = old;
      for (let h = j + 1; h >= 0; arr = blocks) {
        for (let k = (arr[h] as number) - 1; k >= 0; k--) {
          const slot = to(arr[h + 2 + k] as number);
          if (slot < 0) continue;
          if (n === live.length) {
            const grown = new Int32Array(live.length * 2);
            grown.set(live);
            live = grown;
          }
          live[n++] = slot;
        }
        h = arr[h + 1] as number;
      }
      if (n === 0) continue;
      const i = this.find(old[j] as number);
      this.table[i] = old[j] as number;
      this.table[i + 1] = 0;
      this.table[i + 2] = -1;
      this.terms++;
      for (let k = n - 1; k >= 0; k--) this.append(i, live[k] as number);
    }
  }

  clear(): void {
    this.bits = 12;
    this.table = Postings.empty(12);
    this.terms = 0;
    this.blocks = new Int32Array(BLOCK_SIZE * 1024);
    this.used = 0;
    this.n = 0;
  }
}

/**
 * What a candidate lookup reads of each story, by postings slot, in typed arrays: its time span, order
 * of creation and whether it ended, plus the lookup's scratch (`tag`: the lookup that saw it last and
 * the query term it counted last, as lookup * TAG_TERMS + term, one number read per entry; `acc`: the
 * weight so far). A lookup visits hundreds of posting entries; reading these
 * instead of each story's object kept it from paying a cache miss per entry (a fifth of the clustering
 * time went to that).
 */
/** A lookup's tags step by this (more than the query terms of an article): tag = lookup * TAG_TERMS + term. */
export const TAG_TERMS = 1024;

export class SlotTable {
  first = new Float64Array(1024);
  last = new Float64Array(1024);
  seq = new Float64Array(1024);
  dead = new Uint8Array(1024);
  tag = new Float64Array(1024);
  acc = new Float64Array(1024);

  /** Room for slot `slot`. */
  ensure(slot: number): void {
    if (slot < this.first.length) return;
    let n = this.first.length;
    while (n <= slot) n *= 2;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.first = grow(this.first, (k) => new Float64Array(k));
    this.last = grow(this.last, (k) => new Float64Array(k));
    this.seq = grow(this.seq, (k) => new Float64Array(k));
    this.dead = grow(this.dead, (k) => new Uint8Array(k));
    this.tag = grow(this.tag, (k) => new Float64Array(k));
    this.acc = grow(this.acc, (k) => new Float64Array(k));
  }

  /** Slot `from` moves to slot `to` (to <= from: compaction in ascending order). */
  moveSlot(from: number, to: number): void {
    this.first[to] = this.first[from] as number;
    this.last[to] = this.last[from] as number;
    this.seq[to] = this.seq[from] as number;
    this.dead[to] = this.dead[from] as number;
    this.tag[to] = this.tag[from] as number;
    this.acc[to] = this.acc[from] as number;
  }
}

/**
 * Records of numbers in two big aligned typed arrays (int32 ids, float32 weights), one record per
 * article at an offset: the clusterer's articles were ~14 small typed arrays each (~90 bytes of heap
 * per array, plus an ArrayBuffer with off-heap bookkeeping per buffer), which made a third of the heap
 * after a collection and most of the array buffers awaiting one. A record is appended (alloc()); its
 * owner says when it is dropped (free()) and when to reclaim the space (compact(): the live records
 * move down in place, in offset order, and each is told its new offset). Offsets are stable between
 * compactions; the arrays are replaced when they grow, so read them again after an alloc().
 */
export class Slab {
  ids: Int32Array;
  ws: Float32Array;
  /** Entries used from the start (live records and dropped ones). */
  used = 0;
  /** Entries of the records not dropped. */
  live = 0;

  constructor(capacity = 1 << 16) {
    this.ids = new Int32Array(capacity);
    this.ws = new Float32Array(capacity);
  }

  /** A new record of `n` entries (zeroed weights): its offset. */
  alloc(n: number): number {
    if (this.used + n > this.ids.length) this.grow(this.used + n);
    const at = this.used;
    this.ws.fill(0, at, at + n);
    this.used += n;
    this.live += n;
    return at;
  }

  /**
   * Room for `more` entries beyond those used, in one step: a start that knows what it will add (the
   * window's stored vectors) copies the slab at most once instead of at every doubling (at 50k articles
   * the last doubling alone copied ~80 MB, 57-66 ms in one step of a page's stepped load).
   */
  reserve(more: number): void {
    if (this.used + more > this.ids.length) this.resize(this.used + more);
  }

  /** A record of `n` entries is no longer used (its space is reclaimed by the next compact()). */
  free(n: number): void {
    this.live -= n;
  }

  /** Bytes of its arrays (for the memory figures). */
  get bytes(): number {
    return this.ids.byteLength + this.ws.byteLength;
  }

  /** Entries of dropped records, reclaimed by compact(). */
  get waste(): number {
    return this.used - this.live;
  }

  /**
   * Move the live records down, in place: `records` are every live record, `at`/`size` read a
   * record's offset and length and `moved` gives it its new one. Records not listed are dropped.
   */
  compact<T>(records: T[], at: (r: T) => number, size: (r: T) => number, moved: (r: T, at: number) => void): void {
    records.sort((a, b) => at(a) - at(b));
    let to = 0;
    for (const r of records) {
      const from = at(r);
      const n = size(r);
      if (from !== to) {
        this.ids.copyWithin(to, from, from + n);
        this.ws.copyWithin(to, from, from + n);
        moved(r, to);
      }
      to += n;
    }
    this.used = to;
    this.live = to;
  }

  /**
   * Room for `need` entries: twice that (a copy; a start filling the window grows it a dozen times, and
   * growing by half had it copy twice the final size; the untouched room costs no resident memory).
   */
  private grow(need: number): void {
    this.resize(Math.max(need * 2, 1024));
  }

  /** The arrays replaced by arrays of `n` entries holding the used ones. */
  private resize(n: number): void {
    const ids = new Int32Array(n);
    ids.set(this.ids.subarray(0, this.used));
    const ws = new Float32Array(n);
    ws.set(this.ws.subarray(0, this.used));
    this.ids = ids;
    this.ws = ws;
  }
}
