// Story clustering: which story does a new item belong to? Pure and in memory: documents in, story
// assignments out. Used incrementally by the worker (ingest/) and in batch by `storyfeed cluster`.
//
// Three levels: (1) the same article (canonical URL or id) is decided before this stage, by storage or
// by clusterDocs; (2) near-identical copies are caught by SimHash over body shingles (LSH bands);
// (3) different write-ups of one event score on rarity-weighted terms (TF-IDF cosine against the story's
// centroid and its recent members), shared named entities, and publication-time proximity.
// Candidates come from an inverted index over distinctive terms of stories active in a time window, so
// the cost per item does not grow with the number of stored items.
import { features, hamming, simhashBands, type Features } from './features.js';

export { entities, features, terms } from './features.js';

// ---- Tunables (chosen on the development sets; see bench/cluster-eval.ts and the README) -----------
export interface Thresholds {
  /** Combined score at or above which an item joins the best candidate story. */
  join: number;
  /** A second story scoring at least this against the item is merged into the first (older id kept). */
  merge: number;
  /** Share of the score from text similarity; the rest from shared named entities. */
  textWeight: number;
  /**
   * Hamming distance (of 64 bits) at or under which two bodies are near-identical copies. Edited wire
   * copies in the full-text set differ by 1–14 bits, different stories by 14 or more (random texts
   * by ~32): 10 catches most edited copies with a margin. The LSH bands find copies within 3 bits;
   * the rest are found through shared terms.
   */
  nearDuplicateBits: number;
  /** Stories whose time span is farther than this from the item are not candidates (hours). */
  windowHours: number;
  /** Time distance that costs nothing, then the score decays with this scale (hours). */
  graceHours: number;
  decayHours: number;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  join: 0.28,
  merge: 0.7,
  textWeight: 0.85,
  nearDuplicateBits: 10,
  windowHours: 7 * 24,
  graceHours: 24,
  decayHours: 72,
});

/** Text similarity needs at least this many shared terms. */
const MIN_SHARED_TERMS = 2;
/** Query terms per item: its highest-weighted terms (rarest in context) look up candidate stories. */
const QUERY_TERMS = 12;
/** Most recent stories read per posting list: keeps lookups flat however common a term gets. */
const POSTINGS_CAP = 200;
/** Candidate stories scored in full per item (the rest are ranked out by shared query-term weight). */
const CANDIDATES = 24;
/** Recent members an item is compared with, besides the story centroid. */
const MEMBERS_COMPARED = 30;
/** Terms kept in a story centroid (the heaviest). */
const CENTROID_TERMS = 120;
/** How often (in added items) stale stories are dropped from memory. */
const SWEEP_EVERY = 2000;
// ---------------------------------------------------------------------------------------------------

export type StoryKey = string | number;
type DocId = string | number;

export interface ClusterDoc {
  id: DocId;
  title: string;
  /** Body text (plain); absent for title-only items. */
  text?: string;
  url?: string;
  /** Publication time, ms since the epoch. */
  published: number;
}

type Vector = Map<string, number>;

interface DocState {
  id: DocId;
  time: number;
  vec: Vector;
  norm: number;
  /** The same vector as interned term ids (ascending) and weights, for fast member comparisons. */
  ids: Int32Array;
  ws: Float64Array;
  entities: Set<string>;
  simhash?: [number, number];
}

interface StoryState {
  key: StoryKey;
  /** Order of creation: on a merge the older story (smaller) survives. */
  seq: number;
  first: number;
  last: number;
  size: number;
  centroid: Vector;
  centroidNorm: number;
  /** Entity -> number of members naming it. */
  entities: Map<string, number>;
  recent: DocState[];
  indexed: Set<string>;
  /** The centroid packed for scoring; rebuilt on the next read after it changes. */
  packed?: Packed;
}

/** Why an item was (or was not) put in a story: the scores that decided. */
export interface Scores {
  text: number;
  entities: number;
  time: number;
  hammingBits?: number;
  nearDuplicate: boolean;
  score: number;
}

