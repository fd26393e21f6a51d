// Page metadata Readability does not read, gathered from the page as published (before Readability changes
// the tree): more places a publication date lives, bylines in the markup, the language. Each reader returns
// undefined when it finds nothing; the caller prefers Readability's own values where it has them.

// ---- Tunables -------------------------------------------------------------------------------------
/** <meta name|property|itemprop> names that carry the publication date, best first. */
const DATE_META = ['article:published_time', 'og:published_time', 'og:article:published_time', 'datepublished',
  'date', 'pubdate', 'publishdate', 'publish-date', 'publish_date', 'publication_date', 'sailthru.date', 'dc.date',
  'dc.date.issued', 'dc.date.created', 'dcterms.date', 'dcterms.created', 'dcterms.issued', 'article.published',
  'cxenseparse:recs:publishtime', 'parsely-pub-date', 'citation_publication_date', 'citation_date', 'last-modified',
  'article:modified_time', 'og:updated_time', 'datemodified'];
/** <meta name> that carry the author, best first. */
const AUTHOR_META = ['author', 'article:author', 'dc.creator', 'dcterms.creator', 'parsely-author', 'sailthru.author',
  'byl', 'citation_author', 'twitter:creator'];
/**
 * Elements whose text is the byline, first in document order: rel="author", itemprop="author" (and an
 * itemprop="name" inside one), a link inside an .author or .byline element, or one of these classes.
 */
const BYLINE_CLASSES = ['byline-author', 'author-name', 'byline__name', 'c-byline__author', 'byline', 'author', 'entry-author',
  'post-author', 'autor', 'article-author'];
/** A byline longer than this is a paragraph, not a name. */
const MAX_BYLINE_CHARS = 100;
/** Dates before this year are mistakes (a copyright year, a historical date in the text). */
const MIN_YEAR = 1995;
/** A date in the page address: /2019/08/02/ or /2019-08-02/ or /20190802/. */
const URL_DATE = /(?:^|[/_-])((?:19|20)\d{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)/;
// ---------------------------------------------------------------------------------------------------

export interface PageMetadata {
  /** From JSON-LD and meta tags. */
  published?: string;
  /** The date in the page address, and the last-modified date: weaker, used only after the markup's dates. */
  urlDate?: string;
  modified?: string;
  byline?: string;
  lang?: string;
  siteName?: string;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** An ISO 8601 timestamp for a date string, or undefined when it does not read as a plausible date. */
export function isoDate(value: string | null | undefined, now = Date.now()): string | undefined {
  if (!value) return undefined;
  let v = value.trim();
  // "2019-08-02 10:00:00" and "2019-08-02T10:00:00+0200" are common and not all engines read them.
  v = v.replace(/^(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})/, '$1T$2').replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const german = /^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})/.exec(v);
  if (german) v = `${german[3]}-${german[2]?.padStart(2, '0')}-${german[1]?.padStart(2, '0')}`;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) return undefined;
  const d = new Date(t);
  if (d.getUTCFullYear() < MIN_YEAR || t > now + 2 * 86_400_000) return undefined;
  return d.toISOString();
}

/** The calendar date as the page wrote it (YYYY-MM-DD), before any time-zone conversion. */
export function writtenDate(value: string | undefined): string | undefined {
  const m = value ? /^(\d{4}-\d{2}-\d{2})/.exec(value.trim()) : null;
  return m?.[1];
}

/** The page's <meta> values by lower-case name (property, name or itemprop; the first of each), read once per document. */
const metaMaps = new WeakMap<Document, Map<string, string>>();

function metaMap(document: Document): Map<string, string> {
  let found = metaMaps.get(document);
  if (found) return found;
  found = new Map<string, string>();
  // getElementsByTagName, not querySelectorAll: linkedom matches selectors through css-select, a tag walk is cheaper.
  for (const m of document.getElementsByTagName('meta')) {
    const key = (m.getAttribute('property') ?? m.getAttribute('name') ?? m.getAttribute('itemprop') ?? '').trim().toLowerCase();
    const content = m.getAttribute('content');
    if (key && content && !found.has(key)) found.set(key, content);
  }
  metaMaps.set(document, found);
  return found;
}

function metaContent(document: Document, names: readonly string[]): string | undefined {
  const found = metaMap(document);
  for (const n of names) {
    const v = found.get(n);
    if (v) return v;
  }
  return undefined;
}

/** Every JSON-LD object of the page, @graph members included. */
function jsonLdObjects(document: Document): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const add = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      out.push(o);
      if (o['@graph']) add(o['@graph']);
    }
  };
  for (const s of document.getElementsByTagName('script')) {
    if (s.getAttribute('type') !== 'application/ld+json') continue;
    try {
      add(JSON.parse((s.textContent ?? '').trim()));
    } catch {
      // A broken JSON-LD block is the page's problem; the other sources still count.
    }
  }
  return out;
}

const isArticleType = (o: Record<string, unknown>): boolean => {
  const t = o['@type'];
  const types = Array.isArray(t) ? t : [t];
  return types.some((x) => typeof x === 'string' && /Article|BlogPosting|Report|NewsArticle|WebPage|Posting|Review|Recipe/i.test(x));
};

function personName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const names = v.map(personName).filter((n): n is string => !!n);
    return names.length ? names.join(', ') : undefined;
  }
  if (v && typeof v === 'object') {
    const name = (v as Record<string, unknown>).name;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}

