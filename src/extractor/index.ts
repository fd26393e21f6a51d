// Article HTML + page URL -> the article: title, byline, dates, text and sanitized HTML.
// @mozilla/readability on a linkedom DOM (jsdom selectable; see bench/extract.ts for the measurement),
// with general boilerplate rules before and after it, and the sanitizer as the last step.
import { Readability } from '@mozilla/readability';
import { createRequire } from 'node:module';
import { parseHTML } from 'linkedom';
import { sanitizeHtml, toPlainText } from '../sanitizer/index.js';
import { resolveUrl } from '../urlcleaner/index.js';
import { removeBoilerplate, removeBoilerplateByText } from './boilerplate.js';

const require = createRequire(import.meta.url);

export class ExtractError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`extractor: ${message}`, options);
    this.name = 'ExtractError';
  }
}

// ---- Tunables -------------------------------------------------------------------------------------
/** Pages with more elements than this are refused (Readability's own guard): bounds the work per page. */
export const MAX_ELEMENTS = 30_000;
/** HTML beyond this many characters is refused before building a DOM. */
export const MAX_HTML_CHARS = 3_000_000;
/** An extraction with less text than this is "nothing found" (teasers and error pages). */
export const MIN_TEXT_CHARS = 250;
/** Deeper element nesting than this is refused: no article needs it, and Readability's cost explodes. */
export const MAX_DEPTH = 256;
/** An article has at least one paragraph of prose this long; a page of short teasers does not. */
const MIN_LONGEST_PARAGRAPH = 100;
/** A paywalled page (schema.org isAccessibleForFree: false) with less prose than this is a teaser. */
const PAYWALL_MIN_CHARS = 1200;
/** Readability's minimum characters for a candidate block (its default, 500, misses short reports). */
const CHAR_THRESHOLD = 300;
// ---------------------------------------------------------------------------------------------------

export type DomImpl = 'linkedom' | 'jsdom';

export interface Article {
  title?: string;
  byline?: string;
  /** ISO 8601, from the page's metadata (meta tags, JSON-LD) when present. */
  published?: string;
  siteName?: string;
  lang?: string;
  excerpt?: string;
  /** Plain text, paragraphs separated by blank lines. */
  text: string;
  /** Sanitized HTML of the article body, URLs absolute. */
  html: string;
  wordCount: number;
}

export interface ExtractOptions {
  dom?: DomImpl;
}

/**
 * Drop scripts (JSON-LD kept: Readability reads byline and dates from it), styles and templates before
 * building a DOM: on real pages they are most of the bytes and never article text. The patterns end where
 * an HTML tokenizer ends these elements (the first closing tag), so nothing else is cut.
 */
export function stripNonContent(html: string): string {
  return html
    .replace(/<script\b(?![^>]*application\/ld\+json)[^>]*>[\s\S]*?<\/script\s*>/gi, '')
    .replace(/<(style|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '');
}

/** The page as a Document whose baseURI/documentURI are right, so Readability makes URLs absolute. */
function buildDocument(html: string, url: string, impl: DomImpl): Document {
  if (impl === 'jsdom') {
    // Loaded on demand: jsdom takes ~0.6 s to import, and linkedom is the default.
    const { JSDOM, VirtualConsole } = require('jsdom') as typeof import('jsdom');
    return new JSDOM(html, { url, virtualConsole: new VirtualConsole() }).window.document;
  }
  const { document } = parseHTML(html);
  const baseHref = document.querySelector('base[href]')?.getAttribute('href') ?? undefined;
  const base = resolveUrl(baseHref, url) ?? url;
  Object.defineProperty(document, 'documentURI', { value: url, configurable: true });
  Object.defineProperty(document, 'baseURI', { value: base, configurable: true });
  return document as unknown as Document;
}

function countWords(text: string): number {
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)?.length ?? 0;
}

/** Elements that end a paragraph of text. */
const BLOCK_TAGS = new Set(['P', 'DIV', 'SECTION', 'ARTICLE', 'MAIN', 'HEADER', 'FOOTER', 'ASIDE', 'H1', 'H2', 'H3', 'H4',
  'H5', 'H6', 'LI', 'UL', 'OL', 'DL', 'DT', 'DD', 'BLOCKQUOTE', 'PRE', 'FIGURE', 'FIGCAPTION', 'TABLE', 'TR', 'TD', 'TH',
  'CAPTION', 'HR', 'DETAILS', 'SUMMARY']);

/**
 * Plain text of sanitized article HTML: one paragraph per block, blank line between. Text beside nested
 * blocks is kept (it is flushed at each block boundary); <br> separates words.
 */
