// Story clustering: which story does an article belong to? Pure and in memory: documents in, decisions
// out. Used incrementally by the worker (ingest/ asks, storage writes) and in batch by `storyfeed cluster`.
//
// Signals are computed separately (title–title, title–lead, lead–lead, body cosines, entities by kind,
// numbers, time gaps to the story's newest/oldest/mean member, story size, same outlet, near-duplicate
// bodies) and combined by a learned logistic regression (model.ts, src/cluster/model.json): an article
// joins the candidate story it most probably belongs to when that probability reaches the model's
// threshold. Candidates come from an inverted index over the heaviest terms of the stories in a time
// window, read newest first and capped, so the cost per article does not grow with the database.
//
// Past the single pass, refine() re-examines what changed: a member placed with little confidence moves
// when a story that changed since is now a clearly better home, and two stories that competed for one
// article merge when their members match the other story on average (average linkage under the
// model). Story keys never change except on a merge.
//
// Memory: an article is a handful of typed arrays (hashed term ids and weights); a story's aggregates
// (body centroid, title vocabulary, who names what) are computed from its recent members when needed;
// stories that ended before the window are swept, with their terms' document frequencies.
import { analyzeBoth, ANALYSIS_VERSION, hammingOf, vectorsOf, type Analysis, type EntityKind, type Vectors, type VectorsAt } from './features.js';
import { FEATURES, Model, shippedModel, type Contribution } from './model.js';
import { BODY, CountTable, countAt, FIGURE, hasAt, LEAD, NAME, normAt, Postings, Probe, Slab, SlotTable, SortedSums, SumTable, TAG_TERMS, TITLE } from './space.js';

export { analyze, analyzeBoth, ANALYSIS_VERSION, decodeVectors, detectLanguage, encodeVectors, entities, readVectors, terms, vectorsOf,
  words, type Analysis, type Vectors, type VectorsAt } from './features.js';
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
/** An article's heaviest terms kept (title and lead boosted): the first QUERY_TERMS with postings look up candidates. */
const QUERY_KEPT = 64;
const QUERY_TERMS = 14;
/** Each member indexes its story under its heaviest terms (not all of them: postings stay short). */
const INDEX_TERMS = 48;
/** Most recent stories read per posting list: keeps lookups flat however common a term gets. */
const POSTINGS_CAP = 64;
/** Candidate stories scored in full per article (the rest are ranked out by shared query-term weight). */
const CANDIDATES = 10;
/** A candidate is scored in full only when it shares at least this share of the best one's query weight. */
const CANDIDATE_SHARE = 0.3;
/** Recent members an article is compared with, one by one. */
const MEMBERS_COMPARED = 24;
/** A story's aggregates (centroid, title vocabulary, name counts) are those of its most recent members. */
const AGG_MEMBERS = 64;
/** Terms kept in a story's body centroid (the heaviest). */
const CENTROID_TERMS = 150;
/** A story's aggregates over at most this many members are merged member by member; over more, summed in a table first (same sums). */
const AGG_MERGED = 4;
/** Room a story's body centroid starts with (sums; it grows by doubling: most stories are one or two articles). */
const CENTROID_ROOM = 64;
/**
 * Aggregates of ended stories kept for reuse (their tables and packed buffers): an ended story's tables
 * were a few KB of garbage each (most of what a story holds), left for a major collection.
 */
const AGG_POOL = 1024;
/** Hamming distance (of 64 bits) at or under which two bodies are near-identical copies. */
const NEAR_DUPLICATE_BITS = 10;
/** A move needs the new home to beat the current one by this much probability (no flip-flopping). */
const MOVE_MARGIN = 0.1;
/** A candidate scoring at least this for a new article is re-examined with the article's story at the next refine(). */
const REVISIT_FROM = 0.2;
/** Members that joined at or above this probability are not re-examined (unless their story shrank). */
const SURE = 0.9;
/** A member is weighted again when the documents in memory have grown past this factor (plus a few) since. */
const REWEIGHT_GROWTH = 1.25;
const REWEIGHT_MIN = 10;
/** How often (in added articles) stale stories are dropped from memory. */
const SWEEP_EVERY = 2000;
/**
 * Titles alone join a story only within this many hours of every member (its oldest and its newest).
 * Headlines sharing two words say "same topic"; only a short time apart do they say "same event". The
 * coverage of one event — the first reports, the other outlets' write-ups by the next morning in their
 * time zones, the first follow-ups, a weekend between — falls within about three days (the full-text
 * development set's reports of one event are at most 27.5 hours apart); a story that goes on past that
 * is a running story, which headlines alone cannot tell from the topic's next event, so there the text
 * (a body) has to say so. The title-only model cannot learn this: its training data have no useful times
 * (UCI's are crawl times, ECB+ is undated). Without the bound, 21 headlines a day apart, each sharing two
 * words with the one before, made one story of 20 days.
 */
export const TITLE_SPAN_HOURS = 72;
/** The slab is compacted (at a sweep) when the space of articles that left is over a third of what is held, and at least this (entries). */
const SLAB_SLACK = 1 << 16;
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
  /** Its analysis when already known: then title and text are not read again. */
  analysis?: Analysis;
  /** Its vectors when already known (stored per article): then nothing is analysed. */
  vectors?: Vectors;
}

const HOUR = 3_600_000;
const NAME_KIND = 3;
const F = Object.fromEntries(FEATURES.map((f, i) => [f, i])) as Record<(typeof FEATURES)[number], number>;
/** The share and any-name features of each entity kind (KIND_INDEX order). */
const KIND_FEATURES = [[F.personShare, F.personAny], [F.orgShare, F.orgAny], [F.placeShare, F.placeAny], [F.nameShare, F.nameAny]] as const;

/**
 * An article in memory. Its numbers are one record of the clusterer's slab (ids and weights side by
 * side), at `at`, in this order: title, lead and body term ids (ascending; unit weights), entity ids
 * (ascending; rarity weights), figures (term ids, ascending; rarity weights), the query (its heaviest
 * terms, heaviest first, and their weights; room for `qCap`, `nq` used), then the body terms' counts
 * (as ids) beside the entities' kinds (as weights): a part of max(nb, ne) entries where each had its
 * own, half of it unused. The lengths say where each part starts (see the offset helpers below).
 */
interface DocState {
  id: DocId;
  story?: StoryState;
  time: number;
  source: number;
  lang: string;
  at: number;
  nt: number;
  nl: number;
  nb: number;
  ne: number;
  nn: number;
  nq: number;
  qCap: number;
  hasBody: boolean;
  /** Rarity-weighted mass of its names and figures. */
  mass: number;
  /** Its body's SimHash (hi, lo as int32), when it has one (numbers, not an array per article). */
  sim: boolean;
  simHi: number;
  simLo: number;
  /** Probability with which it joined (or was last confirmed in) its story. */
  p: number;
  /** The clock when it was last placed or examined: stories changed since are worth a look. */
  tick: number;
  /** The number of documents when it was weighted (weights are refreshed when that has grown much; -1: not yet). */
  n0: number;
}

/** Where a record's parts start in the slab (see DocState). */
const leadAt = (d: DocState) => d.at + d.nt;
const bodyAt = (d: DocState) => d.at + d.nt + d.nl;
const entsAt = (d: DocState) => d.at + d.nt + d.nl + d.nb;
const numsAt = (d: DocState) => d.at + d.nt + d.nl + d.nb + d.ne;
const queryAt = (d: DocState) => d.at + d.nt + d.nl + d.nb + d.ne + d.nn;
/** The body terms' counts (in `ids`) and the entities' kinds (in `ws`) share the record's last part. */
const countsAt = (d: DocState) => d.at + d.nt + d.nl + d.nb + d.ne + d.nn + d.qCap;
const kindsAt = countsAt;
const recordSize = (d: DocState) => d.nt + d.nl + d.nb + d.ne + d.nn + d.qCap + Math.max(d.nb, d.ne);

