// RSS 0.9x / 1.0 (RDF) / 2.0 and Atom 1.0 through rss-parser (xml2js + sax underneath), mapped to RawItem.
// Guards before rss-parser: a size cap, no DTD-declared entities (sax never expands them, but we refuse
// such documents outright), HTML named entities turned into character references so that sloppy feeds
// using &nbsp; still parse, and bare ampersands escaped.
import { decodeHTML } from 'entities';
import Parser from 'rss-parser';
import { arr, isObj, ParseError, str, type Obj, type RawItem } from './normalize.js';

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

/** Atom entries whose dates are unreadable would make rss-parser throw for the whole feed: drop just the date. */
class TolerantParser extends Parser {
  constructor() {
    super({ defaultRSS: 2, customFields: { item: CUSTOM_ITEM_FIELDS as never } });
    const self = this as unknown as { parseItemAtom: (entry: Obj) => Obj };
    const original = self.parseItemAtom.bind(this);
    self.parseItemAtom = (entry: Obj) => {
      const copy: Obj = { ...entry };
      for (const key of ['published', 'updated']) {
        const v = str(arr(copy[key])[0]);
        if (v !== undefined && !Number.isFinite(Date.parse(v))) delete copy[key];
      }
      return original(copy);
    };
  }
}
const parser = new TolerantParser();

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
  const tag = /<(\/?)([A-Za-z_][\w:.-]*)[^>]*?(\/?)>|<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    if (!m[2]) continue;
    if (m[1]) depth--;
    else if (!m[3]) depth++;
    if (depth > MAX_XML_DEPTH) throw new ParseError(`XML nested deeper than ${MAX_XML_DEPTH} elements`);
  }
}

/** Named HTML entities -> numeric references; stray "&" -> "&amp;". CDATA sections are left alone. */
export function repairEntities(xml: string): string {
  return xml.replace(/(<!\[CDATA\[[\s\S]*?\]\]>)|&(#x[0-9a-fA-F]+;|#\d+;|([A-Za-z][A-Za-z0-9]*);)?/g,
    (match: string, cdata?: string, ref?: string, name?: string) => {
      if (cdata) return cdata;
      if (!ref) return '&amp;';
      if (!name || XML_PREDEFINED.has(name)) return match;
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

function toRawItem(it: Obj, atom: boolean): RawItem {
  const links = xmlLinks(it.rawLinks);
  const enclosures: RawItem['enclosures'] = [];
  if (isObj(it.enclosure)) enclosures.push({ url: str(it.enclosure.url), type: str(it.enclosure.type), length: it.enclosure.length });
  for (const l of links) if (l.rel === 'enclosure') enclosures.push({ url: l.href, type: l.type, length: l.length });
  for (const m of arr(it.mediaContent)) {
    if (isObj(m) && isObj(m.$)) enclosures.push({ url: str(m.$.url), type: str(m.$.type), length: m.$.fileSize });
  }
  // RSS: <description> (rss-parser's `content`) is the summary, content:encoded the full body. Where a
  // feed puts its whole article in <description>, the merged feed still shows it (body falls back to it).
  const summary = atom ? str(it.summary) : str(it.content);
  const content = atom ? str(it.content) : str(it['content:encoded']);
  return {
    guid: str(it.guid) ?? str(it.id) ?? str(it['rdf:about']),
    link: str(it.link),
    title: str(it.title),
    summary,
    content,
    author: str(it.creator) ?? str(it.author) ?? authorName(it.rawAuthor),
    published: atom ? str(it.published) ?? str(it.updated) : str(it.pubDate) ?? str(it.dcDate) ?? str(it.date),
    updated: atom ? str(it.updated) : undefined,
    enclosures,
    categories: atom ? categoryNames(it.rawCategories) : categoryNames(it.categories),
  };
}

export interface XmlFeed {
  title?: string;
  link?: string;
  description?: string;
  items: RawItem[];
}

export async function parseXmlFeed(xml: string, atom: boolean): Promise<XmlFeed> {
  refuseEntityDeclarations(xml);
  checkDepth(xml);
  let out: Obj;
  try {
    out = (await parser.parseString(repairEntities(xml))) as unknown as Obj;
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/\s+/g, ' ').trim() : String(err);
    throw new ParseError(`invalid XML feed: ${msg}`, { cause: err });
  }
  return {
    title: str(out.title),
    link: str(out.link),
    description: str(out.description),
    items: arr(out.items).filter(isObj).map((it) => toRawItem(it, atom)),
  };
}
