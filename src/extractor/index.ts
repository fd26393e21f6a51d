// Article page + URL -> the best text found on it, its metadata, and a verdict on what it is.
//
// 1. The page as published, minimally cleaned (scripts, styles, comments, attributes nothing reads), as a DOM
//    (linkedom; jsdom on request).
// 2. Metadata Readability does not read, and the second extractor's view of the page (blocks.ts: every run of
//    text classified by length, link density and its neighbours), both read before anything changes the tree.
// 3. @mozilla/readability picks the content; clean.ts removes the boilerplate inside it.
// 4. The choice (chooseContent): Readability's cleaned content, unless it looks wrong for this page — missing,
//    much shorter than the page's main text as the block classifier sees it, or mostly links — then the blocks.
// 5. Sanitized HTML, plain text, and a verdict (article, short, paywalled, not-article with a reason).
//    Callers decide what to do with a non-article; the text is always there.
import { Readability } from '@mozilla/readability';
import { Parser } from 'htmlparser2';
import { sanitizeHtml, toPlainText } from '../sanitizer/index.js';
import { type Block, classify, segment } from './blocks.js';
import { cleanContent, dropByOriginalNames } from './clean.js';
import { buildDocument, byTags, type DomImpl, maxDepth, outermostNamed, stripNonContent, tagSet, visibleChars, withTagListSelectors } from './dom.js';
import { isoDate, markupByline, markupDate, readMetadata } from './metadata.js';

export type { DomImpl } from './dom.js';
export { stripNonContent } from './dom.js';

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
/** Less text than this is a short article (verdict "short"): a teaser, a brief, an error page. */
export const MIN_TEXT_CHARS = 250;
/** Deeper element nesting than this is refused: no article needs it, and Readability's cost explodes. */
export const MAX_DEPTH = 256;
/** An article has at least one paragraph of prose this long; a page of short teasers does not. */
const MIN_LONGEST_PARAGRAPH = 100;
/** A paywalled page (schema.org isAccessibleForFree: false) with less prose than this shows only a teaser. */
const PAYWALL_MIN_CHARS = 1200;
/** Readability's minimum characters for a candidate block (its default, 500, misses short reports). */
const CHAR_THRESHOLD = 300;
/**
 * The choice between Readability's content and the block classifier's (chooseContent): Readability's is
 * taken unless it holds less than this share of the classifier's main text ... Chosen by 5-fold
 * cross-validation by site on the development set (`npm run eval:extract -- --cv`): 0.6 in four folds
 * of five (0.7 in one); out-of-fold F1 0.935 (all pages), 0.934–0.936 over 0.3–0.7.
 */
const FALLBACK_SHORTER_THAN = 0.6;
/** ... or more than this share of its text is link text. */
const FALLBACK_LINK_DENSITY = 0.5;
/**
 * The standfirst: a paragraph of prose between the headline (<h1>, or the <h2> many pages repeat it in) and the
 * content Readability chose, at least this long, within this many blocks after the headline, is the article's
 * lead and is put back. Short blocks on the way (a dateline, a byline, "4 Min.") and captions are passed
 * over without counting, up to LEDE_MAX_WALK blocks in all.
 */
const LEDE_MIN_CHARS = 60;
const LEDE_MAX_BLOCKS = 6;
const LEDE_MAX_WALK = 20;
/**
 * Overlays that can take Readability's pick on a page of short paragraphs (a cookie-law widget, a newsletter
 * box). When this share of the chosen text sits in blocks so named, Readability runs once more on the page
 * without them.
 */
const OVERLAY_NAMES = /(^|[\s_-])(cookies?|cookie-law|consent|gdpr|newsletter|subscribe|subscription|paywall|modal|popup)($|[\s_-])/;
const OVERLAY_SHARE = 0.8;
// ---------------------------------------------------------------------------------------------------

export type Verdict = 'article' | 'short' | 'paywalled' | 'not-article';

