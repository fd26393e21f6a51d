// Cleaning the chosen content, after Readability has picked it from the page as published. No per-site
// hacks: each rule names a kind of block that pages everywhere carry inside the article column — photo
// captions and credits, datelines, share bars, "You may also like" lists, newsletter and tip lines,
// price tickers, tag lists, footers — and recognises it by its markup names (Readability runs with
// keepClasses, so class and id survive into its output) or by the shape of its text.
import { byTags, hasTag, linkChars, namesOf, tagSet, textOf, visibleChars } from './dom.js';

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * class/id/role/aria-label words that name boilerplate inside an article column. Matched as whole words
 * between - _ space, so "commentary" or "shared-story" do not match "comment" or "share".
 */
const BOILERPLATE_NAMES = [
  'share', 'sharing', 'social', 'sharedaddy', 'shariff', 'share-buttons', 'socials', 'subscribe', 'subscription',
  'newsletter', 'signup', 'optin', 'comment', 'comments', 'respond', 'reply', 'disqus', 'related', 'recommended',
  'recirculation', 'more-stories', 'read-next', 'read-more', 'readmore', 'popular', 'trending', 'ticker', 'prices',
  'market-data', 'cookie', 'cookies', 'consent', 'gdpr', 'promo', 'advert', 'advertisement', 'ad', 'ads', 'ad-slot',
  'adslot', 'sponsored', 'paywall', 'breadcrumb', 'breadcrumbs', 'author-bio', 'authorbox', 'author-box', 'about-author',
  'sidebar', 'jp-relatedposts', 'print-only', 'tags', 'tag-list', 'taglist', 'post-tags', 'entry-tags',
  'categories', 'post-categories', 'entry-meta', 'post-meta', 'article-meta', 'meta-info', 'postmeta', 'byline',
  'dateline', 'timestamp', 'date', 'published', 'posted-on', 'footer', 'post-footer', 'entry-footer',
  'article-footer', 'nav', 'navigation', 'pagination', 'pager', 'toolbar', 'skip-link', 'screen-reader-text',
  'sr-only', 'visually-hidden', 'modal', 'popup', 'teaser-list', 'rating', 'ratings', 'post-ratings', 'author-info',
  'author-description', 'author-details', 'about-the-author', 'author-card', 'relatedlinks', 'related-links',
  'affiliate', 'affiliate-text', 'disclaimer', 'loading', 'feedback', 'print-link', 'permalink', 'toc', 'ez-toc',
  'table-of-contents', 'toc-container', 'inhaltsverzeichnis',
];
/** Names of captions and credits: removed unless they hold the picture itself (then only their text goes). */
const CAPTION_NAMES = ['caption', 'wp-caption-text', 'credit', 'credits', 'image-credit', 'photo-credit', 'copyright',
  'bildunterschrift', 'bildnachweis', 'bildquelle', 'image-caption', 'photo-caption', 'media-caption', 'legend',
  'image-source', 'img-credit', 'figure-caption'];
