// The page as a DOM, and the small helpers every extraction step shares. linkedom by default; jsdom on
// request (the fixture tests run both and require the same result).
import { createRequire } from 'node:module';
import { decodeHTMLAttribute } from 'entities';
import { EventTarget as LinkedomEventTarget, parseHTML } from 'linkedom';
import { resolveUrl } from '../urlcleaner/index.js';

const require = createRequire(import.meta.url);

export type DomImpl = 'linkedom' | 'jsdom';

/** Elements around which white space is never text: it only indents the markup. */
const LAYOUT_TAGS = new Set(['html', 'head', 'body', 'meta', 'link', 'title', 'base', 'div', 'p', 'section', 'article',
  'main', 'header', 'footer', 'aside', 'nav', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'caption', 'colgroup', 'col', 'form', 'fieldset', 'legend',
  'figure', 'figcaption', 'blockquote', 'address', 'hr', 'details', 'summary', 'select', 'option', 'optgroup',
  'noscript', 'iframe', 'video', 'audio', 'source', 'picture', 'menu', 'center', 'dialog', 'template', 'script']);

/**
 * The minimal clean-up before building a DOM, none of which is page text: scripts (JSON-LD kept: it carries
 * byline and dates), styles, comments, inline SVG (icons), and the white space that indents the markup
 * between block-level tags. Readability drops the first four itself and collapses white space, so its
 * choices stay what they would be on the page as published, but the DOM has about a third fewer nodes
 * (each one costs linkedom an allocation). Raw-text elements end where an HTML tokenizer ends them: at the
 * first end tag, which runs to the next ">" ("</script\n<!-- …>" too); nothing inside them is markup.
 * Last, dropUnread: the attributes nothing reads and the head's <link> tags.
 */
export function stripNonContent(html: string): string {
  const open = /<(script|style|svg)\b([^>]*)>|<!--/gi;
  let out = '';
  let at = 0;
  for (let m = open.exec(html); m; m = open.exec(html)) {
    out += html.slice(at, m.index);
    let end: number;
    if (!m[1]) {
      // A comment ends at the first "-->"; "<!-->" and "<!--->" are complete (empty) comments.
      if (html.startsWith('<!-->', m.index)) end = m.index + 5;
      else if (html.startsWith('<!--->', m.index)) end = m.index + 6;
      else {
        const close = html.indexOf('-->', m.index + 4);
        end = close < 0 ? html.length : close + 3;
      }
    } else {
      const tag = m[1].toLowerCase();
      const closeTag = new RegExp(`</${tag}\\b[^>]*>`, 'gi');
      closeTag.lastIndex = open.lastIndex;
      const close = /\/\s*$/.test(m[2] ?? '') && tag === 'svg' ? null : closeTag.exec(html);
      end = close ? close.index + close[0].length : tag === 'svg' ? open.lastIndex : html.length;
      if (tag === 'script' && /application\/ld\+json/i.test(m[2] ?? '')) out += html.slice(m.index, end);
    }
    at = end;
    open.lastIndex = end;
  }
  out += html.slice(at);
  return dropUnread(out.replace(/(<\/?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>)\s+(?=<(\/?)([a-zA-Z][a-zA-Z0-9]*))/g,
    (all, tag: string, a: string, _slash: string, b: string) =>
      LAYOUT_TAGS.has(a.toLowerCase()) || LAYOUT_TAGS.has(b.toLowerCase()) ? tag : all));
}

/**
 * Attributes something downstream reads: Readability (class, id, style, hidden, role, aria-hidden/-modal,
 * itemprop, rel, href, src, srcset, poster, dir, lang, meta name/property/content, script type, table
 * colspan/rowspan/datatable/summary), the rules here (aria-label, datetime, pubdate) and the sanitizer's
 * allow-list (the output HTML). Every other attribute of an element outside ALL_ATTRIBUTES_TAGS (data-*,
 * on*, target, tabindex, the other aria-*, form plumbing …) is dropped before the DOM is built: in linkedom
 * each attribute is a node (an allocation and a listener map), and they were half the nodes of the
 * development pages.
 */
