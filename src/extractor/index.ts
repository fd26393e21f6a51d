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

const BLOCKS = 'p, h1, h2, h3, h4, h5, h6, li, blockquote, pre, figcaption, td, th, dt, dd';

/** Plain text of sanitized article HTML: one paragraph per block element, blank line between. */
export function htmlToText(html: string): string {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  const blocks = [...document.querySelectorAll(BLOCKS)]
    // Only innermost blocks: an <li> holding a <p> contributes through the <p>.
    .filter((el) => !el.querySelector(BLOCKS))
    .map((el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  return blocks.length ? blocks.join('\n\n') : toPlainText(html);
}

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
  if (html.length > MAX_HTML_CHARS) throw new ExtractError(`page larger than ${MAX_HTML_CHARS} characters`);
  const document = buildDocument(stripNonContent(html), url, opts.dom ?? 'linkedom');
  removeBoilerplate(document);
  let parsed: ReturnType<Readability['parse']>;
  try {
    parsed = new Readability(document, { maxElemsToParse: MAX_ELEMENTS, charThreshold: CHAR_THRESHOLD }).parse();
  } catch (err) {
    throw new ExtractError(`readability failed: ${(err as Error).message}`, { cause: err });
  }
  if (!parsed?.content) throw new ExtractError('no article found (page not readerable)');
  const body = removeBoilerplateByText(parsed.content);
  const safe = sanitizeHtml(body, url);
  const text = htmlToText(safe);
  if (text.length < MIN_TEXT_CHARS) {
    throw new ExtractError(`article too short (${text.length} characters; teaser, paywall or error page?)`);
  }
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
