// General boilerplate rules, applied around Readability. No per-site hacks: each rule names a kind of
// block that pages everywhere carry (share/subscribe/comment widgets, price tickers, related-article
// lists, cookie notices, call-to-action links) and is recognised by markup names or by text shape.
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
/** Elements that are never article text. */
const NEVER_CONTENT = 'form, button, input, select, textarea, nav, dialog, [role="dialog"], [aria-hidden="true"], [hidden]';
/** A block is kept whatever its name says when it holds this share of the page's paragraph text. */
const PROTECT_SHARE = 0.3;
/** Call-to-action blocks: the whole block is one short link or line starting with one of these. */
const CTA = /^(download|subscribe|sign ?up|share|follow us|follow|click here|read more|continue reading|leave a (comment|reply)|post comment|print|email this|related( articles| posts| stories)?|advertisement)\b/i;
const CTA_MAX_CHARS = 60;
/** Tokens that look like prices or percentage changes: $92,051.76, 3.28%, €4.16, BTC. */
const NUMERIC_TOKEN = /^[-+]?[$€£¥]?\d[\d,.]*%?$|^[A-Z]{2,6}$/;
/** A list/block is a ticker when at least this share of its tokens are prices/changes (and enough of them). */
const TICKER_SHARE = 0.45;
const TICKER_MIN_TOKENS = 8;
/** A list is a link list (related articles, tags) when links carry this share of its text. */
const LINK_LIST_SHARE = 0.8;
const LINK_LIST_MIN_ITEMS = 3;
// ---------------------------------------------------------------------------------------------------

const NAME_RE = new RegExp(`(^|[\\s_-])(${BOILERPLATE_NAMES.map((n) => n.replace(/-/g, '[-_]')).join('|')})($|[\\s_-])`, 'i');

type El = Element;

function namesOf(el: El): string {
  return [el.getAttribute('class'), el.getAttribute('id'), el.getAttribute('role'), el.getAttribute('aria-label')]
    .filter(Boolean).join(' ');
}

const textOf = (el: El): string => (el.textContent ?? '').replace(/\s+/g, ' ').trim();

function paragraphChars(root: ParentNode): number {
  let n = 0;
  for (const p of root.querySelectorAll('p')) n += textOf(p).length;
  return n;
}

function isTicker(el: El): boolean {
  const tokens = textOf(el).split(' ').filter(Boolean);
  const numeric = tokens.filter((t) => NUMERIC_TOKEN.test(t)).length;
  return numeric >= TICKER_MIN_TOKENS && numeric / tokens.length >= TICKER_SHARE;
}

function isLinkList(el: El): boolean {
  if (el.tagName !== 'UL' && el.tagName !== 'OL') return false;
  const items = el.querySelectorAll('li');
  if (items.length < LINK_LIST_MIN_ITEMS) return false;
  const total = textOf(el).length;
  const linked = [...el.querySelectorAll('a')].reduce((n, a) => n + textOf(a).length, 0);
  return total > 0 && linked / total >= LINK_LIST_SHARE;
}

function isCallToAction(el: El): boolean {
  const text = textOf(el);
  return text.length > 0 && text.length <= CTA_MAX_CHARS && CTA.test(text);
}

/** Before Readability, on the whole page: named boilerplate blocks, forms, tickers, CTA lines. */
export function removeBoilerplate(document: Document): void {
  const body = document.body ?? document.documentElement;
  if (!body) return;
  const total = paragraphChars(body) || 1;
  const protectedBlock = (el: El) => paragraphChars(el) / total >= PROTECT_SHARE || !!el.querySelector('h1, article, main');
  for (const el of body.querySelectorAll(NEVER_CONTENT)) el.remove();
  for (const el of [...body.querySelectorAll('[class], [id], [role], [aria-label]')]) {
    if (!el.isConnected || el === body) continue;
    if (NAME_RE.test(namesOf(el)) && !protectedBlock(el)) el.remove();
  }
  for (const el of [...body.querySelectorAll('ul, ol, table, section, div')]) {
    if (el.isConnected && !protectedBlock(el) && isTicker(el)) el.remove();
  }
  removeCallsToAction(body);
}

function removeCallsToAction(root: ParentNode): void {
  for (const el of [...root.querySelectorAll('p, div, h2, h3, h4, h5, h6, aside, li')]) {
    if (el.isConnected && !el.querySelector('p, div, img, figure') && isCallToAction(el)) el.remove();
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
  removeCallsToAction(root);
  return root.innerHTML;
}
