// The second extractor: the page cut into runs of text (blocks) and each block classified by its own
// shape — length, link density, sentence punctuation — and then by its neighbours, as jusText does
// (Pomikálek 2011), with markup names standing in for its stop-word lists: a block inside navigation,
// a footer, a comment thread or a share bar is boilerplate whatever it says. It runs on the page as
// published, before Readability changes the tree, and never changes the page itself.
import { BLOCK_TAGS, HEADING_TAGS, namesOf, squash, visibleChars } from './dom.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Blocks shorter than this (visible characters) are "short": their neighbours decide (jusText: 70). */
export const LENGTH_LOW = 70;
/** Blocks of prose at least this long are good on their own; shorter prose is "near-good" (jusText: 200). */
export const LENGTH_HIGH = 200;
/** More link text than this share makes a block boilerplate (jusText: 0.2; menus and teaser lists). */
export const MAX_LINK_DENSITY = 0.3;
/** Prose has sentence punctuation: at least one mark (. , ; : ! ? …) per this many words. */
const WORDS_PER_MARK = 25;
/** A heading this close (characters of text in between) before good text belongs to it (jusText: 200). */
const MAX_HEADING_DISTANCE = 200;
/**
 * class/id/role words of regions that are never the article (matched as whole words between - _ space):
 * navigation, page chrome, comments, sharing, related-story rails, consent banners, ads.
 */
const BOILERPLATE_REGION = /(^|[\s_-])(nav|navbar|navigation|menu|menubar|breadcrumbs?|footer|site-footer|masthead|sidebar|widget|widgets|comments?|commentlist|respond|disqus|share|sharing|social|related|recommended|recirculation|newsletter|subscribe|signup|cookies?|consent|gdpr|banner|advert|advertisement|ads|ad-slot|sponsored|promo|popup|modal|toolbar|pagination|pager|tags|tagcloud|skip-link|screen-reader-text|sr-only|visually-hidden)($|[\s_-])/;
/** Elements whose text is never article text. */
const BOILERPLATE_TAGS = new Set(['NAV', 'FOOTER', 'ASIDE', 'MENU']);
/** Subtrees skipped entirely. */
const SKIP_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'MATH', 'OBJECT', 'EMBED', 'SELECT', 'OPTION',
  'TEXTAREA', 'BUTTON', 'INPUT', 'HEAD', 'IFRAME', 'CANVAS', 'svg', 'math']);
/**
 * A region named like boilerplate that holds this share of the page's text is a layout wrapper
 * ("c-fixed-sidebar-layout", "sidebar-wrapper", "above-footer"), not boilerplate ...
 */
const REGION_PROTECT_SHARE = 0.3;
/** ... unless its name says comments or related stories (long threads are still not the article). */
const NEVER_PROTECTED_REGION = /(^|[\s_-])(comments?|commentlist|respond|disqus|related|recommended|recirculation)($|[\s_-])/;
/** Copyright lines are page chrome. */
const COPYRIGHT = /©|&copy;|\(c\) ?\d{4}|all rights reserved|alle rechte vorbehalten/i;
// ---------------------------------------------------------------------------------------------------

export type BlockClass = 'good' | 'neargood' | 'short' | 'bad';

export interface Block {
  /** Squashed text of the run. */
  text: string;
  /** Visible characters, and those inside links. */
  chars: number;
  linkChars: number;
  words: number;
  /** The nearest enclosing block element, and the first text node of the run (survives Readability's moves). */
  el: Element;
  firstText: Node;
  heading: boolean;
  listItem: boolean;
  /** Inside navigation, a footer, a comment thread, a share bar … (by tag or by name). */
  boilerplate: boolean;
  cls: BlockClass;
}

interface Run {
  text: string;
  linkChars: number;
  firstText?: Node;
}

/** A boilerplate region on the path to a block (its nearest enclosing one first). */
interface Region {
  parent: Region | null;
  /** A tag (nav, footer, aside) or a never-protected name: boilerplate whatever it holds. */
  always: boolean;
  chars: number;
}

function isHidden(el: Element): boolean {
  if (el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true') return true;
  const style = el.getAttribute('style');
  return !!style && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style);
}

