// Story clustering: which story does an article belong to? Pure and in memory: documents in, decisions
// out. Used incrementally by the worker (ingest/ asks, storage writes) and in batch by `storyfeed cluster`.
//
// Signals are computed separately (title–title, title–lead, lead–lead, body cosines, entities by kind,
// numbers, time gaps to the story's newest/oldest/mean member, story size, same outlet, near-duplicate
// bodies) and combined by a learned logistic regression (model.ts, src/cluster/model.json): an article
// joins the candidate story it most probably belongs to when that probability reaches the model's
// threshold. Candidates come from an inverted index over the distinctive terms of stories active in a
// time window, so the cost per article does not grow with the database. Past the single pass, refine()
// re-examines the stories that changed: a member moves when another story is now a better home (or
// leaves a story it no longer matches), and two stories merge when their members match the other story
// on average (average linkage under the model). Story keys never change except on a merge (older kept).
import { analyze, ANALYSIS_VERSION, hamming, type Analysis, type EntityKind } from './features.js';
import { FEATURES, Model, shippedModel, type Contribution } from './model.js';

export { analyze, ANALYSIS_VERSION, detectLanguage, entities, terms, words, type Analysis } from './features.js';
export { FEATURES, Model, ModelError, MODEL_VERSION, shippedModel, type Contribution, type ModelFile } from './model.js';

// ---- Tunables -------------------------------------------------------------------------------------
export interface Options {
  /** The learned combination (default: the shipped src/cluster/model.json). */
  model?: Model;
  /** Stories whose time span is farther than this from an article are not candidates (hours). */
  windowHours?: number;
  /** Told of each document forgotten by the sweep (its story is final). */
  onForget?: (doc: DocId, story: StoryKey) => void;
}
/** Default candidate window: a story grows by matching its event, not by chaining over weeks. */
export const WINDOW_HOURS = 7 * 24;
/** Query terms per article: its heaviest terms (rarest in context; title and lead boosted) look up
 *  candidate stories, and index its story. */
const QUERY_TERMS = 14;
/** Most recent stories read per posting list: keeps lookups flat however common a term gets. */
const POSTINGS_CAP = 64;
/** Candidate stories scored in full per article (the rest are ranked out by shared query-term weight). */
const CANDIDATES = 10;
/** A candidate is scored in full only when it shares at least this share of the best one's query weight. */
const CANDIDATE_SHARE = 0.3;
/** Recent members an article is compared with, one by one. */
const MEMBERS_COMPARED = 24;
/** Terms kept in a story's body centroid (the heaviest). */
const CENTROID_TERMS = 150;
/** Hamming distance (of 64 bits) at or under which two bodies are near-identical copies. */
const NEAR_DUPLICATE_BITS = 10;
/** A move needs the new home to beat the current one by this much probability (no flip-flopping). */
const MOVE_MARGIN = 0.1;
/** A candidate scoring at least this for a new article is re-examined at the next refine(). */
const REVISIT_FROM = 0.2;
/** Members that joined at or above this probability are not re-examined (unless their story shrank). */
const SURE = 0.9;
/** How often (in added articles) stale stories are dropped from memory. */
const SWEEP_EVERY = 2000;
// ---------------------------------------------------------------------------------------------------

export type StoryKey = string | number;
export type DocId = string | number;

export interface ClusterDoc {
  id: DocId;
  title: string;
  /** Body text (plain); absent for title-only items. */
  text?: string;
  url?: string;
  /** Publication time, ms since the epoch. */
  published: number;
  /** The outlet (source) that published it, if known. */
  source?: string;
  /** Its analysis when already known (stored per article): then title and text are not read again. */
  analysis?: Analysis;
}

const HOUR = 3_600_000;
const KIND_INDEX: Record<EntityKind, number> = { person: 0, org: 1, place: 2, name: 3 };
const F = Object.fromEntries(FEATURES.map((f, i) => [f, i])) as Record<(typeof FEATURES)[number], number>;

/** A sparse unit vector: ascending term ids and their weights. */
interface Vec {
  ids: Int32Array;
  ws: Float32Array;
}
const EMPTY: Vec = { ids: new Int32Array(0), ws: new Float32Array(0) };

interface DocState {
  id: DocId;
  story?: StoryState;
  time: number;
  source: number;
  lang: string;
  title: Vec;
  lead: Vec;
  body: Vec;
  hasBody: boolean;
  /** Entity ids and their kinds (KIND_INDEX); figures as term ids. */
  ents: Int32Array;
  kinds: Uint8Array;
  nums: Int32Array;
  simhash?: [number, number];
  /** Probability with which it joined (or was last confirmed in) its story. */
  p: number;
  /** Rarity-weighted mass of its names and figures (computed on first use). */
  mass?: number;
  /** Its terms, heaviest first: the first QUERY_TERMS that some story has look up candidates. */
  query: Int32Array;
  queryW: Float32Array;
}

