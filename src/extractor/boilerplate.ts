// General boilerplate rules, applied around Readability. No per-site hacks: each rule names a kind of
// block that pages everywhere carry (share/subscribe/comment widgets, price tickers, related-article
// lists, tag lists, cookie notices, call-to-action links, "Read also:" cross-links) and recognises it
// by markup names or by the shape of its text.
import { parseHTML } from 'linkedom';

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * class/id/role/aria-label words that name boilerplate. Matched as whole words between - _ space, so
 * "commentary" or "shared-story" do not match "comment" or "share".
 */
const BOILERPLATE_NAMES = [
  'share', 'sharing', 'social', 'sharedaddy', 'subscribe', 'subscription', 'newsletter', 'signup', 'optin',
  'comment', 'comments', 'respond', 'reply', 'disqus', 'related', 'recommended', 'recirculation',
  'more-stories', 'read-next', 'popular', 'trending', 'ticker', 'prices', 'market-data', 'cookie',
  'cookies', 'consent', 'gdpr', 'promo', 'advert', 'advertisement', 'ad-slot', 'sponsored', 'paywall',
  'breadcrumb', 'breadcrumbs', 'author-bio', 'widget', 'sidebar', 'jp-relatedposts', 'print-only',
];
/** Names of blocks that are never the article, however much text they hold (a long comment thread). */
const NEVER_PROTECTED = /(^|[\s_-])(comments?|respond|reply|disqus|related|recommended)($|[\s_-])/i;
/** State modifiers ("has-comments", "social-enabled", "is-sticky") say what a block has, not what it is. */
const MODIFIER_TOKEN = /^(has|with|show|is|no|can)[-_]|[-_](enabled|disabled|active|visible|open|on|off)$/i;
/** Elements that are never article text. */
const NEVER_CONTENT = 'form, button, input, select, textarea, nav, dialog, [role="dialog"], [aria-hidden="true"], [hidden]';
/** A block is kept whatever its name says when it holds this share of the page's paragraph text, or the headline. */
const PROTECT_SHARE = 0.3;
/** Call-to-action blocks: short, mostly link text, starting with one of these verbs. */
const CTA = /^(download|subscribe|sign ?up|share|follow us|follow|click here|read more|continue reading|leave a (comment|reply)|post comment|print|email this|related( articles| posts| stories)?|advertisement)\b/i;
const CTA_MAX_CHARS = 60;
/** Headings that only announce boilerplate, removed even without links. */
const BOILERPLATE_HEADING = /^(leave a (comment|reply)|\d* ?comments?|related (articles|posts|stories|content)|share this( article| story)?|you (may|might) also like|more (from|on) |recommended( for you)?|subscribe to )/i;
/** A cross-link: a short label ending in ":" or "|" then one link that carries most of the block ("Read also: …", "Lire aussi : …"). */
const CROSS_LINK_MAX_CHARS = 160;
const CROSS_LINK_SHARE = 0.6;
/** Price-like tokens: $92,051.76, €4.16, +3.28%, -0.4%. */
const PRICE_TOKEN = /^[-+−]?[$€£¥₹]\s?\d[\d,.]*$|^[-+−]?\d[\d,.]*\s?%$|^[$€£¥₹]$/;
/** A block is a ticker when at least this share of its tokens are prices/changes (and enough of them). */
const TICKER_SHARE = 0.3;
const TICKER_MIN_PRICES = 6;
/** A list is a link list (related articles, tags) when links carry this share of its text. */
const LINK_LIST_SHARE = 0.8;
const LINK_LIST_MIN_ITEMS = 3;
// ---------------------------------------------------------------------------------------------------

const NAME_RE = new RegExp(`(^|[\\s_-])(${BOILERPLATE_NAMES.map((n) => n.replace(/-/g, '[-_]')).join('|')})($|[\\s_-])`, 'i');

type El = Element;