const READ_ATTRIBUTES = new Set(['class', 'id', 'style', 'hidden', 'role', 'aria-hidden', 'aria-modal', 'aria-label',
  'itemprop', 'rel', 'href', 'src', 'srcset', 'poster', 'dir', 'lang', 'name', 'property', 'content', 'type', 'colspan',
  'rowspan', 'datatable', 'summary', 'datetime', 'pubdate', 'title', 'hreflang', 'alt', 'width', 'height', 'media',
  'controls', 'kind', 'srclang', 'label', 'allowfullscreen', 'scope', 'start', 'reversed', 'value', 'cite', 'charset',
  'http-equiv', 'is']);
/** Elements that keep every attribute: Readability reads all of an image's (lazy-loading sources) and an embed's (video hosts). */
const ALL_ATTRIBUTES_TAGS = new Set(['img', 'picture', 'figure', 'source', 'video', 'audio', 'iframe', 'embed', 'object',
  'track', 'param', 'meta', 'base', 'html']);
/** Elements whose content the tokenizer reads as text (htmlparser2: script, style, title, textarea, xmp): not scanned. */
const TEXT_CONTENT_TAGS = new Set(['script', 'style', 'title', 'textarea', 'xmp']);

// The tokenizer's grammar (htmlparser2, as linkedom runs it): a start tag is "<" + a letter; its name runs to
// white space, "/" or ">"; attributes are separated by white space or a "/" not before ">"; a value is
// "…", '…' or runs to white space or ">". Anything else makes the scan stop and leave the rest as it is.
const START_TAG = /<([a-zA-Z][^\t\n\f\r />]*)/g;
const ATTRIBUTE = /(?:[\t\n\f\r ]|\/(?!>))*([^\t\n\f\r />="'][^\t\n\f\r />=]*)(?:[\t\n\f\r ]*=[\t\n\f\r ]*("[^"]*"|'[^']*'|[^\t\n\f\r >"'][^\t\n\f\r >]*|(?=>)))?/y;
const TAG_END = /[\t\n\f\r /]*>/y;

/**
 * The markup without what nothing reads (see READ_ATTRIBUTES), and without the <link> tags of the head
 * (stylesheets, preloads, icons: never text, never read; Readability drops the ones in its content itself).
 * The tags the DOM gets are otherwise the same, in the same order, with the same kept attributes.
 */
export function dropUnread(html: string): string {
  const bodyAt = html.search(/<body[\t\n\f\r />]/i);
  let out = '';
  let at = 0;
  START_TAG.lastIndex = 0;
  for (let m = START_TAG.exec(html); m; m = START_TAG.exec(html)) {
    const tag = (m[1] as string).toLowerCase();
    const start = m.index;
    let pos = START_TAG.lastIndex;
    const attrs: string[] = [];
    let dropped = false;
    let close: string;
    for (;;) {
      TAG_END.lastIndex = pos;
      const e = TAG_END.exec(html);
      if (e) {
        close = e[0].includes('/') ? ' />' : '>';
        break;
      }
      ATTRIBUTE.lastIndex = pos;
      const a = ATTRIBUTE.exec(html);
      if (!a) return out + html.slice(at); // not read as the tokenizer reads it: the rest stays as it is
      pos = ATTRIBUTE.lastIndex;
      const name = (a[1] as string).toLowerCase();
      if (ALL_ATTRIBUTES_TAGS.has(tag) || READ_ATTRIBUTES.has(name)) attrs.push(a[2] === undefined ? a[1] as string : `${a[1]}=${a[2]}`);
      else dropped = true;
    }
    const end = TAG_END.lastIndex;
    if (tag === 'link' && bodyAt >= 0 && start < bodyAt) {
      out += html.slice(at, start);
      at = end;
    } else if (dropped) {
      out += `${html.slice(at, start)}<${m[1]}${attrs.map((x) => ` ${x}`).join('')}${close}`;
      at = end;
    }
    START_TAG.lastIndex = end;
    if (TEXT_CONTENT_TAGS.has(tag)) {
      const closeTag = new RegExp(`</${tag}[\\t\\n\\f\\r />]`, 'gi');
      closeTag.lastIndex = end;
      const c = closeTag.exec(html);
      if (!c) break;
      START_TAG.lastIndex = c.index + 2;
    }
  }
  return out + html.slice(at);
}

