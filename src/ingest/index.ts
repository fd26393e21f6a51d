// Orchestrates one source: fetch -> parse -> fingerprint -> clean -> rules -> cluster -> store. The only
// stage besides the scheduler that touches storage. A failing source is recorded as data and never throws
// out of here. An item seen before unchanged (its fingerprint is stored) is recognised in the parsing
// thread and skips cleaning, the rules, the clusterer and every write but "seen now".
import type { Clusterer } from '../cluster/index.js';
import { fetchUrl, FetchError, type FetchOptions, type FetchResult } from '../fetcher/index.js';
import type { IngestResult, SourceConfig } from '../model/index.js';
export type { IngestOutcome, IngestResult } from '../model/index.js';
import { ParseError, type ParseOptions } from '../parser/index.js';
import type { ParserPool } from '../parser/pool.js';
import { filterItems } from '../filter/index.js';
import { lineText, safeUrl, toPlainText } from '../sanitizer/index.js';
import type { FetchSuccess, ItemInput, SaveOutcome, SourceFetchState } from '../storage/index.js';
import { readDocument, type ReadDocument, type ReadFeed } from './clean.js';
import { fillClusterer, saveAndCluster } from './cluster.js';
import { clustererOf, extractPendingForSource, type ExtractDeps, type ExtractSummary } from './extract.js';
import { nextAfterFailure, nextAfterSuccess } from './policy.js';
export { toItemInput } from './clean.js';

export class IngestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`ingest: ${message}`, options);
    this.name = 'IngestError';
  }
}

// ---- Tunables -------------------------------------------------------------------------------------
/** Accept header for feed requests: feeds first, HTML last (for autodiscovery). */
const FEED_ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1';
// ---------------------------------------------------------------------------------------------------


/** What one source's ingest needs: what its page extraction needs, and the feed-parsing threads. */
export type IngestDeps = ExtractDeps & {
  /** Worker threads with a time budget per document; without it feeds are read on this thread. */
  parserPool?: ParserPool;
  /**
   * Where the pages of new articles go (full_text on): the cycle's page queue, which fetches and
   * extracts them while the other feeds are ingested. Without it they are extracted before this
   * source's ingest returns.
   */
  pages?: (sourceId: number, source: string) => void;
};

function fetchOptions(deps: IngestDeps, extra: Partial<FetchOptions> = {}): FetchOptions {
  const h = deps.config.http;
  return {
    timeoutMs: h.timeoutMs, maxBytes: h.maxBytes, userAgent: h.userAgent, maxRedirects: h.maxRedirects,
    allowPrivateNetworks: h.allowPrivateNetworks, accept: FEED_ACCEPT, signal: deps.signal,
    limiter: deps.limiter, fetch: deps.fetch, ...extra,
  };
}

interface Fetched {
  result: FetchResult;
  /** URL to store as the source's fetch URL, when it changed (permanent redirect or discovery). */
  newUrl?: string;
  feed?: ReadFeed;
}

/**
 * Read a response body (decode, parse, fingerprint, clean what is new; with `discover`, an HTML page's
 * feed links) in the pool's threads (time budget) when there is one.
 */
function read(deps: IngestDeps, sourceId: number, res: FetchResult, now: Date, discover: boolean): Promise<ReadDocument> {
  const known = deps.store.items.knownHashes(sourceId);
  const opts: ParseOptions = { baseUrl: res.url, now, maxItems: deps.config.limits.maxItemsPerFeed };
  // The feed threads also analyse new items for the clusterer (when there is one); on this thread, the clusterer does.
  const analyse = deps.clusterThread !== undefined || deps.clusterer !== undefined;
  return deps.parserPool ? deps.parserPool.read(res.body, res.charset, opts, known, discover, analyse)
    : readDocument(res.body, res.charset, opts, known, discover);
}

