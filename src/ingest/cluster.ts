// Wires the pure clusterer (cluster/) to storage, the orchestrator in charge: before a source's items are
// written, the clusterer decides where each new article goes; storage then writes the items, the
// articles' analyses and those decisions in one transaction. After the write the clusterer refines the
// stories that changed (articles move, stories merge) and storage records that in a second transaction
// with each story's history. A full text that arrives later is re-analysed and refined the same way.
// At start the clusterer reads the window's stored term vectors (or, for older rows, analyses): nothing is re-analysed.
import type { Logger } from 'pino';
import { ANALYSIS_VERSION, analyzeBoth, Clusterer, decodeVectors, encodeVectors, readVectors, type Analysis, type Change, type ClusterDoc, type Options, type VectorsAt } from '../cluster/index.js';
import { toPlainText } from '../sanitizer/index.js';
import type { ClusterFeatures, ClusterInput, ItemInput, Placement, SaveOutcome, StoryChange, Store } from '../storage/index.js';

/** A stored article (or a new item) as the clusterer reads it: the longest text we have. */
export function toClusterDoc(id: number, a: Pick<ClusterInput, 'title' | 'articleText' | 'feedHtml' | 'url' | 'published'> & { sourceId?: number }): ClusterDoc {
  const text = a.articleText ?? (a.feedHtml ? toPlainText(a.feedHtml) : undefined);
  return { id, title: a.title, text: text || undefined, url: a.url, published: Date.parse(a.published),
    source: a.sourceId === undefined ? undefined : String(a.sourceId) };
}

/**
 * A new item's features, from its title and cleaned feed HTML as toClusterDoc reads them: made by the
 * feed threads as they clean the item (ingest/clean.ts), so the clusterer's thread, through which every
 * new article passes one at a time, only decodes them.
 */
export function itemFeatures(title: string, feedHtml: string | undefined): ClusterFeatures {
  const doc = toClusterDoc(0, { title, feedHtml, url: undefined, published: '' });
  const { analysis, vectors } = analyzeBoth(doc.title, doc.text);
  return { version: ANALYSIS_VERSION, analysis: JSON.stringify(analysis), vectors: encodeVectors(vectors) };
}

/** A document's features analysed by the clusterer (which keeps them for the decision that follows). */
function analysed(c: Clusterer, doc: ClusterDoc): ClusterFeatures {
  return { version: ANALYSIS_VERSION, analysis: JSON.stringify(c.analysisOf(doc)), vectors: encodeVectors(c.vectorsOf(doc)) };
}

function isAnalysis(v: unknown): v is Analysis {
  const a = v as Partial<Analysis> | null;
  return !!a && a.v === ANALYSIS_VERSION && typeof a.lang === 'string' && Array.isArray(a.title) && Array.isArray(a.lead) &&
    Array.isArray(a.body) && Array.isArray(a.entities) && Array.isArray(a.numbers) && typeof a.bodyTokens === 'number';
}

/**
 * Fill a clusterer with the articles of the window before `now`: stored analyses are read as they are;
 * articles without one (stored before this version, or by an older storyfeed) are analysed once and the
 * analysis stored, so the next start reads it (in memory only when the store is read-only).
 */
export function fillClusterer(store: Store, c: Clusterer, now: Date): void {
  for (const _ of fillSteps(store, c, now));
}

/** Articles added between two steps of fillSteps (a step costs ~20 ms on the development machine). */
const FILL_STEP = 1_000;
/** Analyses back-filled per write transaction at a start (an article stored before its analysis was). */
export const ANALYSE_BATCH = 200;