/** A story's aggregates over its most recent AGG_MEMBERS members. */
interface Aggregate {
  /** How many members they cover (the most recent ones). */
  n: number;
  centroid: SortedSums;
  titles: SortedSums;
  /** Entity / figure id -> members naming it. */
  counts: SortedSums;
}

interface StoryState {
  key: StoryKey;
  /** Order of creation: on a merge the older story (smaller) survives. */
  seq: number;
  members: DocState[];
  first: number;
  last: number;
  sumTime: number;
  /** Members per outlet and per language (Tally: [key, count, ...]; a Map per story cost ~200 bytes each, two per story). */
  sources: Tally<number>;
  langs: Tally<string>;
  /** The most common known language of its members ('und' when none), kept as langs changes. */
  lang: string;
  bodies: number;
  /** Its place in the postings (Clusterer.slots; its span and the lookups' scratch in Clusterer.spans). */
  slot: number;
  agg?: Aggregate;
  /** Its last aggregates, out of date: their tables are reused when they are computed again. */
  spare?: Aggregate;
  dead: boolean;
  /** The clock when its membership last changed. */
  tick: number;
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

/** What refine() changed: a member moved to another story (created when new), or a story merged into another. */
export type Change =
  | { kind: 'move'; doc: DocId; from: StoryKey; to: StoryKey; probability: number }
  | { kind: 'merge'; keep: StoryKey; drop: StoryKey; probability: number };

/** A probability, and its margin over the regime's threshold (> 0: belongs; comparable across regimes). */
interface Verdict {
  p: number;
  m: number;
  x: number[];
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
/** Hours from an article to the farthest member of a story (its oldest or its newest), from the signals. */
const farthestHours = (x: readonly number[]) => Math.expm1(Math.max(x[F.gapNewest] as number, x[F.gapOldest] as number)) * 24;
/** Titles alone (no body on one side) and farther than TITLE_SPAN_HOURS from a member: never one story. */
const titleTooFar = (x: readonly number[]) => Model.regime(x) === 'title' && farthestHours(x) > TITLE_SPAN_HOURS + 1e-6;

/** Does candidate slot `a` rank before `b`: more accumulated query weight, then the older story. */
function better(acc: Float64Array, seq: Float64Array, a: number, b: number): boolean {
  return (acc[a] as number) > (acc[b] as number) || (acc[a] === acc[b] && (seq[a] as number) < (seq[b] as number));
}

/** Counts by key in the order the keys first came, as a Map keeps them: [key, count, key, count, ...]. */
type Tally<K> = (K | number)[];

function tallyOf<K>(t: Tally<K>, k: K): number {
  for (let i = 0; i < t.length; i += 2) if (t[i] === k) return t[i + 1] as number;
  return 0;
}

/** As `m.set(k, (m.get(k) ?? 0) + by)` on a Map, deleting a key whose count falls to 0 (it comes last when it comes back). */
function bump<K>(t: Tally<K>, k: K, by: number): void {
  let i = 0;
  while (i < t.length && t[i] !== k) i += 2;
  const n = (i < t.length ? (t[i + 1] as number) : 0) + by;
  if (i < t.length) {
    if (n > 0) t[i + 1] = n;
    else t.splice(i, 2);
  } else if (n > 0) t.push(k, n);
}

export class Clusterer {
  readonly model: Model;
  readonly windowHours: number;
  private readonly onForget?: (doc: DocId, story: StoryKey) => void;
  /** Term / entity id -> documents in memory having it. */
  private df = new CountTable();
  private docCount = 0;
  private seq = 0;
  private added = 0;
  private clock = 0;
  private latest = -Infinity;
  private readonly sourceIds = new Map<string, number>();
  private readonly docs = new Map<DocId, DocState>();
  private readonly stories = new Map<StoryKey, StoryState>();
  private readonly postings = new Postings();
  /** The articles' numbers (DocState), and the entries held by the articles in memory (the rest is reclaimable). */
  private slab = new Slab();
  private held = 0;
  /** Aggregates of stories that ended, reused (cleared) by stories that need theirs: most stories live a few days. */
  private aggPool: Aggregate[] = [];
  /** Story by postings slot, and what a lookup reads of it (span, order, ended) by slot. */
  private slots: StoryState[] = [];
  private spans = new SlotTable();
  /** Members to re-examine at the next refine(), and story pairs that competed for an article. */
  private readonly pending = new Set<DocState>();
  private readonly rivals = new Map<StoryState, Set<StoryState>>();
  /** Stories a member left since the last refine(): their members are re-examined. */
  private readonly shrunk = new Set<StoryState>();
  private epoch = 0;
  private readonly probe = new Probe();
  private probed?: DocState;
  /** Set by signals(): the article's title shares two words with the story's titles (the no-words-in-common rule). */
  private titleWord = false;
  /** The last document analysed, with both forms (decide() and add() of one document analyse it once). */
  private computed?: { doc: ClusterDoc; analysis: Analysis; vectors: Vectors };
  /** The last decide(): its document, state and the candidates worth revisiting with the story it joins. */
  private last?: { doc: ClusterDoc; d: DocState; rivals: StoryState[] };
  /** Where the aggregates of a story of many members are summed before they are held sorted (aggregate()). */
  private aggScratch = { centroid: new SumTable(CENTROID_ROOM), titles: new SumTable(), counts: new SumTable() };
  /** Scratch for candidates(): slots found, and the best of them (typed: a JS array emptied by
   *  `length = 0` drops its storage, and pushing hundreds of slots again allocated ~5 KB a lookup). */
  private found = new Int32Array(1024);
  private top = new Int32Array(CANDIDATES);

  constructor(options: Options = {}) {
    this.model = options.model ?? shippedModel(ANALYSIS_VERSION);
    this.windowHours = options.windowHours ?? WINDOW_HOURS;
    this.onForget = options.onForget;
  }

  get size(): { stories: number; documents: number; terms: number } {
    return { stories: this.stories.size, documents: this.docs.size, terms: this.df.size };
  }

  /**
   * Bytes held in typed arrays, by part (for the memory figures): the articles' slab (its arrays, and
   * the entries the articles in memory hold), the stories' aggregates (in use, out of date, pooled),
   * the postings, the per-slot story spans and the document frequencies.
   */
  memory(): { slab: number; slabHeld: number; aggregates: number; spare: number; pool: number; postings: number; spans: number; df: number } {
    let aggregates = 0;
    let spare = 0;
    const size = (a: Aggregate | undefined) => (a ? a.centroid.bytes + a.titles.bytes + a.counts.bytes : 0);
    for (const s of this.stories.values()) {
      aggregates += size(s.agg);
      spare += size(s.spare);
    }
    const pool = this.aggPool.reduce((n, a) => n + size(a), 0);
    return { slab: this.slab.bytes, slabHeld: this.held * 8, aggregates, spare, pool, postings: this.postings.bytes,
      spans: this.spans.first.length * 41, df: this.df.bytes };
  }

  /** A document's analysis (given, or computed once per document object). */
  analysisOf(doc: ClusterDoc): Analysis {
    if (doc.analysis) return doc.analysis;
    return this.both(doc).analysis;
  }

