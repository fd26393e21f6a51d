// RSS 0.9x / 1.0 (RDF) / 2.0, Atom 1.0 and Atom 0.3 -> RawItem, read from the element tree of tree.ts
// the way feed readers read them: by namespace, not by the prefix a document chose (<r:rss>, <dc2:date>);
// the common namespaced alternatives (Dublin Core, DC terms, content:encoded, Media RSS, iTunes, XHTML
// bodies); unescaped markup inside a text element kept as HTML, not cut off; authors written
// "email (Name)" split; every complete item of a cut-off document. Where a field has several sources
// the first present wins, in the order of the tables below.
import { escapeText, ParseError, type RawItem } from './normalize.js';
import { escapeAttr, escapeHtml } from './text.js';
import { buildTree, type XmlElement } from './tree.js';

export { MAX_XML_DEPTH } from './tree.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Where each field is read from, first present wins (keys as tree.ts canonicalizes them). */
const TITLE = ['title', 'dc:title', 'media:title'];
const SUMMARY = ['description', 'dc:description', 'summary', 'abstract', 'itunes:summary', 'media:description'];
const CONTENT = ['content:encoded', 'content', 'xhtml:body', 'body', 'fullitem'];
const AUTHOR = ['author', 'dc:creator', 'dc:author', 'itunes:author', 'creator'];
const FEED_AUTHOR = ['author', 'dc:creator', 'itunes:author'];
const PUBLISHED = ['pubdate', 'published', 'dcterms:issued', 'issued', 'dc:date', 'dcterms:created', 'created'];
const UPDATED = ['updated', 'modified', 'dcterms:modified'];
const FEED_DESCRIPTION = ['description', 'subtitle', 'tagline', 'dc:description', 'itunes:subtitle', 'itunes:summary'];
/** Media RSS wraps alternatives of one item in <media:group>; its title/description/content count too. */
const MEDIA_GROUP = 'media:group';
/** Elements HTML writes without an end tag (for embedded XHTML turned back into HTML). */
const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
/** Longest author string we try to split into name and e-mail (the split is a regular expression). */
const MAX_AUTHOR_CHARS = 1000;
// ---------------------------------------------------------------------------------------------------

export interface XmlFeed {
  title?: string;
  link?: string;
  description?: string;
  /** xml:base of the feed element (Atom), against which its links resolve. */
  base?: string;
  items: RawItem[];
}

const child = (el: XmlElement, key: string): XmlElement | undefined => el.children.find((c) => c.key === key);
const childrenOf = (el: XmlElement, key: string): XmlElement[] => el.children.filter((c) => c.key === key);

/** The element's own character data (no descendants), not trimmed. */
function ownText(el: XmlElement): string {
  let s = '';
  for (const p of el.parts) if (typeof p === 'string') s += p;
  return s;
}

/** All character data of the element and its descendants, in order. */
function deepText(el: XmlElement): string {
  const out: string[] = [];
  const walk = (e: XmlElement) => {
    for (const p of e.parts) {
      if (typeof p === 'string') out.push(p);
      else walk(p);
    }
  };
  walk(el);
  return out.join('');
}

/** Embedded markup back to HTML: elements by local name, text escaped, one pass over the subtree. */
function serializeParts(parts: readonly (string | XmlElement)[]): string {
  const out: string[] = [];
  const walk = (ps: readonly (string | XmlElement)[]) => {
    for (const p of ps) {
      if (typeof p === 'string') {
        out.push(escapeHtml(p));
        continue;
      }
      const name = p.local.toLowerCase();
      out.push(`<${name}`);
      for (const [k, v] of Object.entries(p.attrs)) out.push(` ${k}="${escapeAttr(v)}"`);
      out.push('>');
      if (p.parts.length === 0 && VOID_ELEMENTS.has(name)) continue;
      walk(p.parts);
      out.push(`</${name}>`);
    }
  };
  walk(parts);
  return out.join('');
}

/** Inline XHTML content: its markup as HTML, without the wrapping <div> of Atom (RFC 4287 §4.1.3.3). */
function xhtmlInner(el: XmlElement): string {
  const elements = el.children;
  const onlyDiv = elements.length === 1 && elements[0]?.local.toLowerCase() === 'div' &&
    el.parts.every((p) => typeof p !== 'string' || p.trim() === '');
  return serializeParts(onlyDiv ? (elements[0] as XmlElement).parts : el.parts);
}

function decodeBase64(s: string): string {
  return Buffer.from(s.replace(/\s+/g, ''), 'base64').toString('utf8');
}

/**
 * A text element's value as HTML (what the model's title/summary/content carry). `atom`: an Atom text
 * construct, whose type="text" (the default) is plain text and is escaped. Markup written unescaped
 * inside the element is kept as HTML (feed readers do the same), never cut off.
 */
