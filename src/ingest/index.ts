// Orchestrates one source: fetch -> parse -> clean -> sanitize -> store. The only stage besides the
// scheduler that touches storage. A failing source is recorded as data and never throws out of here.
import { decodeBody, fetchUrl, FetchError, type FetchOptions, type FetchResult } from '../fetcher/index.js';
import type { FeedItem, IngestResult, ParsedFeed, SourceConfig, SourceState } from '../model/index.js';
export type { IngestOutcome, IngestResult } from '../model/index.js';
import { detectFormat, discoverFeedLinks, parseFeed, ParseError, type ParseOptions } from '../parser/index.js';
import type { ParserPool } from '../parser/pool.js';
import { filterItems } from '../filter/index.js';
import { lineText, sanitizeHtml, safeUrl, toPlainText } from '../sanitizer/index.js';
import type { ItemInput } from '../storage/index.js';
import { saveAndCluster } from './cluster.js';
import { extractPendingForSource, type ExtractDeps } from './extract.js';
import { nextAfterFailure, nextAfterSuccess } from './policy.js';

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
/** Caps on one item's stored text, so a hostile feed can't fill the disk through a single item. */
const MAX_TITLE_CHARS = 500;
const MAX_SUMMARY_CHARS = 20_000;
const MAX_CONTENT_CHARS = 500_000;
// ---------------------------------------------------------------------------------------------------


/** What one source's ingest needs: what its page extraction needs, and the feed-parsing threads. */
export type IngestDeps = ExtractDeps & {
  /** Worker threads with a time budget per document; without it feeds are parsed on this thread. */
  parserPool?: ParserPool;
};

function fetchOptions(deps: IngestDeps, extra: Partial<FetchOptions> = {}): FetchOptions {
  const h = deps.config.http;
  return {
    timeoutMs: h.timeoutMs, maxBytes: h.maxBytes, userAgent: h.userAgent, maxRedirects: h.maxRedirects,
    allowPrivateNetworks: h.allowPrivateNetworks, accept: FEED_ACCEPT, signal: deps.signal,
    limiter: deps.limiter, fetch: deps.fetch, ...extra,
  };
}