/**
 * querySelectorAll of a plain list of tag names ("p", "h1,h2,h3", "object,embed,iframe"), while an
 * extraction runs. Readability asks linkedom for such lists on every candidate it cleans (_getAllNodesWithTag),
 * and linkedom compiles the selector through css-select on every call: that compile was 4 % of the
 * extraction's time. The same elements in the same order (document order, <template> contents skipped, as
 * linkedom's own walk skips them) come from a walk that compares tag names; any other selector, and every
 * call outside withTagListSelectors (Readability alone in the benchmark, other users of linkedom), goes to
 * linkedom's own querySelectorAll.
 */
const TAG_LIST = /^\s*[a-zA-Z][a-zA-Z0-9]*(\s*,\s*[a-zA-Z][a-zA-Z0-9]*)*\s*$/;
const tagLists = new Map<string, ReadonlySet<string> | null>();
let tagListCalls = 0;

type QuerySelectorAll = (this: ParentNode, selectors: string) => NodeListOf<Element>;

/** linkedom's ParentNode prototype (where querySelectorAll lives), its own querySelectorAll, and its NodeList. */
const linkedomQuery = (() => {
  const { document } = parseHTML('<p></p>');
  let proto: object | null = document.createElement('p');
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'querySelectorAll')) proto = Object.getPrototypeOf(proto) as object | null;
  if (!proto) throw new Error('linkedom has no querySelectorAll');
  const own = (proto as { querySelectorAll: QuerySelectorAll }).querySelectorAll;
  const NodeListClass = (document.querySelectorAll('p') as unknown as { constructor: new () => Element[] }).constructor;
  return { proto: proto as { querySelectorAll: QuerySelectorAll }, own, NodeListClass };
})();

function tagListOf(selectors: string): ReadonlySet<string> | null {
  let tags = tagLists.get(selectors);
  if (tags === undefined) {
    // Both cases: the parser names elements in lower case, Readability creates them as "P", "DIV" (css-select
    // compares names case-insensitively), and localName is read without the upper-casing tagName costs.
    tags = TAG_LIST.test(selectors) ? new Set(selectors.split(',').flatMap((t) => [t.trim().toLowerCase(), t.trim().toUpperCase()])) : null;
    if (tagLists.size < 256) tagLists.set(selectors, tags);
  }
  return tags;
}

linkedomQuery.proto.querySelectorAll = function querySelectorAll(this: ParentNode, selectors: string): NodeListOf<Element> {
  const tags = tagListCalls > 0 && typeof selectors === 'string' ? tagListOf(selectors) : null;
  if (!tags) return linkedomQuery.own.call(this, selectors);
  const out = new linkedomQuery.NodeListClass();
  const walk = (parent: ParentNode) => {
    for (let el = parent.firstElementChild; el; el = el.nextElementSibling) {
      const name = el.localName;
      if (tags.has(name)) out.push(el);
      if (name !== 'template') walk(el);
    }
  };
  // linkedom's Document calls this with a stand-in { ownerDocument, … } for itself.
  walk(typeof (this as Partial<Node>).nodeType === 'number' ? this : (this as unknown as { ownerDocument: Document }).ownerDocument);
  return out as unknown as NodeListOf<Element>;
};

/**
 * Element.style of an element without a style attribute, while an extraction runs: an empty declaration, read
 * only (display and visibility read ""). Readability asks every element for style.display and style.visibility
 * on every pass (_isProbablyVisible), and linkedom answers each read by building a CSSStyleDeclaration (a Map
 * behind a Proxy, kept per element), looking for the attribute again and hyphenating the property name: 3–4 %
 * of the extraction's time on the slowest tenth of the development pages. An element with a style attribute,
 * and every element outside withTagListSelectors, gets linkedom's own.
 */
const NO_STYLE = Object.freeze({ display: '', visibility: '' });

const linkedomStyle = (() => {
  let proto: object | null = parseHTML('<p></p>').document.createElement('p');
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'style')) proto = Object.getPrototypeOf(proto) as object | null;
  const own = proto && Object.getOwnPropertyDescriptor(proto, 'style');
  if (!proto || !own?.get) throw new Error('linkedom has no style getter');
  return { proto, own: own.get as (this: Element) => CSSStyleDeclaration };
})();

Object.defineProperty(linkedomStyle.proto, 'style', {
  configurable: true,
  enumerable: false,
  get(this: Element): CSSStyleDeclaration {
    if (tagListCalls > 0 && !this.hasAttribute('style')) return NO_STYLE as unknown as CSSStyleDeclaration;
    return linkedomStyle.own.call(this);
  },
});