export interface Decision {
  /** The story to join, or undefined for a new story. */
  story?: StoryKey;
  scores?: Scores;
  /** Other stories close enough to be merged into `story`. */
  merge: StoryKey[];
}

const HOUR = 3_600_000;

/**
 * Cosine of two vectors, 0 unless they share at least MIN_SHARED_TERMS terms: one common word ("Alpha
 * one" / "Alpha two") is a coincidence, not a story.
 */
function cosine(a: Vector, an: number, b: Vector, bn: number): number {
  if (an === 0 || bn === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let s = 0;
  let shared = 0;
  for (const [t, w] of small) {
    const v = large.get(t);
    if (v !== undefined && v > 0) {
      s += w * v;
      shared++;
    }
  }
  return shared >= MIN_SHARED_TERMS ? s / (an * bn) : 0;
}

/** A vector as ascending interned term ids with their weights, and its norm. */
interface Packed {
  ids: Int32Array;
  ws: Float64Array;
  norm: number;
}

/** cosine() for packed vectors: a merge join over ascending term ids. */
function packedCosine(a: Packed, b: Packed): number {
  if (a.norm === 0 || b.norm === 0) return 0;
  let i = 0;
  let j = 0;
  let s = 0;
  let shared = 0;
  const ai = a.ids;
  const bi = b.ids;
  while (i < ai.length && j < bi.length) {
    const x = ai[i] as number;
    const y = bi[j] as number;
    if (x === y) {
      s += (a.ws[i] as number) * (b.ws[j] as number);
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return shared >= MIN_SHARED_TERMS ? s / (a.norm * b.norm) : 0;
}

function norm(v: Vector): number {
  let s = 0;
  for (const w of v.values()) s += w * w;
  return Math.sqrt(s);
}

export class Clusterer {
  readonly thresholds: Thresholds;
  private readonly df = new Map<string, number>();
  private docCount = 0;
  private seq = 0;
  private added = 0;
  private latest = 0;
  private readonly stories = new Map<StoryKey, StoryState>();
  private readonly alias = new Map<StoryKey, StoryKey>();
  private readonly postings = new Map<string, StoryKey[]>();
  private readonly termIds = new Map<string, number>();
  private readonly featureCache = new WeakMap<ClusterDoc, Features>();

  constructor(thresholds: Partial<Thresholds> = {}) {
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...thresholds };
  }

  get size(): { stories: number; documents: number; terms: number } {
    return { stories: this.stories.size, documents: this.docCount, terms: this.df.size };
  }

  private idf(term: string): number {
    return Math.log((this.docCount + 1) / ((this.df.get(term) ?? 0) + 1)) + 1;
  }

  private termId(term: string): number {
    let id = this.termIds.get(term);
    if (id === undefined) {
      id = this.termIds.size;
      this.termIds.set(term, id);
    }
    return id;
  }

  /** A document's features, computed once for decide() and the add() that follows it. */
  private featuresOf(doc: ClusterDoc): Features {
    let f = this.featureCache.get(doc);
    if (!f) {
      f = features(doc.title, doc.text);
      this.featureCache.set(doc, f);
    }
    return f;
  }

  /** Features -> a TF-IDF vector under the current statistics. */
  private vectorize(doc: ClusterDoc, f: Features): DocState {
    const vec: Vector = new Map();
    for (const [t, tf] of f.tf) vec.set(t, (1 + Math.log(tf)) * this.idf(t));
    const packed = [...vec].map(([t, w]) => [this.termId(t), w] as const).sort((a, b) => a[0] - b[0]);
    return { id: doc.id, time: doc.published, vec, norm: norm(vec), ids: Int32Array.from(packed, (p) => p[0]),
      ws: Float64Array.from(packed, (p) => p[1]), entities: f.entities, simhash: f.simhash };
  }

  private resolve(key: StoryKey): StoryKey {
    let k = key;
    for (let a = this.alias.get(k); a !== undefined; a = this.alias.get(k)) k = a;
    return k;
  }

  /** Candidate stories: posting lists of the item's heaviest terms and its SimHash bands. */
  private candidates(d: DocState): StoryState[] {
    // Terms no story has (new names, typos) would waste the query: only indexed terms are asked.
    const query = [...d.vec].filter(([t]) => this.postings.has(t)).sort((a, b) => b[1] - a[1]).slice(0, QUERY_TERMS);
    const weight = new Map<StoryKey, number>();
    const lookup = (term: string, w: number) => {
      const list = this.postings.get(term);
      if (!list) return;
      for (let i = list.length - 1, seen = 0; i >= 0 && seen < POSTINGS_CAP; i--, seen++) {
        const key = this.resolve(list[i] as StoryKey);
        weight.set(key, (weight.get(key) ?? 0) + w);
      }
    };
    for (const [t, w] of query) lookup(t, w);
    if (d.simhash) for (const band of simhashBands(d.simhash)) lookup(`#${band}`, 1e6);
    const window = this.thresholds.windowHours * HOUR;
    return [...weight].sort((a, b) => b[1] - a[1])
      .map(([k]) => this.stories.get(k))
      .filter((s): s is StoryState => !!s && s.last >= d.time - window && s.first <= d.time + window)
      .slice(0, CANDIDATES);
  }

  private timeFactor(time: number, first: number, last: number): number {
    const distance = time < first ? first - time : time > last ? time - last : 0;
    const over = distance / HOUR - this.thresholds.graceHours;
    return over <= 0 ? 1 : Math.exp(-over / this.thresholds.decayHours);
  }

  /** Rarity-weighted share of the item's entities that the other side names (`share`: 0..1 per entity). */
  private entityOverlap(d: DocState, share: (e: string) => number): number | undefined {
    if (d.entities.size === 0) return undefined;
    let shared = 0;
    let total = 0;
    for (const e of d.entities) {
      const w = this.idf(e);
      total += w;
      shared += w * share(e);
    }
    return total > 0 ? shared / total : undefined;
  }

  private combine(text: number, ent: number | undefined, time: number, bits: number | undefined): Scores {
    const nearDuplicate = bits !== undefined && bits <= this.thresholds.nearDuplicateBits;
    const w = this.thresholds.textWeight;
    const base = ent === undefined ? text : w * text + (1 - w) * ent;
    return { text, entities: ent ?? 0, time, hammingBits: bits, nearDuplicate, score: nearDuplicate ? 1 : base * time };
  }

  private packCentroid(s: StoryState): Packed {
    if (!s.packed) {
      const entries = [...s.centroid].filter(([, w]) => w > 1e-9).map(([t, w]) => [this.termId(t), w] as const)
        .sort((a, b) => a[0] - b[0]);
      s.packed = { ids: Int32Array.from(entries, (e) => e[0]), ws: Float64Array.from(entries, (e) => e[1]), norm: s.centroidNorm };
    }
    return s.packed;
  }

  private score(d: DocState, s: StoryState): Scores {
    let text = packedCosine(d, this.packCentroid(s));
    let bits: number | undefined;
    for (const m of s.recent) {
      text = Math.max(text, packedCosine(d, m));
      if (d.simhash && m.simhash) {
        const h = hamming(d.simhash, m.simhash);
        bits = bits === undefined ? h : Math.min(bits, h);
      }
    }
    // An entity counts by the share of the story's members that name it: the story's core names weigh
    // fully, a name one member mentioned in passing barely.
    const ent = this.entityOverlap(d, (e) => Math.min(1, (s.entities.get(e) ?? 0) / Math.max(1, s.size * 0.5)));
    return this.combine(text, ent, this.timeFactor(d.time, s.first, s.last), bits);
  }

  /** Which story should this document join? Does not change any state. */
  decide(doc: ClusterDoc): Decision {
    const d = this.vectorize(doc, this.featuresOf(doc));
    const scored = this.candidates(d).map((s) => ({ s, scores: this.score(d, s) }))
      .sort((a, b) => b.scores.score - a.scores.score || a.s.seq - b.s.seq);
    const best = scored[0];
    if (!best || best.scores.score < this.thresholds.join) return { scores: best?.scores, merge: [] };
    const merge = scored.slice(1).filter((c) => c.scores.score >= this.thresholds.merge).map((c) => c.s);
    // The oldest of the stories involved keeps its id.
    const keep = [best.s, ...merge].reduce((a, b) => (b.seq < a.seq ? b : a));
    return { story: keep.key, scores: best.scores, merge: [best.s, ...merge].filter((s) => s !== keep).map((s) => s.key) };
  }

  /**
   * A member's text grew (full text extracted after a teaser): refresh its features, then say whether
   * it now belongs with another story. The returned decision names the story to keep (the older) and
   * the ones to merge into it; `story` undefined means nothing changes.
   */
  reassess(doc: ClusterDoc, story: StoryKey): Decision {
    const own = this.stories.get(this.resolve(story));
    if (!own) return { merge: [] };
    const d = this.vectorize(doc, features(doc.title, doc.text));
    const at = own.recent.findIndex((m) => m.id === doc.id);
    if (at >= 0) {
      const old = own.recent[at] as DocState;
      if (old.norm > 0) for (const [t, w] of old.vec) own.centroid.set(t, (own.centroid.get(t) ?? 0) - w / old.norm);
      if (d.norm > 0) for (const [t, w] of d.vec) own.centroid.set(t, (own.centroid.get(t) ?? 0) + w / d.norm);
      own.centroidNorm = norm(own.centroid);
      own.packed = undefined;
      own.recent[at] = d;
      for (const e of d.entities) if (!old.entities.has(e)) own.entities.set(e, (own.entities.get(e) ?? 0) + 1);
    }
    const others = this.candidates(d).filter((s) => s !== own)
      .map((s) => ({ s, scores: this.score(d, s) }))
      .filter((c) => c.scores.score >= this.thresholds.join)
      .sort((a, b) => b.scores.score - a.scores.score);
    // Indexed after the lookup: indexed first, the new terms would point back at the item's own story.
    this.index(own, d);
    const best = others[0];
    if (!best) return { merge: [] };
    const keep = best.s.seq < own.seq ? best.s : own;
    return { story: keep.key, scores: best.scores, merge: [keep === own ? best.s.key : own.key] };
  }

  /** Record a document as a member of a story (created when new). */
  add(doc: ClusterDoc, story: StoryKey): void {
    const f = this.featuresOf(doc);
    for (const t of f.tf.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    this.docCount++;
    const d = this.vectorize(doc, f);
    const key = this.resolve(story);
    let s = this.stories.get(key);
    if (!s) {
      s = { key, seq: this.seq++, first: d.time, last: d.time, size: 0, centroid: new Map(), centroidNorm: 0,
        entities: new Map(), recent: [], indexed: new Set() };
      this.stories.set(key, s);
    }
    this.absorb(s, d);
    this.latest = Math.max(this.latest, d.time);
    if (++this.added % SWEEP_EVERY === 0) this.sweep();
  }

  private absorb(s: StoryState, d: DocState): void {
    s.first = Math.min(s.first, d.time);
    s.last = Math.max(s.last, d.time);
    s.size++;
    if (d.norm > 0) for (const [t, w] of d.vec) s.centroid.set(t, (s.centroid.get(t) ?? 0) + w / d.norm);
    if (s.centroid.size > CENTROID_TERMS * 2) {
      const kept = [...s.centroid].sort((a, b) => b[1] - a[1]).slice(0, CENTROID_TERMS);
      s.centroid = new Map(kept);
    }
    s.centroidNorm = norm(s.centroid);
    s.packed = undefined;
    for (const e of d.entities) s.entities.set(e, (s.entities.get(e) ?? 0) + 1);
    s.recent.push(d);
    if (s.recent.length > MEMBERS_COMPARED) s.recent.shift();
    this.index(s, d);
  }

  /** Make a story findable by a member's terms and SimHash bands. */
  private index(s: StoryState, d: DocState): void {
    const put = (term: string) => {
      if (s.indexed.has(term)) return;
      s.indexed.add(term);
      const list = this.postings.get(term);
      if (list) list.push(s.key);
      else this.postings.set(term, [s.key]);
    };
    for (const t of d.vec.keys()) put(t);
    if (d.simhash) for (const band of simhashBands(d.simhash)) put(`#${band}`);
  }

  /** Merge story `drop` into story `keep`: one story from now on, known by `keep`. */
  merge(keep: StoryKey, drop: StoryKey): void {
    const k = this.stories.get(this.resolve(keep));
    const dKey = this.resolve(drop);
    const d = this.stories.get(dKey);
    if (!k || !d || k === d) return;
    for (const m of d.recent) this.absorb(k, m);
    k.size += d.size - d.recent.length;
    k.first = Math.min(k.first, d.first);
    k.last = Math.max(k.last, d.last);
    this.stories.delete(dKey);
    this.alias.set(dKey, k.key);
  }

  /** Forget stories that ended long before the newest item: memory stays bounded by the window. */
  private sweep(): void {
    // A story that ended more than a window (and a day of slack for late items) before the newest item
    // can no longer be a candidate.
    const horizon = this.latest - (this.thresholds.windowHours + 24) * HOUR;
    for (const [key, s] of this.stories) if (s.last < horizon) this.stories.delete(key);
    for (const [term, list] of this.postings) {
      const live = list.filter((k) => this.stories.has(this.resolve(k)));
      if (live.length === 0) this.postings.delete(term);
      else if (live.length < list.length) this.postings.set(term, live);
    }
    for (const [from] of this.alias) if (!this.stories.has(this.resolve(from))) this.alias.delete(from);
  }

  /** The scores between two documents under the current statistics, and what they share (`storyfeed explain`). */
  compare(a: ClusterDoc, b: ClusterDoc): Scores & { sharedTerms: string[]; sharedEntities: string[] } {
    const da = this.vectorize(a, features(a.title, a.text));
    const db = this.vectorize(b, features(b.title, b.text));
    const text = cosine(da.vec, da.norm, db.vec, db.norm);
    const bits = da.simhash && db.simhash ? hamming(da.simhash, db.simhash) : undefined;
    const ent = this.entityOverlap(da, (e) => (db.entities.has(e) ? 1 : 0));
    const sharedTerms = [...da.vec].filter(([t]) => db.vec.has(t))
      .sort((x, y) => y[1] * (db.vec.get(y[0]) ?? 0) - x[1] * (db.vec.get(x[0]) ?? 0)).map(([t]) => t);
    return { ...this.combine(text, ent, this.timeFactor(a.published, b.published, b.published), bits),
      sharedTerms, sharedEntities: [...da.entities].filter((e) => db.entities.has(e)) };
  }
}

/**
 * Cluster a batch exactly as the worker does item by item: in publication order (ties: input order),
 * the same URL or id joining the same story first. Returns each document's story key (the id of the
 * story's first document, after merges).
 */
export function clusterDocs(docs: readonly ClusterDoc[], thresholds: Partial<Thresholds> = {}): Map<DocId, StoryKey> {
  const c = new Clusterer(thresholds);
  const order = docs.map((d, i) => ({ d, i })).sort((a, b) => a.d.published - b.d.published || a.i - b.i);
  const storyOf = new Map<DocId, StoryKey>();
  const byUrl = new Map<string, StoryKey>();
  const merged = new Map<StoryKey, StoryKey>();
  const final = (k: StoryKey): StoryKey => {
    let key = k;
    for (let m = merged.get(key); m !== undefined; m = merged.get(key)) key = m;
    return key;
  };
  for (const { d } of order) {
    const same = (d.url ? byUrl.get(d.url) : undefined) ?? storyOf.get(d.id);
    if (same !== undefined) {
      storyOf.set(d.id, final(same));
      continue;
    }
    const decision = c.decide(d);
    const story = decision.story ?? d.id;
    for (const drop of decision.merge) {
      c.merge(story, drop);
      merged.set(final(drop), story);
    }
    c.add(d, story);
    storyOf.set(d.id, story);
    if (d.url) byUrl.set(d.url, story);
  }
  return new Map(docs.map((d) => [d.id, final(storyOf.get(d.id) as StoryKey)]));
}