  /** A document's vectors (given, from its analysis, or computed once per document object). */
  vectorsOf(doc: ClusterDoc): Vectors {
    if (doc.vectors) return doc.vectors;
    if (this.computed?.doc === doc) return this.computed.vectors;
    if (doc.analysis) {
      this.computed = { doc, analysis: doc.analysis, vectors: vectorsOf(doc.analysis) };
      return this.computed.vectors;
    }
    return this.both(doc).vectors;
  }

  private both(doc: ClusterDoc): { analysis: Analysis; vectors: Vectors } {
    if (this.computed?.doc !== doc) this.computed = { doc, ...analyzeBoth(doc.title, doc.text) };
    return this.computed;
  }

  storyOf(id: DocId): StoryKey | undefined {
    return this.docs.get(id)?.story?.key;
  }

  has(id: DocId): boolean {
    return this.docs.has(id);
  }

  private idf(id: number): number {
    return Math.log((this.docCount + 1) / (this.df.get(id) + 1)) + 1;
  }

  /** Count a document's distinct terms and names in (or out of) the document frequencies. */
  private count(d: DocState, sign: 1 | -1): void {
    const df = this.df;
    df.begin();
    // Title, lead, body and entity ids lie side by side in its record.
    const ids = this.slab.ids;
    for (let i = d.at, end = numsAt(d); i < end; i++) df.add(ids[i] as number, sign);
    this.docCount += sign;
  }

  /**
   * Unit weights (tf-idf, tf from the counts at `counts` when >= 0) of the `n` ids at `at`, beside them.
   * The weights are stored as float32 and normalised by the norm of the unrounded ones.
   */
  private unit(at: number, n: number, counts: number): void {
    if (n === 0) return;
    const ids = this.slab.ids;
    const ws = this.slab.ws;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      const w = (counts >= 0 ? 1 + Math.log(ids[counts + i] as number) : 1) * this.idf(ids[at + i] as number);
      ws[at + i] = w;
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (let i = at; i < at + n; i++) ws[i] = (ws[i] as number) / norm;
  }

  /** Vectors -> an article in memory: its record in the slab (ids, counts, kinds; weights zero), not weighted. */
  private record(doc: ClusterDoc, v: Vectors): DocState {
    const nt = v.title.length;
    const nl = v.lead.length;
    const nb = v.body.length;
    const ne = v.ents.length;
    const nn = v.nums.length;
    const qCap = Math.min(Math.max(QUERY_KEPT, INDEX_TERMS), nt + nl + nb);
    const d: DocState = {
      id: doc.id, time: doc.published, source: doc.source ? this.sourceId(doc.source) : -1, lang: v.lang,
      at: 0, nt, nl, nb, ne, nn, nq: 0, qCap, hasBody: v.bodyTokens > 0, mass: 0, sim: !!v.simhash, simHi: (v.simhash?.[0] ?? 0) | 0,
      simLo: (v.simhash?.[1] ?? 0) | 0, p: 0, tick: 0, n0: -1,
    };
    d.at = this.slab.alloc(recordSize(d));
    const ids = this.slab.ids;
    ids.set(v.title, d.at);
    ids.set(v.lead, leadAt(d));
    ids.set(v.body, bodyAt(d));
    ids.set(v.ents, entsAt(d));
    ids.set(v.nums, numsAt(d));
    ids.set(v.bodyCounts, countsAt(d));
    this.slab.ws.set(v.kinds, kindsAt(d));
    return d;
  }

  /**
   * Vectors -> an article in memory, weighted under the current statistics (nothing is counted); the
   * query is selected in scratch arrays: no Map, entry arrays or sort per article.
   */
  private state(doc: ClusterDoc, v: Vectors): DocState {
    const d = this.record(doc, v);
    this.weigh(d);
    this.query(d);
    return d;
  }

  /** An article's weights (title, lead, body, names, figures) and mass under the current statistics, in place. */
  private weigh(d: DocState): void {
    this.unit(d.at, d.nt, -1);
    this.unit(leadAt(d), d.nl, -1);
    this.unit(bodyAt(d), d.nb, countsAt(d));
    const ids = this.slab.ids;
    const ws = this.slab.ws;
    let mass = 0;
    for (let i = entsAt(d), end = i + d.ne; i < end; i++) {
      ws[i] = this.idf(ids[i] as number);
      mass += ws[i] as number;
    }
    for (let i = numsAt(d), end = i + d.nn; i < end; i++) {
      ws[i] = this.idf(ids[i] as number);
      mass += ws[i] as number;
    }
    d.mass = mass;
    d.n0 = this.docCount;
  }

  /** Scratch for query(): the distinct terms of an article and their boosted weights, ascending ids. */
  private qIds = new Int32Array(256);
  private qWs = new Float64Array(256);
  private qTop = new Int32Array(QUERY_KEPT);

  /**
   * The query: an article's heaviest terms (title weights doubled, lead ones × 1.5, a term's highest
   * counting), at most QUERY_KEPT, heaviest first (ties: smaller id first), with their weights.
   */
  private query(d: DocState): void {
    const most = d.nt + d.nl + d.nb;
    if (this.qIds.length < most) {
      this.qIds = new Int32Array(most * 2);
      this.qWs = new Float64Array(most * 2);
    }
    const ids = this.qIds;
    const ws = this.qWs;
    const I = this.slab.ids;
    const W = this.slab.ws;
    // A merge of the three ascending id lists; a term's weight is its highest.
    let n = 0;
    let t = d.at;
    let l = leadAt(d);
    let b = bodyAt(d);
    const tEnd = l;
    const lEnd = b;
    const bEnd = b + d.nb;
    while (b < bEnd || l < lEnd || t < tEnd) {
      const id = Math.min(b < bEnd ? (I[b] as number) : Infinity, l < lEnd ? (I[l] as number) : Infinity,
        t < tEnd ? (I[t] as number) : Infinity);
      let w = 0;
      if (b < bEnd && I[b] === id) w = Math.max(w, W[b++] as number);
      if (l < lEnd && I[l] === id) w = Math.max(w, (W[l++] as number) * 1.5);
      if (t < tEnd && I[t] === id) w = Math.max(w, (W[t++] as number) * 2);
      if (w > 0) {
        ids[n] = id;
        ws[n++] = w;
      }
    }
    // The heaviest QUERY_KEPT, by insertion (in ascending id order, so a tie keeps the smaller id first).
    const top = this.qTop;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const w = ws[i] as number;
      if (k === QUERY_KEPT && !(w > (ws[top[k - 1] as number] as number))) continue;
      let j = k < QUERY_KEPT ? k++ : k - 1;
      while (j > 0 && w > (ws[top[j - 1] as number] as number)) {
        top[j] = top[j - 1] as number;
        j--;
      }
      top[j] = i;
    }
    const q = queryAt(d);
    for (let i = 0; i < k; i++) {
      I[q + i] = ids[top[i] as number] as number;
      W[q + i] = ws[top[i] as number] as number;
    }
    d.nq = k;
  }

  /**
   * Weights go stale as the statistics grow (a batch starting empty; a worker starting small): a
   * member weighted when there were far fewer documents is weighted again (its story's aggregates too).
   */
  private fresh(m: DocState): void {
    if (m.n0 >= 0 && this.docCount <= REWEIGHT_GROWTH * m.n0 + REWEIGHT_MIN) return;
    const lazy = m.n0 < 0;
    this.weigh(m);
    // Loaded without weights (lazy()): its query too.
    if (lazy) this.query(m);
    if (m.story) this.stale(m.story);
    if (this.probed === m) this.probed = undefined;
  }

  /**
   * Vectors -> an article in memory, weighted only when first compared (fresh()): a start adds the
   * window's articles without a comparison, and most of them are never compared before they leave it.
   */
  private lazy(doc: ClusterDoc, v: Vectors): DocState {
    return this.indexTerms(this.record(doc, v));
  }