export interface Article {
  title?: string;
  byline?: string;
  /** ISO 8601, from the page's metadata (meta tags, JSON-LD, <time>, the URL) when present. */
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

/** What one page gave: the best text found, whatever it is, and what it is. */
export interface PageExtraction extends Article {
  verdict: Verdict;
  /** Why the page is not an article (absent for verdict "article"). */
  reason?: string;
  /** Which extractor's content was chosen. */
  source: 'readability' | 'blocks' | 'none';
}

export interface ExtractOptions {
  dom?: DomImpl;
  /** FALLBACK_SHORTER_THAN for this call: only the evaluation's cross-validation sets it. */
  fallbackShorterThan?: number;
}

const LINKS = tagSet('a');

function countWords(text: string): number {
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)?.length ?? 0;
}

/** Elements that end a paragraph of text. */
const TEXT_BLOCK_TAGS = new Set(['p', 'div', 'section', 'article', 'main', 'header', 'footer', 'aside', 'h1', 'h2', 'h3', 'h4',
  'h5', 'h6', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'blockquote', 'pre', 'figure', 'figcaption', 'table', 'tr', 'td', 'th',
  'caption', 'hr', 'details', 'summary']);

/**
 * Plain text of sanitized article HTML: one paragraph per block, blank line between. Text beside nested
 * blocks is kept (it is flushed at each block boundary); <br> separates words. A tokenizer pass, no DOM:
 * the sanitizer's output is well formed.
 */
export function htmlToText(html: string): string {
  const paragraphs: string[] = [];
  let current = '';
  const flush = () => {
    const t = current.replace(/\s+/g, ' ').trim();
    if (t) paragraphs.push(t);
    current = '';
  };
  const parser = new Parser({
    onopentag: (name) => {
      if (name === 'br') current += ' ';
      else if (TEXT_BLOCK_TAGS.has(name)) flush();
    },
    onclosetag: (name) => {
      if (TEXT_BLOCK_TAGS.has(name)) flush();
    },
    ontext: (text) => {
      current += text;
    },
  }, { decodeEntities: true, lowerCaseTags: true });
  parser.write(html);
  parser.end();
  flush();
  return paragraphs.join('\n\n');
}

/** Is the page marked paywalled in its JSON-LD (schema.org isAccessibleForFree: false)? */
const isPaywalled = (html: string) => /"isAccessibleForFree"\s*:\s*"?false"?/i.test(html);

/** Readability sometimes takes a dateline for the byline: a short text that reads as a date is none. */
function bylineOrUndefined(byline: string | undefined): string | undefined {
  if (!byline) return undefined;
  const isDate = byline.split(/\s+/).length <= 5 && Number.isFinite(Date.parse(byline.replace(/^(on|updated|published)\s+/i, '')));
  return isDate ? undefined : byline;
}

const clean = (v: string | null | undefined): string | undefined => toPlainText(v ?? undefined) || undefined;

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Extract what a page holds. Always returns the best text found and a verdict; throws ExtractError only
 * when the page cannot be read at all (too large, too deep, a DOM failure).
 */