async function fetchAndRead(source: SourceFetchState, deps: IngestDeps, now: Date): Promise<Fetched> {
  const result = await fetchUrl(source.url, fetchOptions(deps, { etag: source.etag, lastModified: source.lastModified }));
  if (result.notModified) return { result, newUrl: result.permanentUrl };
  const doc = await read(deps, source.id, result, now, true);
  if ('feed' in doc) return { result, newUrl: result.permanentUrl, feed: doc.feed };
  const first = doc.links[0];
  if (!first) throw new ParseError(`parser: ${result.url} is an HTML page without a feed link (<link rel="alternate">)`);
  deps.log.info({ source: source.configUrl, discovered: first }, 'feed discovered from HTML page');
  const feedResult = await fetchUrl(first, fetchOptions(deps));
  const again = await read(deps, source.id, feedResult, now, false);
  if (!('feed' in again)) throw new ParseError(`parser: ${feedResult.url} is not a feed`); // never: not asked to discover
  return { result: feedResult, newUrl: feedResult.permanentUrl ?? first, feed: again.feed };
}

/** The clusterer refilled from storage after a write it took part in was rolled back. */
function reload(deps: IngestDeps, c: Clusterer, now: string): void {
  c.clear();
  try {
    fillClusterer(deps.store, c, new Date(now));
  } catch (err) {
    // The database refuses even that (it stores analyses it lacks): the next successful write's refine reloads it.
    deps.log.error({ error: err instanceof Error ? err.message : String(err) }, 'cannot reload the clusterer from storage');
  }
}

/**
 * Write what one fetch found in one transaction: its items (new articles placed by the clusterer, which
 * is asked only when there are new items, and loaded then), and the source's fetch state (ETag, next
 * attempt), so that a crash never stores the items without the state that says they were read, or the
 * reverse. With a cluster thread, the clusterer's work and this write run there, on its own connection;
 * else on this thread, and if the transaction fails after the clusterer took the decisions in, it is
 * reloaded from storage: memory never disagrees with the database.
 */
async function store(deps: IngestDeps, sourceId: number, items: readonly ItemInput[], now: string, state: FetchSuccess): Promise<SaveOutcome> {
  const fresh = items.some((i) => !i.unchanged);
  // New items are the writes that fill the WAL (~0.5 MB per 50): from the first of them on, its
  // checkpoints run in a thread, never inside this thread's commits. A cycle of 304s starts none.
  if (fresh) deps.store.checkpointInBackground((message) => deps.log.warn({ error: message }, 'database checkpoint'));
  if (fresh && deps.clusterThread) return deps.clusterThread.save(sourceId, items, now, state);
  if (!fresh) {
    // Only "seen now" and the fetch state: coalesced with the other sources' small writes of this turn.
    return deps.store.writeSoon(() => {
      const saved = deps.store.items.save(sourceId, items, now);
      deps.store.sources.recordFetchSuccess(sourceId, now, state);
      return saved;
    });
  }
  const c = clustererOf(deps);
  try {
    return deps.store.db.transaction(() => {
      const saved = saveAndCluster(deps.store, c, sourceId, items, now, deps.log);
      deps.store.sources.recordFetchSuccess(sourceId, now, state);
      return saved;
    })();
  } catch (err) {
    if (c) reload(deps, c, now);
    throw err;
  }
}

/**
 * The rules applied to a fetched feed and its items handed to storage (store): the write under way, how
 * many items went, how many a rule blocked. Not async, so that nothing of the feed outlives the call.
 */
function writeFeed(deps: IngestDeps, sourceId: number, cfg: SourceConfig, feed: ReadFeed, nowIso: string,
  success: Omit<FetchSuccess, 'title' | 'siteLink'>): { saved: Promise<SaveOutcome>; items: number; blocked: number } {
  // Keep/block rules (global, then the source's), on what is new or changed, before anything is stored or clustered.
  const fresh = feed.entries.flatMap((e) => (e.input ? [e.input] : []));
  const { kept, dropped } = filterItems(fresh, (i) => ({ title: i.title,
    content: toPlainText(i.content ?? i.summary), author: i.author ?? '', url: [i.link, i.url].filter(Boolean).join(' ') }),
  [deps.config.rules, cfg.rules]);
  for (const d of dropped) deps.log.debug({ source: cfg.url, title: d.item.title, why: d.why }, 'item dropped by a rule');
  const keep = new Set(kept);
  // The whole document goes to storage, unchanged entries as their identity and fingerprint only: the
  // save path sees every guid of the feed (two entries sharing one link stay apart), and the clusterer
  // is asked about none of them.
  const items = feed.entries.flatMap((e): ItemInput[] => (e.input
    ? (keep.has(e.input) ? [e.input] : [])
    : [{ guid: e.guid, url: e.url, title: '', published: '', enclosures: [], categories: [], hash: e.hash, unchanged: true }]));
  const saved = store(deps, sourceId, items, nowIso, {
    ...success, title: feed.title ? lineText(feed.title) : undefined, siteLink: safeUrl(feed.link),
  });
  return { saved, items: items.length, blocked: dropped.length };
}

