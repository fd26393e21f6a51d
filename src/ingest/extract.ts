// Full text for new articles: fetch each page (the fetcher's limits, SSRF guard and politeness), extract
// it (extractor/, in its threads), store the result per article. Bounded concurrency. The extractor's
// verdict decides: an article becomes the body; anything else (short, paywalled, no article) and any
// failure is recorded on the article (the feed's own content stays its body, the text found is kept) and
// never fails the source. In a cycle, the pages of every source go to one PageQueue, fetched and
// extracted while the other feeds are still being ingested.
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { extractPage, ExtractError } from '../extractor/index.js';
import type { ExtractorPool } from '../extractor/pool.js';
import { decodeBody, fetchUrl, FetchError, type FetchOptions, type HostLimiter } from '../fetcher/index.js';
import type { Clusterer } from '../cluster/index.js';
import type { Config } from '../model/index.js';
import type { PendingPage, Store } from '../storage/index.js';
import { reassessArticle } from './cluster.js';
import type { ClusterThread } from './cluster-thread.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Pages fetched at the same time for one source (the per-host limit applies on top). */
export const PAGE_CONCURRENCY = 4;
/** New articles extracted per source and cycle; the rest wait for the next cycle (oldest last). */
export const MAX_PAGES_PER_SOURCE_CYCLE = 50;
/** Accept header for article pages. */
const PAGE_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, */*;q=0.1';
// ---------------------------------------------------------------------------------------------------

export interface ExtractDeps {
  store: Store;
  config: Config;
  log: Logger;
  limiter?: HostLimiter;
  signal?: AbortSignal;
  now?: () => Date;
  fetch?: FetchOptions['fetch'];
  /**
   * Places new articles in stories; without it a story is one article (same canonical URL). Or a function
   * that loads it when first needed: a cycle with nothing new never reads the window.
   */
  clusterer?: Clusterer | (() => Clusterer);
  /** The clusterer in a thread of its own (cluster-thread.ts): when given, it does the clusterer's work instead. */
  clusterThread?: ClusterThread;
  /** Worker threads with a time budget per page; without it pages are extracted on this thread. */
  pool?: ExtractorPool;
}

/** The clusterer of these deps, loaded now if it is loaded on demand. */
export function clustererOf(deps: Pick<ExtractDeps, 'clusterer'>): Clusterer | undefined {
  return typeof deps.clusterer === 'function' ? deps.clusterer() : deps.clusterer;
}

export interface ExtractSummary {
  ok: number;
  failed: number;
  aborted: number;
}

async function extractOne(page: PendingPage, deps: ExtractDeps): Promise<'ok' | 'failed' | 'aborted'> {
  const h = deps.config.http;
  const nowIso = () => (deps.now?.() ?? new Date()).toISOString();
  try {
    const res = await fetchUrl(page.pageUrl, {
      timeoutMs: h.timeoutMs, maxBytes: h.maxBytes, userAgent: h.userAgent, maxRedirects: h.maxRedirects,
      allowPrivateNetworks: h.allowPrivateNetworks, accept: PAGE_ACCEPT, signal: deps.signal, limiter: deps.limiter,
      fetch: deps.fetch,
    });
    const html = decodeBody(res.body, res.charset);
    const found = deps.pool ? await deps.pool.extract(html, res.url) : extractPage(html, res.url);
    const now = nowIso();
    if (found.verdict !== 'article') {
      // Not an article: the feed's content stays the body; the text and the verdict are kept beside it.
      const reason = `extractor: ${found.reason ?? found.verdict}`;
      deps.store.extractions.recordNonArticle(page.articleId, res.url, found.verdict, reason, found.text, now);
      deps.log.debug({ url: page.pageUrl, verdict: found.verdict, reason }, 'not an article; keeping the feed content');
      return 'failed';
    }
    // An unchanged page (extract --refresh) changes nothing: no update, no reassessment.
    const changed = deps.store.extractions.save(page.articleId, res.url, found, now);
    if (changed && deps.clusterThread) await deps.clusterThread.reassess(page.articleId, now);
    else if (changed) {
      const c = clustererOf(deps);
      if (c) reassessArticle(deps.store, c, page.articleId, now, deps.log);
    }
    return 'ok';
  } catch (err) {
    if (err instanceof FetchError && err.kind === 'aborted') return 'aborted';
    const known = err instanceof FetchError || err instanceof ExtractError;
    const message = err instanceof Error ? err.message : String(err);
    if (!known) deps.log.error({ err, url: page.pageUrl }, 'unexpected extraction error');
    deps.store.extractions.recordFailure(page.articleId, page.pageUrl, message, nowIso());
    deps.log.debug({ url: page.pageUrl, error: message }, 'extraction failed; keeping the feed content');
    return 'failed';
  }
}

/** Extract the given pages with bounded concurrency; never throws for a single page. */
export async function extractPages(pages: readonly PendingPage[], deps: ExtractDeps): Promise<ExtractSummary> {
  const limit = pLimit(PAGE_CONCURRENCY);
  const outcomes = await Promise.all(pages.map((p) => limit(() => (deps.signal?.aborted ? 'aborted' as const : extractOne(p, deps)))));
  return {
    ok: outcomes.filter((o) => o === 'ok').length,
    failed: outcomes.filter((o) => o === 'failed').length,
    aborted: outcomes.filter((o) => o === 'aborted').length,
  };
}

/** The pending articles of one source (full text on), extracted now. */
export function extractPendingForSource(sourceId: number, deps: ExtractDeps): Promise<ExtractSummary> {
  return extractPages(deps.store.extractions.pending(sourceId, MAX_PAGES_PER_SOURCE_CYCLE), deps);
}

/**
 * The pages of a cycle: every source with full text on adds its pending articles as soon as its items are
 * stored, and they are fetched and extracted (at most `concurrency` at once, the per-host limit on top)
 * while the other feeds are still being fetched. An article two sources share is fetched once.
 */
export class PageQueue {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly queued = new Set<number>();
  private readonly running: Promise<void>[] = [];
  /** Outcomes per source (configured URL). */
  readonly bySource = new Map<string, ExtractSummary>();

  constructor(private readonly deps: ExtractDeps, concurrency: number) {
    this.limit = pLimit(concurrency);
  }

  /** Queue the pending pages of a source (newest first, at most MAX_PAGES_PER_SOURCE_CYCLE). */
  add(sourceId: number, source: string): void {
    const tally = this.bySource.get(source) ?? { ok: 0, failed: 0, aborted: 0 };
    this.bySource.set(source, tally);
    for (const page of this.deps.store.extractions.pending(sourceId, MAX_PAGES_PER_SOURCE_CYCLE)) {
      if (this.queued.has(page.articleId)) continue;
      this.queued.add(page.articleId);
      this.running.push(this.limit(async () => {
        const outcome = this.deps.signal?.aborted ? 'aborted' as const : await extractOne(page, this.deps);
        tally[outcome]++;
      }));
    }
  }

  /** Wait for every page queued so far, and those queued meanwhile. */
  async drain(): Promise<void> {
    while (this.running.length) await Promise.all(this.running.splice(0));
  }
}