/** Names of blocks that are never the article, however much text they hold (a long comment thread). */
const NEVER_PROTECTED = /(^|[\s_-])(comments?|respond|reply|disqus|related|recommended)($|[\s_-])/;
/** A named block is kept anyway when it holds this share of the content's text (the article is in it) ... */
const PROTECT_SHARE = 0.3;
/** ... and at least this many characters (in a short teaser, a byline line is a third of the text). */
const PROTECT_MIN_CHARS = 200;
/** Named blocks that together hold more than this share of the text are not removed by name. */
const MAX_NAMED_SHARE = 0.8;
/** Elements that are never article text. */
const NEVER_CONTENT = 'button, input, select, textarea, nav, dialog, [role="dialog"], [aria-hidden="true"], [hidden], figcaption';
/** Call-to-action blocks: short, mostly link text, starting with one of these verbs. */
const CTA = /^(download|subscribe|sign ?up|share|follow us|follow|click here|read more|continue reading|leave a (comment|reply)|post comment|print|email this|related( articles| posts| stories)?|advertisement|teilen|drucken|drukuj|imprimer|imprimir|jetzt (lesen|abonnieren|teilen)|weiterlesen|mehr lesen|zum artikel|kommentieren|abonnieren)\b/i;
const CTA_MAX_CHARS = 60;
/** Headings (or short labels) that announce boilerplate; the heading and the list or block after it go. */
const BOILERPLATE_HEADING = /^(leave a (comment|reply)|\d* ?comments?|related( articles| posts| stories| content| coverage| topics)?|share this( article| story| post)?|you (may|might) (also )?(like|enjoy|be interested)|more (from|on|stories|news)\b|recommended( for you| reading)?|read (more|next)|most (read|popular|viewed)|popular (posts|stories)|further reading|see also|also read|subscribe to |sign up |newsletter|top video|trending|mehr zum thema|mehr (aus|zum|von|artikel|news|nachrichten)\b|weitere (artikel|beiträge|nachrichten|themen|informationen zum thema)|das könnte sie auch interessieren|auch interessant|ähnliche (artikel|beiträge)|verwandte (artikel|beiträge|themen)|meistgelesen\w*|am meisten gelesen|lesen sie auch|lesetipps?|empfehlungen|kommentare?( \(\d+\))?|\d+ kommentare?|diesen artikel teilen|artikel teilen|teilen( sie)?( diesen| den)?( artikel| beitrag)?:?|newsletter abonnieren|schon gelesen|inhaltsverzeichnis|table of contents|contents|themen( im| in diesem)? artikel|topics|about the author|über den autor|über die autorin|meist[- ]?(gelesen|diskutiert|geklickt)\w*( artikel| beiträge| nachrichten)?|neueste (artikel|beiträge|nachrichten)|empfohlene (artikel|beiträge)|entdecke(n sie)? (weitere|jetzt|mehr)|weiterführende links?|das (thema )?könnte (dich|sie) auch interessieren|related coverage|lea también|le puede interesar|te puede interesar|lire aussi|à lire aussi|sur le même sujet|leggi anche|czytaj (też|także|również)|mehr themen|zum weiterlesen|weitere informationen|quellen(angaben)?|quellen (ausblenden|anzeigen)|kontakt|ansprechpartner(in)?( zum thema)?|originalartikel|veja também|leia também|valora esta noticia)\b/i;
const HEADING_MAX_CHARS = 80;
/** A cross-link: a short label ending in ":" or "|" then one link that carries most of the block ("Read also: …", "Lire aussi : …"). */
const CROSS_LINK_MAX_CHARS = 180;
const CROSS_LINK_SHARE = 0.6;
/** Photo credits and captions by their wording ("Foto: dpa", "Photo: Reuters", "(Bild: …)", "© …"). */
const CREDIT_LINE = /^[([]?(foto|fotos|photo|photos|photograph|picture|image|images|bild|bilder|bildquelle|quelle|source|credit|credits|copyright|crédit|crédits|crédits photos?|fuente|imagen|crédito|créditos|zdjęcie|fot\.|titelbild|beitragsbild|headerbild|aufmacherbild|symbolbild|vorschaubild|bildrechte|fotocredit|bildnachweis|foto ?credits?)\s*(\([^)]*\))?\s*[:©/]|^(photograph(ed)?|pictured|photo|foto|bild|image)s? (by|von|de|credit)\b|^©|^\(c\)|^(photo|foto|bild|image)s? (by|von|de|credit)\b|(getty images|shutterstock|istock(photo)?|imago|picture alliance|dpa|afp|reuters|ap photo|epa|keystone|unsplash)[)\]]?\s*$/i;
const CREDIT_MAX_CHARS = 160;
/** A caption that ends with its credit ("… © AFP / Marco Bertorello", "… Foto: Andina", "… (Foto: Getty)"). */
const CREDIT_AT_END = /(©\s?[^©.!?]{1,60}|\(?\b(foto|fotos|photo|photos|bild|quelle|source|credit)\s?:\s?[^.!?:]{1,50}\)?)$/i;
/** A block that is nothing but a date or time (with "Published", "Updated", "Stand:" …). */
const DATELINE = /^((published|updated|posted|last updated|veröffentlicht|aktualisiert|erstellt|stand|datum|publié|mis à jour|publicado|actualizado)( on| am| le| el)?:?\s*)?(\p{L}+,?\s+)?(\d{1,2}\.?\s*(\p{L}+|\d{1,2}\.)\s*\d{2,4}|\p{L}+\.? \d{1,2},? \d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}\/\d{2,4})([,|\s-]*(um\s+)?\d{1,2}[:.]\d{2}(\s*(uhr|am|pm|h))?)?(\s*(uhr|am|pm|cet|cest|mez|mesz|utc|gmt|et|bst))?\.?$/iu;
const DATELINE_MAX_CHARS = 80;
/**
 * A meta line: a date or time with at most a few label words ("Veröffentlichung: 2. Februar 2022", "asked Feb 6,
 * 2014 at 20:37", "24. März 2004, 19:49 | Genesis", "3:59 PM"). Words beside the date count as labels only when the
 * line is marked as one ("|" "•", or a publishing word); "Termin: 29.02.2020, 19 Uhr" stays.
 */
