// Small helpers shared by the format adapters: narrow unknown wire values, return undefined instead of
// throwing (feedsmith style), and map raw items to the one normalized FeedItem model.
import type { Enclosure, FeedItem } from '../model/index.js';
import { canonicalUrl, resolveUrl } from '../urlcleaner/index.js';

export class ParseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message.startsWith('parser: ') ? message : `parser: ${message}`, options);
    this.name = 'ParseError';
  }
}

export type Obj = Record<string, unknown>;

/** Plain text as HTML text content (Atom type="text", JSON Feed content_text). */
export const escapeText = (s: string): string =>
  s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A string value, or xml2js's { _: text } shape; trimmed; undefined when empty. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  const s = typeof v === 'string' ? v : isObj(v) && typeof v._ === 'string' ? v._ : undefined;
  const t = s?.trim();
  return t ? t : undefined;
}

export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/** A date in any format Date.parse reads -> ISO 8601; never later than `now` (future dates are clamped). */
export function isoDate(v: unknown, now: Date): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  const t = Date.parse(s);
  if (!Number.isFinite(t)) return undefined;
  const d = new Date(Math.min(t, now.getTime()));
  return d.getUTCFullYear() < 1970 ? undefined : d.toISOString();
}

/** The raw fields an adapter found for one item, before normalization. */
export interface RawItem {
  guid?: string;
  link?: string;
  /** A base URL declared by the document for this item (Atom xml:base), maybe relative. */
  base?: string;
  title?: string;
  summary?: string;
  content?: string;
  author?: string;
  authorEmail?: string;
  published?: unknown;
  updated?: unknown;
  enclosures: { url?: string; type?: string; length?: unknown }[];
  categories: (string | undefined)[];
}

export interface NormalizeOptions {
  baseUrl: string;
  now: Date;
}

export function normalizeItem(raw: RawItem, opts: NormalizeOptions): FeedItem {
  const base = resolveUrl(raw.base, opts.baseUrl) ?? opts.baseUrl;
  const link = resolveUrl(raw.link, base);
  const seen = new Set<string>();
  const enclosures: Enclosure[] = raw.enclosures.flatMap((e) => {
    const url = resolveUrl(e.url, base);
    if (!url || seen.has(url)) return []; // <enclosure> and <media:content> often name the same file
    seen.add(url);
    const length = Number(str(e.length));
    return [{ url, type: str(e.type), length: Number.isFinite(length) && length > 0 ? length : undefined }];
  });
  const published = isoDate(raw.published, opts.now);
  const updated = isoDate(raw.updated, opts.now);
  return {
    guid: str(raw.guid),
    url: canonicalUrl(link),
    link,
    title: str(raw.title) ?? '',
    summary: str(raw.summary),
    content: str(raw.content),
    author: str(raw.author),
    authorEmail: str(raw.authorEmail),
    published: published ?? updated,
    updated,
    enclosures,
    categories: [...new Set(raw.categories.map((c) => c?.trim()).filter((c): c is string => !!c))],
  };
}

/**
 * Drop later items repeating an earlier item's guid (or, without guid, its URL); cap the count. Items are
 * normalized as they are taken, so a 50,000-item document costs no more than its first `maxItems` unique ones.
 */
export function dedupeAndCap(raw: Iterable<FeedItem>, maxItems: number): FeedItem[] {
  const seen = new Set<string>();
  const out: FeedItem[] = [];
  for (const item of raw) {
    const key = item.guid ? `g:${item.guid}` : item.url ? `u:${item.url}` : undefined;
    if (key && seen.has(key)) continue;
    if (key) seen.add(key);
    out.push(item);
    if (out.length >= maxItems) break;
  }
  return out;
}