/**
 * Element.textContent while an extraction runs: the same string (the data of every text and CDATA node
 * inside, in document order), concatenated as the walk goes instead of collected in an array and joined.
 * Readability asks for it per node, on every pass (_isValidByline asks every element, <html> and <body>
 * too, until a byline is found): it was 4–5 % of the self time of the slowest tenth of the development pages.
 * linkedom keeps a subtree as one list of nodes from an element to its end marker; the two links are
 * found by name on an element (a linkedom without them keeps its own getter).
 */
const linkedomText = (() => {
  const el = parseHTML('<p></p>').document.createElement('p');
  const link = (name: string) => Object.getOwnPropertySymbols(el).find((s) => s.description === name);
  let proto: object | null = el;
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'textContent')) proto = Object.getPrototypeOf(proto) as object | null;
  const own = proto && Object.getOwnPropertyDescriptor(proto, 'textContent');
  return { proto, own, next: link('next'), end: link('end') };
})();

if (linkedomText.proto && linkedomText.own?.get && linkedomText.next && linkedomText.end) {
  const { own, next: NEXT, end: END } = linkedomText;
  const ownGet = own.get as (this: Element) => string;
  interface Linked { nodeType: number; textContent: string; [link: symbol]: Linked }
  Object.defineProperty(linkedomText.proto, 'textContent', {
    ...own,
    get(this: Element): string {
      if (tagListCalls === 0) return ownGet.call(this);
      const self = this as unknown as Linked;
      const end = self[END];
      let text = '';
      for (let node = self[NEXT] as Linked; node !== end; node = node[NEXT] as Linked) {
        if (node.nodeType === 3 || node.nodeType === 4) text += node.textContent;
      }
      return text;
    },
  });
}

/**
 * No listener map per node while an extraction runs. linkedom's EventTarget constructor puts a new Map for
 * every node (attributes included) into one module-wide WeakMap: two allocations per node, and a WeakMap of
 * a few hundred thousand entries that every garbage collection must walk as ephemerons. On the slowest
 * tenth of the development pages that constructor was 8 % of the self time and the collector 21 %. Nothing
 * listens for events on a page's nodes during an extraction, so nodes made then get their map only when
 * something adds a listener (addEventListener creates it first; removeEventListener without one has
 * nothing to remove; linkedom's dispatch already skips a node without one). Nodes made outside an
 * extraction (Readability alone in the benchmark, other users of linkedom) get theirs at once, as before.
 * The WeakMap is linkedom's own, caught while one EventTarget is built; a linkedom whose EventTarget is
 * built otherwise keeps its own behaviour.
 */
const linkedomListeners = (() => {
  const setter = Object.getOwnPropertyDescriptor(WeakMap.prototype, 'set');
  let maps: WeakMap<object, Map<string, unknown>> | undefined;
  const ownSet = WeakMap.prototype.set;
  WeakMap.prototype.set = function set<K extends WeakKey, V>(this: WeakMap<K, V>, key: K, value: V): WeakMap<K, V> {
    if (value instanceof Map) maps ??= this as unknown as WeakMap<object, Map<string, unknown>>;
    return ownSet.call(this, key, value) as WeakMap<K, V>;
  };
  let made: object;
  try {
    made = new LinkedomEventTarget();
  } finally {
    if (setter) Object.defineProperty(WeakMap.prototype, 'set', setter);
  }
  if (!maps?.has(made)) return undefined;
  // The class whose constructor calls EventTarget's: linkedom's Node (Document has its own, one per page).
  let proto: object | null = parseHTML('<p></p>').document.createElement('p');
  while (proto && Object.getPrototypeOf(proto) !== LinkedomEventTarget.prototype) proto = Object.getPrototypeOf(proto) as object | null;
  const NodeClass = (proto as { constructor?: unknown } | null)?.constructor;
  if (typeof NodeClass !== 'function' || Object.getPrototypeOf(NodeClass) !== LinkedomEventTarget) return undefined;
  return { maps, NodeClass };
})();

if (linkedomListeners) {
  const { maps, NodeClass } = linkedomListeners;
  const target = LinkedomEventTarget.prototype as { addEventListener: (...a: unknown[]) => void; removeEventListener: (...a: unknown[]) => void };
  const { addEventListener: add, removeEventListener: remove } = target;
  class LazyListeners {
    constructor() {
      if (tagListCalls === 0) maps.set(this, new Map());
    }
  }
  Object.setPrototypeOf(NodeClass, LazyListeners);
  target.addEventListener = function addEventListener(this: object, ...args: unknown[]): void {
    if (!maps.has(this)) maps.set(this, new Map());
    add.apply(this, args);
  };
  target.removeEventListener = function removeEventListener(this: object, ...args: unknown[]): void {
    if (maps.has(this)) remove.apply(this, args);
  };
}