/** fillClusterer in steps: the caller may let the event loop run between them (see loadClustererYielding). */
function* fillSteps(store: Store, c: Clusterer, now: Date): Generator<void> {
  let added = 0;
  const step = () => ++added % FILL_STEP === 0;
  const since = new Date(now.getTime() - c.windowHours * 3_600_000).toISOString();
  const missing = store.items.clusterInputsToAnalyse(since, ANALYSIS_VERSION);
  if (missing.length && store.readOnly) {
    // A read-only reader (`explain`, the pages under `serve`): analyse in memory, store nothing; the worker stores them.
    for (const a of missing) {
      const doc = toClusterDoc(a.articleId, a);
      c.add({ ...doc, title: '', ...analyzeBoth(doc.title, doc.text) }, a.storyId, 1);
      if (step()) yield;
    }
  } else if (missing.length) {
    // Analysed outside any transaction, written ANALYSE_BATCH at a time: the write lock is held for the
    // writes only, never for the analysis of a whole window (the main thread's own writes wait for it).
    const save = store.db.transaction((batch: readonly { a: (typeof missing)[number]; analysis: string; vectors: Uint8Array }[]) => {
      for (const { a, analysis, vectors } of batch) store.cluster.save(a.articleId, ANALYSIS_VERSION, a.published, a.sourceId, analysis, vectors);
    });
    for (let at = 0; at < missing.length; at += ANALYSE_BATCH) {
      save(missing.slice(at, at + ANALYSE_BATCH).map((a) => {
        const doc = toClusterDoc(a.articleId, a);
        const { analysis, vectors } = analyzeBoth(doc.title, doc.text);
        return { a, analysis: JSON.stringify(analysis), vectors: encodeVectors(vectors) };
      }));
    }
  }
  // One scan of the window: the stored binary vectors (read in place, no JSON: issue 11, a start
  // independent of the texts), and the analyses of rows stored before vectors were.
  const rows = store.cluster.windowVectors(since, ANALYSIS_VERSION, { orAnalysis: true });
  // Room for all of them at once (a blob is 4 bytes per id plus a header): the slab is never copied on the way.
  c.reserve(rows.reduce((n, r) => n + (r.vectors ? r.vectors.byteLength / 4 : 0), 0));
  const sources = new Map<number, string>();
  const source = (id: number | null) => {
    if (id === null) return undefined;
    let name = sources.get(id);
    if (name === undefined) sources.set(id, (name = String(id)));
    return name;
  };
  const scratch = {} as VectorsAt;
  for (const r of rows) {
    if (!r.vectors) continue;
    const vectors = readVectors(r.vectors, scratch);
    if (!vectors) continue; // another shape: its JSON analysis is not read either (it has vectors), the article is just not a candidate
    c.addStored(r.articleId, Date.parse(r.published), source(r.sourceId), vectors, r.storyId, 1);
    if (step()) yield;
  }
  // Then the rows stored before vectors were (analysis only).
  for (const r of rows) {
    if (r.analysis === null) continue;
    let analysis: unknown;
    try {
      analysis = JSON.parse(r.analysis);
    } catch {
      analysis = undefined;
    }
    if (!isAnalysis(analysis)) continue; // not ours to trust: the article still has its story, it is just not a candidate
    c.add({ id: r.articleId, title: '', published: Date.parse(r.published), source: source(r.sourceId), analysis }, r.storyId, 1);
    if (step()) yield;
  }
}

/**
 * loadClusterer for a server's own thread (the story pages): the same clusterer, filled in steps with the
 * event loop free between them, so that requests and fetches go on while it loads (~0.9 s per 50,000
 * articles in one piece otherwise). The window is read when loading starts.
 */
export async function loadClustererYielding(store: Store, now: Date, options: Options = {}): Promise<Clusterer> {
  const c = new Clusterer(options);
  for (const _ of fillSteps(store, c, now)) await new Promise<void>((resolve) => setImmediate(resolve));
  return c;
}

/** A clusterer holding the stories of the window before `now` (the cost of a start is the window's, not the database's). */
export function loadClusterer(store: Store, now: Date, options: Options = {}): Clusterer {
  const c = new Clusterer(options);
  fillClusterer(store, c, now);
  return c;
}

let provisional = 0;
const PENDING_DOC = 'pending-article:';
const PENDING_STORY = 'pending-story:';

/**
 * Store a source's items, placing its new articles in stories: the clusterer decides (in memory, under
 * provisional ids), storage writes items, analyses and decisions in one transaction, then the clusterer
 * takes the stored ids. Without a clusterer every new article is a story of its own.
 */
export function saveAndCluster(store: Store, c: Clusterer | undefined, sourceId: number, items: readonly ItemInput[], now: string,
  log?: Logger): SaveOutcome {
  if (!c) return store.items.save(sourceId, items, now);
  const placements = new Map<number, Placement>();
  const pending = new Map<number, string>();
  for (const index of store.items.newArticles(sourceId, items)) {
    const item = items[index] as ItemInput;
    // The analysis the feed thread made when it cleaned the item (itemFeatures), else made here.
    const given = item.features?.version === ANALYSIS_VERSION && item.features.vectors ? decodeVectors(item.features.vectors) : undefined;
    const id = `${PENDING_DOC}${++provisional}`;
    const doc: ClusterDoc = given
      ? { id, title: item.title, url: item.url, published: Date.parse(item.published), source: String(sourceId), vectors: given }
      : { ...toClusterDoc(0, { title: item.title, feedHtml: item.content ?? item.summary, url: item.url, published: item.published,
        sourceId }), id };
    const features = given && item.features ? item.features : analysed(c, doc);
    const decision = c.decide(doc);
    const story = decision.story ?? `${PENDING_STORY}${provisional}`;
    // Added now, so that the next new article of this batch can join it. As a copy: the clusterer then
    // looks at every candidate of it in refinement, without the rivals it kept from the decision (adding
    // the very object decided, as clusterDocs does, made the first cycle's refinement ~5× costlier, each
    // source's 50 articles revisiting their rivals).
    c.add({ ...doc }, story, decision.probability);
    pending.set(index, String(doc.id));
    placements.set(index, {
      story: typeof story === 'number' ? { id: story } : { create: String(story) },
      probability: decision.story === undefined ? undefined : decision.probability,
      features,
    });
  }
  let saved: SaveOutcome;
  try {
    saved = store.items.save(sourceId, items, now, placements);
  } catch (err) {
    for (const id of pending.values()) c.remove(id);
    throw err;
  }
  for (const [name, id] of saved.createdStories) c.rekey(name, id);
  const written = new Set<number>();
  for (const a of saved.articles) {
    const id = pending.get(a.index);
    if (id === undefined) continue;
    written.add(a.index);
    c.rename(id, a.articleId);
    // Storage had the last word (a story pruned meanwhile gets a new one): follow it.
    if (c.storyOf(a.articleId) !== a.storyId) c.move(a.articleId, a.storyId);
  }
  for (const [index, id] of pending) if (!written.has(index)) c.remove(id);
  refineStories(store, c, now, log);
  return saved;
}

