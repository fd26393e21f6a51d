// Stories -> RSS 2.0 / Atom 1.0 / JSON Feed 1.1. Entry ids are the stories' stable guids, so a feed reader
// never shows a story twice. The XML is written by fast-xml-parser's XMLBuilder, which escapes every text
// and attribute value; what goes where (text constructs, dc:creator, category term, links) is ours.
//
// Why not the `feed` package (5.2.1): its XML writer (xml-js) escapes only `"` in attribute values, so a
// category label with "&" or "<" makes the Atom feed ill-formed; it turns "&amp;" back into "&" in text
// before escaping (literal text is lost); it splits only the first "]]>" of a CDATA section; and it has no
// Atom text-typed titles, no atom:category term, no dc:creator, no extra links and no JSON Feed 1.1.
import { createHash } from 'node:crypto';
import { XMLBuilder } from 'fast-xml-parser';
import type { Enclosure, OutputConfig, Story } from '../model/index.js';
import { safeUrl, sanitizeHtml, toPlainText } from '../sanitizer/index.js';
import { FEED_FILES, feedPath, type FeedKind } from './paths.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** The body of one entry: longer ones are cut on a block or word boundary and end with "Continue reading". */
export const ENTRY_BODY_CHARS = 40_000;
/** Bodies of one feed together: past this, the remaining entries get a short body (excerpt + link). */
const FEED_BODY_CHARS = 4_000_000;
/** Short body of an entry past the feed's budget. */
const SHORT_BODY_CHARS = 1_000;
/** A feed never grows past this many characters of entries: later entries are left out. */
const FEED_MAX_CHARS = 8_000_000;
/** Plain-text summary (JSON Feed `summary`, Atom `summary`, RSS `description`). */
const SUMMARY_CHARS = 600;
/** Sources listed under an entry ("and N more" after them); categories per entry. */
const MAX_LISTED_SOURCES = 25;
const MAX_CATEGORIES = 20;
/**
 * Entries kept between renderings, by a fingerprint of the story and of how it is rendered: a feed is
 * rendered again after every change of the stories, and sanitizing every body again each time held the
 * event loop ~0.5 s per 100 full-text stories (issue 16); an unchanged story is now a lookup. Bounded by
 * count and by the characters of the bodies held.
 */
const ENTRY_CACHE_ENTRIES = 2_000;
const ENTRY_CACHE_CHARS = 16_000_000;
// ---------------------------------------------------------------------------------------------------

export { configTags, FEED_CONTENT_TYPES, FEED_FILES, FEED_PATHS, feedPath, type FeedKind } from './paths.js';

const FEED_KINDS = Object.keys(FEED_FILES) as FeedKind[];

/** Which feed is rendered: the merged one or one tag's; `tags` are all tags, linked from every feed. */
export interface FeedScope {
  tag?: string;
  tags?: readonly string[];
}

// ---- text ---------------------------------------------------------------------------------------------

// XML 1.0 forbids most C0 controls and U+FFFE/U+FFFF; lone surrogates cannot be encoded.
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** Any string bound for the feed: characters XML cannot carry removed. */
function clean(text: string): string {
  return text.toWellFormed().replace(XML_INVALID, '');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Cut plain text to `max` characters on a word boundary, with an ellipsis. */
function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max).toWellFormed();
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** "2025-07-18 10:00 UTC": the times a reader sees in an entry. */
function utc(iso: string): string {
  const d = new Date(iso);
  return Number.isFinite(d.getTime()) ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso;
}

const BLOCK_END = /<\/(?:p|li|ul|ol|dl|blockquote|h[1-6]|figure|table|pre|div|section|article|details)>|<br\s*\/?>/gi;

/**
 * The first `max` characters of sanitized HTML, cut after the last block that fits (else at the last space
 * outside a tag), sanitized again so every element the cut left open is closed.
 */
export function cutHtml(html: string, max: number, base?: string): string {
  if (html.length <= max) return html;
  const head = html.slice(0, max);
  let at = -1;
  for (const m of head.matchAll(BLOCK_END)) at = m.index + m[0].length;
  if (at < max / 2) {
    const open = head.lastIndexOf('<');
    const limit = open > head.lastIndexOf('>') ? open : head.length;
    const space = head.lastIndexOf(' ', limit);
    at = Math.max(at, space > 0 ? space : limit);
  }
  return sanitizeHtml(head.slice(0, at), base);
}

// ---- entries: one preparation, three formats -------------------------------------------------------

interface Entry {
  id: string;
  title: string;
  link: string;
  published: Date;
  updated: Date;
  /** Plain text. */
  summary?: string;
  /** Sanitized HTML: latest development, body, sources and times. */
  content: string;
  author?: string;
  categories: string[];
  enclosures: Enclosure[];
}