/**
 * Element.tagName (and nodeName) and getElementsByTagName while an extraction runs: the same answers, the
 * upper-case name looked up instead of made. linkedom upper-cases localName on every read of tagName in an
 * HTML document (a new string each time), and getElementsByTagName does so for every element that is not
 * the name asked for; Readability reads tagName on every node of every pass and asks each candidate for its
 * links. In a document that is not HTML (no ignoreCase in its MIME entry) the local name is the answer.
 */
const linkedomNames = (() => {
  const { document } = parseHTML('<p></p>');
  const el = document.createElement('p');
  const mime = Object.getOwnPropertySymbols(document).find((s) => s.description === 'mime');
  const next = Object.getOwnPropertySymbols(el).find((s) => s.description === 'next');
  const end = Object.getOwnPropertySymbols(el).find((s) => s.description === 'end');
  let proto: object | null = el;
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'tagName')) proto = Object.getPrototypeOf(proto) as object | null;
  const tagName = proto && Object.getOwnPropertyDescriptor(proto, 'tagName');
  const nodeName = proto && Object.getOwnPropertyDescriptor(proto, 'nodeName');
  let parentProto: object | null = el;
  while (parentProto && !Object.prototype.hasOwnProperty.call(parentProto, 'getElementsByTagName')) parentProto = Object.getPrototypeOf(parentProto) as object | null;
  const byTagName = (parentProto as { getElementsByTagName?: unknown } | null)?.getElementsByTagName;
  const ignoreCase = (doc: unknown) => (mime ? (doc as Record<symbol, { ignoreCase?: boolean } | undefined>)[mime]?.ignoreCase : undefined);
  if (!mime || !next || !end || !proto || !tagName?.get || !nodeName?.get || !parentProto || typeof byTagName !== 'function' ||
    ignoreCase(document) !== true || el.tagName !== 'P') return undefined;
  return { mime, next, end, proto, tagName, nodeName, parentProto, byTagName: byTagName as (this: Element, name: string) => HTMLCollectionOf<Element>,
    NodeListClass: (document.querySelectorAll('p') as unknown as { constructor: new () => Element[] }).constructor };
})();

if (linkedomNames) {
  const { mime: MIME, next: NEXT, end: END, proto, tagName, nodeName, parentProto, byTagName, NodeListClass } = linkedomNames;
  const upper = new Map<string, string>();
  interface Named { localName: string; nodeType: number; ownerDocument: Record<symbol, { ignoreCase?: boolean }>; [link: symbol]: Named }
  /** What linkedom's localCase gives: the upper-case local name in an HTML document, else the local name. */
  const localCase = (node: Named): string => {
    const name = node.localName;
    if (!node.ownerDocument[MIME]?.ignoreCase) return name;
    let u = upper.get(name);
    if (u === undefined) {
      u = name.toUpperCase();
      if (upper.size < 1024) upper.set(name, u);
    }
    return u;
  };
  for (const [prop, own] of [['tagName', tagName], ['nodeName', nodeName]] as const) {
    const ownGet = own.get as (this: Element) => string;
    Object.defineProperty(proto, prop, {
      ...own,
      get(this: Element): string {
        return tagListCalls > 0 ? localCase(this as unknown as Named) : ownGet.call(this);
      },
    });
  }
  (parentProto as { getElementsByTagName: (this: Element, name: string) => HTMLCollectionOf<Element> }).getElementsByTagName =
    function getElementsByTagName(this: Element, name: string): HTMLCollectionOf<Element> {
      if (tagListCalls === 0) return byTagName.call(this, name);
      const out = new NodeListClass();
      const self = this as unknown as Named;
      const stop = self[END];
      for (let node = self[NEXT] as Named; node !== stop; node = node[NEXT] as Named) {
        if (node.nodeType === 1 && (node.localName === name || localCase(node) === name)) out.push(node as unknown as Element);
      }
      return out as unknown as HTMLCollectionOf<Element>;
    };
}