interface StoryState {
  key: StoryKey;
  /** Order of creation: on a merge the older story (smaller) survives. */
  seq: number;
  members: DocState[];
  first: number;
  last: number;
  sumTime: number;
  /** Sum of the members' unit body vectors (heaviest terms kept). */
  centroid: Map<number, number>;
  packed?: { vec: Vec; norm: number };
  /** Sum of the members' unit title vectors. */
  titles: Map<number, number>;
  packedTitles?: { vec: Vec; norm: number };
  /** Entity / figure id -> members naming it. */
  counts: Map<number, number>;
  sources: Map<number, number>;
  langs: Map<string, number>;
  bodies: number;
  indexed: Set<number>;
  dead: boolean;
  /** A member left: its remaining members are re-examined even when sure. */
  shrank: boolean;
  /** Scratch for candidate lookups: the lookup's epoch and the accumulated weight. */
  mark: number;
  acc: number;
}

/** An analysis's terms as interned ids. */
interface Interned {
  title: Int32Array;
  lead: Int32Array;
  body: Int32Array;
  bodyCounts: Float64Array;
  ents: Int32Array;
  kinds: Uint8Array;
  nums: Int32Array;
}

/** The signals between an article and a story, the probability, and the story's key. */
export interface Scored {
  story: StoryKey;
  features: number[];
  probability: number;
}

export interface Decision {
  /** The story to join, or undefined for a new story. */
  story?: StoryKey;
  /** The probability for that story (or for the best candidate when none was good enough). */
  probability: number;
  best?: Scored;
}

/** What refine() changed: a member moved to another story, or a story merged into an older one. */
export type Change =
  | { kind: 'move'; doc: DocId; from: StoryKey; to: StoryKey; probability: number }
  | { kind: 'merge'; keep: StoryKey; drop: StoryKey; probability: number };