export function extractPage(html: string, url: string, opts: ExtractOptions = {}): PageExtraction {
  try {
    return withTagListSelectors(() => extract(html, url, opts));
  } catch (err) {
    if (err instanceof ExtractError) throw err;
    // A DOM or Readability failure on a hostile page (stack overflow, …) is this page's problem only.
    throw new ExtractError(`cannot read the page: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Extract the article of a page. Throws ExtractError when the page is too large, or is not an article
 * (the verdict's reason: not readerable, shorter than MIN_TEXT_CHARS, paywalled, an index of teasers).
 */
export function extractArticle(html: string, url: string, opts: ExtractOptions = {}): Article {
  const page = extractPage(html, url, opts);
  if (page.verdict !== 'article') throw new ExtractError(page.reason ?? page.verdict);
  const { verdict: _v, reason: _r, source: _s, ...article } = page;
  return article;
}

interface ReadabilityResult {
  content: Element | null;
  title?: string;
  byline?: string;
  excerpt?: string;
  siteName?: string;
  lang?: string;
  publishedTime?: string;
}

/** The innerHTML accessor of the DOM's elements (found on the prototype chain of <body>). */
function innerHtmlAccessor(el: Element): PropertyDescriptor | undefined {
  for (let proto = Object.getPrototypeOf(el) as object | null; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    const d = Object.getOwnPropertyDescriptor(proto, 'innerHTML');
    if (d) return d;
  }
  return undefined;
}

/**
 * While Readability runs: its last restore of <body> is skipped. After each attempt that finds less than
 * charThreshold, Readability puts the page back from the HTML it kept (`page.innerHTML = pageCacheHtml`:
 * a parse of the whole body) and tries again with one flag fewer; after the last attempt (no flag left) it
 * restores the page once more and then returns the longest attempt, which is detached from the page. Nothing
 * reads that page afterwards (the blocks and the markup dates were read before), so that parse is skipped.
 */
function withoutLastRestore<T>(reader: object, body: HTMLElement | null, fn: () => T): T {
  const own = body ? innerHtmlAccessor(body) : undefined;
  if (!body || !own?.get || !own.set) return fn();
  const { get, set } = own;
  Object.defineProperty(body, 'innerHTML', {
    configurable: true,
    get(this: Element) { return get.call(this) as string; },
    set(this: Element, html: string) {
      if ((reader as unknown as { _flags: number })._flags === 0) return;
      set.call(this, html);
    },
  });
  try {
    return fn();
  } finally {
    delete (body as unknown as { innerHTML?: string }).innerHTML;
  }
}

interface BylineTest {
  _isValidByline: (node: Element, matchString: string) => boolean;
  REGEXPS: { byline: RegExp };
}

/**
 * Readability asks every node it walks whether it is the byline (until one is found), and measures the node's
 * text (textContent) before it looks at the node's rel, itemprop and names: on <html> and <body> that is the
 * whole page's text, on every element the text under it. The same test with the names first: the text is
 * measured only for a node whose names say byline or author (the answer is the same: the test is a
 * conjunction and textContent changes nothing). It was 3 % of the time on the slowest tenth of the pages.
 */
function cheapBylineTestFirst(reader: object): void {
  const r = reader as BylineTest;
  const own = r._isValidByline;
  if (typeof own !== 'function' || !(r.REGEXPS?.byline instanceof RegExp) || r.REGEXPS.byline.global || r.REGEXPS.byline.sticky) return;
  r._isValidByline = function isValidByline(this: BylineTest, node: Element, matchString: string): boolean {
    const rel = node.getAttribute('rel');
    const itemprop = node.getAttribute('itemprop');
    if (rel !== 'author' && !itemprop?.includes('author') && !this.REGEXPS.byline.test(matchString)) return false;
    return own.call(this, node, matchString);
  };
}

function runReadability(document: Document): ReadabilityResult {
  let parsed;
  try {
    const reader = new Readability(document, {
      maxElemsToParse: MAX_ELEMENTS, charThreshold: CHAR_THRESHOLD, keepClasses: true,
      // The content element itself, not its HTML: it is cleaned in place and serialized once.
      serializer: (el: Node) => el,
    });
    cheapBylineTestFirst(reader);
    parsed = withoutLastRestore(reader, document.body, () => reader.parse());
  } catch (err) {
    throw new ExtractError(`readability failed: ${(err as Error).message}`, { cause: err });
  }
  if (!parsed) return { content: null };
  return {
    content: (parsed.content as unknown as Element | null) ?? null,
    title: parsed.title ?? undefined, byline: parsed.byline ?? undefined, excerpt: parsed.excerpt ?? undefined,
    siteName: parsed.siteName ?? undefined, lang: parsed.lang ?? undefined, publishedTime: parsed.publishedTime ?? undefined,
  };
}

/**
 * Readability often leaves the standfirst out: it sits beside the headline, not in the body's container.
 * Walking back from the first block of the chosen content to the headline, prose blocks (not links, not
 * boilerplate regions, not captions) are that lead; they are put back in front. A heading that reads as prose
 * (a standfirst set as <h2>) is lead too. Nothing happens unless the headline is found, so a teaser in a rail
 * before the article is never taken.
 */
function restoreLede(content: Element, blocks: readonly Block[]): void {
  const first = blocks.findIndex((b) => content.contains(b.firstText));
  if (first <= 0) return;
  const lede: Block[] = [];
  const isProse = (b: Block, min: number) => b.chars >= min && b.linkChars / b.chars < 0.3 && /[.!?…:;]["'”“»«)]?$/.test(b.text);
  for (let j = first - 1, seen = 0, walked = 0; j >= 0 && seen < LEDE_MAX_BLOCKS && walked < LEDE_MAX_WALK; j--, walked++) {
    const b = blocks[j] as Block;
    if (b.heading && !isProse(b, 2 * LEDE_MIN_CHARS)) {
      if ((b.el.tagName === 'H1' || b.el.tagName === 'H2') && lede.length) {
        const doc = content.ownerDocument;
        for (const l of lede) {
          const p = doc.createElement('p');
          p.textContent = l.text;
          content.insertBefore(p, content.firstChild);
        }
      }
      if (b.el.tagName === 'H1' || lede.length) return;
      continue;
    }
    // Short lines (datelines, bylines, labels) and captions lie between headline and text: passed over.
    if (b.chars < LEDE_MIN_CHARS || b.el.closest('figure, figcaption')) continue;
    seen++;
    if (b.boilerplate) return;
    if (isProse(b, LEDE_MIN_CHARS)) lede.push(b);
  }
}

/** The outermost elements named like an overlay. */
const overlays = (root: ParentNode): Element[] => outermostNamed(root, (names) => OVERLAY_NAMES.test(names));

function isMostlyOverlay(content: Element): boolean {
  const total = visibleChars(content.textContent ?? '');
  const inOverlays = overlays(content).reduce((n, el) => n + visibleChars(el.textContent ?? ''), 0);
  return total > 0 && inOverlays >= OVERLAY_SHARE * total;
}

/** The classifier's main text as HTML: one paragraph (or heading) per good block. */
function blocksHtml(blocks: readonly Block[]): string {
  return blocks.map((b) => {
    const tag = b.heading ? 'h2' : 'p';
    return `<${tag}>${escapeText(b.text)}</${tag}>`;
  }).join('\n');
}

interface Chosen {
  html: string;
  source: PageExtraction['source'];
}

/** The documented rule: Readability's content unless it is missing, far shorter than the main text, or mostly links. */
function chooseContent(content: Element | null, good: readonly Block[], shorterThan: number, beforeSerializing: (content: Element) => void): Chosen {
  const goodChars = good.reduce((n, b) => n + b.chars, 0);
  const fallback: Chosen = goodChars > 0 ? { html: blocksHtml(good), source: 'blocks' } : { html: '', source: 'none' };
  if (!content) return fallback;
  const chars = visibleChars(content.textContent ?? '');
  if (chars === 0) return fallback;
  let links = 0;
  for (const a of byTags(content, LINKS)) links += visibleChars(a.textContent ?? '');
  const tooShort = chars < shorterThan * goodChars;
  const linky = links / chars > FALLBACK_LINK_DENSITY && goodChars > chars * (1 - FALLBACK_LINK_DENSITY);
  if ((tooShort || linky) && goodChars > 0) return fallback;
  beforeSerializing(content);
  return { html: content.innerHTML, source: 'readability' };
}

function extract(html: string, url: string, opts: ExtractOptions): PageExtraction {
  if (html.length > MAX_HTML_CHARS) throw new ExtractError(`page larger than ${MAX_HTML_CHARS} characters`);
  const stripped = stripNonContent(html);
  const elements = stripped.match(/<[a-zA-Z]/g)?.length ?? 0;
  if (elements > MAX_ELEMENTS) throw new ExtractError(`page has ${elements} elements (more than ${MAX_ELEMENTS})`);
  const document = buildDocument(stripped, url, opts.dom ?? 'linkedom');
  if (document.documentElement && maxDepth(document.documentElement, MAX_DEPTH) > MAX_DEPTH) {
    throw new ExtractError(`page nested deeper than ${MAX_DEPTH} elements`);
  }
  const meta = readMetadata(document, url);
  const body = document.body ?? document.documentElement;
  const blocks = body ? classify(segment(body)) : [];
  const good = blocks.filter((b) => b.cls === 'good');
  // Dates and bylines in the markup, only when the head has none; read before Readability removes nodes.
  const markedDate = meta.published ? undefined : markupDate([document]);
  const markedByline = meta.byline ? undefined : markupByline([document]);
  let rd = runReadability(document);
  if (rd.content && isMostlyOverlay(rd.content)) {
    // Readability took an overlay: once more, on the page as published without the overlays.
    const again = buildDocument(stripped, url, opts.dom ?? 'linkedom');
    for (const el of overlays(again)) el.remove();
    const second = runReadability(again);
    if (second.content && visibleChars(second.content.textContent ?? '') > visibleChars(rd.content.textContent ?? '')) rd = second;
  }
  if (rd.content) {
    cleanContent(rd.content);
    dropByOriginalNames(rd.content, blocks);
  }
  // The lead is put back once Readability's content is chosen: the choice judges Readability's pick.
  const chosen = chooseContent(rd.content, good, opts.fallbackShorterThan ?? FALLBACK_SHORTER_THAN, (c) => restoreLede(c, blocks));
  const safe = sanitizeHtml(chosen.html, url);
  const text = htmlToText(safe);
  const published = isoDate(rd.publishedTime) ?? isoDate(meta.published) ?? isoDate(markedDate) ??
    isoDate(meta.urlDate) ?? isoDate(meta.modified);
  const verdict = judge(text, html, chosen.source);
  return {
    title: clean(rd.title),
    byline: bylineOrUndefined(clean(rd.byline) ?? clean(meta.byline) ?? clean(markedByline)),
    published,
    siteName: clean(rd.siteName) ?? clean(meta.siteName),
    lang: clean(rd.lang) ?? clean(meta.lang),
    excerpt: clean(rd.excerpt),
    text,
    html: safe,
    wordCount: countWords(text),
    source: chosen.source,
    ...verdict,
  };
}

/** What the text is: an article, or (with a reason) a short one, a paywall's teaser, or no article at all. */
function judge(text: string, rawHtml: string, source: PageExtraction['source']): { verdict: Verdict; reason?: string } {
  if (source === 'none' || !text) return { verdict: 'not-article', reason: 'no article found (page not readerable)' };
  const paragraphs = text.split('\n\n').map((p) => p.length);
  const prose = paragraphs.filter((n) => n >= 80).reduce((a, b) => a + b, 0);
  if (isPaywalled(rawHtml) && prose < PAYWALL_MIN_CHARS) {
    return { verdict: 'paywalled', reason: `paywall: the page is marked isAccessibleForFree=false and shows only ${prose} characters of prose` };
  }
  if (text.length < MIN_TEXT_CHARS) {
    return { verdict: 'short', reason: `article too short (${text.length} characters; teaser, brief or error page?)` };
  }
  if (Math.max(0, ...paragraphs) < MIN_LONGEST_PARAGRAPH) {
    return { verdict: 'not-article', reason: 'not an article (no paragraph of prose; an index of teasers?)' };
  }
  return { verdict: 'article' };
}