/** class/id/role/aria-label of an element, state modifiers left out. */
function namesOf(el: El): string {
  const classes = (el.getAttribute('class') ?? '').split(/\s+/).filter((c) => c && !MODIFIER_TOKEN.test(c));
  return [classes.join(' '), el.getAttribute('id'), el.getAttribute('role'), el.getAttribute('aria-label')]
    .filter(Boolean).join(' ');
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
const textOf = (el: El): string => squash(el.textContent ?? '');

/** Text tokens with element boundaries as separators (minified cells "<td>FCX</td><td>$11</td>" stay apart). */
function tokensOf(el: Node, out: string[] = []): string[] {
  for (const child of el.childNodes) {
    if (child.nodeType === 3) out.push(...(child.textContent ?? '').split(/\s+/).filter(Boolean));
    else if (child.nodeType === 1) tokensOf(child, out);
  }
  return out;
}

function paragraphChars(root: ParentNode): number {
  let n = 0;
  for (const p of root.querySelectorAll('p')) n += textOf(p).length;
  return n;
}

function linkChars(el: El): number {
  return [...el.querySelectorAll('a, button')].reduce((n, a) => n + textOf(a).length, 0);
}

/** A real data table says what its columns are: it is content, never a ticker. */
const isDataTable = (el: El) => el.tagName === 'TABLE' && !!el.querySelector('caption, th, thead');

function isTicker(el: El): boolean {
  const table = el.closest('table');
  if (table && isDataTable(table)) return false;
  const tokens = tokensOf(el);
  const prices = tokens.filter((t) => PRICE_TOKEN.test(t)).length;
  return prices >= TICKER_MIN_PRICES && prices / tokens.length >= TICKER_SHARE;
}

function isLinkList(el: El): boolean {
  if (el.tagName !== 'UL' && el.tagName !== 'OL') return false;
  if (el.querySelectorAll('li').length < LINK_LIST_MIN_ITEMS) return false;
  const total = textOf(el).length;
  return total > 0 && linkChars(el) / total >= LINK_LIST_SHARE;
}

/** Short, mostly links or buttons, starting like a call to action ("Download IPFS", "Share on X"). */
function isCallToAction(el: El): boolean {
  const text = textOf(el);
  if (!text || text.length > CTA_MAX_CHARS) return false;
  if (/^H[1-6]$/.test(el.tagName) && BOILERPLATE_HEADING.test(text)) return true;
  return CTA.test(text) && linkChars(el) / text.length >= 0.5;
}

/** "Read also: <a>Other story</a>" in any language: a short label with a colon, then one dominant link. */
function isCrossLink(el: El): boolean {
  const text = textOf(el);
  if (!text || text.length > CROSS_LINK_MAX_CHARS) return false;
  const links = el.querySelectorAll('a');
  if (links.length !== 1) return false;
  const label = text.split(/[:|»›]/)[0] ?? '';
  return label.length < text.length && label.trim().split(/\s+/).length <= 4 &&
    textOf(links[0] as El).length / text.length >= CROSS_LINK_SHARE;
}

/** A block whose every link is rel="tag": the post's tag list. */
function isTagList(el: El): boolean {
  const links = [...el.querySelectorAll('a')];
  return links.length > 0 && links.every((a) => /(^|\s)tag(\s|$)/i.test(a.getAttribute('rel') ?? '')) &&
    linkChars(el) / Math.max(1, textOf(el).length) >= 0.5;
}

/** Before Readability, on the whole page: named boilerplate blocks, forms, tickers, tag lists, CTA lines. */
export function removeBoilerplate(document: Document): void {
  const body = document.body ?? document.documentElement;
  if (!body) return;
  for (const el of body.querySelectorAll(NEVER_CONTENT)) el.remove();
  const total = paragraphChars(body) || 1;
  const protectedBlock = (el: El, names: string) => !NEVER_PROTECTED.test(names) &&
    // <main> or the headline inside means the article is in there ("<article>" alone is not enough:
    // comment threads and related-story cards are <article>s too).
    (paragraphChars(el) / total >= PROTECT_SHARE || !!el.querySelector('h1, main'));
  for (const el of [...body.querySelectorAll('[class], [id], [role], [aria-label]')]) {
    if (!el.isConnected || el === body) continue;
    const names = namesOf(el);
    if (NAME_RE.test(names) && !protectedBlock(el, names)) el.remove();
  }
  for (const el of [...body.querySelectorAll('ul, ol, table, section, div, p')]) {
    if (el.isConnected && !el.querySelector('h1, article, main') && (isTicker(el) || isTagList(el))) el.remove();
  }
  removeShortBlocks(body);
}

function removeShortBlocks(root: ParentNode): void {
  for (const el of [...root.querySelectorAll('p, div, h2, h3, h4, h5, h6, aside, li')]) {
    if (el.isConnected && !el.querySelector('p, div, img, figure') && (isCallToAction(el) || isCrossLink(el))) el.remove();
  }
}

/** After Readability, on its output (classes are gone by then): text-shape rules only. */
export function removeBoilerplateByText(html: string): string {
  const { document } = parseHTML(`<!doctype html><html><body><div id="sf-root">${html}</div></body></html>`);
  const root = document.getElementById('sf-root');
  if (!root) return html;
  for (const el of [...root.querySelectorAll('ul, ol, table, div, section, p')]) {
    if (el.isConnected && (isTicker(el) || isLinkList(el))) el.remove();
  }
  removeShortBlocks(root);
  return root.innerHTML;
}