function sourceName(story: Story): string | undefined {
  return story.sources.find((s) => s.itemUrl === story.link)?.sourceName ?? story.sources[0]?.sourceName;
}

function latestHtml(story: Story): string {
  const l = story.latest;
  if (!l) return '';
  const href = safeUrl(l.link);
  const headline = href ? `<a href="${escapeHtml(href)}">${escapeHtml(l.title)}</a>` : escapeHtml(l.title);
  return `<p><strong>Latest:</strong> ${headline} (${escapeHtml(l.sourceName)}, ${utc(l.published)})</p>`;
}

/** "Covered by" block listing the sources that carried the story, with links, and the story's times. */
function coverageHtml(story: Story): string {
  const listed = story.sources.slice(0, MAX_LISTED_SOURCES).map((s) => {
    const href = safeUrl(s.itemUrl) ?? safeUrl(s.sourceUrl);
    const name = escapeHtml(s.sourceName);
    return href ? `<li><a href="${escapeHtml(href)}">${name}</a>: ${escapeHtml(s.title)}</li>` : `<li>${name}: ${escapeHtml(s.title)}</li>`;
  });
  const more = story.sources.length - listed.length;
  if (more > 0) listed.push(`<li>and ${more} more</li>`);
  const label = story.sources.length > 1 ? `Covered by ${story.sources.length} sources` : 'Source';
  return `<p><strong>${label}:</strong></p><ul>${listed.join('')}</ul>` +
    `<p><small>First reported ${utc(story.published)}; first seen ${utc(story.firstSeen)}; updated ${utc(story.updated)}.</small></p>`;
}

function continueReading(story: Story, link: string): string {
  const name = sourceName(story);
  return `<p><a href="${escapeHtml(link)}">Continue reading${name ? ` at ${escapeHtml(name)}` : ''} …</a></p>`;
}

/** The entry's body within `max` characters: cut on a boundary with a "Continue reading" link when longer. */
function bodyHtml(story: Story, link: string, max: number): string {
  const html = story.contentHtml || story.summary || '';
  if (html.length <= max && !story.contentTruncated) return html;
  return `${cutHtml(html, max, story.link ?? story.url)}${continueReading(story, link)}`;
}

function entryOf(story: Story, output: OutputConfig, maxBody: number): Entry {
  const link = safeUrl(story.link) ?? safeUrl(story.url) ?? new URL(`#story-${story.id}`, output.link).href;
  const summary = story.summary ? cutText(toPlainText(story.summary), SUMMARY_CHARS) : undefined;
  return {
    id: clean(story.guid),
    title: clean(story.title),
    link,
    published: new Date(story.published),
    updated: new Date(story.updated),
    summary: summary ? clean(summary) : undefined,
    // Sanitized again on output, as one fragment (the stored body was sanitized at ingest; the parts added
    // here get the same link attributes).
    content: clean(sanitizeHtml(`${latestHtml(story)}${bodyHtml(story, link, maxBody)}${coverageHtml(story)}`, story.link ?? story.url)),
    author: story.author ? clean(story.author) : undefined,
    categories: story.categories.slice(0, MAX_CATEGORIES).map(clean).filter(Boolean),
    enclosures: story.enclosures.flatMap((e) => {
      const url = safeUrl(e.url);
      return url ? [{ ...e, url }] : [];
    }),
  };
}

/** Rendered entries by fingerprint, least recently used dropped first. */
class EntryCache {
  private readonly entries = new Map<string, Entry>();
  private chars = 0;

  get(key: string): Entry | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, entry: Entry): void {
    if (this.entries.has(key)) return;
    this.entries.set(key, entry);
    this.chars += entry.content.length;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= ENTRY_CACHE_ENTRIES && this.chars <= ENTRY_CACHE_CHARS) break;
      this.entries.delete(k);
      this.chars -= e.content.length;
    }
  }
}

const entryCache = new EntryCache();

/** entryOf, from the cache when this story was rendered so before (every input of entryOf is in the key). */
function cachedEntryOf(story: Story, output: OutputConfig, maxBody: number): Entry {
  const key = createHash('sha256').update(`${maxBody}\u0000${output.link}\u0000`).update(JSON.stringify(story)).digest('base64url');
  let entry = entryCache.get(key);
  if (!entry) entryCache.set(key, (entry = entryOf(story, output, maxBody)));
  return entry;
}