/** Storage's form of the clusterer's changes (stories and articles not stored yet cannot appear: refine runs after the write). */
function toStoryChanges(changes: readonly Change[]): StoryChange[] {
  return changes.flatMap((ch): StoryChange[] => {
    if (ch.kind === 'merge') {
      return typeof ch.keep === 'number' && typeof ch.drop === 'number'
        ? [{ kind: 'merge', keep: ch.keep, drop: ch.drop, probability: ch.probability }] : [];
    }
    return typeof ch.doc === 'number' && typeof ch.to === 'number'
      ? [{ kind: 'move', article: ch.doc, to: ch.to, probability: ch.probability }] : [];
  });
}

/**
 * Re-examine the stories that changed and write what moved or merged (with each story's history). If
 * storage refuses, the clusterer is rebuilt from storage, so memory never disagrees with the database.
 */
export function refineStories(store: Store, c: Clusterer, now: string, log?: Logger): void {
  applyChanges(store, c, c.refine(), now, 'stories refined', log);
}

// ---- Tunables -------------------------------------------------------------------------------------
/** The recent window, in hours, that the periodic re-clustering pass re-examines. */
export const RECLUSTER_HOURS = 48;
/**
 * How often the worker runs that pass, in hours: after the first cycle that added articles once this
 * long has passed since the last one (a pass costs about a decision per recent member: ~1 s for two
 * days at 1,000 articles a day, seconds at 10,000 — every cycle would be tens of times a cycle's own
 * clustering).
 */
export const RECLUSTER_EVERY_HOURS = 1;
// ---------------------------------------------------------------------------------------------------

/** Whether a cycle ending at `now` runs the pass, the last one having run at `last`. */
export function reclusterDue(last: string, now: Date): boolean {
  const at = Date.parse(last);
  return !Number.isFinite(at) || now.getTime() - at >= RECLUSTER_EVERY_HOURS * 3_600_000;
}

/**
 * The re-clustering pass of the recent window (Clusterer.recluster, then refinement of what it changed,
 * as `storyfeed cluster` ends a batch): what the single pass and the per-source refinement missed. Keys
 * stay (members move into existing stories, a merge keeps the older story), so no entry disappears.
 * Written like refineStories. Returns the number of moves and merges written.
 */
export function reclusterStories(store: Store, c: Clusterer, now: string, hours = RECLUSTER_HOURS, log?: Logger): { moves: number; merges: number } {
  const t0 = Date.now();
  const changes = c.recluster(hours);
  for (let round = 0; round < 3; round++) {
    const more = c.refine();
    if (more.length === 0) break;
    changes.push(...more);
  }
  const stored = applyChanges(store, c, changes, now, 'stories re-clustered', log, { hours, ms: Date.now() - t0 });
  return stored ? count(changes) : { moves: 0, merges: 0 };
}

const count = (changes: readonly Change[]) => ({ moves: changes.filter((ch) => ch.kind === 'move').length,
  merges: changes.filter((ch) => ch.kind === 'merge').length });

/** Write the clusterer's changes; on a refusal rebuild the clusterer from storage. Whether they were written. */
function applyChanges(store: Store, c: Clusterer, changes: readonly Change[], now: string, what: string, log?: Logger,
  extra: Record<string, number> = {}): boolean {
  if (changes.length === 0) return true;
  try {
    const { skipped } = store.stories.apply(toStoryChanges(changes), now);
    if (skipped > 0) throw new Error(`${skipped} of ${changes.length} changes no longer apply`);
    log?.info({ ...count(changes), ...extra }, what);
    return true;
  } catch (err) {
    log?.warn({ error: err instanceof Error ? err.message : String(err) }, `${what} in memory but not stored; reloading the clusterer`);
    c.clear();
    fillClusterer(store, c, new Date(now));
    return false;
  }
}

/** After an article's full text is stored: analyse it again and let refinement move it if it now belongs elsewhere. */
export function reassessArticle(store: Store, c: Clusterer, articleId: number, now: string, log: Logger): void {
  const input = store.items.clusterInputFor(articleId);
  if (!input) return;
  const doc = toClusterDoc(articleId, input);
  const { analysis, vectors } = analyzeBoth(doc.title, doc.text);
  store.cluster.save(articleId, ANALYSIS_VERSION, input.published, input.sourceId, JSON.stringify(analysis), encodeVectors(vectors));
  if (!c.has(articleId)) return;
  c.update({ ...doc, analysis, vectors });
  refineStories(store, c, now, log);
}