function dot(a: Vec, b: Vec): number {
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

/** dot() of two term vectors sharing at least two terms, else 0: one common word is a coincidence, not a story. */
function dot2(a: Vec, b: Vec): number {
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
  return shared >= 2 ? s : 0;
}

function has(sorted: Int32Array, id: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid] as number;
    if (v === id) return true;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** A sum of vectors packed for dot products, with its norm. */
function pack(m: Map<number, number>): { vec: Vec; norm: number } {
  let n = 0;
  for (const w of m.values()) n += w * w;
  const ids = Int32Array.from(m.keys()).sort();
  const ws = new Float32Array(ids.length);
  ids.forEach((id, i) => { ws[i] = m.get(id) as number; });
  return { vec: { ids, ws }, norm: Math.sqrt(n) };
}

function addInto(m: Map<number, number>, v: Vec, sign: 1 | -1): void {
  v.ids.forEach((id, i) => {
    const w = (m.get(id) ?? 0) + sign * (v.ws[i] as number);
    if (Math.abs(w) < 1e-6) m.delete(id);
    else m.set(id, w);
  });
}

/**
 * Some text in common: a title, lead or body signal above zero (title and lead signals need two shared
 * words: one common word is a coincidence, not a story), a near-identical body, or two words of the
 * story's titles.
 */
function sharesText(x: readonly number[], titleWord: boolean): boolean {
  return titleWord || (x[F.titleTitle] as number) > 0 || (x[F.titleLead] as number) > 0 || (x[F.leadLead] as number) > 0 ||
    (x[F.bodyMax] as number) > 0.05 || (x[F.nearDuplicate] as number) > 0;
}

const logGap = (ms: number) => Math.log1p(Math.abs(ms) / HOUR / 24);

export class Clusterer {
  readonly model: Model;
  readonly windowHours: number;
  private readonly onForget?: (doc: DocId, story: StoryKey) => void;
  private readonly terms = new Map<string, number>();
  private df = new Int32Array(1024);
  private docCount = 0;
  private seq = 0;
  private added = 0;
  private latest = -Infinity;
  private readonly sourceIds = new Map<string, number>();
  private readonly docs = new Map<DocId, DocState>();
  private readonly stories = new Map<StoryKey, StoryState>();
  private readonly postings = new Map<number, StoryState[]>();
  private readonly touched = new Set<StoryState>();
  private epoch = 0;
  /** Set by signals(): the article's title shares two words with the story's titles (the no-words-in-common rule). */
  private titleWord = false;
  private readonly analyses = new WeakMap<ClusterDoc, Analysis>();
  private internedOf = new WeakMap<Analysis, Interned>();
  /** Scratch for count(): the epoch at which a term was last seen. */
  private seen = new Int32Array(1024);

  constructor(options: Options = {}) {
    this.model = options.model ?? shippedModel(ANALYSIS_VERSION);
    this.windowHours = options.windowHours ?? WINDOW_HOURS;
    this.onForget = options.onForget;
  }

  get size(): { stories: number; documents: number; terms: number } {
    return { stories: this.stories.size, documents: this.docs.size, terms: this.terms.size };
  }

  /** A document's analysis (given, or computed once per document object). */
  analysisOf(doc: ClusterDoc): Analysis {
    if (doc.analysis) return doc.analysis;
    let a = this.analyses.get(doc);
    if (!a) {
      a = analyze(doc.title, doc.text);
      this.analyses.set(doc, a);
    }
    return a;
  }

  storyOf(id: DocId): StoryKey | undefined {
    return this.docs.get(id)?.story?.key;
  }

  has(id: DocId): boolean {
    return this.docs.has(id);
  }

  private termId(term: string): number {
    let id = this.terms.get(term);
    if (id === undefined) {
      id = this.terms.size;
      this.terms.set(term, id);
      if (id >= this.df.length) {
        const grown = new Int32Array(this.df.length * 2);
        grown.set(this.df);
        this.df = grown;
      }
    }
    return id;
  }

  private idf(id: number): number {
    return Math.log((this.docCount + 1) / ((this.df[id] ?? 0) + 1)) + 1;
  }

  /** Analysis -> vectors under the current statistics (nothing is counted). */
  /** An analysis's terms as interned ids (computed once per analysis object). */
  private interned(a: Analysis): Interned {
    let n = this.internedOf.get(a);
    if (!n) {
      const ids = (ts: readonly string[]) => {
        const out = new Int32Array(ts.length);
        for (let i = 0; i < ts.length; i++) out[i] = this.termId(ts[i] as string);
        return out;
      };
      const ents = a.entities.map(([key, kind]) => [this.termId(`\u0001${key}`), KIND_INDEX[kind]] as const).sort((x, y) => x[0] - y[0]);
      n = {
        title: ids(a.title), lead: ids(a.lead), body: ids(a.body.map((b) => b[0])),
        bodyCounts: Float64Array.from(a.body, (b) => b[1]),
        ents: Int32Array.from(ents, (e) => e[0]), kinds: Uint8Array.from(ents, (e) => e[1]), nums: ids(a.numbers).sort(),
      };
      this.internedOf.set(a, n);
    }
    return n;
  }

  /** Analysis -> vectors under the current statistics (nothing is counted). */
  private state(doc: ClusterDoc, a: Analysis): DocState {
    const n = this.interned(a);
    const vec = (ids: Int32Array, weight: (i: number) => number): Vec => {
      if (ids.length === 0) return EMPTY;
      const order = Array.from(ids.keys()).sort((x, y) => (ids[x] as number) - (ids[y] as number));
      const out = new Int32Array(order.length);
      const ws = new Float32Array(order.length);
      let norm = 0;
      let k = 0;
      for (const i of order) {
        const id = ids[i] as number;
        if (k > 0 && out[k - 1] === id) continue;
        const w = weight(i) * this.idf(id);
        out[k] = id;
        ws[k] = w;
        norm += w * w;
        k++;
      }
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < k; i++) ws[i] = (ws[i] as number) / norm;
      return { ids: out.subarray(0, k), ws: ws.subarray(0, k) };
    };
    const title = vec(n.title, () => 1);
    const lead = vec(n.lead, () => 1);
    const body = vec(n.body, (i) => 1 + Math.log(n.bodyCounts[i] as number));
    // The query: every term, heaviest first (title and lead boosted); candidates() reads the first few indexed ones.
    const q = new Map<number, number>();
    const put = (v: Vec, boost: number) => {
      for (let i = 0; i < v.ids.length; i++) {
        const id = v.ids[i] as number;
        const w = (v.ws[i] as number) * boost;
        if (w > (q.get(id) ?? 0)) q.set(id, w);
      }
    };
    put(body, 1);
    put(lead, 1.5);
    put(title, 2);
    const top = [...q].sort((x, y) => y[1] - x[1]);
    return {
      id: doc.id, time: doc.published, source: doc.source ? this.sourceId(doc.source) : -1, lang: a.lang,
      title, lead, body, hasBody: a.bodyTokens > 0, query: Int32Array.from(top, (e) => e[0]),
      queryW: Float32Array.from(top, (e) => e[1]), ents: n.ents, kinds: n.kinds, nums: n.nums, simhash: a.simhash, p: 0,
    };
  }

  private sourceId(name: string): number {
    let id = this.sourceIds.get(name);
    if (id === undefined) {
      id = this.sourceIds.size;
      this.sourceIds.set(name, id);
    }
    return id;
  }

  private count(a: Analysis, sign: 1 | -1): void {
    const n = this.interned(a);
    const mark = ++this.epoch;
    if (this.seen.length < this.df.length) {
      const grown = new Int32Array(this.df.length);
      grown.set(this.seen);
      this.seen = grown;
    }
    for (const ids of [n.title, n.lead, n.body, n.ents]) {
      for (const id of ids) {
        if (this.seen[id] === mark) continue;
        this.seen[id] = mark;
        this.df[id] = Math.max(0, (this.df[id] as number) + sign);
      }
    }
    this.docCount += sign;
  }

  private packCentroid(s: StoryState): { vec: Vec; norm: number } {
    s.packed ??= pack(s.centroid);
    return s.packed;
  }


  private language(s: StoryState): string {
    let best = 'und';
    let n = 0;
    for (const [l, c] of s.langs) if (l !== 'und' && c > n) { best = l; n = c; }
    return best;
  }

  /** The signals between an article and a story (without `self` when the article is a member). */
  private signals(d: DocState, s: StoryState, self?: DocState): number[] {
    const x = new Array<number>(FEATURES.length).fill(0);
    const excl = self && self.story === s ? self : undefined;
    const size = s.members.length - (excl ? 1 : 0);
    this.titleWord = false;
    if (size <= 0) return x;
    let tt = 0;
    let tl = 0;
    let ll = 0;
    let bm = 0;
    let bits = 64;
    let seen = 0;
    let eb = 0;
    const dMass = this.entityMass(d);
    for (let i = s.members.length - 1; i >= 0 && seen < MEMBERS_COMPARED; i--) {
      const m = s.members[i] as DocState;
      if (m === excl) continue;
      seen++;
      tt = Math.max(tt, dot2(d.title, m.title));
      tl = Math.max(tl, dot2(d.title, m.lead), dot2(d.lead, m.title));
      ll = Math.max(ll, dot2(d.lead, m.lead));
      if (d.hasBody && m.hasBody) bm = Math.max(bm, dot(d.body, m.body));
      if (d.simhash && m.simhash) bits = Math.min(bits, hamming(d.simhash, m.simhash));
      if (dMass > 0) eb = Math.max(eb, this.entityJaccard(d, m, dMass));
    }
    const bodies = s.bodies - (excl?.hasBody ? 1 : 0);
    const both = d.hasBody && bodies > 0;
    let bc = 0;
    if (both) {
      const c = this.packCentroid(s);
      if (excl) {
        const cd = dot(c.vec, excl.body);
        const norm2 = c.norm * c.norm - 2 * cd + 1;
        bc = norm2 > 1e-9 ? (dot(d.body, c.vec) - dot(d.body, excl.body)) / Math.sqrt(norm2) : 0;
      } else bc = c.norm > 0 ? dot(d.body, c.vec) / c.norm : 0;
    }
    x[F.titleTitle] = tt;
    x[F.titleLead] = tl;
    x[F.leadLead] = ll;
    x[F.bodyCentroid] = Math.max(0, bc);
    x[F.bodyMax] = bm;
    x[F.bothBodies] = both ? 1 : 0;
    x[F.titleOnly] = both ? 0 : tt;
    if (!both) {
      const tc = (s.packedTitles ??= pack(s.titles));
      let num = dot2(d.title, tc.vec);
      let norm2 = tc.norm * tc.norm;
      if (excl && num > 0) {
        num -= dot(d.title, excl.title);
        norm2 += -2 * dot(tc.vec, excl.title) + (excl.title.ids.length ? 1 : 0);
      }
      x[F.titleStory] = norm2 > 1e-9 ? Math.max(0, num / Math.sqrt(norm2)) : 0;
      this.titleWord = (x[F.titleStory] as number) > 1e-9;
    }
    // An entity counts by the share of the story's members that name it: its core names weigh fully.
    const share = (id: number, selfHas: boolean) =>
      Math.min(1, ((s.counts.get(id) ?? 0) - (selfHas ? 1 : 0)) / Math.max(1, size * 0.5));
    const mass = [0, 0, 0, 0];
    const shared = [0, 0, 0, 0];
    for (let i = 0; i < d.ents.length; i++) {
      const id = d.ents[i] as number;
      const k = d.kinds[i] as number;
      const w = this.idf(id);
      mass[k] = (mass[k] as number) + w;
      shared[k] = (shared[k] as number) + w * share(id, !!excl && has(excl.ents, id));
    }
    const kinds = [[F.personShare, F.personAny], [F.orgShare, F.orgAny], [F.placeShare, F.placeAny], [F.nameShare, F.nameAny]] as const;
    kinds.forEach(([si, ai], k) => {
      if ((mass[k] as number) > 0) {
        x[si] = (shared[k] as number) / (mass[k] as number);
        x[ai] = 1;
      }
    });
    let nm = 0;
    let ns = 0;
    for (const id of d.nums) {
      const w = this.idf(id);
      nm += w;
      ns += w * share(id, !!excl && has(excl.nums, id));
    }
    if (nm > 0) {
      x[F.numberShare] = ns / nm;
      x[F.numberAny] = 1;
    }
    let first = s.first;
    let last = s.last;
    let sum = s.sumTime;
    if (excl) {
      first = Infinity;
      last = -Infinity;
      for (const m of s.members) if (m !== excl) { first = Math.min(first, m.time); last = Math.max(last, m.time); }
      sum -= excl.time;
    }
    x[F.gapNewest] = logGap(d.time - last);
    x[F.gapOldest] = logGap(d.time - first);
    x[F.gapMean] = logGap(d.time - sum / size);
    x[F.storySize] = Math.log1p(size);
    if (d.source >= 0) x[F.sameOutlet] = ((s.sources.get(d.source) ?? 0) - (excl && excl.source === d.source ? 1 : 0)) / size;
    x[F.nearDuplicate] = bits <= NEAR_DUPLICATE_BITS ? 1 : 0;
    x[F.entityBest] = eb;

    let named = 0;
    let fresh = 0;
    for (let i = 0; i < d.ents.length; i++) {
      if ((d.kinds[i] as number) === KIND_INDEX.name) continue;
      const id = d.ents[i] as number;
      const w = this.idf(id);
      named += w;
      if ((s.counts.get(id) ?? 0) - (excl && has(excl.ents, id) ? 1 : 0) <= 0) fresh += w;
    }
    x[F.entityNew] = named > 0 ? fresh / named : 0;
    return x;
  }

  private entityMass(d: DocState): number {
    if (d.mass === undefined) {
      let m = 0;
      for (const id of d.ents) m += this.idf(id);
      for (const id of d.nums) m += this.idf(id);
      d.mass = m;
    }
    return d.mass;
  }

  /** Rarity-weighted Jaccard of two documents' names and figures. */
  private entityJaccard(a: DocState, b: DocState, aMass: number): number {
    let shared = 0;
    const sum = (x: Int32Array, y: Int32Array) => {
      let i = 0;
      let j = 0;
      while (i < x.length && j < y.length) {
        const u = x[i] as number;
        const v = y[j] as number;
        if (u === v) {
          shared += this.idf(u);
          i++;
          j++;
        } else if (u < v) i++;
        else j++;
      }
    };
    sum(a.ents, b.ents);
    sum(a.nums, b.nums);
    const union = aMass + this.entityMass(b) - shared;
    return union > 0 ? shared / union : 0;
  }

  /** The probability, and its margin over the regime's threshold (> 0: belongs; comparable across regimes). */
  private probability(d: DocState, s: StoryState, self?: DocState): { p: number; m: number; x: number[] } {
    const dl = d.lang;
    const sl = this.language(s);
    const x = this.signals(d, s, self);
    // Two languages never merge: an article in another language never belongs. Nor does one that shares
    // no words with the story (whatever its size, outlet or time say).
    if ((dl !== 'und' && sl !== 'und' && dl !== sl) || !sharesText(x, this.titleWord)) return { p: 0, m: -1, x };
    const p = this.model.probability(x);
    return { p, m: p - this.model.threshold(x), x };
  }

  /** Candidate stories: posting lists of the article's heaviest terms, newest stories first. */
  private candidates(d: DocState, limit = CANDIDATES): StoryState[] {
    const epoch = ++this.epoch;
    const found: StoryState[] = [];
    const window = this.windowHours * HOUR;
    for (let q = 0, used = 0; q < d.query.length && used < QUERY_TERMS; q++) {
      const list = this.postings.get(d.query[q] as number);
      if (!list) continue;
      used++;
      const w = d.queryW[q] as number;
      for (let i = list.length - 1, seen = 0; i >= 0 && seen < POSTINGS_CAP; i--, seen++) {
        const s = list[i] as StoryState;
        if (s.dead) continue;
        if (s.mark !== epoch) {
          s.mark = epoch;
          s.acc = 0;
          if (s.last >= d.time - window && s.first <= d.time + window) found.push(s);
        }
        s.acc += w;
      }
    }
    found.sort((a, b) => b.acc - a.acc);
    // Stories sharing only a fraction of what the best one shares are not worth the full signals.
    const floor = (found[0]?.acc ?? 0) * CANDIDATE_SHARE;
    let n = 0;
    while (n < found.length && n < limit && (found[n] as StoryState).acc >= floor) n++;
    return found.slice(0, n);
  }

  private scoreAll(d: DocState, exclude?: StoryState, self?: DocState): { s: StoryState; p: number; m: number; x: number[] }[] {
    return this.candidates(d).filter((s) => s !== exclude)
      .map((s) => ({ s, ...this.probability(d, s, self) }))
      .sort((a, b) => b.m - a.m || a.s.seq - b.s.seq);
  }

  /**
   * Training rows: the signals of a document against each candidate story, plus `extra` stories (its
   * true story when retrieval missed it). Languages that differ are left out (never candidates).
   */
  candidateSignals(doc: ClusterDoc, extra: readonly StoryKey[] = []): { story: StoryKey; features: number[] }[] {
    const d = this.state(doc, this.analysisOf(doc));
    const cands = this.candidates(d);
    for (const k of extra) {
      const s = this.stories.get(k);
      if (s && !cands.includes(s)) cands.push(s);
    }
    return cands.filter((s) => d.lang === 'und' || this.language(s) === 'und' || this.language(s) === d.lang)
      .map((s) => ({ story: s.key, features: this.signals(d, s) }));
  }

  /** Which story should this document join? Does not change any state. */
  decide(doc: ClusterDoc): Decision {
    const d = this.state(doc, this.analysisOf(doc));
    const scored = this.scoreAll(d);
    const top = scored[0];
    if (!top) return { probability: 0 };
    const best = { story: top.s.key, features: top.x, probability: top.p };
    for (const c of scored) if (c.p >= REVISIT_FROM) this.touched.add(c.s);
    return top.m >= 0 ? { story: top.s.key, probability: top.p, best } : { probability: top.p, best };
  }

  /** Record a document as a member of a story (created when new), having joined with probability `p`. */
  add(doc: ClusterDoc, story: StoryKey, p = 0): void {
    if (this.docs.has(doc.id)) this.remove(doc.id);
    const a = this.analysisOf(doc);
    this.count(a, 1);
    const d = this.state(doc, a);
    d.p = p;
    let s = this.stories.get(story);
    if (!s) {
      s = this.newStory(story);
    }
    this.docs.set(d.id, d);
    this.absorb(s, d);
    this.latest = Math.max(this.latest, d.time);
    if (++this.added % SWEEP_EVERY === 0) this.sweep();
  }

  private newStory(key: StoryKey): StoryState {
    const s: StoryState = { key, seq: this.seq++, members: [], first: Infinity, last: -Infinity, sumTime: 0,
      centroid: new Map(), titles: new Map(), counts: new Map(), sources: new Map(), langs: new Map(), bodies: 0, indexed: new Set(),
      dead: false, shrank: false, mark: 0, acc: 0 };
    this.stories.set(key, s);
    return s;
  }

  private absorb(s: StoryState, d: DocState): void {
    d.story = s;
    s.members.push(d);
    s.first = Math.min(s.first, d.time);
    s.last = Math.max(s.last, d.time);
    s.sumTime += d.time;
    addInto(s.centroid, d.body, 1);
    if (s.centroid.size > CENTROID_TERMS * 2) {
      s.centroid = new Map([...s.centroid].sort((a, b) => b[1] - a[1]).slice(0, CENTROID_TERMS));
    }
    s.packed = undefined;
    addInto(s.titles, d.title, 1);
    s.packedTitles = undefined;
    for (const id of d.ents) s.counts.set(id, (s.counts.get(id) ?? 0) + 1);
    for (const id of d.nums) s.counts.set(id, (s.counts.get(id) ?? 0) + 1);
    if (d.source >= 0) s.sources.set(d.source, (s.sources.get(d.source) ?? 0) + 1);
    s.langs.set(d.lang, (s.langs.get(d.lang) ?? 0) + 1);
    if (d.hasBody) s.bodies++;
    this.touched.add(s);
    const index = (id: number) => {
      if (s.indexed.has(id)) return;
      s.indexed.add(id);
      const list = this.postings.get(id);
      if (list) list.push(s);
      else this.postings.set(id, [s]);
    };
    for (const v of [d.title, d.lead, d.body]) for (const id of v.ids) index(id);
  }

  /** Take a member out of its story (the story is dropped when it empties). */
  private detach(d: DocState): StoryState | undefined {
    const s = d.story;
    if (!s) return undefined;
    s.members.splice(s.members.indexOf(d), 1);
    d.story = undefined;
    if (s.members.length === 0) {
      s.dead = true;
      this.stories.delete(s.key);
      this.touched.delete(s);
      return s;
    }
    s.sumTime -= d.time;
    s.first = Math.min(...s.members.map((m) => m.time));
    s.last = Math.max(...s.members.map((m) => m.time));
    addInto(s.centroid, d.body, -1);
    s.packed = undefined;
    addInto(s.titles, d.title, -1);
    s.packedTitles = undefined;
    const dec = (m: Map<number, number>, id: number) => {
      const n = (m.get(id) ?? 0) - 1;
      if (n > 0) m.set(id, n);
      else m.delete(id);
    };
    for (const id of d.ents) dec(s.counts, id);
    for (const id of d.nums) dec(s.counts, id);
    if (d.source >= 0) dec(s.sources, d.source);
    const l = (s.langs.get(d.lang) ?? 1) - 1;
    if (l > 0) s.langs.set(d.lang, l);
    else s.langs.delete(d.lang);
    if (d.hasBody) s.bodies--;
    s.shrank = true;
    this.touched.add(s);
    return s;
  }

  /** Forget a document (pruned, or about to be re-added with a new analysis). */
  remove(id: DocId): void {
    const d = this.docs.get(id);
    if (!d) return;
    this.detach(d);
    this.docs.delete(id);
    this.docCount--;
  }

  /** A member's text grew (full text after a teaser): replace its analysis; refine() may move it. */
  update(doc: ClusterDoc): void {
    const key = this.storyOf(doc.id);
    if (key === undefined) return;
    this.remove(doc.id);
    this.add(doc, key, 0);
  }

  /** Forget everything (before filling again from storage). */
  clear(): void {
    this.terms.clear();
    this.internedOf = new WeakMap();
    this.df = new Int32Array(1024);
    this.docCount = 0;
    this.sourceIds.clear();
    this.docs.clear();
    for (const s of this.stories.values()) s.dead = true;
    this.stories.clear();
    this.postings.clear();
    this.touched.clear();
  }

  /** A story's key changes (a provisional key becomes the stored id). */
  rekey(from: StoryKey, to: StoryKey): void {
    const s = this.stories.get(from);
    if (!s || from === to) return;
    this.stories.delete(from);
    s.key = to;
    this.stories.set(to, s);
  }

  /** A document's id changes (a provisional id becomes the stored article id). */
  rename(from: DocId, to: DocId): void {
    const d = this.docs.get(from);
    if (!d || from === to) return;
    this.docs.delete(from);
    d.id = to;
    this.docs.set(to, d);
  }

  /** Merge story `drop` into story `keep`: one story from now on, known by `keep`. */
  merge(keep: StoryKey, drop: StoryKey): void {
    const k = this.stories.get(keep);
    const d = this.stories.get(drop);
    if (!k || !d || k === d) return;
    for (const m of [...d.members]) {
      this.detach(m);
      this.absorb(k, m);
    }
  }

  /** Move a member to another story (created under `to` when new). */
  move(id: DocId, to: StoryKey): void {
    const d = this.docs.get(id);
    if (!d) return;
    this.detach(d);
    this.absorb(this.stories.get(to) ?? this.newStory(to), d);
  }

  /**
   * Re-examine the stories that changed since the last call (new members, candidates that scored for
   * a new article, members that left): a member moves when another story is now a clearly better home,
   * then stories whose members match each other on average (both ways) merge into the older one.
   * Returns what changed, in order.
   */
  refine(): Change[] {
    const changes: Change[] = [];
    const scope = [...this.touched].filter((s) => !s.dead);
    this.touched.clear();
    const pairs = new Map<StoryState, Set<StoryState>>();
    for (const s of scope) {
      if (s.dead) continue;
      const recheckAll = s.shrank;
      s.shrank = false;
      const examine = s.members.slice(-MEMBERS_COMPARED).filter((m) => recheckAll || m.p < SURE);
      for (const m of examine) {
        if (m.story !== s) continue;
        const mine = s.members.length > 1 ? this.probability(m, s, m) : { p: 0, m: -1 };
        const own = mine.p;
        const others = this.scoreAll(m, s, m);
        for (const o of others) if (o.p >= REVISIT_FROM) {
          const set = pairs.get(s) ?? new Set();
          set.add(o.s);
          pairs.set(s, set);
        }
        const best = others[0];
        if (best && best.m >= 0 && best.m > mine.m + MOVE_MARGIN && s.members.length === 1) {
          // The last member leaving would end its story: a merge, and the older story's key is kept.
          const [keep, drop] = s.seq <= best.s.seq ? [s, best.s] : [best.s, s];
          changes.push({ kind: 'merge', keep: keep.key, drop: drop.key, probability: best.p });
          this.merge(keep.key, drop.key);
          m.p = best.p;
          break;
        } else if (best && best.m >= 0 && best.m > mine.m + MOVE_MARGIN) {
          const from = s.key;
          this.move(m.id, best.s.key);
          m.p = best.p;
          changes.push({ kind: 'move', doc: m.id, from, to: best.s.key, probability: best.p });
          if (s.dead) break;
        } else m.p = Math.max(m.p, own);
      }
    }
    // Average linkage under the model, both ways: the members of each story match the other on average
    // (one way only would undo a member's leaving: the model is not symmetric).
    const linkage = (from: StoryState, to: StoryState) => {
      let sum = 0;
      for (const m of from.members.slice(-MEMBERS_COMPARED)) sum += this.probability(m, to).m;
      return sum / Math.min(from.members.length, MEMBERS_COMPARED);
    };
    for (const [a, others] of pairs) {
      for (const b of others) {
        if (a.dead || b.dead || a === b) continue;
        const avg = Math.min(linkage(a, b), linkage(b, a));
        if (avg < 0) continue;
        const [keep, drop] = a.seq <= b.seq ? [a, b] : [b, a];
        changes.push({ kind: 'merge', keep: keep.key, drop: drop.key, probability: avg + 0.5 });
        this.merge(keep.key, drop.key);
      }
    }
    return changes;
  }

  /** Forget stories that ended long before the newest item: memory stays bounded by the window. */
  private sweep(): void {
    const horizon = this.latest - (this.windowHours + 24) * HOUR;
    let stale = false;
    for (const s of this.stories.values()) if (s.last < horizon) { stale = true; break; }
    if (!stale) return;
    for (const [key, s] of this.stories) {
      if (s.last >= horizon) continue;
      s.dead = true;
      this.stories.delete(key);
      this.touched.delete(s);
      for (const m of s.members) {
        this.docs.delete(m.id);
        this.onForget?.(m.id, key);
      }
    }
    for (const [id, list] of this.postings) {
      const live = list.filter((s) => !s.dead);
      if (live.length === 0) this.postings.delete(id);
      else if (live.length < list.length) this.postings.set(id, live);
    }
  }

  /** The signals, their contributions and the probability of `doc` against a story of its own. */
  explainStory(doc: ClusterDoc, story: StoryKey): { probability: number; bias: number; logit: number; features: Contribution[] } | undefined {
    const s = this.stories.get(story);
    if (!s) return undefined;
    const self = this.docs.get(doc.id);
    const d = self && self.story === s ? self : this.state(doc, this.analysisOf(doc));
    const { p, x } = this.probability(d, s, self && self.story === s ? self : undefined);
    return { ...this.model.explain(x), probability: p };
  }

  /**
   * The signals between two documents, as if the second were a story of its own (`storyfeed explain`):
   * each signal's value and contribution (with the bias they add up to the log-odds), the probability,
   * the threshold of the regime, and an override when one applies (two languages never join).
   */
  compare(a: ClusterDoc, b: ClusterDoc): Comparison {
    const tmp = new Clusterer({ model: this.model, windowHours: this.windowHours });
    // The statistics (rarity of terms) are this clusterer's: the comparison borrows them.
    for (const [t, id] of this.terms) tmp.terms.set(t, id);
    tmp.df = this.df.slice();
    tmp.docCount = this.docCount;
    const [aa, ab] = [this.analysisOf(a), this.analysisOf(b)];
    const da = tmp.state(a, aa);
    const sb = tmp.newStory('b');
    tmp.absorb(sb, tmp.state(b, ab));
    const x = tmp.signals(da, sb);
    const explained = this.model.explain(x);
    const differ = aa.lang !== 'und' && ab.lang !== 'und' && aa.lang !== ab.lang;
    const unrelated = !differ && !sharesText(x, tmp.titleWord);
    const theirs = new Map(ab.entities.map(([key]) => [key, true]));
    return {
      ...explained, threshold: this.model.file.thresholds[explained.regime], languages: [aa.lang, ab.lang],
      override: differ ? `the languages differ (${aa.lang}, ${ab.lang}): never one story`
        : unrelated ? 'no words in common (titles, leads, bodies): never one story' : undefined,
      probability: differ || unrelated ? 0 : explained.probability,
      sharedEntities: aa.entities.filter(([key]) => theirs.has(key)).map(([, kind, text]) => ({ text, kind })),
      sharedNumbers: aa.numbers.filter((n) => ab.numbers.includes(n)),
    };
  }
}