  /**
   * An article's index terms, in place of its query until it is weighted (lazy()): its story is indexed
   * under its title and lead terms and its most frequent body terms.
   */
  private indexTerms(d: DocState): DocState {
    const ids = this.slab.ids;
    const q = queryAt(d);
    const most = Math.min(INDEX_TERMS, d.nt + d.nl + d.nb);
    let n = 0;
    for (let i = d.at, end = d.at + d.nt; i < end && n < most; i++) ids[q + n++] = ids[i] as number;
    for (let i = leadAt(d), end = i + d.nl; i < end && n < most; i++) ids[q + n++] = ids[i] as number;
    // Body terms by count, highest first, in body order within a count: one pass per count that some
    // term has (each pass finds the next lower one; a long text's counts run into the tens, mostly unused).
    const b = bodyAt(d);
    const c0 = countsAt(d);
    let top = 0;
    for (let i = 0; i < d.nb; i++) top = Math.max(top, ids[c0 + i] as number);
    for (let c = top; c > 0 && n < most;) {
      let next = 0;
      for (let i = 0; i < d.nb && n < most; i++) {
        const k = ids[c0 + i] as number;
        if (k === c) ids[q + n++] = ids[b + i] as number;
        else if (k < c && k > next) next = k;
      }
      c = next;
    }
    d.nq = n;
    return d;
  }