/**
 * Fetch, parse and store one source, then extract the full text of its new articles (full_text on).
 * Never throws: failures are recorded on the source (or, for a page, on its article).
 */
export async function ingestSource(source: SourceFetchState, cfg: SourceConfig, deps: IngestDeps): Promise<IngestResult> {
  const intervalSeconds = cfg.intervalSeconds;
  const clock = deps.now ?? (() => new Date());
  const started = clock();
  const startedMs = Date.now();
  const nowIso = started.toISOString();
  const base = { source: source.configUrl, inserted: 0, updated: 0, items: 0, extracted: 0, extractFailed: 0 };
  try {
    let fetched: Fetched | undefined = await fetchAndRead(source, deps, started);
    const { result, newUrl } = fetched;
    const success = {
      url: newUrl, etag: result.etag, lastModified: result.lastModified,
      nextAttemptAt: nextAfterSuccess(started, intervalSeconds, result.maxAgeSeconds),
    };
    if (!fetched.feed) {
      // 304: the fetch state alone, coalesced with the other sources' small writes of this turn.
      await deps.store.writeSoon(() => deps.store.sources.recordFetchSuccess(source.id, nowIso, {
        ...success, notModified: true, etag: success.etag ?? source.etag, lastModified: success.lastModified ?? source.lastModified,
      }));
      return { ...base, outcome: 'not-modified', durationMs: Date.now() - startedMs };
    }
    const write = writeFeed(deps, source.id, cfg, fetched.feed, nowIso, success);
    // Nothing of the document stays in this frame while the write waits (for the clusterer's thread, behind
    // the other lanes' sources; no closure here captures `result`, whose body is the document's bytes): an
    // async function keeps every local across an await, and the items,
    // held that long, outlived the young generation's collections and filled the old one, whose
    // collections were the main thread's longest pieces of work (issue 16).
    fetched = undefined;
    const saved = await write.saved;
    const { items, blocked } = write;
    let pages: ExtractSummary = { ok: 0, failed: 0, aborted: 0 };
    if (cfg.fullText) {
      if (deps.pages) deps.pages(source.id, source.configUrl);
      else pages = await extractPendingForSource(source.id, deps);
    }
    return { ...base, outcome: 'ok', inserted: saved.inserted, updated: saved.updated, items,
      extracted: pages.ok, extractFailed: pages.failed, ...(blocked ? { blocked } : {}), durationMs: Date.now() - startedMs };
  } catch (err) {
    if (err instanceof FetchError && err.kind === 'aborted') {
      return { ...base, outcome: 'aborted', error: err.message, durationMs: Date.now() - startedMs };
    }
    const message = err instanceof Error ? err.message : String(err);
    const known = err instanceof FetchError || err instanceof ParseError;
    if (!known) deps.log.error({ err, source: source.configUrl }, 'unexpected ingest error');
    const gone = err instanceof FetchError && err.status === 410;
    const failures = source.consecutiveFailures + 1;
    try {
      deps.store.sources.recordFetchFailure(source.id, nowIso, {
        error: message,
        status: gone ? 'gone' : 'failing',
        nextAttemptAt: gone ? undefined
          : nextAfterFailure(started, intervalSeconds, failures, err instanceof FetchError ? err.retryAfterMs : undefined),
      });
    } catch (storeErr) {
      // The database refuses writes (read-only, disk full): nothing was half-written (each write is one
      // transaction); say so and carry on serving.
      const why = storeErr instanceof Error ? storeErr.message : String(storeErr);
      deps.log.error({ source: source.configUrl, error: why }, 'cannot record the fetch result: database refuses writes');
      return { ...base, outcome: 'failed', error: `${message}; storage: ${why}`, durationMs: Date.now() - startedMs };
    }
    return { ...base, outcome: 'failed', error: message, durationMs: Date.now() - startedMs };
  }
}