/** What `compare` reports. */
export interface Comparison {
  regime: 'body' | 'title';
  features: Contribution[];
  bias: number;
  /** bias + the contributions. */
  logit: number;
  /** The model's probability, or 0 when an override applies. */
  probability: number;
  threshold: number;
  languages: [string, string];
  override?: string;
  /** Names both mention, as the first document writes them. */
  sharedEntities: { text: string; kind: EntityKind }[];
  sharedNumbers: string[];
}

/** How often clusterDocs() refines, in added documents (the worker refines after every source). */
const BATCH_REFINE_EVERY = 100;

/**
 * Cluster a batch as the worker does: in publication order (ties: input order), the same URL or id
 * joining the same story first, refining as it goes and once more at the end. Returns each document's
 * story key (the id of the story's first document; after a merge the older story's).
 */
export function clusterDocs(docs: readonly ClusterDoc[], options: Options = {}): Map<DocId, StoryKey> {
  const forgotten = new Map<DocId, StoryKey>();
  const c = new Clusterer({ ...options, onForget: (id, story) => forgotten.set(id, story) });
  const storyOf = (id: DocId) => c.storyOf(id) ?? (forgotten.get(id) as StoryKey);
  const order = docs.map((d, i) => ({ d, i })).sort((a, b) => a.d.published - b.d.published || a.i - b.i);
  const sameAs = new Map<DocId, DocId>();
  const byUrl = new Map<string, DocId>();
  let n = 0;
  for (const { d } of order) {
    const same = d.url ? byUrl.get(d.url) : undefined;
    if (same !== undefined) {
      sameAs.set(d.id, same);
      continue;
    }
    if (d.url) byUrl.set(d.url, d.id);
    const decision = c.decide(d);
    c.add(d, decision.story ?? d.id, decision.probability);
    if (++n % BATCH_REFINE_EVERY === 0) c.refine();
  }
  for (let round = 0; round < 3 && c.refine().length > 0; round++);
  // Story keys: the earliest member's id, so the output does not depend on which member founded it.
  const members = new Map<StoryKey, DocId[]>();
  for (const { d } of order) {
    if (sameAs.has(d.id)) continue;
    const k = storyOf(d.id);
    const list = members.get(k) ?? [];
    list.push(d.id);
    members.set(k, list);
  }
  const name = new Map<StoryKey, DocId>();
  for (const [k, ids] of members) name.set(k, ids[0] as DocId);
  const result = new Map<DocId, StoryKey>();
  for (const d of docs) {
    const own = sameAs.get(d.id) ?? d.id;
    result.set(d.id, name.get(storyOf(own)) as DocId);
  }
  return result;
}
