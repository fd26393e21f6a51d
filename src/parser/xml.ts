// RSS 0.9x / 1.0 (RDF) / 2.0 and Atom 1.0 through rss-parser (xml2js + sax underneath), mapped to RawItem.
// Guards before rss-parser: a size cap, no DTD-declared entities (sax never expands them, but we refuse
// such documents outright), HTML named entities turned into character references so that sloppy feeds
// using &nbsp; still parse, and bare ampersands escaped.
import { decodeHTML } from 'entities';
import Parser from 'rss-parser';
import { arr, escapeText, isObj, ParseError, str, type Obj, type RawItem } from './normalize.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Fields rss-parser does not read by default, kept raw so we can read them (keepArray: every occurrence). */
const CUSTOM_ITEM_FIELDS = [
  ['published', 'published'], ['updated', 'updated'], ['dc:date', 'dcDate'],
  ['category', 'rawCategories', { keepArray: true }], ['link', 'rawLinks', { keepArray: true }],
  ['media:content', 'mediaContent', { keepArray: true }], ['author', 'rawAuthor'],
];
const XML_PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
/** Maximum element nesting depth accepted (real feeds stay well under 30). */
export const MAX_XML_DEPTH = 256;
// ---------------------------------------------------------------------------------------------------

/**
 * rss-parser with three additions, made by wrapping its per-format steps: an Atom entry whose date is
 * unreadable loses only that date (rss-parser would throw for the whole feed); Atom's raw bits it drops
 * (link rels, text-construct types, xml:base, feed author, subtitle) are kept under `sf*` keys; an RSS
 * guid's isPermaLink is kept.
 */
class TolerantParser extends Parser {
  constructor() {
    super({ defaultRSS: 2, customFields: { item: CUSTOM_ITEM_FIELDS as never } });
    const self = this as unknown as {
      parseItemAtom: (entry: Obj) => Obj;
      buildAtomFeed: (xml: Obj) => Obj;
      parseItemRss: (item: Obj, fields: unknown) => Obj;
    };
    const parseItemAtom = self.parseItemAtom.bind(this);
    const buildAtomFeed = self.buildAtomFeed.bind(this);
    const parseItemRss = self.parseItemRss.bind(this);
    self.parseItemAtom = (entry: Obj) => {
      const copy: Obj = { ...entry };
      for (const key of ['published', 'updated']) {
        const v = str(arr(copy[key])[0]);
        if (v !== undefined && !Number.isFinite(Date.parse(v))) delete copy[key];
      }
      const item = parseItemAtom(copy);
      item.sfTypes = { title: constructType(entry.title), summary: constructType(entry.summary), content: constructType(entry.content) };
      item.sfBase = isObj(entry.$) ? str(entry.$['xml:base']) : undefined;
      return item;
    };
    self.buildAtomFeed = (xmlObj: Obj) => {
      const feed = buildAtomFeed(xmlObj);
      const root = isObj(xmlObj.feed) ? xmlObj.feed : {};
      feed.sfLinks = root.link;
      feed.sfAuthor = authorName(root.author);
      feed.sfSubtitle = str(arr(root.subtitle)[0]);
      feed.sfBase = isObj(root.$) ? str(root.$['xml:base']) : undefined;
      return feed;
    };
    self.parseItemRss = (xmlItem: Obj, fields: unknown) => {
      const item = parseItemRss(xmlItem, fields);
      const guid = arr(xmlItem.guid)[0];
      item.sfGuidIsPermaLink = !(isObj(guid) && isObj(guid.$) && str(guid.$.isPermaLink)?.toLowerCase() === 'false');
      return item;
    };
  }
}
const parser = new TolerantParser();

/** An Atom text construct's type (text, html, xhtml); text when absent (RFC 4287 §3.1.1). */
function constructType(v: unknown): string {
  const first = arr(v)[0];
  return (isObj(first) && isObj(first.$) ? str(first.$.type)?.toLowerCase() : undefined) ?? 'text';
}