  /**
   * lazy() of a stored article from its vectors where they lie (readVectors): its ids copied into its
   * record as they are laid out (title, lead, body, entities, figures), its counts and kinds beside.
   */
  private lazyStored(id: DocId, published: number, source: string | undefined, v: VectorsAt): DocState {
    const { nt, nl, nb, ne, nn } = v;
    const qCap = Math.min(Math.max(QUERY_KEPT, INDEX_TERMS), nt + nl + nb);
    const d: DocState = {
      id, time: published, source: source ? this.sourceId(source) : -1, lang: v.lang,
      at: 0, nt, nl, nb, ne, nn, nq: 0, qCap, hasBody: v.bodyTokens > 0, mass: 0, sim: v.sim, simHi: v.simHi, simLo: v.simLo,
      p: 0, tick: 0, n0: -1,
    };
    d.at = this.slab.alloc(recordSize(d));
    const ids = this.slab.ids;
    const from = v.ids;
    for (let i = 0, n = nt + nl + nb + ne + nn; i < n; i++) ids[d.at + i] = from[v.at + i] as number;
    const bytes = v.bytes;
    const c0 = countsAt(d);
    for (let i = 0, at = v.countsAt; i < nb; i++, at += 2) ids[c0 + i] = (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
    const k0 = kindsAt(d);
    const ws = this.slab.ws;
    for (let i = 0; i < ne; i++) ws[k0 + i] = bytes[v.kindsAt + i] as number;
    return this.indexTerms(d);
  }

  private sourceId(name: string): number {
    let id = this.sourceIds.get(name);
    if (id === undefined) {
      id = this.sourceIds.size;
      this.sourceIds.set(name, id);
    }
    return id;
  }

  /** Put an article into the probe table (once per article, however many stories it is compared with). */
  private load(d: DocState): void {
    if (this.probed === d) return;
    const p = this.probe;
    const { ids, ws } = this.slab;
    p.begin(d.nt + d.nl + d.nb + d.ne + d.nn);
    p.putAt(ids, ws, d.at, d.nt, TITLE);
    p.putAt(ids, ws, leadAt(d), d.nl, LEAD);
    p.putAt(ids, ws, bodyAt(d), d.nb, BODY);
    p.putAt(ids, ws, entsAt(d), d.ne, NAME);
    p.putAt(ids, ws, numsAt(d), d.nn, FIGURE);
    this.probed = d;
  }

  /** The probed article's dot product with the prepared (packed) sums of a story's aggregate (SortedSums.prepare()). */
  private probeDotSums(t: SortedSums, channel: number, min = 1): number {
    let sum = 0;
    let shared = 0;
    const p = this.probe;
    const { ids, sums } = t;
    for (let i = 0; i < t.size; i++) {
      if (!t.kept(i)) continue;
      const s = p.slot(ids[i] as number);
      if (s < 0) continue;
      const w = p.at(s, channel);
      if (w !== 0) {
        sum += w * Math.fround(sums[i] as number);
        shared++;
      }
    }
    return shared >= min ? sum : 0;
  }

  /** The probed article's dot product with the vector held at [at, at + n) of `ids`/`ws` in one channel; 0 unless `min` terms are shared. */
  private probeDotAt(ids: Int32Array, ws: Float32Array, at: number, n: number, channel: number, min = 1): number {
    let sum = 0;
    let shared = 0;
    const p = this.probe;
    for (let i = at; i < at + n; i++) {
      const s = p.slot(ids[i] as number);
      if (s < 0) continue;
      const w = p.at(s, channel);
      if (w !== 0) {
        sum += w * (ws[i] as number);
        shared++;
      }
    }
    return shared >= min ? sum : 0;
  }

  private language(s: StoryState): string {
    return s.lang;
  }

  /** A story's language from its members' (asked on every comparison: kept, not counted each time). */
  private relang(s: StoryState): void {
    let best = 'und';
    let n = 0;
    const t = s.langs;
    for (let i = 0; i < t.length; i += 2) {
      const l = t[i] as string;
      const c = t[i + 1] as number;
      if (l !== 'und' && c > n) {
        best = l;
        n = c;
      }
    }
    s.lang = best;
  }

  /** A story's aggregates over its recent members (computed when first needed after a change). */
  private aggregate(s: StoryState): Aggregate {
    if (s.agg) return s.agg;
    const old = s.spare ?? this.aggPool.pop();
    s.spare = undefined;
    if (old) for (const t of [old.centroid, old.titles, old.counts]) t.clear();
    const a: Aggregate = old ? { n: 0, centroid: old.centroid, titles: old.titles, counts: old.counts }
      : { n: 0, centroid: new SortedSums(true), titles: new SortedSums(false), counts: new SortedSums(false) };
    const ms = s.members.slice(-AGG_MEMBERS);
    for (const m of ms) this.fresh(m);
    if (ms.length <= AGG_MERGED) for (const m of ms) this.aggregateAdd(a, m);
    else {
      // Many members: summed in the scratch tables (a merge per member would cost the sums held, each time), then held sorted.
      const t = this.aggScratch;
      const { ids, ws } = this.slab;
      for (const m of ms) {
        t.centroid.addAt(ids, ws, bodyAt(m), m.nb);
        t.titles.addAt(ids, ws, m.at, m.nt);
        for (let i = entsAt(m), end = i + m.ne; i < end; i++) t.counts.add(ids[i] as number, 1);
        for (let i = numsAt(m), end = i + m.nn; i < end; i++) t.counts.add(ids[i] as number, 1);
      }
      t.centroid.moveTo(a.centroid);
      t.titles.moveTo(a.titles);
      t.counts.moveTo(a.counts);
      a.n = ms.length;
    }
    s.agg = a;
    return a;
  }

  /** A story ended: its aggregates' tables go to the pool (new stories' aggregates are computed in them). */
  private recycle(s: StoryState): void {
    for (const a of [s.agg, s.spare]) if (a && this.aggPool.length < AGG_POOL) this.aggPool.push(a);
    s.agg = undefined;
    s.spare = undefined;
  }

  /** A story's aggregates are out of date (kept aside: the next ones are computed in their tables). */
  private stale(s: StoryState): void {
    if (!s.agg) return;
    s.spare = s.agg;
    s.agg = undefined;
  }

  private aggregateAdd(a: Aggregate, m: DocState): void {
    const { ids, ws } = this.slab;
    a.n++;
    a.centroid.addAt(ids, ws, bodyAt(m), m.nb);
    a.titles.addAt(ids, ws, m.at, m.nt);
    a.counts.addAt(ids, undefined, entsAt(m), m.ne);
    a.counts.addAt(ids, undefined, numsAt(m), m.nn);
  }

  /** How often a member names an entity or figure id (its story's name count when it is the only member). */
  private named(m: DocState, id: number): number {
    const I = this.slab.ids;
    return countAt(I, entsAt(m), m.ne, id) + countAt(I, numsAt(m), m.nn, id);
  }

  /** Is a member among those its story's aggregates cover? */
  private inAggregate(s: StoryState, m: DocState): boolean {
    const i = s.members.lastIndexOf(m);
    return i >= 0 && i >= s.members.length - AGG_MEMBERS;
  }

  /**
   * The signals between an article and a story (without `self` when the article is a member). The
   * article must be in the probe table (load()).
   */
  private signals(d: DocState, s: StoryState, self?: DocState): number[] {
    if (this.docs.get(d.id) === d) this.fresh(d);
    this.load(d);
    const x = new Array<number>(FEATURES.length).fill(0);
    const excl = self && self.story === s ? self : undefined;
    const size = s.members.length - (excl ? 1 : 0);
    this.titleWord = false;
    if (size <= 0) return x;
    const p = this.probe;
    let tt = 0;
    let tl = 0;
    let ll = 0;
    let bm = 0;
    let bits = 64;
    let seen = 0;
    let eb = 0;
    const dMass = d.mass;
    // The slab's arrays (fresh() weighs in place: nothing below allocates a record).
    const { ids: I, ws: W } = this.slab;
    for (let i = s.members.length - 1; i >= 0 && seen < MEMBERS_COMPARED; i--) {
      const m = s.members[i] as DocState;
      if (m === excl) continue;
      this.fresh(m);
      seen++;
      // The member's title and lead against the article's title and lead: one probe per term.
      let sTT = 0, nTT = 0, sLT = 0, nLT = 0, sTL = 0, nTL = 0, sLL = 0, nLL = 0;
      const mLead = leadAt(m);
      const mBody = mLead + m.nl;
      for (let k = m.at; k < mLead; k++) {
        const slot = p.slot(I[k] as number);
        if (slot < 0) continue;
        const w = W[k] as number;
        const a = p.at(slot, TITLE);
        if (a !== 0) { sTT += a * w; nTT++; }
        const b = p.at(slot, LEAD);
        if (b !== 0) { sLT += b * w; nLT++; }
      }
      for (let k = mLead; k < mBody; k++) {
        const slot = p.slot(I[k] as number);
        if (slot < 0) continue;
        const w = W[k] as number;
        const a = p.at(slot, TITLE);
        if (a !== 0) { sTL += a * w; nTL++; }
        const b = p.at(slot, LEAD);
        if (b !== 0) { sLL += b * w; nLL++; }
      }
      if (nTT >= 2 && sTT > tt) tt = sTT;
      if (nTL >= 2 && sTL > tl) tl = sTL;
      if (nLT >= 2 && sLT > tl) tl = sLT;
      if (nLL >= 2 && sLL > ll) ll = sLL;
      if (d.hasBody && m.hasBody) {
        const b = this.probeDotAt(I, W, mBody, m.nb, BODY);
        if (b > bm) bm = b;
      }
      if (d.sim && m.sim) bits = Math.min(bits, hammingOf(d.simHi, d.simLo, m.simHi, m.simLo));
      if (dMass > 0) {
        let shared = 0;
        const mEnts = mBody + m.nb;
        const mNums = mEnts + m.ne;
        for (let k = mEnts; k < mNums; k++) {
          const slot = p.slot(I[k] as number);
          if (slot >= 0) shared += p.at(slot, NAME);
        }
        for (let k = mNums; k < mNums + m.nn; k++) {
          const slot = p.slot(I[k] as number);
          if (slot >= 0) shared += p.at(slot, FIGURE);
        }
        const union = dMass + m.mass - shared;
        if (union > 0 && shared / union > eb) eb = shared / union;
      }
    }
    // A story of one member (never `self` then: size would be 0): its aggregates are the member's own
    // vectors, read in its record with the values its tables would give (no tables: most stories are one article).
    const one = s.members.length === 1 ? (s.members[0] as DocState) : undefined;
    const oneBody = one && one.nb <= CENTROID_TERMS ? normAt(I, W, bodyAt(one), one.nb) : -1;
    const oneTitle = one ? normAt(I, W, one.at, one.nt) : -1;
    const alone = one && oneBody >= 0 && oneTitle >= 0 ? one : undefined;
    const agg = alone ? undefined : this.aggregate(s);
    const selfIn = !!excl && this.inAggregate(s, excl);
    const n = agg ? agg.n - (selfIn ? 1 : 0) : 1;
    const bodies = s.bodies - (excl?.hasBody ? 1 : 0);
    const both = d.hasBody && bodies > 0;
    let bc = 0;
    if (both && n > 0 && alone) {
      const num = this.probeDotAt(I, W, bodyAt(alone), alone.nb, BODY);
      bc = oneBody > 0 ? num / oneBody : 0;
    } else if (both && n > 0 && agg) {
      const c = agg.centroid;
      const norm = c.prepare(CENTROID_TERMS);
      const num = this.probeDotSums(c, BODY);
      if (selfIn && excl) {
        const ce = excl === d ? num : c.dotAt(I, W, bodyAt(excl), excl.nb);
        const de = excl === d ? (d.nb ? 1 : 0) : this.probeDotAt(I, W, bodyAt(excl), excl.nb, BODY);
        const norm2 = norm * norm - 2 * ce + (excl.nb ? 1 : 0);
        bc = norm2 > 1e-9 ? (num - de) / Math.sqrt(norm2) : 0;
      } else bc = norm > 0 ? num / norm : 0;
    }
    x[F.titleTitle] = tt;
    x[F.titleLead] = tl;
    x[F.leadLead] = ll;
    x[F.bodyCentroid] = Math.max(0, bc);
    x[F.bodyMax] = bm;
    x[F.bothBodies] = both ? 1 : 0;
    x[F.titleOnly] = both ? 0 : tt;
    if (!both && n > 0 && alone) {
      const num = this.probeDotAt(I, W, alone.at, alone.nt, TITLE, 2);
      const norm2 = oneTitle * oneTitle;
      x[F.titleStory] = norm2 > 1e-9 ? Math.max(0, num / Math.sqrt(norm2)) : 0;
      this.titleWord = (x[F.titleStory] as number) > 1e-9;
    } else if (!both && n > 0 && agg) {
      const tc = agg.titles;
      const tn = tc.prepare();
      let num = this.probeDotSums(tc, TITLE, 2);
      let norm2 = tn * tn;
      if (selfIn && excl && num > 0) {
        const te = excl === d ? num : tc.dotAt(I, W, excl.at, excl.nt);
        num -= excl === d ? (d.nt ? 1 : 0) : this.probeDotAt(I, W, excl.at, excl.nt, TITLE);
        norm2 += -2 * te + (excl.nt ? 1 : 0);
      }
      x[F.titleStory] = norm2 > 1e-9 ? Math.max(0, num / Math.sqrt(norm2)) : 0;
      this.titleWord = (x[F.titleStory] as number) > 1e-9;
    }
    // An entity counts by the share of the story's members that name it (counted: the members naming
    // it, without the article itself), its core names weighing fully (share: counted / half the members, at most 1).
    const half = Math.max(1, n * 0.5);
    const mass = [0, 0, 0, 0];
    const shared = [0, 0, 0, 0];
    let named = 0;
    let fresh = 0;
    const dEnts = entsAt(d);
    const dKinds = kindsAt(d);
    for (let i = 0; i < d.ne; i++) {
      const id = I[dEnts + i] as number;
      const k = W[dKinds + i] as number;
      const w = W[dEnts + i] as number;
      const selfHas = !!excl && (excl === d || hasAt(I, entsAt(excl), excl.ne, id));
      const counted = (agg ? (agg.counts.get(id) ?? 0) : this.named(alone as DocState, id)) - (selfIn && selfHas ? 1 : 0);
      mass[k] = (mass[k] as number) + w;
      shared[k] = (shared[k] as number) + w * Math.min(1, counted / half);
      if (k !== NAME_KIND) {
        named += w;
        if (counted <= 0) fresh += w;
      }
    }
    for (let k = 0; k < KIND_FEATURES.length; k++) {
      const [si, ai] = KIND_FEATURES[k] as (typeof KIND_FEATURES)[number];
      if ((mass[k] as number) > 0) {
        x[si] = (shared[k] as number) / (mass[k] as number);
        x[ai] = 1;
      }
    }
    let nm = 0;
    let ns = 0;
    const dNums = numsAt(d);
    for (let i = 0; i < d.nn; i++) {
      const id = I[dNums + i] as number;
      const w = W[dNums + i] as number;
      const selfHas = !!excl && (excl === d || hasAt(I, numsAt(excl), excl.nn, id));
      const counted = (agg ? (agg.counts.get(id) ?? 0) : this.named(alone as DocState, id)) - (selfIn && selfHas ? 1 : 0);
      nm += w;
      ns += w * Math.min(1, counted / half);
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
    if (d.source >= 0) x[F.sameOutlet] = (tallyOf(s.sources, d.source) - (excl && excl.source === d.source ? 1 : 0)) / size;
    x[F.nearDuplicate] = bits <= NEAR_DUPLICATE_BITS ? 1 : 0;
    x[F.entityBest] = eb;
    x[F.entityNew] = named > 0 ? fresh / named : 0;
    return x;
  }

  /** The model's verdict on an article and a story (without `self` when it is a member). */
  private verdict(d: DocState, s: StoryState, self?: DocState): Verdict {
    const dl = d.lang;
    const sl = this.language(s);
    const x = this.signals(d, s, self);
    // Two languages never merge: an article in another language never belongs. Nor does one that shares
    // no words with the story (whatever its size, outlet or time say), nor titles alone days away from a member.
    if ((dl !== 'und' && sl !== 'und' && dl !== sl) || !sharesText(x, this.titleWord) || titleTooFar(x)) return { p: 0, m: -1, x };
    const p = this.model.probability(x);
    return { p, m: p - this.model.threshold(x), x };
  }

  /**
   * Candidate stories: posting lists of the article's heaviest terms, newest stories first. A term
   * counts among the QUERY_TERMS read when it has a story other than `exclude` (the story of a member
   * alone in it: it holds all the member's rarest terms, which would use the lookup up in a small window).
   */
  private candidates(d: DocState, limit = CANDIDATES, exclude?: StoryState): StoryState[] {
    // This lookup's tags: base + the query term counted (below base: not seen by this lookup yet).
    const base = ++this.epoch * TAG_TERMS;
    let found = this.found;
    let nFound = 0;
    const window = this.windowHours * HOUR;
    const { table, blocks } = this.postings;
    // Per slot (typed arrays): the lookup and query term that counted it last (a story indexed twice
    // under one term counts once), the weight so far (-Infinity: ended or out of the window).
    const { first, last, dead, tag, acc, seq } = this.spans;
    const from = d.time - window;
    const to = d.time + window;
    const excluded = exclude ? exclude.slot : -1;
    const { ids: I, ws: W } = this.slab;
    const q0 = queryAt(d);
    for (let q = 0, used = 0; q < d.nq && used < QUERY_TERMS; q++) {
      let h = this.postings.head(I[q0 + q] as number);
      if (h < 0) continue;
      const w = W[q0 + q] as number;
      const t = base + q;
      let seen = 0;
      let other = false;
      // The term's newest block lies in its table slot, the older ones in blocks.
      for (let b = table; h >= 0 && seen < POSTINGS_CAP; h = b[h + 1] as number, b = blocks) {
        // The block's slots, newest first, as many as the cap leaves.
        const top = h + 1 + (b[h] as number);
        const stop = Math.max(h + 1, top - (POSTINGS_CAP - seen));
        seen += top - stop;
        for (let j = top; j > stop; j--) {
          const s = b[j] as number;
          if (s !== excluded) other = true;
          const was = tag[s] as number;
          if (was === t) continue;
          tag[s] = t;
          if (was >= base) acc[s] = (acc[s] as number) + w;
          else if (dead[s] || (last[s] as number) < from || (first[s] as number) > to) acc[s] = -Infinity;
          else {
            acc[s] = w;
            if (nFound === found.length) {
              const grown = new Int32Array(found.length * 2);
              grown.set(found);
              this.found = found = grown;
            }
            found[nFound++] = s;
          }
        }
      }
      if (other) used++;
    }
    // The best `limit` by accumulated weight (a selection: hundreds may be found, a few are kept).
    if (this.top.length < limit) this.top = new Int32Array(limit);
    const top = this.top;
    let nTop = 0;
    for (let f = 0; f < nFound; f++) {
      const s = found[f] as number;
      if (nTop === limit && !better(acc, seq, s, top[limit - 1] as number)) continue;
      let i = nTop < limit ? nTop++ : limit - 1;
      while (i > 0 && better(acc, seq, s, top[i - 1] as number)) {
        top[i] = top[i - 1] as number;
        i--;
      }
      top[i] = s;
    }
    // Stories sharing only a fraction of what the best one shares are not worth the full signals.
    const floor = nTop ? (acc[top[0] as number] as number) * CANDIDATE_SHARE : 0;
    const out: StoryState[] = [];
    for (let n = 0; n < nTop && (acc[top[n] as number] as number) >= floor; n++) out.push(this.slots[top[n] as number] as StoryState);
    return out;
  }

  private scoreAll(d: DocState, exclude?: StoryState, self?: DocState, onlySince?: number):
    { s: StoryState; p: number; m: number; x: number[] }[] {
    const out: { s: StoryState; p: number; m: number; x: number[] }[] = [];
    // A member alone in its story: the story's terms are its own, the rarest of which no other story has.
    const alone = exclude && exclude.members.length === 1 ? exclude : undefined;
    for (const s of this.candidates(d, CANDIDATES, alone)) {
      if (s === exclude || (onlySince !== undefined && s.tick <= onlySince)) continue;
      out.push({ s, ...this.verdict(d, s, self) });
    }
    return out.sort((a, b) => b.m - a.m || a.s.seq - b.s.seq);
  }

  /** The state of a document about to be decided or added (the one decide() just built, when it is the same). */
  private stateOf(doc: ClusterDoc): DocState {
    if (this.last?.doc === doc) return this.last.d;
    return this.state(doc, this.vectorsOf(doc));
  }

  /**
   * Training rows: the signals of a document against each candidate story, plus `extra` stories (its
   * true story when retrieval missed it). Languages that differ are left out (never candidates).
   */
  candidateSignals(doc: ClusterDoc, extra: readonly StoryKey[] = []): { story: StoryKey; features: number[] }[] {
    const d = this.state(doc, this.vectorsOf(doc));
    const cands = this.candidates(d);
    for (const k of extra) {
      const s = this.stories.get(k);
      if (s && !cands.includes(s)) cands.push(s);
    }
    return cands.filter((s) => d.lang === 'und' || this.language(s) === 'und' || this.language(s) === d.lang)
      .map((s) => ({ story: s.key, features: this.signals(d, s) }));
  }

  /** Which story should this document join? Does not change any story. */
  decide(doc: ClusterDoc): Decision {
    const d = this.state(doc, this.vectorsOf(doc));
    const scored = this.scoreAll(d);
    const top = scored[0];
    this.last = { doc, d, rivals: scored.filter((c) => c.p >= REVISIT_FROM).map((c) => c.s) };
    if (!top) return { probability: 0 };
    const best = { story: top.s.key, features: top.x, probability: top.p };
    return top.m >= 0 ? { story: top.s.key, probability: top.p, best } : { probability: top.p, best };
  }

  /** Record a document as a member of a story (created when new), having joined with probability `p`. */
  add(doc: ClusterDoc, story: StoryKey, p = 0): void {
    if (this.docs.has(doc.id)) this.remove(doc.id);
    const decided = this.last?.doc === doc;
    const d = decided ? this.stateOf(doc) : this.lazy(doc, this.vectorsOf(doc));
    const rivals = decided ? (this.last?.rivals ?? []) : [];
    this.last = undefined;
    d.id = doc.id;
    this.place(d, story, p, decided);
    for (const r of rivals) this.rival(d.story as StoryState, r);
    if (++this.added % SWEEP_EVERY === 0) this.sweep();
  }

  /**
   * add() of a stored article (a start filling the window) from its stored vectors where they lie
   * (readVectors): the same member as add() of its decoded vectors, without a decoded copy on the way.
   */
  addStored(id: DocId, published: number, source: string | undefined, v: VectorsAt, story: StoryKey, p = 0): void {
    if (this.docs.has(id)) this.remove(id);
    this.last = undefined;
    this.place(this.lazyStored(id, published, source, v), story, p, false);
    if (++this.added % SWEEP_EVERY === 0) this.sweep();
  }

  /** A new member counted, indexed and in its story. */
  private place(d: DocState, story: StoryKey, p: number, decided: boolean): void {
    d.p = p;
    this.count(d, 1);
    const s = this.stories.get(story) ?? this.newStory(story);
    this.docs.set(d.id, d);
    this.held += recordSize(d);
    this.absorb(s, d);
    // Decided: the candidates as they were are known; otherwise (placed by the caller) all of them are worth a look.
    d.tick = decided ? this.clock : -1;
    if (p < SURE) this.pending.add(d);
    this.latest = Math.max(this.latest, d.time);
  }

  /** An article left memory: its record's space is reclaimable. */
  private release(d: DocState): void {
    this.held -= recordSize(d);
    this.slab.free(recordSize(d));
  }

  /**
   * Reclaim the slab's space of articles that left (and of states built for a decision or a comparison
   * and never added) once it is a third of what the articles in memory hold: they move down in place.
   * Only between operations: no article state outside the documents in memory is in use then.
   */
  private compactSlab(): void {
    const waste = this.slab.used - this.held;
    if (waste < SLAB_SLACK || waste * 3 < this.held) return;
    this.slab.compact([...this.docs.values()], (d) => d.at, recordSize, (d, at) => { d.at = at; });
  }

  /** A story's time span, as candidate lookups read it. */
  private span(s: StoryState): void {
    this.spans.first[s.slot] = s.first;
    this.spans.last[s.slot] = s.last;
  }

  /** Two stories competed for an article: refine() asks whether they are one. */
  private rival(a: StoryState, b: StoryState): void {
    if (a === b || a.dead || b.dead) return;
    const set = this.rivals.get(a) ?? new Set();
    set.add(b);
    this.rivals.set(a, set);
  }

  private newStory(key: StoryKey): StoryState {
    const s: StoryState = { key, seq: this.seq++, members: [], first: Infinity, last: -Infinity, sumTime: 0,
      sources: [], langs: [], lang: 'und', bodies: 0, slot: this.slots.length, dead: false, tick: 0 };
    this.slots.push(s);
    const spans = this.spans;
    spans.ensure(s.slot);
    spans.seq[s.slot] = s.seq;
    spans.dead[s.slot] = 0;
    spans.tag[s.slot] = 0;
    this.span(s);
    this.stories.set(key, s);
    return s;
  }

  private absorb(s: StoryState, d: DocState): void {
    d.story = s;
    s.members.push(d);
    s.first = Math.min(s.first, d.time);
    s.last = Math.max(s.last, d.time);
    this.span(s);
    s.sumTime += d.time;
    if (s.agg && s.members.length <= AGG_MEMBERS && d.n0 >= 0) this.aggregateAdd(s.agg, d);
    else this.stale(s);
    if (d.source >= 0) bump(s.sources, d.source, 1);
    bump(s.langs, d.lang, 1);
    this.relang(s);
    if (d.hasBody) s.bodies++;
    s.tick = ++this.clock;
    const ids = this.slab.ids;
    for (let i = queryAt(d), end = i + Math.min(d.nq, INDEX_TERMS); i < end; i++) this.postings.add(ids[i] as number, s.slot);
  }

  /** Take a member out of its story (the story is dropped when it empties). */
  private detach(d: DocState): StoryState | undefined {
    const s = d.story;
    if (!s) return undefined;
    s.members.splice(s.members.indexOf(d), 1);
    d.story = undefined;
    s.tick = ++this.clock;
    if (s.members.length === 0) {
      s.dead = true;
      this.spans.dead[s.slot] = 1;
      this.stories.delete(s.key);
      this.rivals.delete(s);
      this.recycle(s);
      return s;
    }
    s.sumTime -= d.time;
    s.first = Infinity;
    s.last = -Infinity;
    for (const m of s.members) {
      s.first = Math.min(s.first, m.time);
      s.last = Math.max(s.last, m.time);
    }
    this.span(s);
    // One member left: its story's aggregates are its own vectors (signals), the tables go to the pool.
    if (s.members.length === 1) this.recycle(s);
    else this.stale(s);
    if (d.source >= 0) bump(s.sources, d.source, -1);
    bump(s.langs, d.lang, -1);
    this.relang(s);
    if (d.hasBody) s.bodies--;
    this.shrunk.add(s);
    return s;
  }

  /** Forget a document (pruned, or about to be re-added with a new analysis). */
  remove(id: DocId): void {
    const d = this.docs.get(id);
    if (!d) return;
    this.detach(d);
    this.docs.delete(id);
    this.pending.delete(d);
    this.count(d, -1);
    this.release(d);
    if (this.probed === d) this.probed = undefined;
  }

  /** A member's text grew (full text after a teaser): replace its analysis; refine() may move it. */
  update(doc: ClusterDoc): void {
    const key = this.storyOf(doc.id);
    if (key === undefined) return;
    this.remove(doc.id);
    this.add(doc, key, 0);
  }

  /**
   * Room for articles whose vectors hold `ids` ids in all (title, lead, body, entity and figure ids), so
   * that adding them never grows the per-article slab on the way (a record takes at most three entries
   * per id: its ids, their weights, its query). Untouched room costs no resident memory.
   */
  reserve(ids: number): void {
    this.slab.reserve(3 * ids);
  }

  /** Forget everything (before filling again from storage). */
  clear(): void {
    this.df = new CountTable();
    this.docCount = 0;
    this.sourceIds.clear();
    this.docs.clear();
    this.slab = new Slab();
    this.held = 0;
    this.aggPool = [];
    for (const s of this.stories.values()) s.dead = true;
    this.stories.clear();
    this.postings.clear();
    this.slots = [];
    this.spans = new SlotTable();
    this.pending.clear();
    this.rivals.clear();
    this.shrunk.clear();
    this.probed = undefined;
    this.last = undefined;
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
    const theirRivals = this.rivals.get(d);
    for (const m of [...d.members]) {
      this.detach(m);
      this.absorb(k, m);
    }
    if (theirRivals) {
      const set = this.rivals.get(k) ?? new Set();
      for (const r of theirRivals) if (r !== k) set.add(r);
      this.rivals.set(k, set);
    }
  }

  /** Move a member to another story (created under `to` when new). */
  move(id: DocId, to: StoryKey): void {
    const d = this.docs.get(id);
    if (!d) return;
    this.detach(d);
    this.absorb(this.stories.get(to) ?? this.newStory(to), d);
  }

  /** Average linkage under the model: the members of `from` (the recent ones) against story `to`. */
  private linkage(from: StoryState, to: StoryState): number {
    let sum = 0;
    const ms = from.members.slice(-MEMBERS_COMPARED);
    for (const m of ms) sum += this.verdict(m, to).m;
    return sum / ms.length;
  }

  /**
   * Re-cluster the recent window (the last `hours`, default the whole window): what refine() does for
   * what changed, done for every story active in it — each of their recent members is examined against
   * all its candidates (a clearly better home takes it), and every pair of stories that competed for
   * one of them merges when their members match each other on average (average linkage under the model,
   * both ways). Keys stay: members move into existing stories and a merge keeps the older key, so no
   * entry disappears while its articles are published. Meant to run now and then (it costs a decision
   * per recent member), to catch what the single pass and the incremental refinement missed. Returns
   * what changed, in order.
   */
  recluster(hours = this.windowHours): Change[] {
    const since = this.latest - hours * HOUR;
    for (const s of this.stories.values()) {
      if (s.last < since) continue;
      for (const m of s.members.slice(-MEMBERS_COMPARED)) {
        m.tick = -1;
        this.pending.add(m);
      }
    }
    return this.refine();
  }

  /**
   * Re-examine what changed since the last call: members placed with little confidence (and those of
   * stories a member left) against the candidate stories that changed since they were placed — a member
   * moves when one is a clearly better home — then pairs of stories that competed for one article merge
   * into the older when the members of each match the other on average (both ways). Returns what
   * changed, in order.
   */
  refine(): Change[] {
    const changes: Change[] = [];
    const examine = new Set<DocState>(this.pending);
    this.pending.clear();
    for (const s of this.shrunk) {
      if (s.dead) continue;
      for (const m of s.members.slice(-MEMBERS_COMPARED)) {
        m.tick = -1;
        examine.add(m);
      }
    }
    this.shrunk.clear();
    for (const [a, others] of this.rivals) for (const st of [a, ...others]) {
      for (const m of st.members.slice(-MEMBERS_COMPARED)) if (m.p < SURE) examine.add(m);
    }
    for (const m of examine) {
      const s = m.story;
      if (!s || s.dead) continue;
      this.fresh(m);
      const since = m.tick;
      m.tick = this.clock;
      const others = this.scoreAll(m, s, m, since);
      for (const o of others) if (o.p >= REVISIT_FROM) this.rival(s, o.s);
      const best = others[0];
      if (!best || best.m < 0) continue;
      const mine = s.members.length > 1 ? this.verdict(m, s, m) : { p: 0, m: -1 };
      if (best.m <= mine.m + MOVE_MARGIN) {
        m.p = Math.max(m.p, mine.p);
        continue;
      }
      if (s.members.length === 1) {
        // The last member leaving would end its story: a merge, and the older story's key is kept.
        const [keep, drop] = s.seq <= best.s.seq ? [s, best.s] : [best.s, s];
        changes.push({ kind: 'merge', keep: keep.key, drop: drop.key, probability: best.p });
        this.merge(keep.key, drop.key);
      } else {
        changes.push({ kind: 'move', doc: m.id, from: s.key, to: best.s.key, probability: best.p });
        this.move(m.id, best.s.key);
      }
      m.p = best.p;
    }
    // Average linkage under the model, both ways: the members of each story match the other on average
    // (one way only would undo a member's leaving: the model is not symmetric).
    const pairs = [...this.rivals];
    this.rivals.clear();
    for (const [a, others] of pairs) {
      for (const b of others) {
        if (a.dead || b.dead || a === b) continue;
        const avg = Math.min(this.linkage(a, b), this.linkage(b, a));
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
      this.spans.dead[s.slot] = 1;
      this.stories.delete(key);
      this.rivals.delete(s);
      this.shrunk.delete(s);
      for (const m of s.members) {
        this.docs.delete(m.id);
        this.pending.delete(m);
        this.count(m, -1);
        this.release(m);
        this.onForget?.(m.id, key);
      }
      // Its slot stays in the postings until they are compacted: what it held is freed now.
      s.members = [];
      this.recycle(s);
    }
    this.probed = undefined;
    this.compactSlab();
    // Stories that ended (swept, merged, emptied) leave the postings, the others getting slots anew, once
    // they are as many as the live ones (the cost of a compaction is then paid by as many new stories).
    const live = this.slots.filter((s) => !s.dead);
    if (this.slots.length - live.length < Math.max(live.length, 1024)) return;
    const renumber = new Int32Array(this.slots.length).fill(-1);
    live.forEach((s, i) => { renumber[s.slot] = i; });
    this.postings.compact(renumber);
    live.forEach((s, i) => {
      this.spans.moveSlot(s.slot, i);
      s.slot = i;
    });
    this.slots = live;
  }

  /** The signals, their contributions and the probability of `doc` against a story of its own. */
  explainStory(doc: ClusterDoc, story: StoryKey): { probability: number; bias: number; logit: number; features: Contribution[] } | undefined {
    const s = this.stories.get(story);
    if (!s) return undefined;
    const self = this.docs.get(doc.id);
    const mine = self && self.story === s ? self : undefined;
    const d = mine ?? this.state(doc, this.vectorsOf(doc));
    const { p, x } = this.verdict(d, s, mine);
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
    tmp.df = this.df;
    tmp.docCount = this.docCount;
    const [aa, ab] = [this.analysisOf(a), this.analysisOf(b)];
    const da = tmp.state(a, this.vectorsOf(a));
    const sb = tmp.newStory('b');
    tmp.absorb(sb, tmp.state(b, this.vectorsOf(b)));
    const x = tmp.signals(da, sb);
    const explained = this.model.explain(x);
    const differ = aa.lang !== 'und' && ab.lang !== 'und' && aa.lang !== ab.lang;
    const unrelated = !differ && !sharesText(x, tmp.titleWord);
    const far = !differ && !unrelated && titleTooFar(x);
    const theirs = new Map(ab.entities.map(([key]) => [key, true]));
    return {
      ...explained, threshold: this.model.file.thresholds[explained.regime], languages: [aa.lang, ab.lang],
      override: differ ? `the languages differ (${aa.lang}, ${ab.lang}): never one story`
        : unrelated ? 'no words in common (titles, leads, bodies): never one story'
        : far ? `titles alone, ${Math.round(farthestHours(x))} hours apart (more than ${TITLE_SPAN_HOURS}): never one story` : undefined,
      probability: differ || unrelated || far ? 0 : explained.probability,
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
 * joining the same story first, refining as it goes and once more at the end, then re-clustering the
 * window once (recluster(), which the worker runs hourly: ingest/cluster.ts reclusterStories). Returns each document's
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
  // A batch ends with what the single pass and the incremental refinement missed: every story re-examined.
  c.recluster();
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
