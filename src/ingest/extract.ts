// Full text for new articles: fetch each page (the fetcher's limits, SSRF guard and politeness), extract
// it (extractor/), store the result per article. Bounded concurrency. The extractor's verdict decides:
// an article becomes the body; anything else (short, paywalled, no article) and any failure is recorded
// on the article (the feed's own content stays its body, the text found is kept) and never fails the source.
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { extractPage, ExtractError } from '../extractor/index.js';
import type { ExtractorPool } from '../extractor/pool.js';
import { decodeBody, fetchUrl, FetchError, type FetchOptions, type HostLimiter } from '../fetcher/index.js';
import type { Clusterer } from '../cluster/index.js';
import type { Config } from '../model/index.js';
import type { PendingPage, Store } from '../storage/index.js';
import { reassessArticle } from './cluster.js';

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
  /** Places new articles in stories; without it a story is one article (same canonical URL). */
  clusterer?: Clusterer;
  /** Worker threads with a time budget per page; without it pages are extracted on this thread. */
  pool?: ExtractorPool;
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
    if (changed && deps.clusterer) reassessArticle(deps.store, deps.clusterer, page.articleId, now, deps.log);
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