/** Plain text cut to `max` UTF-16 units, never inside a character (a lone surrogate would become U+FFFD). */
function truncate(text: string | undefined, max: number): string | undefined {
  if (!text) return undefined;
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * Untrusted HTML sanitized and capped at `max` characters: cut first (never inside a tag), then sanitized,
 * which closes what the cut left open; the result is always what the sanitizer produces.
 */
function sanitizeCapped(html: string | undefined, base: string | undefined, max: number): string | undefined {
  let limit = max;
  for (let attempt = 0; attempt < 4; attempt++) {
    let raw = truncate(html, limit) ?? '';
    const open = raw.lastIndexOf('<');
    if (html && raw.length < html.length && open > raw.lastIndexOf('>')) raw = raw.slice(0, open);
    const safe = sanitizeHtml(raw, base);
    if (safe.length <= max) return safe || undefined;
    limit -= safe.length - max + 16; // the sanitizer lengthened it (absolute URLs, rel=…): cut more
  }
  return undefined;
}

/** Parser output -> storable item: plain-text title, sanitized HTML, a publication date always set. */
export function toItemInput(item: FeedItem, now: Date): ItemInput {
  const base = item.link ?? item.url;
  const summary = sanitizeCapped(item.summary, base, MAX_SUMMARY_CHARS);
  const content = sanitizeCapped(item.content, base, MAX_CONTENT_CHARS);
  return {
    guid: item.guid,
    url: item.url,
    link: safeUrl(item.link),
    title: truncate(lineText(item.title), MAX_TITLE_CHARS) || '(untitled)',
    summary: summary || undefined,
    content: content || undefined,
    author: truncate(lineText(item.author), MAX_TITLE_CHARS) || undefined,
    published: item.published ?? item.updated ?? now.toISOString(),
    updated: item.updated,
    enclosures: item.enclosures.flatMap((e) => {
      const url = safeUrl(e.url);
      return url ? [{ ...e, url }] : [];
    }),
    categories: item.categories.map((c) => lineText(c)).filter(Boolean),
  };
}

interface Fetched {
  result: FetchResult;
  /** URL to store as the source's fetch URL, when it changed (permanent redirect or discovery). */
  newUrl?: string;
  feed?: ParsedFeed;
}

/** Parse in the pool's threads (time budget) when there is one. */
function parse(deps: IngestDeps, text: string, opts: ParseOptions): Promise<ParsedFeed> {
  return deps.parserPool ? deps.parserPool.parse(text, opts) : parseFeed(text, opts);
}

async function fetchAndParse(source: SourceState, deps: IngestDeps, now: Date): Promise<Fetched> {
  const result = await fetchUrl(source.url, fetchOptions(deps, { etag: source.etag, lastModified: source.lastModified }));
  if (result.notModified) return { result, newUrl: result.permanentUrl };
  const text = decodeBody(result.body, result.charset);
  const maxItems = deps.config.limits.maxItemsPerFeed;
  if (detectFormat(text) === 'html') {
    const links = discoverFeedLinks(text, result.url);
    const first = links[0];
    if (!first) throw new ParseError(`parser: ${result.url} is an HTML page without a feed link (<link rel="alternate">)`);
    deps.log.info({ source: source.configUrl, discovered: first }, 'feed discovered from HTML page');
    const feedResult = await fetchUrl(first, fetchOptions(deps));
    const feed = await parse(deps, decodeBody(feedResult.body, feedResult.charset), { baseUrl: feedResult.url, now, maxItems });
    return { result: feedResult, newUrl: feedResult.permanentUrl ?? first, feed };
  }
  const feed = await parse(deps, text, { baseUrl: result.url, now, maxItems });
  return { result, newUrl: result.permanentUrl, feed };
}

/**
 * Fetch, parse and store one source, then extract the full text of its new articles (full_text on).
 * Never throws: failures are recorded on the source (or, for a page, on its article).
 */
export async function ingestSource(source: SourceState, cfg: SourceConfig, deps: IngestDeps): Promise<IngestResult> {
  const intervalSeconds = cfg.intervalSeconds;
  const clock = deps.now ?? (() => new Date());
  const started = clock();
  const startedMs = Date.now();
  const nowIso = started.toISOString();
  const base = { source: source.configUrl, inserted: 0, updated: 0, items: 0, extracted: 0, extractFailed: 0 };
  try {
    const { result, newUrl, feed } = await fetchAndParse(source, deps, started);
    const success = {
      url: newUrl, etag: result.etag, lastModified: result.lastModified,
      nextAttemptAt: nextAfterSuccess(started, intervalSeconds, result.maxAgeSeconds),
    };
    if (!feed) {
      deps.store.sources.recordFetchSuccess(source.id, nowIso, {
        ...success, notModified: true, etag: result.etag ?? source.etag, lastModified: result.lastModified ?? source.lastModified,
      });
      return { ...base, outcome: 'not-modified', durationMs: Date.now() - startedMs };
    }
    // Keep/block rules (global, then the source's), before anything is stored or clustered.
    const { kept: items, dropped } = filterItems(feed.items.map((i) => toItemInput(i, started)), (i) => ({ title: i.title,
      content: toPlainText(i.content ?? i.summary), author: i.author ?? '', url: [i.link, i.url].filter(Boolean).join(' ') }),
    [deps.config.rules, cfg.rules]);
    for (const d of dropped) deps.log.debug({ source: cfg.url, title: d.item.title, why: d.why }, 'item dropped by a rule');
    const blocked = dropped.length;
    const saved = saveAndCluster(deps.store, deps.clusterer, source.id, items, nowIso, deps.log);
    deps.store.sources.recordFetchSuccess(source.id, nowIso, {
      ...success, title: feed.title ? lineText(feed.title) : undefined, siteLink: safeUrl(feed.link),
    });
    const pages = cfg.fullText ? await extractPendingForSource(source.id, deps) : { ok: 0, failed: 0, aborted: 0 };
    return { ...base, outcome: 'ok', inserted: saved.inserted, updated: saved.updated, items: items.length,
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