function htmlValue(el: XmlElement, atom: boolean): string | undefined {
  const type = (el.attrs.type ?? '').toLowerCase();
  const mode = (el.attrs.mode ?? '').toLowerCase();
  const xhtml = type === 'xhtml' || type === 'application/xhtml+xml' || el.key === 'xhtml:body' || el.key === 'body' || mode === 'xml';
  if (el.children.length > 0) return trimmed(xhtml ? xhtmlInner(el) : serializeParts(el.parts));
  let text = ownText(el);
  if (mode === 'base64') text = decodeBase64(text);
  const plain = atom ? type === '' || type === 'text' || type === 'text/plain' : false;
  return trimmed(plain ? escapeText(text) : text);
}

function trimmed(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}

/** The first of `keys` (in table order) among the element's children with a value. */
function firstValue(el: XmlElement, keys: readonly string[], read: (e: XmlElement) => string | undefined): string | undefined {
  for (const key of keys) {
    for (const c of el.children) {
      if (c.key !== key) continue;
      const v = read(c);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

const plainText = (e: XmlElement): string | undefined => trimmed(deepText(e));

// ---- authors ----------------------------------------------------------------------------------------

export interface Author {
  name?: string;
  email?: string;
}

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/;

/** "editor@x.example (Bo Editor)", "Bo Editor (editor@x.example)", "Bo <bo@x.example>", "mailto:…" -> name, e-mail. */
export function splitAuthor(raw: string | undefined): Author {
  const s = raw?.trim();
  if (!s) return {};
  if (s.length > MAX_AUTHOR_CHARS) return { name: s };
  const m = EMAIL.exec(s);
  if (!m) return { name: s };
  const email = m[0];
  const rest = (s.slice(0, m.index) + s.slice(m.index + email.length))
    .replace(/mailto:/gi, '').replace(/\(\s*\)|<\s*>|\[\s*\]/g, '').trim()
    .replace(/^[(<[]\s*|\s*[)>\]]$/g, '').replace(/^[,;:\s]+|[,;:\s]+$/g, '').trim();
  return { name: rest || undefined, email };
}

/** An author element: Atom-style <name>/<email> children, else its text ("email (Name)"). */
function readAuthor(el: XmlElement): Author | undefined {
  const name = child(el, 'name') ?? child(el, 'itunes:name');
  const email = child(el, 'email') ?? child(el, 'itunes:email');
  if (name || email) {
    const n = name ? plainText(name) : undefined;
    const e = email ? plainText(email) : undefined;
    const split = splitAuthor(n);
    const a = { name: split.email ? split.name : n, email: e ?? split.email };
    return a.name || a.email ? a : undefined;
  }
  const a = splitAuthor(plainText(el));
  return a.name || a.email ? a : undefined;
}

function firstAuthor(el: XmlElement, keys: readonly string[]): Author | undefined {
  for (const key of keys) {
    for (const c of el.children) {
      if (c.key !== key) continue;
      const a = readAuthor(c);
      if (a) return a;
    }
  }
  return undefined;
}

// ---- links, enclosures, categories ------------------------------------------------------------------

interface Link { rel: string; href: string; type?: string; length?: string }

/**
 * Atom-style <link href rel type length> among the children (also <atom:link> inside RSS). A link that
 * carries its URL as text instead of href (a common Atom mistake) counts too, except as an enclosure.
 */
function hrefLinks(el: XmlElement): Link[] {
  return childrenOf(el, 'link').flatMap((l) => {
    const rel = (l.attrs.rel ?? 'alternate').trim().toLowerCase();
    const href = trimmed(l.attrs.href) ?? (rel !== 'enclosure' ? plainText(l) : undefined);
    return href ? [{ rel, href, type: l.attrs.type, length: l.attrs.length }] : [];
  });
}

/** The alternate link: rel="alternate" or no rel (RFC 4287 §4.2.7.2), else the first that is not self/enclosure. */
function alternateLink(links: readonly Link[]): string | undefined {
  return (links.find((l) => l.rel === 'alternate') ?? links.find((l) => l.rel !== 'self' && l.rel !== 'enclosure' && l.rel !== 'replies'))?.href;
}

/** RSS <link>text</link> (not an Atom-style link with href). */
function textLink(el: XmlElement): string | undefined {
  return firstValue(el, ['link'], (l) => (l.attrs.href === undefined ? plainText(l) : undefined));
}

function enclosuresOf(el: XmlElement): RawItem['enclosures'] {
  const out: RawItem['enclosures'] = [];
  for (const c of el.children) {
    if (c.key === 'enclosure') out.push({ url: c.attrs.url ?? c.attrs.href, type: c.attrs.type, length: c.attrs.length });
    else if (c.key === 'media:content') out.push({ url: c.attrs.url, type: c.attrs.type, length: c.attrs.filesize });
    else if (c.key === MEDIA_GROUP) out.push(...enclosuresOf(c));
  }
  for (const l of hrefLinks(el)) if (l.rel === 'enclosure') out.push({ url: l.href, type: l.type, length: l.length });
  return out;
}

/** itunes:category text="…", nested ones included (one level per element, bounded by the depth cap). */
function itunesCategories(el: XmlElement, out: (string | undefined)[]): void {
  out.push(trimmed(el.attrs.text));
  for (const c of childrenOf(el, 'itunes:category')) itunesCategories(c, out);
}

function categoriesOf(el: XmlElement): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (const c of el.children) {
    if (c.key === 'category') out.push(trimmed(c.attrs.label) ?? trimmed(c.attrs.term) ?? plainText(c));
    else if (c.key === 'dc:subject' || c.key === 'media:category') out.push(plainText(c));
    else if (c.key === 'itunes:category') itunesCategories(c, out);
    else if (c.key === MEDIA_GROUP) for (const m of childrenOf(c, 'media:category')) out.push(plainText(m));
  }
  return out;
}

/** Resolve an xml:base against the one it sits in (and finally the fetch URL, done by normalize). */
function joinBase(base: string | undefined, parent: string | undefined): string | undefined {
  if (!base?.trim()) return parent;
  try {
    return new URL(base.trim(), parent).href;
  } catch {
    return parent ?? base.trim();
  }
}

// ---- items ------------------------------------------------------------------------------------------

function readItem(it: XmlElement, atom: boolean, feedAuthor: Author | undefined, feedBase: string | undefined): RawItem {
  const group = child(it, MEDIA_GROUP);
  const html = (e: XmlElement) => htmlValue(e, atom);
  const guidEl = child(it, 'guid') ?? child(it, 'id');
  const guid = guidEl ? plainText(guidEl) : trimmed(it.attrs['rdf:about']);
  // A permalink guid (isPermaLink defaults to true) is the link when <link> is missing.
  const permaLink = guidEl?.key === 'guid' && guidEl.attrs.ispermalink?.trim().toLowerCase() !== 'false' && guid &&
    /^https?:\/\//i.test(guid) ? guid : undefined;
  const author = firstAuthor(it, AUTHOR) ?? feedAuthor;
  return {
    guid,
    link: atom ? alternateLink(hrefLinks(it)) : textLink(it) ?? alternateLink(hrefLinks(it)) ?? permaLink,
    base: joinBase(it.attrs['xml:base'], feedBase),
    title: firstValue(it, TITLE, html) ?? (group ? firstValue(group, ['media:title'], html) : undefined),
    summary: firstValue(it, SUMMARY, html) ?? (group ? firstValue(group, ['media:description'], html) : undefined),
    content: firstValue(it, CONTENT, html),
    author: author?.name ?? author?.email,
    authorEmail: author?.email,
    published: firstValue(it, PUBLISHED, plainText),
    updated: firstValue(it, UPDATED, plainText),
    enclosures: enclosuresOf(it),
    categories: categoriesOf(it),
  };
}

/** Parse an RSS, RDF or Atom document. Throws ParseError for what is not readable as a feed. */
export function parseXmlFeed(xml: string, atom: boolean): XmlFeed {
  const tree = buildTree(xml);
  const root = tree.root;
  if (!root) throw new ParseError('invalid XML feed: no root element');
  const channel = atom ? root : child(root, 'channel');
  const head = channel ?? root;
  const rootBase = joinBase(root.attrs['xml:base'], undefined);
  const base = channel && channel !== root ? joinBase(channel.attrs['xml:base'], rootBase) : rootBase;
  const feedAuthor = firstAuthor(head, FEED_AUTHOR);
  // RSS 1.0 puts its items beside the channel; some RSS 2.0 feeds forget the channel altogether.
  const itemEls = atom ? root.children.filter((c) => c.key === 'entry' || c.key === 'item')
    : [...(channel ? childrenOf(channel, 'item') : []), ...childrenOf(root, 'item')];
  // A cut-off document keeps its complete items only.
  const complete = itemEls.filter((e) => e.closed);
  if (tree.truncatedIn && complete.length === 0) {
    const t = tree.truncatedIn;
    throw new ParseError(`invalid XML feed: the document ends inside <${t.key}> opened at line ${t.line}, column ${t.column} ` +
      '(cut off?), before any complete item');
  }
  return {
    // Feed-level text as written (not escaped): it is read as the source's name, not published.
    title: firstValue(head, ['title', 'dc:title'], (e) => htmlValue(e, false)),
    link: (atom ? undefined : textLink(head)) ?? alternateLink(hrefLinks(head)),
    description: firstValue(head, FEED_DESCRIPTION, (e) => htmlValue(e, false)),
    base,
    items: complete.map((it) => readItem(it, atom, feedAuthor, base)),
  };
}