/** Entries within the feed's budgets: full bodies first, short ones past FEED_BODY_CHARS, none past FEED_MAX_CHARS. */
function entriesOf(stories: readonly Story[], output: OutputConfig): Entry[] {
  const out: Entry[] = [];
  let bodies = 0;
  let total = 0;
  for (const story of stories) {
    let entry = cachedEntryOf(story, output, ENTRY_BODY_CHARS);
    if (bodies + entry.content.length > FEED_BODY_CHARS) entry = cachedEntryOf(story, output, SHORT_BODY_CHARS);
    const size = entry.content.length + entry.title.length + (entry.summary?.length ?? 0) + 500;
    if (total + size > FEED_MAX_CHARS) break;
    bodies += entry.content.length;
    total += size;
    out.push(entry);
  }
  return out;
}

// ---- the feed's own metadata --------------------------------------------------------------------------

interface FeedMeta {
  title: string;
  description: string;
  /** Site link (output.link). */
  home: string;
  language: string;
  updated: Date;
  self: Record<FeedKind, string>;
  /** The other merged feeds (the merged one and every tag's), per format. */
  related: { title: string; href: Record<FeedKind, string> }[];
  /** Atom feed id: the feed's own URL, unique per feed and stable. */
  id: string;
}

function metaOf(stories: readonly Story[], output: OutputConfig, scope: FeedScope): FeedMeta {
  const url = (kind: FeedKind, tag?: string) => new URL(feedPath(kind, tag).slice(1), output.link).href;
  const urls = (tag?: string) => Object.fromEntries(FEED_KINDS.map((k) => [k, url(k, tag)])) as Record<FeedKind, string>;
  const updated = stories.reduce((max, s) => (s.updated > max ? s.updated : max), '1970-01-01T00:00:00.000Z');
  const related = [
    ...(scope.tag === undefined ? [] : [{ title: clean(output.title), href: urls() }]),
    ...(scope.tags ?? []).filter((t) => t !== scope.tag).map((t) => ({ title: clean(`${output.title}: ${t}`), href: urls(t) })),
  ];
  return {
    title: clean(scope.tag === undefined ? output.title : `${output.title}: ${scope.tag}`),
    description: clean(scope.tag === undefined ? output.description : `${output.description} (tag: ${scope.tag})`),
    home: output.link,
    language: output.language,
    updated: new Date(updated),
    self: urls(scope.tag),
    related,
    id: scope.tag === undefined ? output.link : url('atom', scope.tag),
  };
}

// ---- XML ---------------------------------------------------------------------------------------------

type XmlNode = Record<string, unknown>;

const builderOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  // "true" is an attribute value like any other (the default would write a bare, ill-formed attribute).
  suppressBooleanAttributes: false,
  cdataPropName: '#cdata',
  processEntities: true,
} as const;

/** Atom: the standard escapes. */
const atomBuilder = new XMLBuilder(builderOptions);
/**
 * RSS: plain-text elements escape "&", "<" and ">" with hexadecimal character references, the form that
 * works in the widest number of aggregators (RSS Best Practices Profile, "Character Data"); HTML goes in CDATA.
 */
