// Parser output -> storable items: plain-text titles, sanitized and capped HTML, a publication date
// always set. And each item's fingerprint: a hash of everything the feed said about it, so that an item
// seen again unchanged is recognised before it is sanitized, clustered or written (issue 12).
// `readDocument` does all of it for one response body (decoding its charset first, or finding the feed
// links of an HTML page); the ingest runs it in the feed threads (parser/pool.ts), so the main thread
// neither decodes, parses nor sanitizes.
import { createHash } from 'node:crypto';
import { decodeBody } from '../fetcher/charset.js';
import type { FeedItem } from '../model/index.js';
import { detectFormat, discoverFeedLinks, parseFeed, type ParseOptions } from '../parser/index.js';
import { lineText, safeUrl, sanitizeHtml } from '../sanitizer/index.js';
import type { ItemInput } from '../storage/index.js';
import { itemFeatures } from './cluster.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Caps on one item's stored text, so a hostile feed can't fill the disk through a single item. */
const MAX_TITLE_CHARS = 500;
const MAX_SUMMARY_CHARS = 20_000;
const MAX_CONTENT_CHARS = 500_000;
/**
 * Part of every fingerprint: raise it when cleaning changes what an item becomes (caps, sanitizer
 * rules), so that items stored before are cleaned and compared once more instead of skipped.
 */
export const FINGERPRINT_VERSION = 1;
/** Hex characters of SHA-256 kept per fingerprint (128 bits). */
const FINGERPRINT_CHARS = 32;
// ---------------------------------------------------------------------------------------------------

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

/**
 * What the feed said about an item, as a hash: everything its stored form is made of except the
 * publication date (never rewritten once stored; a missing one is the fetch time, new at every fetch).
 * The same fingerprint means the same stored item, unchanged.
 */
export function fingerprint(item: FeedItem): string {
  const fields = [FINGERPRINT_VERSION, item.guid, item.url, item.link, item.title, item.summary, item.content, item.author,
    item.updated, item.enclosures.map((e) => [e.url, e.type, e.length]), item.categories];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, FINGERPRINT_CHARS);
}

/** One item of a document read by readFeed: `input` is absent when its fingerprint was already known. */
export interface FeedEntry {
  hash: string;
  guid?: string;
  url?: string;
  /** The cleaned item, for an item new or changed since the source's stored items. */
  input?: ItemInput;
}

export interface ReadFeed {
  title?: string;
  link?: string;
  entries: FeedEntry[];
}

/**
 * Parse a feed document, fingerprint its items, and clean (sanitize) only those whose fingerprint is not
 * among `known` (the source's stored items): an unchanged item costs a hash, not a sanitizer pass. With
 * `analyse`, each cleaned item also gets the clusterer's features (ingest/cluster.ts itemFeatures): the
 * feed threads make them, and the clusterer's thread, which every new article passes through one at a
 * time, only decides.
 */
export async function readFeed(text: string, opts: ParseOptions, known: readonly string[], analyse = false): Promise<ReadFeed> {
  const feed = await parseFeed(text, opts);
  const seen = new Set(known);
  const now = opts.now ?? new Date();
  return {
    title: feed.title,
    link: feed.link,
    entries: feed.items.map((item) => {
      const hash = fingerprint(item);
      const entry: FeedEntry = { hash, guid: item.guid, url: item.url };
      if (!seen.has(hash)) {
        const input: ItemInput = { ...toItemInput(item, now), hash };
        if (analyse) input.features = itemFeatures(input.title, input.content ?? input.summary);
        entry.input = input;
      }
      return entry;
    }),
  };
}

/** What a response body turned out to be: a feed, read; or an HTML page, with the feed links it announces. */
export type ReadDocument = { feed: ReadFeed } | { links: string[] };

/**
 * Decode a response body (its charset: BOM, header, declaration, sniffing), then read it as a feed
 * (readFeed, `analyse` as there); with `discover`, an HTML page is not parsed but searched for its feed links.
 */
export async function readDocument(body: Uint8Array, charset: string | undefined, opts: ParseOptions, known: readonly string[],
  discover: boolean, analyse = false): Promise<ReadDocument> {
  const text = decodeBody(body, charset);
  if (discover && detectFormat(text) === 'html') return { links: discoverFeedLinks(text, opts.baseUrl) };
  return { feed: await readFeed(text, opts, known, analyse) };
}