export function htmlToText(html: string): string {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  const paragraphs: string[] = [];
  let current = '';
  const flush = () => {
    const t = current.replace(/\s+/g, ' ').trim();
    if (t) paragraphs.push(t);
    current = '';
  };
  const walk = (node: Node) => {
    for (const child of node.childNodes) {
      if (child.nodeType === 3) current += child.textContent ?? '';
      else if (child.nodeType === 1) {
        const tag = (child as Element).tagName;
        if (tag === 'BR') current += ' ';
        else if (BLOCK_TAGS.has(tag)) {
          flush();
          walk(child);
          flush();
        } else walk(child);
      }
    }
  };
  walk(document.body as unknown as Node);
  flush();
  return paragraphs.join('\n\n');
}

/** Depth of the deepest element, measured without recursion. */
function maxDepth(root: Element): number {
  let deepest = 0;
  const stack: [Element, number][] = [[root, 1]];
  while (stack.length) {
    const [el, depth] = stack.pop() as [Element, number];
    if (depth > deepest) deepest = depth;
    if (deepest > MAX_DEPTH) return deepest;
    for (const c of el.children) stack.push([c, depth + 1]);
  }
  return deepest;
}

/** Is the page marked paywalled in its JSON-LD (schema.org isAccessibleForFree: false)? */
const isPaywalled = (html: string) => /"isAccessibleForFree"\s*:\s*"?false"?/i.test(html);

function isoOrUndefined(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/** Readability sometimes takes a dateline for the byline: a short text that reads as a date is none. */
function bylineOrUndefined(byline: string | undefined): string | undefined {
  if (!byline) return undefined;
  const isDate = byline.split(/\s+/).length <= 5 && Number.isFinite(Date.parse(byline.replace(/^(on|updated|published)\s+/i, '')));
  return isDate ? undefined : byline;
}

const clean = (v: string | null | undefined): string | undefined => toPlainText(v ?? undefined) || undefined;

/**
 * Extract the article of a page. Throws ExtractError when the page is too large, has no readable
 * article, or the article is shorter than MIN_TEXT_CHARS (the caller falls back to the feed's content).
 */
export function extractArticle(html: string, url: string, opts: ExtractOptions = {}): Article {
  try {
    return extract(html, url, opts);
  } catch (err) {
    if (err instanceof ExtractError) throw err;
    // A DOM or Readability failure on a hostile page (stack overflow, …) is this page's problem only.
    throw new ExtractError(`cannot read the page: ${(err as Error).message}`, { cause: err });
  }
}

function extract(html: string, url: string, opts: ExtractOptions): Article {
  if (html.length > MAX_HTML_CHARS) throw new ExtractError(`page larger than ${MAX_HTML_CHARS} characters`);
  const stripped = stripNonContent(html);
  const elements = stripped.match(/<[a-zA-Z]/g)?.length ?? 0;
  if (elements > MAX_ELEMENTS) throw new ExtractError(`page has ${elements} elements (more than ${MAX_ELEMENTS})`);
  const document = buildDocument(stripped, url, opts.dom ?? 'linkedom');
  if (document.documentElement && maxDepth(document.documentElement) > MAX_DEPTH) {
    throw new ExtractError(`page nested deeper than ${MAX_DEPTH} elements`);
  }
  removeBoilerplate(document);
  let parsed: ReturnType<Readability['parse']>;
  try {
    parsed = new Readability(document, { maxElemsToParse: MAX_ELEMENTS, charThreshold: CHAR_THRESHOLD }).parse();
  } catch (err) {
    throw new ExtractError(`readability failed: ${(err as Error).message}`, { cause: err });
  }
  if (!parsed?.content) throw new ExtractError('no article found (page not readerable)');
  const safe = sanitizeHtml(removeBoilerplateByText(parsed.content), url);
  const text = htmlToText(safe);
  checkIsArticle(safe, text, html);
  return {
    title: clean(parsed.title),
    byline: bylineOrUndefined(clean(parsed.byline)),
    published: isoOrUndefined(parsed.publishedTime),
    siteName: clean(parsed.siteName),
    lang: clean(parsed.lang),
    excerpt: clean(parsed.excerpt),
    text,
    html: safe,
    wordCount: countWords(text),
  };
}

/** Refuse what Readability returns for teasers, paywalls and index pages: the feed's content is better. */
function checkIsArticle(safeHtml: string, text: string, rawHtml: string): void {
  if (text.length < MIN_TEXT_CHARS) {
    throw new ExtractError(`article too short (${text.length} characters; teaser, paywall or error page?)`);
  }
  const { document } = parseHTML(`<!doctype html><html><body>${safeHtml}</body></html>`);
  const paragraphs = [...document.querySelectorAll('p')].map((p) => (p.textContent ?? '').replace(/\s+/g, ' ').trim().length);
  const longest = Math.max(0, ...paragraphs);
  const prose = paragraphs.filter((n) => n >= 80).reduce((a, b) => a + b, 0);
  if (longest < MIN_LONGEST_PARAGRAPH) {
    throw new ExtractError('not an article (no paragraph of prose; an index of teasers?)');
  }
  if (isPaywalled(rawHtml) && prose < PAYWALL_MIN_CHARS) {
    throw new ExtractError(`paywall: the page is marked isAccessibleForFree=false and shows only ${prose} characters of prose`);
  }
}