/** Run fn with the tag-list path of querySelectorAll (see TAG_LIST), the fast Element.style (see NO_STYLE) and textContent on. */
export function withTagListSelectors<T>(fn: () => T): T {
  tagListCalls++;
  try {
    return fn();
  } finally {
    tagListCalls--;
  }
}

/** Less visible text than this outside <body> never means the tree is misplaced (a stray word or two). */
const MISPLACED_MIN_CHARS = 200;
/** Elements whose text is never page text, wherever they sit. */
const NON_TEXT = new Set(['SCRIPT', 'STYLE', 'TITLE', 'NOSCRIPT', 'TEMPLATE']);

/**
 * linkedom builds its tree as the tags come, not as a browser does: text before <html> (a PHP warning),
 * a second <html>, a <div> inside <head> or a missing <html> leave the page's text outside <body>, where
 * Readability never looks. True when more visible text lies outside <body> than inside it.
 */
function bodyIsMisplaced(document: Document): boolean {
  const body = document.body;
  if (!body || document.documentElement?.tagName !== 'HTML') return true;
  let outside = 0;
  const walk = (node: Node) => {
    // childNodes, not nextSibling: linkedom's document-level nodes have no siblings.
    for (const c of node.childNodes) {
      if (c === body) continue;
      if (c.nodeType === 3) outside += visibleChars(c.nodeValue ?? '');
      else if (c.nodeType === 1 && !NON_TEXT.has((c as Element).tagName)) walk(c);
    }
  };
  walk(document);
  // Stray bytes outside <body> are common and harmless; only then is <body>'s text worth counting.
  return outside >= MISPLACED_MIN_CHARS && outside > visibleChars(body.textContent ?? '');
}

/** The page again with one <html>, an empty <head> and everything else in <body>, as a browser would read it. */
function regroup(html: string): string {
  const htmlTag = /<html\b[^>]*>/i.exec(html)?.[0] ?? '<html>';
  const title = /<title\b[^>]*>[\s\S]*?<\/title\s*>/i.exec(html)?.[0] ?? '';
  const rest = html.replace(/<!doctype[^>]*>|<\/?(html|head|body)\b[^>]*>/gi, '');
  return `<!DOCTYPE html>${htmlTag}<head>${title}</head><body>${rest}</body></html>`;
}

/** The page as a Document whose baseURI/documentURI are right, so Readability makes URLs absolute. */
export function buildDocument(html: string, url: string, impl: DomImpl): Document {
  if (impl === 'jsdom') {
    // Loaded on demand: jsdom takes ~0.6 s to import, and linkedom is the default.
    const { JSDOM, VirtualConsole } = require('jsdom') as typeof import('jsdom');
    return new JSDOM(html, { url, virtualConsole: new VirtualConsole() }).window.document;
  }
  let { document } = parseHTML(html);
  if (bodyIsMisplaced(document as unknown as Document)) document = parseHTML(regroup(html)).document;
  // <base href> from the markup: a selector over the whole tree costs more than this look at the text.
  const baseTag = /<base\b[^>]*\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(html);
  const baseHref = baseTag ? decodeHTMLAttribute(baseTag[1] ?? baseTag[2] ?? baseTag[3] ?? '') : undefined;
  const base = resolveUrl(baseHref, url) ?? url;
  Object.defineProperty(document, 'documentURI', { value: url, configurable: true });
  Object.defineProperty(document, 'baseURI', { value: base, configurable: true });
  return document as unknown as Document;
}

/** Depth of the deepest element, measured without recursion; stops counting past `limit`. */
export function maxDepth(root: Element, limit: number): number {
  let deepest = 0;
  const stack: [Element, number][] = [[root, 1]];
  while (stack.length) {
    const [el, depth] = stack.pop() as [Element, number];
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (let c = el.firstElementChild; c; c = c.nextElementSibling) stack.push([c, depth + 1]);
  }
  return deepest;
}

export const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();
export const textOf = (el: Element): string => squash(el.textContent ?? '');

/** Characters that are not white space: the length measure of every rule (markup whitespace varies). */
export function visibleChars(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 32 && c !== 160) n++;
  }
  return n;
}

/** State modifiers ("has-comments", "social-enabled", "is-sticky") say what a block has, not what it is. */
const MODIFIER_TOKEN = /^(has|with|show|is|no|non|not|can|js)[-_]|[-_](enabled|disabled|active|visible|open|on|off)$/i;

