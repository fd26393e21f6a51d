// XML text -> a small element tree, in one linear pass: htmlparser2's tokenizer in XML mode (a state
// machine over the characters, no backtracking), with entity decoding, namespaces, the depth cap and
// recovery bookkeeping done here as the tokens arrive. It never expands a DTD-declared entity: a
// document that declares one is refused. It is tolerant like a feed reader: an end tag missing its
// ">" or a document cut off closes what is open (marked `closed: false`, so callers keep only complete
// items), a stray end tag is skipped, an end tag closing an outer element closes the inner ones too.
import { Parser } from 'htmlparser2';
import { ParseError } from './normalize.js';
import { cleanText, decodeCharData } from './text.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Maximum element nesting depth accepted (real feeds stay well under 30). */
export const MAX_XML_DEPTH = 256;
/**
 * Namespaces by URI -> the prefix we read them under, whatever prefix the document chose (as feed
 * readers do). '' = the format's own elements (RSS 0.9x/1.0/2.0, Atom 0.3/1.0): read by local name.
 * A prefix not declared at all is read as written ("dc:creator" without xmlns:dc still counts).
 */
const NAMESPACES: Readonly<Record<string, string>> = {
  '': '',
  'http://backend.userland.com/rss': '',
  'http://backend.userland.com/rss2': '',
  'http://blogs.law.harvard.edu/tech/rss': '',
  'http://purl.org/rss/1.0/': '',
  'http://my.netscape.com/rdf/simple/0.9/': '',
  'http://purl.org/rss/1.0/modules/rss091#': '',
  'http://purl.org/atom/ns#': '',
  'http://www.w3.org/2005/atom': '',
  'http://purl.org/rss/1.0/modules/content/': 'content',
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://purl.org/dc/terms/': 'dcterms',
  'http://search.yahoo.com/mrss': 'media',
  'http://search.yahoo.com/mrss/': 'media',
  'http://www.itunes.com/dtds/podcast-1.0.dtd': 'itunes',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#': 'rdf',
  'http://www.w3.org/1999/xhtml': 'xhtml',
  'http://www.w3.org/xml/1998/namespace': 'xml',
  'http://purl.org/rss/1.0/modules/slash/': 'slash',
  'http://wellformedweb.org/commentapi/': 'wfw',
  'http://rssnamespace.org/feedburner/ext/1.0': 'feedburner',
  'http://purl.org/syndication/thread/1.0': 'thr',
};
// ---------------------------------------------------------------------------------------------------

export interface XmlElement {
  /** What the mapping reads it by: local name, or canonical prefix + ":" + local name ("dc:subject"). */
  readonly key: string;
  /** The local name as written (case kept), for serializing embedded markup. */
  readonly local: string;
  /** The namespace URI in scope for it (lower-cased), if any. */
  readonly ns?: string;
  /** Attributes by lower-cased name as written ("href", "xml:base", "rdf:about"), values decoded. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** Character data (decoded) and child elements in document order. */
  readonly parts: (string | XmlElement)[];
  /** False when the document ended (or an outer end tag arrived) before this element's end tag. */
  closed: boolean;
}

export interface XmlTree {
  root?: XmlElement;
  /** The document ended inside an element (cut off): where, for the error message. */
  truncatedIn?: { key: string; line: number; column: number };
  /** Some end tag was missing or out of place (recovered). */
  malformed: boolean;
}

interface Scope {
  readonly prefixes: ReadonlyMap<string, string>;
  readonly parent?: Scope;
}

function lookupNs(scope: Scope | undefined, prefix: string): string | undefined {
  for (let s = scope; s; s = s.parent) {
    const ns = s.prefixes.get(prefix);
    if (ns !== undefined) return ns;
  }
  return undefined;
}

/** 1-based line and column of a string offset (only computed for a message). */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Parse XML into a tree. Throws ParseError for entity declarations and nesting past MAX_XML_DEPTH. */
export function buildTree(text: string): XmlTree {
  const stack: { el: XmlElement; scope?: Scope; start: number }[] = [];
  const tree: XmlTree = { malformed: false };
  let inCdata = false;
  let ended = false;
  /** Where the current token starts (set once the parser exists; callbacks only run after that). */
  let tokenStart = (): number => 0;

  const parser = new Parser({
    onprocessinginstruction(name, data) {
      // <!DOCTYPE x [ <!ENTITY …> ]> arrives as declarations cut at each ">": "!doctype x [<!ENTITY …", "!entity …".
      if (name.toLowerCase() === '!entity' || /<!entity/i.test(data)) {
        throw new ParseError('XML entity declarations (<!ENTITY>) are not allowed in feeds');
      }
    },
    onopentag(name, rawAttrs) {
      if (stack.length >= MAX_XML_DEPTH) throw new ParseError(`XML nested deeper than ${MAX_XML_DEPTH} elements`);
      const parent = stack[stack.length - 1];
      let declared: Map<string, string> | undefined;
      const attrs: Record<string, string> = {};
      for (const [k, v] of Object.entries(rawAttrs)) {
        const value = cleanText(decodeCharData(v));
        const lk = k.toLowerCase();
        if (lk === 'xmlns' || lk.startsWith('xmlns:')) (declared ??= new Map()).set(lk === 'xmlns' ? '' : lk.slice(6), value.trim().toLowerCase());
        else attrs[lk] = value;
      }
      const scope = declared ? { prefixes: declared, parent: parent?.scope } : parent?.scope;
      const colon = name.indexOf(':');
      const prefix = colon > 0 ? name.slice(0, colon) : '';
      const local = colon > 0 ? name.slice(colon + 1) : name;
      const ns = lookupNs(scope, prefix.toLowerCase());
      const canon = ns !== undefined ? NAMESPACES[ns] ?? (prefix.toLowerCase() || '') : prefix.toLowerCase();
      const key = canon ? `${canon}:${local.toLowerCase()}` : local.toLowerCase();
      const el: XmlElement = { key, local, ns, attrs, children: [], parts: [], closed: false };
      if (parent) {
        parent.el.children.push(el);
        parent.el.parts.push(el);
      } else if (!tree.root) {
        tree.root = el;
      }
      stack.push({ el, scope, start: tokenStart() });
    },
    ontext(data) {
      const top = stack[stack.length - 1];
      if (!top) return;
      top.el.parts.push(cleanText(inCdata ? data : decodeCharData(data)));
    },
    oncdatastart() {
      inCdata = true;
    },
    oncdataend() {
      inCdata = false;
    },
    onclosetag(_name, isImplied) {
      const top = stack.pop();
      if (!top) return;
      top.el.closed = !isImplied;
      if (isImplied) {
        tree.malformed = true;
        if (ended && !tree.truncatedIn) tree.truncatedIn = { key: top.el.key, ...lineCol(text, top.start) };
      }
    },
  }, { xmlMode: true, decodeEntities: false, recognizeCDATA: true, recognizeSelfClosing: true });
  tokenStart = () => parser.startIndex;
  parser.write(text);
  ended = true;
  parser.end();
  return tree;
}