function jsonLdField(objects: readonly Record<string, unknown>[], field: string): unknown {
  for (const o of objects) if (isArticleType(o) && o[field]) return o[field];
  for (const o of objects) if (o[field]) return o[field];
  return undefined;
}

function headDate(document: Document, ld: readonly Record<string, unknown>[]): string | undefined {
  const fromLd = jsonLdField(ld, 'datePublished') ?? jsonLdField(ld, 'dateCreated');
  if (typeof fromLd === 'string' && isoDate(fromLd)) return fromLd;
  const meta = metaContent(document, DATE_META.slice(0, -3));
  return meta && isoDate(meta) ? meta : undefined;
}

function urlDate(url: string): string | undefined {
  let path = '';
  try {
    path = new URL(url).pathname;
  } catch {
    // not a URL: no date in it
  }
  const m = URL_DATE.exec(path);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/**
 * Dates and bylines in the markup (<time datetime>, itemprop, rel=author, byline classes): searched only when
 * the head has none, in the given roots (the page before Readability changes it).
 */
export function markupDate(roots: readonly ParentNode[]): string | undefined {
  for (const root of roots) {
    const found = firstInOrder(root, (el) => {
      const isDate = el.getAttribute('itemprop') === 'datePublished' ||
        (el.tagName === 'TIME' && (el.hasAttribute('datetime') || el.hasAttribute('pubdate')));
      if (!isDate) return undefined;
      const v = el.getAttribute('content') ?? el.getAttribute('datetime') ?? el.textContent;
      return v && isoDate(v) ? v.trim() : undefined;
    });
    if (found) return found;
  }
  return undefined;
}

/** Where an element sits, for the descendant parts of the byline rule ("[itemprop=author] [itemprop=name]", ".author a", ".byline a"). */
interface BylineScope { inAuthorItem: boolean; inAuthorClass: boolean; inBylineClass: boolean }

const hasClass = (classes: readonly string[], names: readonly string[]) => names.some((n) => classes.includes(n));

/** Whether an element is a byline element (see BYLINE_CLASSES), tested without a selector engine. */
function isBylineElement(el: Element, classes: readonly string[], scope: BylineScope): boolean {
  const itemprop = el.getAttribute('itemprop');
  return el.getAttribute('rel') === 'author' || itemprop === 'author' || (scope.inAuthorItem && itemprop === 'name') ||
    hasClass(classes, BYLINE_CLASSES) ||
    (el.tagName === 'A' && (scope.inAuthorClass || scope.inBylineClass));
}

export function markupByline(roots: readonly ParentNode[]): string | undefined {
  for (const root of roots) {
    const walk = (parent: ParentNode, scope: BylineScope): string | undefined => {
      for (let el = parent.firstElementChild; el; el = el.nextElementSibling) {
        const cls = el.getAttribute('class');
        const classes = cls ? cls.split(/\s+/) : [];
        if (isBylineElement(el, classes, scope)) {
          const t = squash(el.textContent ?? '');
          if (t && t.length <= MAX_BYLINE_CHARS) return t;
        }
        const inner: BylineScope = {
          inAuthorItem: scope.inAuthorItem || el.getAttribute('itemprop') === 'author',
          inAuthorClass: scope.inAuthorClass || classes.includes('author'),
          inBylineClass: scope.inBylineClass || classes.includes('byline'),
        };
        const found = el.firstElementChild ? walk(el, inner) : undefined;
        if (found) return found;
      }
      return undefined;
    };
    const found = walk(root, { inAuthorItem: false, inAuthorClass: false, inBylineClass: false });
    if (found) return found;
  }
  return undefined;
}

/** The first value `test` gives for an element under root, in document order. */
function firstInOrder(root: ParentNode, test: (el: Element) => string | undefined): string | undefined {
  for (let el = root.firstElementChild; el; el = el.nextElementSibling) {
    const v = test(el) ?? (el.firstElementChild ? firstInOrder(el, test) : undefined);
    if (v) return v;
  }
  return undefined;
}

function bylineOf(document: Document, ld: readonly Record<string, unknown>[]): string | undefined {
  const fromLd = personName(jsonLdField(ld, 'author'));
  if (fromLd && !/^https?:/i.test(fromLd)) return squash(fromLd);
  const meta = metaContent(document, AUTHOR_META);
  return meta && !/^https?:|^@/i.test(meta.trim()) ? squash(meta) : undefined;
}

/** Metadata of the page's head (meta tags, JSON-LD, <html lang>) and address. */
export function readMetadata(document: Document, url: string): PageMetadata {
  const ld = jsonLdObjects(document);
  const lang = document.documentElement?.getAttribute('lang') ??
    metaContent(document, ['content-language', 'language', 'dc.language', 'og:locale'])?.replace('_', '-');
  const publisher = jsonLdField(ld, 'publisher');
  const siteName = metaContent(document, ['og:site_name', 'application-name']) ?? personName(publisher);
  return {
    published: headDate(document, ld),
    urlDate: urlDate(url),
    modified: (() => {
      const m = metaContent(document, DATE_META.slice(-3)) ?? jsonLdField(ld, 'dateModified');
      return typeof m === 'string' && isoDate(m) ? m : undefined;
    })(),
    byline: bylineOf(document, ld),
    lang: lang ? squash(lang) || undefined : undefined,
    siteName: siteName ? squash(siteName) || undefined : undefined,
  };
}