const META_DATE = /(?<![\d.:/+-])(?:\d{1,2}\.\s?(\p{L}+|\d{1,2}\.?)\s?\d{2,4}|\p{L}{3,}\.? \d{1,2}(st|nd|rd|th)?,? \d{4}|\d{4}-\d{2}-\d{2}(T[\d:.+-]+)?|\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2})?(\s?(am|pm|uhr|h)\b)?)(?![\d-])/giu;
const META_LABEL = /[|•·]|(^|\s)(published|updated|posted|asked|answered|edited|created|modified|written|release date|news date|date|category|veröffentlich\p{L}*|aktualisiert|erstellt|verfasst|geschrieben|datum|stand|kategorie|rubrik|publikacja|opublikowano|zaktualizowano|publié|mis à jour|publicado|actualizado|pubblicato)(\s|:|$)/iu;
const META_MAX_CHARS = 90;
const META_MAX_WORDS = 4;
/** Newsletter, tip and follow lines, and "Advertisement" labels. */
const PROMO_LINE = /^(sign up|subscribe|(do you want|want) to (be informed|know more|stay)|follow (the )?\S+( \S+)? on (twitter|facebook|instagram)|(war|ist|fanden sie) (der|dieser|den) (artikel|beitrag|text) (hilfreich|nützlich)|(möchten|wollen) sie (den|diesen) (artikel|beitrag) teilen|(den|diesen) (artikel|beitrag) mit anderen teilen|unterstütze|unterstützen sie (uns|unsere)|support (us|our (work|journalism))|if you (enjoyed|liked|like) (reading )?this|this entry was posted|posted in\b|filed under|(dieser |der )?(beitrag|artikel|eintrag) wurde (am|von|in|unter)\b|hier können sie (den|diesen) (artikel|beitrag) bewerten|(den|diesen) (artikel|beitrag) (bewerten|teilen|drucken)|lade weitere|(dieses|diesen|das) .{0,30}als pdf herunterladen|zurück( zur übersicht)?$|kommentare insgesamt|¿?ya sabías que|¡?mira lo que|únete|síguenos|suscríbete|puede escribirnos|sígue(nos)? en|abonnez-vous|suivez-nous|get (our|the) .{0,40}newsletter|join our newsletter|never miss|don't miss|follow us|follow .{1,40} on (twitter|facebook|instagram)|like us on facebook|got a (news )?tip|have a (news )?tip|send us a tip|tips\?|contact us at|jetzt (newsletter|kostenlos)|newsletter( abonnieren)?|abonnieren sie|melden sie sich|folgen sie uns|hinweise an|advertisement|anzeige|werbung|publicidad|publicité|reklama|sponsored|gesponsert|verpasse keine|get the latest (news|stories|updates)|for the latest (news|stories)|download (the|our) .{0,40}apps?\b|to (view|read|continue reading) the (full|rest of the|whole) (story|article)|please (subscribe|log in|sign in) to|submit your letter|we need your help|du musst (eingeloggt|angemeldet)|sie (sind|müssen) .{0,30}(eingeloggt|angemeldet)|um .{0,60} zu können, müssen sie (eingeloggt|angemeldet)|(noch )?keine kommentare|no comments( yet)?|be the first to (comment|review)|klicken sie auf den .{0,30}button, um|wir respektieren (deine|ihre) privatsphäre|bild (anzeigen|vergrößern)|dieser (beitrag|artikel) (stammt aus|erschien (zuerst )?in)|this (post|article|page) (contains|may contain|includes) (affiliate|references|links|sponsored)|dieser (beitrag|artikel) enthält (werbung|affiliate|anzeigen)|bei diesem beitrag handelt es sich um|(\d+ min(\.|utes?)? read|lesezeit|reading time|temps de lecture|tiempo de lectura|ten tekst przeczytasz)\b)\b/i;
const PROMO_MAX_CHARS = 200;
/** Copyright and legal lines at the foot of an article. */
const COPYRIGHT_LINE = /^(©|\(c\)|copyright\b)|\bCC[- ]BY(-[A-Z]{2})*\b.{0,40}(lizenz|licen[cs]e)|(lizenz|licen[cs]e).{0,20}\bCC[- ]BY\b|gibt die meinung (des|der) autor|does not necessarily reflect|is not responsible for the (opinions|content)|alle angaben ohne gewähr|all rights reserved|wszelkie prawa zastrzeżone|materiał chroniony prawem|tutti i diritti riservati|n'engagent que (leurs|son|ses) auteurs?|sofern nicht anders (angegeben|ausgewiesen|vermerkt).{0,80}(cc[- ]by|lizenz|licen[cs]e)|alle rechte vorbehalten|tous droits réservés|todos los derechos reservados/i;
const COPYRIGHT_MAX_CHARS = 300;
/** Price-like tokens: $92,051.76, €4.16, +3.28%, -0.4%. */
const PRICE_TOKEN = /^[-+−]?[$€£¥₹]\s?\d[\d,.]*$|^[-+−]?\d[\d,.]*\s?%$|^[$€£¥₹]$/;
/** A block is a ticker when at least this share of its tokens are prices/changes (and enough of them). */
const TICKER_SHARE = 0.3;
const TICKER_MIN_PRICES = 6;
/** A list is a link list (related articles, tags) when links carry this share of its text. */
const LINK_LIST_SHARE = 0.8;
const LINK_LIST_MIN_ITEMS = 3;
/**
 * After the article's last block of text, short blocks that are nothing but a link are teasers for other
 * articles ("Luftwaffe begins training on the H145", "Alkohol beim Angeln – Diskussion im Forum").
 */
const TRAILING_LINK_MAX_CHARS = 120;
const TRAILING_LINK_SHARE = 0.9;
// ---------------------------------------------------------------------------------------------------

const wordsRe = (names: readonly string[]) => new RegExp(`(^|[\\s_-])(${names.map((n) => n.replace(/-/g, '[-_]')).join('|')})($|[\\s_-])`);
const NAME_RE = wordsRe(BOILERPLATE_NAMES);
const CAPTION_RE = wordsRe(CAPTION_NAMES);
const MEDIA = tagSet('img', 'picture', 'video', 'iframe', 'audio');
const A = tagSet('a');
const P = tagSet('p');
const LI = tagSet('li');
const H1 = tagSet('h1');
const FORM = tagSet('form');
const TABLE_HEAD = tagSet('caption', 'th', 'thead');
/** Blocks whose innermost ones the trailing-links rule walks. */
const LEAF_BLOCK = tagSet('p', 'div', 'li', 'h2', 'h3', 'h4', 'h5', 'h6', 'section', 'aside', 'ul', 'ol', 'blockquote');
/** A label-like div/p/span holding one of these is not a heading. */
const HEADING_BLOCKERS = tagSet('p', 'div', 'ul', 'ol', 'table');
/** Candidates of the list rules, the heading rule and the line rules, and what makes a line rule's block not a line. */
const LIST_CANDIDATES = tagSet('ul', 'ol', 'table', 'section', 'div', 'p');
const HEADING_CANDIDATES = tagSet('h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'strong', 'b', 'div', 'span');
const LINE_CANDIDATES = tagSet('p', 'div', 'h2', 'h3', 'h4', 'h5', 'h6', 'aside', 'li', 'span', 'small', 'em', 'i', 'strong', 'b',
  'figure', 'time', 'address');
const LINE_BLOCKERS = tagSet('p', 'div', 'li', 'table', 'img', 'figure', 'iframe', 'video');

/** Price-like tokens and all tokens of the text under an element. */
interface TokenCount { prices: number; tokens: number }

/**
 * Text tokens (element boundaries separate them: minified cells "<td>FCX</td><td>$11</td>" stay apart) counted
 * for every element under root, in one bottom-up pass instead of one walk of each element's subtree.
 */
function tokenCounts(root: Element): Map<Node, TokenCount> {
  const counts = new Map<Node, TokenCount>();
  const walk = (el: Node): TokenCount => {
    const c: TokenCount = { prices: 0, tokens: 0 };
    for (const child of el.childNodes) {
      if (child.nodeType === 3) {
        for (const t of (child.textContent ?? '').split(/\s+/)) {
          if (!t) continue;
          c.tokens++;
          if (PRICE_TOKEN.test(t)) c.prices++;
        }
      } else if (child.nodeType === 1) {
        const inner = walk(child);
        c.tokens += inner.tokens;
        c.prices += inner.prices;
      }
    }
    counts.set(el, c);
    return c;
  };
  walk(root);
  return counts;
}

/** A real data table says what its columns are: it is content, never a ticker. */
const isDataTable = (el: Element) => el.tagName === 'TABLE' && hasTag(el, TABLE_HEAD);

/** The element or its nearest ancestor that is a <table> (closest('table') without a selector engine). */
function closestTable(el: Element): Element | null {
  for (let e: Element | null = el; e; e = e.parentElement) if (e.tagName === 'TABLE') return e;
  return null;
}

function isTicker(el: Element, counts: ReadonlyMap<Node, TokenCount>): boolean {
  const table = closestTable(el);
  if (table && isDataTable(table)) return false;
  const c = counts.get(el);
  return !!c && c.prices >= TICKER_MIN_PRICES && c.prices / c.tokens >= TICKER_SHARE;
}

function isLinkList(el: Element): boolean {
  if (el.tagName !== 'UL' && el.tagName !== 'OL') return false;
  if (byTags(el, LI).length < LINK_LIST_MIN_ITEMS) return false;
  const total = visibleChars(el.textContent ?? '');
  return total > 0 && linkChars(el) / total >= LINK_LIST_SHARE;
}

/** A block whose every link is rel="tag": the post's tag list. */
function isTagList(el: Element): boolean {
  const links = byTags(el, A);
  return links.length > 0 && links.every((a) => /(^|\s)tag(\s|$)/i.test(a.getAttribute('rel') ?? '')) &&
    linkChars(el) / Math.max(1, visibleChars(el.textContent ?? '')) >= 0.5;
}

/** Short, mostly links or buttons, starting like a call to action ("Download IPFS", "Share on X"). */
function isCallToAction(el: Element, text: string): boolean {
  if (text.length > CTA_MAX_CHARS) return false;
  return CTA.test(text) && linkChars(el) / Math.max(1, visibleChars(text)) >= 0.5;
}

/** "Read also: <a>Other story</a>" in any language: a short label with a colon, then one dominant link. */
function isCrossLink(el: Element, text: string): boolean {
  if (text.length > CROSS_LINK_MAX_CHARS) return false;
  const links = byTags(el, A);
  if (links.length !== 1) return false;
  const label = text.split(/[:|»›]/)[0] ?? '';
  return label.length < text.length && label.trim().split(/\s+/).length <= 4 &&
    visibleChars((links[0] as Element).textContent ?? '') / Math.max(1, visibleChars(text)) >= CROSS_LINK_SHARE;
}

function paragraphChars(root: Element): number {
  let n = 0;
  for (const p of byTags(root, P)) n += visibleChars(p.textContent ?? '');
  return n || visibleChars(root.textContent ?? '');
}

/** Why a block was removed: the rule's name (for tracing the rules against a development set). */
export type CleanRule = 'form' | 'never-content' | 'name' | 'caption-name' | 'ticker' | 'tag-list' | 'link-list' |
  'heading' | 'heading-list' | 'cta' | 'cross-link' | 'credit' | 'dateline' | 'promo' | 'copyright' | 'trailing-links';
export type CleanTrace = (rule: CleanRule, el: Element) => void;

/**
 * Readability rebuilds some blocks (a <div> of text becomes a new <p>) without their class and id. The
 * block classifier saw the page first: a short block whose own element was named like boilerplate (a
 * byline, a caption, a share label) is removed by that name. Only short blocks: a long one is prose.
 */
export function dropByOriginalNames(root: Element, blocks: readonly { text: string; chars: number; el: Element; firstText: Node }[], trace?: CleanTrace): void {
  for (const b of blocks) {
    if (b.chars >= PROTECT_MIN_CHARS || !root.contains(b.firstText)) continue;
    const names = namesOf(b.el);
    const rule: CleanRule | undefined = NAME_RE.test(names) ? 'name' : CAPTION_RE.test(names) ? 'caption-name' : undefined;
    if (!rule) continue;
    // The element that now holds exactly this block's text.
    let target = b.firstText.parentElement;
    while (target && target.parentElement && target.parentElement !== root && textOf(target.parentElement) === b.text) target = target.parentElement;
    if (!target || target === root || textOf(target) !== b.text || hasTag(target, MEDIA)) continue;
    trace?.(rule, target);
    target.remove();
  }
}

/** A date or time and at most META_MAX_WORDS label words (see META_DATE). */
function isMetaLine(text: string): boolean {
  const rest = text.replace(META_DATE, ' ');
  if (rest.length === text.length) return false;
  const words = rest.match(/\p{L}{2,}/gu) ?? [];
  return words.length === 0 || (words.length <= META_MAX_WORDS && META_LABEL.test(text));
}

/** Which wording rule a short block matches, if any. */
export function lineRule(text: string): CleanRule | undefined {
  // Labels often start with a bullet or a dash ("- Anzeige -", "*Werbung"): the wording is what counts.
  text = text.replace(/^[\s*\-–—•·|]+/, '');
  const n = text.length;
  if (n <= CREDIT_MAX_CHARS && (CREDIT_LINE.test(text) || CREDIT_AT_END.test(text))) return 'credit';
  if (n <= DATELINE_MAX_CHARS && DATELINE.test(text)) return 'dateline';
  if (n <= META_MAX_CHARS && isMetaLine(text)) return 'dateline';
  if (n <= PROMO_MAX_CHARS && PROMO_LINE.test(text)) return 'promo';
  if (n <= COPYRIGHT_MAX_CHARS && COPYRIGHT_LINE.test(text)) return 'copyright';
  return undefined;
}

/** The innermost text blocks under root (no block element inside), in document order. */
function leafBlocks(root: Element): Element[] {
  return byTags(root, LEAF_BLOCK).filter((el) => !hasTag(el, LEAF_BLOCK));
}

/** Link-only short blocks at the end of the content (see TRAILING_LINK_MAX_CHARS), last first, until text. */
function dropTrailingLinks(root: Element, drop: (rule: CleanRule, el: Element) => void): void {
  const leaves = leafBlocks(root);
  for (let i = leaves.length - 1; i >= 0; i--) {
    const el = leaves[i] as Element;
    const text = textOf(el);
    if (!text) continue;
    if (text.length > TRAILING_LINK_MAX_CHARS || hasTag(el, MEDIA)) return;
    if (linkChars(el) / Math.max(1, visibleChars(text)) < TRAILING_LINK_SHARE) return;
    drop('trailing-links', el);
  }
}

/** Clean the chosen content in place. */
export function cleanContent(root: Element, trace?: CleanTrace): void {
  const drop = (rule: CleanRule, el: Element) => {
    trace?.(rule, el);
    el.remove();
  };
  const inTree = (el: Element) => el !== root && root.contains(el);
  const total = paragraphChars(root) || 1;
  // Forms: one that holds the article (ASP.NET wraps whole pages in one) is unwrapped, any other removed.
  for (const form of byTags(root, FORM)) {
    if (!inTree(form)) continue;
    if (paragraphChars(form) / total >= PROTECT_SHARE) form.replaceWith(...form.childNodes);
    else drop('form', form);
  }
  for (const el of [...root.querySelectorAll(NEVER_CONTENT)]) if (inTree(el)) drop('never-content', el);
  const isProtected = (el: Element, names: string) => {
    if (NEVER_PROTECTED.test(names)) return false;
    if (hasTag(el, H1)) return true;
    const chars = paragraphChars(el);
    return chars >= PROTECT_MIN_CHARS && chars / total >= PROTECT_SHARE;
  };
  // Named blocks: collected first (outermost only), removed together unless they would take nearly all
  // the text — then the names mislead (a live blog whose posts are "comments") and only wording rules apply.
  const named: [CleanRule, Element][] = [];
  let namedChars = 0;
  for (const el of root.querySelectorAll('[class], [id], [role], [aria-label]')) {
    const last = named[named.length - 1]?.[1];
    if (!inTree(el) || (last && last.contains(el))) continue;
    const names = namesOf(el);
    const rule: CleanRule | undefined = NAME_RE.test(names) ? 'name' : CAPTION_RE.test(names) && !hasTag(el, MEDIA) ? 'caption-name' : undefined;
    if (!rule || isProtected(el, names)) continue;
    named.push([rule, el]);
    namedChars += visibleChars(el.textContent ?? '');
  }
  if (namedChars <= MAX_NAMED_SHARE * visibleChars(root.textContent ?? '')) for (const [rule, el] of named) drop(rule, el);
  // Tickers only where the content has enough price-like tokens at all (one pass instead of one per block).
  // Token counts of every element, taken once: each element's subtree is as it was when the loop reaches it
  // (a drop only removes what comes after its element in document order, never an element still to come's
  // subtree), so the counts stay exact.
  const counts = tokenCounts(root);
  const mayHaveTicker = (counts.get(root)?.prices ?? 0) >= TICKER_MIN_PRICES;
  for (const el of byTags(root, LIST_CANDIDATES)) {
    if (!inTree(el)) continue;
    if (mayHaveTicker && isTicker(el, counts)) drop('ticker', el);
    else if (isTagList(el)) drop('tag-list', el);
    else if (isLinkList(el)) drop('link-list', el);
  }
  // Headings that announce boilerplate, and the list (or link block) that follows them.
  for (const el of byTags(root, HEADING_CANDIDATES)) {
    if (!inTree(el)) continue;
    // A label-like div/p/span counts as a heading only when it holds no blocks.
    if ((el.tagName === 'DIV' || el.tagName === 'P' || el.tagName === 'SPAN') && hasTag(el, HEADING_BLOCKERS)) continue;
    const text = textOf(el);
    if (!text || text.length > HEADING_MAX_CHARS || !BOILERPLATE_HEADING.test(text.replace(/[:.…»]+$/, '').trim())) continue;
    // The heading's own block: the element itself, or its parent when the heading is the parent's only text.
    const parent = el.parentElement;
    const target = (el.tagName === 'STRONG' || el.tagName === 'B' || el.tagName === 'SPAN') && parent && parent !== root && textOf(parent) === text
      ? parent : el;
    const next = target.nextElementSibling;
    if (next && (next.tagName === 'UL' || next.tagName === 'OL' || linkChars(next) / Math.max(1, visibleChars(next.textContent ?? '')) >= 0.5)) {
      drop('heading-list', next);
    }
    drop('heading', target);
  }
  for (const el of byTags(root, LINE_CANDIDATES)) {
    if (!inTree(el) || hasTag(el, LINE_BLOCKERS)) continue;
    const text = textOf(el);
    if (!text) continue;
    if (isCallToAction(el, text)) drop('cta', el);
    else if (isCrossLink(el, text)) drop('cross-link', el);
    else {
      const rule = lineRule(text);
      if (rule) drop(rule, el);
    }
  }
  dropTrailingLinks(root, drop);
}