/** class, id, role and aria-label of an element (state modifiers left out), lower case, space separated. */
export function namesOf(el: Element): string {
  const cls = el.getAttribute('class');
  // BEM modifiers ("section--ads") say what a block has too: only the block's own name counts.
  const classes = cls ? cls.split(/\s+/).filter((c) => c && !MODIFIER_TOKEN.test(c)).map((c) => c.replace(/--.*$/, '')).join(' ') : '';
  // A heading's id is an anchor made from its words ("nav_the_results"), not a name of what it is.
  const id = /^H[1-6]$/.test(el.tagName) ? null : el.getAttribute('id');
  const role = el.getAttribute('role');
  const label = el.getAttribute('aria-label');
  let out = classes;
  if (id) out += ` ${id}`;
  if (role) out += ` ${role}`;
  if (label) out += ` ${label}`;
  return out.toLowerCase();
}

/**
 * The elements under root (root itself not) whose tag is one of `tags` (upper case), in document order: what
 * querySelectorAll of a list of tag names finds, without a selector engine (linkedom compiles the selector
 * on every call and matches it through css-select; the cleaning rules ask once per element). <template>
 * contents are skipped, as both DOMs' selector engines skip them.
 */
export function byTags(root: ParentNode, tags: ReadonlySet<string>): Element[] {
  const out: Element[] = [];
  const walk = (parent: ParentNode) => {
    for (let el = parent.firstElementChild; el; el = el.nextElementSibling) {
      if (tags.has(el.tagName)) out.push(el);
      if (el.firstElementChild && el.tagName !== 'TEMPLATE') walk(el);
    }
  };
  walk(root);
  return out;
}

/**
 * The outermost elements under root that have a class or an id and whose names (namesOf) pass `test`, in
 * document order: what querySelectorAll('[class], [id]') filtered by the names finds, less those inside an
 * element already found, without a selector engine (linkedom compiles and matches the selector through
 * css-select). <template> contents are skipped, as the selector engines skip them.
 */
export function outermostNamed(root: ParentNode, test: (names: string) => boolean): Element[] {
  const found: Element[] = [];
  const walk = (parent: ParentNode) => {
    for (let el = parent.firstElementChild; el; el = el.nextElementSibling) {
      if ((el.hasAttribute('class') || el.hasAttribute('id')) && test(namesOf(el))) found.push(el);
      else if (el.firstElementChild && el.tagName !== 'TEMPLATE') walk(el);
    }
  };
  walk(root);
  return found;
}

/** Whether root holds an element whose tag is one of `tags` (querySelector of a tag list, see byTags). */
export function hasTag(root: ParentNode, tags: ReadonlySet<string>): boolean {
  for (let el = root.firstElementChild; el; el = el.nextElementSibling) {
    if (tags.has(el.tagName)) return true;
    if (el.firstElementChild && el.tagName !== 'TEMPLATE' && hasTag(el, tags)) return true;
  }
  return false;
}

export const tagSet = (...tags: string[]): ReadonlySet<string> => new Set(tags.map((t) => t.toUpperCase()));

const LINK_TAGS = tagSet('a', 'button');

/** Total characters of link text (and buttons) inside an element. */
export function linkChars(el: Element): number {
  let n = 0;
  for (const a of byTags(el, LINK_TAGS)) n += visibleChars(a.textContent ?? '');
  return n;
}

/** Elements that end a run of text (a paragraph) in the page. */
export const BLOCK_TAGS = new Set(['P', 'DIV', 'SECTION', 'ARTICLE', 'MAIN', 'HEADER', 'FOOTER', 'ASIDE', 'NAV',
  'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'LI', 'UL', 'OL', 'DL', 'DT', 'DD', 'BLOCKQUOTE', 'PRE', 'FIGURE', 'FIGCAPTION',
  'TABLE', 'THEAD', 'TBODY', 'TFOOT', 'TR', 'TD', 'TH', 'CAPTION', 'HR', 'DETAILS', 'SUMMARY', 'FORM', 'FIELDSET',
  'ADDRESS', 'CENTER', 'BODY', 'HTML', 'OPTION', 'SELECT', 'LEGEND', 'IFRAME', 'VIDEO', 'AUDIO', 'PICTURE']);

export const HEADING_TAGS = new Set(['H1', 'H2', 'H3', 'H4', 'H5', 'H6']);