const rssOptions = {
  ...builderOptions,
  // fast-xml-builder's escape table (an option its typings do not list; were it ignored, the standard
  // escapes apply and the XML stays the same text; a publisher test checks the form).
  entities: [
    { regex: /&/g, val: '&#x26;' },
    { regex: /</g, val: '&#x3C;' },
    { regex: />/g, val: '&#x3E;' },
    { regex: /"/g, val: '&quot;' },
  ],
};
const rssBuilder = new XMLBuilder(rssOptions);

const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n';

function rss(entries: readonly Entry[], meta: FeedMeta): string {
  const links = [
    { '@_href': meta.self.rss, '@_rel': 'self', '@_type': 'application/rss+xml' },
    ...meta.related.map((r) => ({ '@_href': r.href.rss, '@_rel': 'related', '@_type': 'application/rss+xml', '@_title': r.title })),
  ];
  const items = entries.map((e): XmlNode => {
    const enclosure = e.enclosures[0];
    return {
      title: e.title,
      link: e.link,
      description: e.summary ? { '#cdata': `<p>${escapeHtml(e.summary)}</p>` } : undefined,
      'content:encoded': { '#cdata': e.content },
      // RSS <author> must be an e-mail address; a name is dc:creator.
      'dc:creator': e.author,
      category: e.categories,
      guid: { '@_isPermaLink': 'false', '#text': e.id },
      pubDate: e.published.toUTCString(),
      enclosure: enclosure ? { '@_url': enclosure.url, '@_length': String(enclosure.length ?? 0),
        '@_type': enclosure.type ?? 'application/octet-stream' } : undefined,
    };
  });
  const doc = {
    rss: {
      '@_version': '2.0',
      '@_xmlns:atom': 'http://www.w3.org/2005/Atom',
      '@_xmlns:content': 'http://purl.org/rss/1.0/modules/content/',
      '@_xmlns:dc': 'http://purl.org/dc/elements/1.1/',
      channel: {
        title: meta.title,
        link: meta.home,
        description: meta.description || meta.title,
        language: meta.language || undefined,
        lastBuildDate: meta.updated.toUTCString(),
        generator: 'storyfeed',
        docs: 'https://www.rssboard.org/rss-specification',
        'atom:link': links,
        item: items,
      },
    },
  };
  return DECLARATION + (rssBuilder.build(doc) as string);
}

function atom(entries: readonly Entry[], meta: FeedMeta): string {
  const text = (value: string) => ({ '@_type': 'text', '#text': value });
  const entryNodes = entries.map((e): XmlNode => ({
    id: e.id,
    title: text(e.title),
    link: [{ '@_rel': 'alternate', '@_href': e.link },
      ...e.enclosures.map((x) => ({ '@_rel': 'enclosure', '@_href': x.url, '@_type': x.type, '@_length': x.length?.toString() }))],
    published: e.published.toISOString(),
    updated: e.updated.toISOString(),
    author: e.author ? { name: e.author } : undefined,
    category: e.categories.map((c) => ({ '@_term': c, '@_label': c })),
    summary: e.summary ? text(e.summary) : undefined,
    content: { '@_type': 'html', '#cdata': e.content },
  }));
  const doc = {
    feed: {
      '@_xmlns': 'http://www.w3.org/2005/Atom',
      '@_xml:lang': meta.language || undefined,
      id: meta.id,
      title: text(meta.title),
      subtitle: meta.description ? text(meta.description) : undefined,
      updated: meta.updated.toISOString(),
      // RFC 4287 §4.1.1: an entry without an author takes the feed's.
      author: { name: meta.title },
      generator: 'storyfeed',
      link: [
        { '@_rel': 'alternate', '@_type': 'text/html', '@_href': meta.home },
        { '@_rel': 'self', '@_type': 'application/atom+xml', '@_href': meta.self.atom },
        ...meta.related.map((r) => ({ '@_rel': 'related', '@_type': 'application/atom+xml', '@_href': r.href.atom, '@_title': r.title })),
      ],
      entry: entryNodes,
    },
  };
  return DECLARATION + (atomBuilder.build(doc) as string);
}

// ---- JSON Feed 1.1 ---------------------------------------------------------------------------------

interface JsonFeedItem {
  id: string;
  url: string;
  title: string;
  content_html: string;
  summary?: string;
  date_published: string;
  date_modified: string;
  authors?: { name: string }[];
  tags?: string[];
  attachments?: { url: string; mime_type: string; size_in_bytes?: number }[];
}

function json(entries: readonly Entry[], meta: FeedMeta): string {
  const items = entries.map((e): JsonFeedItem => ({
    id: e.id,
    url: e.link,
    title: e.title,
    content_html: e.content,
    summary: e.summary,
    date_published: e.published.toISOString(),
    date_modified: e.updated.toISOString(),
    authors: e.author ? [{ name: e.author }] : undefined,
    tags: e.categories.length ? e.categories : undefined,
    attachments: e.enclosures.length
      ? e.enclosures.map((x) => ({ url: x.url, mime_type: x.type ?? 'application/octet-stream', size_in_bytes: x.length }))
      : undefined,
  }));
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: meta.title,
    home_page_url: meta.home,
    feed_url: meta.self.json,
    description: meta.description || undefined,
    language: meta.language || undefined,
    authors: [{ name: meta.title }],
    // Extension (JSON Feed §"Extensions": a key starting with "_"): the other merged feeds.
    _storyfeed: meta.related.length ? { related_feeds: meta.related.map((r) => ({ title: r.title, feed_url: r.href.json })) } : undefined,
    items,
  }, null, 2);
}

const WRITERS: Readonly<Record<FeedKind, (entries: readonly Entry[], meta: FeedMeta) => string>> = { rss, atom, json };

/** The three formats of one feed, from one preparation of its entries. */
export function renderFeeds(stories: readonly Story[], output: OutputConfig, scope: FeedScope = {}): Record<FeedKind, string> {
  const entries = entriesOf(stories, output);
  const meta = metaOf(stories, output, scope);
  return { rss: rss(entries, meta), atom: atom(entries, meta), json: json(entries, meta) };
}

/** One format of a feed (stories already ordered newest first). */
export function renderFeed(kind: FeedKind, stories: readonly Story[], output: OutputConfig, scope: FeedScope = {}): string {
  return WRITERS[kind](entriesOf(stories, output), metaOf(stories, output, scope));
}
