// Bytes already decoded to text -> a normalized ParsedFeed. RSS 0.9x/1.0/2.0 and Atom 1.0 go through
// rss-parser (xml.ts), JSON Feed 1.x through zod (json.ts); both map to one item model (normalize.ts).
import type { FeedFormat, ParsedFeed } from '../model/index.js';
import { resolveUrl } from '../urlcleaner/index.js';
import { parseJsonFeed } from './json.js';
import { dedupeAndCap, normalizeItem, ParseError, str } from './normalize.js';
import { parseXmlFeed } from './xml.js';

export { discoverFeedLinks } from './discover.js';
export { ParseError } from './normalize.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Default cap on items read from one document (config: limits.max_items_per_feed). */
export const DEFAULT_MAX_ITEMS = 1000;
/** Documents larger than this are refused before parsing (the fetcher caps bytes too). */
export const MAX_DOCUMENT_CHARS = 20 * 1024 * 1024;
// ---------------------------------------------------------------------------------------------------

export type DetectedFormat = FeedFormat | 'html' | 'unknown';

/** Skip the prolog, processing instructions, comments, a DOCTYPE and whitespace: where the root element starts. */
function rootStart(head: string): number {
  let i = 0;
  for (;;) {
    while (i < head.length && /\s/.test(head[i] as string)) i++;
    if (head.startsWith('<?', i)) {
      const end = head.indexOf('?>', i + 2);
      if (end < 0) return -1;
      i = end + 2;
    } else if (head.startsWith('<!--', i)) {
      const end = head.indexOf('-->', i + 4);
      if (end < 0) return -1;
      i = end + 3;
    } else if (head.slice(i, i + 9).toUpperCase() === '<!DOCTYPE') {
      // An internal subset [ … ] may hold ">" characters; it ends at "]" followed by ">".
      const gt = head.indexOf('>', i);
      const bracket = head.indexOf('[', i);
      if (bracket >= 0 && (gt < 0 || bracket < gt)) {
        const close = head.indexOf(']', bracket);
        const end = close < 0 ? -1 : head.indexOf('>', close);
        if (end < 0) return -1;
        i = end + 1;
      } else {
        if (gt < 0) return -1;
        i = gt + 1;
      }
    } else {
      return i;
    }
  }
}

/** What kind of document this is, from its first element (or first character for JSON). One pass. */
export function detectFormat(text: string): DetectedFormat {
  const head = text.slice(0, 64 * 1024).replace(/^\ufeff/, '').trimStart();
  if (head.startsWith('{')) return 'json';
  const start = rootStart(head);
  const qname = start < 0 ? undefined : /^<([A-Za-z_][\w:.-]*)/.exec(head.slice(start, start + 256))?.[1]?.toLowerCase();
  // By local name: RSS in a prefixed namespace (<r:rss>) is still RSS. The root decides, not the DOCTYPE:
  // feeds published behind a stray XHTML DOCTYPE are read as feed readers read them.
  switch (qname?.slice(qname.indexOf(':') + 1)) {
    case 'rss':
      return 'rss';
    case 'rdf':
      return 'rdf';
    case 'feed':
      return 'atom';
    case 'html':
    case 'head':
    case 'body':
      return 'html';
    default:
      return /^<!doctype\s+html/i.test(head) ? 'html' : 'unknown';
  }
}

export interface ParseOptions {
  /** URL the document came from: relative links resolve against it. */
  baseUrl: string;
  /** Parse time: dates later than this are clamped to it. */
  now?: Date;
  maxItems?: number;
}

/** Parse a feed document. Throws ParseError ("parser: …") for anything that is not a readable feed. */
export async function parseFeed(text: string, opts: ParseOptions): Promise<ParsedFeed> {
  if (text.length > MAX_DOCUMENT_CHARS) throw new ParseError(`document larger than ${MAX_DOCUMENT_CHARS} characters`);
  const format = detectFormat(text);
  if (format === 'html') throw new ParseError('this is an HTML page, not a feed');
  if (format === 'unknown') {
    throw new ParseError(text.trim() === '' ? 'empty document' : 'not a feed (expected RSS, Atom or JSON Feed)');
  }
  const body = text.replace(/^\ufeff/, '');
  const raw = format === 'json' ? parseJsonFeed(body) : parseXmlFeed(body, format === 'atom');
  const norm = { baseUrl: opts.baseUrl, now: opts.now ?? new Date() };
  function* normalized() {
    for (const i of raw.items) yield normalizeItem(i, norm);
  }
  return {
    format,
    title: str(raw.title),
    link: resolveUrl(raw.link, resolveUrl(raw.base, opts.baseUrl) ?? opts.baseUrl),
    description: str(raw.description),
    items: dedupeAndCap(normalized(), opts.maxItems ?? DEFAULT_MAX_ITEMS),
  };
}