/**
 * Atom type="xhtml" constructs become type="html" with their markup in CDATA, before xml2js parses
 * them: xml2js keeps element children apart from text, so mixed content would come back reordered.
 */
export function xhtmlToHtml(xml: string): string {
  if (!/type\s*=\s*["']xhtml["']/i.test(xml)) return xml;
  return xml.replace(/<(content|summary|title|subtitle|rights)\b([^>]*?)\btype\s*=\s*(["'])xhtml\3([^>]*)>([\s\S]*?)<\/\1\s*>/gi,
    (_m, tag: string, before: string, _q: string, after: string, inner: string) =>
      `<${tag}${before}type="html"${after}><![CDATA[${inner.replaceAll(']]>', ']]]]><![CDATA[>')}]]></${tag}>`);
}

/** Refuse DTD entity declarations (billion laughs, XXE): no feed needs them. */
function refuseEntityDeclarations(xml: string): void {
  const doctype = /<!DOCTYPE[\s\S]*?(\[[\s\S]*?\])?\s*>/i.exec(xml.slice(0, 64 * 1024));
  if (doctype && /<!ENTITY/i.test(doctype[0])) {
    throw new ParseError('XML entity declarations (<!ENTITY>) are not allowed in feeds');
  }
}

/** Refuse documents nested deeper than MAX_XML_DEPTH (a cheap scan; no DOM is built). */
function checkDepth(xml: string): void {
  let depth = 0;
  const tag = /<(\/?)([A-Za-z_][\w:.-]*)(?:[^>"']|"[^"]*"|'[^']*')*?(\/?)>|<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    if (!m[2]) continue;
    if (m[1]) depth--;
    else if (!m[3]) depth++;
    if (depth > MAX_XML_DEPTH) throw new ParseError(`XML nested deeper than ${MAX_XML_DEPTH} elements`);
  }
}

/** Is a numeric character reference ("#x41;" / "#65;") a character XML 1.0 allows? */
function validXmlChar(ref: string): boolean {
  const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff);
}

/** Named HTML entities -> numeric references; invalid numeric ones -> U+FFFD; stray "&" -> "&amp;". CDATA sections are left alone. */
export function repairEntities(xml: string): string {
  return xml.replace(/(<!\[CDATA\[[\s\S]*?\]\]>)|&(#x[0-9a-fA-F]+;|#\d+;|([A-Za-z][A-Za-z0-9]*);)?/g,
    (match: string, cdata?: string, ref?: string, name?: string) => {
      if (cdata) return cdata;
      if (!ref) return '&amp;';
      if (!name) return validXmlChar(ref) ? match : '&#65533;';
      if (XML_PREDEFINED.has(name)) return match;
      const decoded = decodeHTML(`&${name};`);
      if (decoded === `&${name};`) return `&amp;${name};`;
      return [...decoded].map((c) => `&#${c.codePointAt(0)};`).join('');
    });
}

function xmlLinks(v: unknown): { rel: string; href?: string; type?: string; length?: string }[] {
  return arr(v).flatMap((l) => {
    if (!isObj(l) || !isObj(l.$)) return [];
    return [{ rel: str(l.$.rel) ?? 'alternate', href: str(l.$.href), type: str(l.$.type), length: str(l.$.length) }];
  });
}

function categoryNames(v: unknown): (string | undefined)[] {
  return arr(v).map((c) => (isObj(c) && isObj(c.$) ? str(c.$.label) ?? str(c.$.term) ?? str(c) : str(c)));
}

function authorName(v: unknown): string | undefined {
  const first = arr(v)[0];
  return isObj(first) && first.name !== undefined ? str(arr(first.name)[0]) : str(first);
}

/** The alternate link: rel="alternate" or no rel (RFC 4287 §4.2.7.2), else the first link. */
function alternateLink(links: ReturnType<typeof xmlLinks>): string | undefined {
  return (links.find((l) => l.rel === 'alternate' && l.href) ?? links.find((l) => l.rel !== 'self' && l.rel !== 'enclosure' && l.href))?.href;
}

/** An Atom text construct as HTML: text-typed ones are escaped (their "<" is a character, not markup). */
function atomHtml(value: unknown, type: string): string | undefined {
  const v = str(value);
  return v !== undefined && type === 'text' ? escapeText(v) : v;
}

/** Resolve an xml:base against the one it sits in (and finally the fetch URL, done by normalize). */
function joinBase(base: string | undefined, parent: string | undefined): string | undefined {
  if (!base) return parent;
  try {
    return new URL(base, parent).href;
  } catch {
    return parent;
  }
}

function toRawItem(it: Obj, atom: boolean, feedAuthor: string | undefined, feedBase: string | undefined): RawItem {
  const links = xmlLinks(it.rawLinks);
  const enclosures: RawItem['enclosures'] = [];
  if (isObj(it.enclosure)) enclosures.push({ url: str(it.enclosure.url), type: str(it.enclosure.type), length: it.enclosure.length });
  for (const l of links) if (l.rel === 'enclosure') enclosures.push({ url: l.href, type: l.type, length: l.length });
  for (const m of arr(it.mediaContent)) {
    if (isObj(m) && isObj(m.$)) enclosures.push({ url: str(m.$.url), type: str(m.$.type), length: m.$.fileSize });
  }
  if (atom) {
    const types = isObj(it.sfTypes) ? it.sfTypes : {};
    const base = joinBase(str(it.sfBase), feedBase);
    return {
      guid: str(it.id),
      link: alternateLink(links),
      base,
      title: atomHtml(it.title, str(types.title) ?? 'text'),
      summary: atomHtml(it.summary, str(types.summary) ?? 'text'),
      content: atomHtml(it.content, str(types.content) ?? 'text'),
      author: str(it.author) ?? authorName(it.rawAuthor) ?? feedAuthor,
      published: str(it.published) ?? str(it.updated),
      updated: str(it.updated),
      enclosures,
      categories: categoryNames(it.rawCategories),
    };
  }
  const guid = str(it.guid) ?? str(it['rdf:about']);
  // RSS: <description> (rss-parser's `content`) is the summary, content:encoded the full body. Where a
  // feed puts its whole article in <description>, the merged feed still shows it (body falls back to it).
  // A permalink guid (isPermaLink defaults to true) is the link when <link> is missing.
  const guidLink = it.sfGuidIsPermaLink !== false && guid && /^https?:\/\//i.test(guid) ? guid : undefined;
  return {
    guid,
    link: str(it.link) ?? guidLink,
    title: str(it.title),
    summary: str(it.content),
    content: str(it['content:encoded']),
    author: str(it.creator) ?? str(it.author) ?? authorName(it.rawAuthor) ?? feedAuthor,
    published: str(it.pubDate) ?? str(it.dcDate) ?? str(it.date),
    updated: undefined,
    enclosures,
    categories: categoryNames(it.categories),
  };
}

export interface XmlFeed {
  title?: string;
  link?: string;
  description?: string;
  /** xml:base of the feed element (Atom), against which its links resolve. */
  base?: string;
  items: RawItem[];
}

export async function parseXmlFeed(xml: string, atom: boolean): Promise<XmlFeed> {
  refuseEntityDeclarations(xml);
  checkDepth(xml);
  let out: Obj;
  try {
    out = (await parser.parseString(repairEntities(xhtmlToHtml(xml)))) as unknown as Obj;
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/\s+/g, ' ').trim() : String(err);
    throw new ParseError(`invalid XML feed: ${msg}`, { cause: err });
  }
  const base = atom ? str(out.sfBase) : undefined;
  const feedAuthor = atom ? str(out.sfAuthor) : authorName(out.creator);
  return {
    title: str(out.title),
    link: atom ? alternateLink(xmlLinks(out.sfLinks)) : str(out.link),
    description: atom ? str(out.sfSubtitle) : str(out.description),
    base,
    items: arr(out.items).filter(isObj).map((it) => toRawItem(it, atom, feedAuthor, base)),
  };
}