/** Cut the page into blocks: one per run of text between block boundaries, in document order. */
export function segment(root: Element): Block[] {
  const blocks: Block[] = [];
  const regionOf: (Region | null)[] = [];
  let run: Run = { text: '', linkChars: 0 };
  const flush = (el: Element, heading: boolean, listItem: boolean, region: Region | null) => {
    const text = squash(run.text);
    if (text && run.firstText) {
      const chars = visibleChars(text);
      blocks.push({ text, chars, linkChars: Math.min(chars, run.linkChars), words: countWords(text), el,
        firstText: run.firstText, heading, listItem, boilerplate: region !== null, cls: 'bad' });
      regionOf.push(region);
      for (let r = region; r; r = r.parent) r.chars += chars;
    }
    run = { text: '', linkChars: 0 };
  };
  const walk = (node: Element, block: Element, heading: boolean, listItem: boolean, region: Region | null, inLink: boolean) => {
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 3) {
        const data = child.nodeValue ?? '';
        if (!run.firstText && data.trim()) run.firstText = child;
        run.text += data;
        if (inLink) run.linkChars += visibleChars(data);
        continue;
      }
      if (child.nodeType !== 1) continue;
      const el = child as Element;
      const tag = el.tagName;
      if (SKIP_TAGS.has(tag) || isHidden(el)) continue;
      if (tag === 'BR') {
        run.text += ' ';
        continue;
      }
      if (BLOCK_TAGS.has(tag)) {
        flush(block, heading, listItem, region);
        let inner = region;
        const byTag = BOILERPLATE_TAGS.has(tag);
        const names = byTag || !el.hasAttributes() ? '' : namesOf(el);
        if (byTag || BOILERPLATE_REGION.test(names)) inner = { parent: region, always: byTag || NEVER_PROTECTED_REGION.test(names), chars: 0 };
        walk(el, el, heading || HEADING_TAGS.has(tag), listItem || tag === 'LI', inner, inLink);
        flush(el, heading || HEADING_TAGS.has(tag), listItem || tag === 'LI', inner);
      } else {
        walk(el, block, heading, listItem, region, inLink || tag === 'A');
      }
    }
  };
  walk(root, root, false, false, null, false);
  flush(root, false, false, null);
  // A named region holding much of the page's text is a layout wrapper: it does not make its blocks boilerplate.
  const total = blocks.reduce((n, b) => n + b.chars, 0);
  const counts = (r: Region) => r.always || r.chars < REGION_PROTECT_SHARE * total;
  blocks.forEach((b, i) => {
    let bad = false;
    for (let r = regionOf[i] ?? null; r && !bad; r = r.parent) bad = counts(r);
    b.boilerplate = bad;
  });
  return blocks;
}

export function countWords(text: string): number {
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)?.length ?? 0;
}

function punctuationMarks(text: string): number {
  return text.match(/[.,;:!?…。，、？！]/g)?.length ?? 0;
}

/** The block on its own (jusText's context-free pass). */
function initialClass(b: Block): BlockClass {
  if (b.boilerplate) return 'bad';
  if (b.chars > 0 && b.linkChars / b.chars > MAX_LINK_DENSITY) return 'bad';
  if (COPYRIGHT.test(b.text)) return 'bad';
  if (b.heading) return 'short';
  if (b.chars < LENGTH_LOW) return b.linkChars > 0 ? 'bad' : 'short';
  const prose = punctuationMarks(b.text) * WORDS_PER_MARK >= b.words;
  if (!prose) return 'bad';
  return b.chars >= LENGTH_HIGH ? 'good' : 'neargood';
}

/** The class of the nearest block before/after i that is not short (the page's edges count as bad). */
function neighbour(blocks: readonly Block[], classes: readonly BlockClass[], i: number, step: 1 | -1, ignoreNeargood: boolean): BlockClass {
  for (let j = i + step; j >= 0 && j < blocks.length; j += step) {
    const c = classes[j] as BlockClass;
    if (c === 'short' || (ignoreNeargood && c === 'neargood')) continue;
    return c;
  }
  return 'bad';
}

/** Classify every block: first on its own, then short and near-good blocks by their neighbours. */
export function classify(blocks: Block[]): Block[] {
  const first = blocks.map(initialClass);
  // Headings right before good text take part in it (a section heading of the article).
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i] as Block;
    if (!b.heading || first[i] !== 'short') continue;
    let distance = 0;
    for (let j = i + 1; j < blocks.length && distance <= MAX_HEADING_DISTANCE; j++) {
      if (first[j] === 'good') {
        first[i] = 'neargood';
        break;
      }
      distance += (blocks[j] as Block).chars;
    }
  }
  const second = [...first];
  for (let i = 0; i < blocks.length; i++) {
    if (first[i] !== 'neargood') continue;
    const prev = neighbour(blocks, first, i, -1, true);
    const next = neighbour(blocks, first, i, 1, true);
    second[i] = prev === 'good' || next === 'good' ? 'good' : 'bad';
  }
  for (let i = 0; i < blocks.length; i++) {
    if (first[i] !== 'short') continue;
    const prev = neighbour(blocks, second, i, -1, false);
    const next = neighbour(blocks, second, i, 1, false);
    second[i] = prev === 'good' && next === 'good' ? 'good' : 'bad';
  }
  for (let i = 0; i < blocks.length; i++) (blocks[i] as Block).cls = second[i] as BlockClass;
  return blocks;
}
