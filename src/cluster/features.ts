// Text -> the features the clusterer compares: stemmed terms (title weighted), named-entity candidates,
// and a SimHash fingerprint of the body for near-duplicate detection. Pure functions, no state.
import { stemmer } from 'stemmer';

// ---- Tunables -------------------------------------------------------------------------------------
/** A title term counts this many times a body term: titles say what the story is. */
export const TITLE_WEIGHT = 3;
/** Only the start of a body is read: the lede names the event; the tail wanders into background. */
export const BODY_WORDS = 400;
/** Bodies shorter than this (in tokens) get no SimHash: too short to call near-identical. */
export const SIMHASH_MIN_TOKENS = 40;
/** Shingle size (tokens) for SimHash. */
const SHINGLE = 3;
/**
 * Function words and news boilerplate ("says", "report", "update", "live") that carry no story identity.
 * English only; other languages still cluster on names, numbers and rare words.
 */
const STOPWORDS = new Set(`a about above after again against all also am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself
his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor not of
off on once only or other ought our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some
such than that that's the their theirs them themselves then there there's these they they'd they'll they're they've this
those through to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours yourself
yourselves says said say saying told tells according report reports reported reporting update updates updated live video
videos photo photos watch read new news latest today yesterday tomorrow week weeks year years day days just now will may
might must one two three first last also via amid over per us-based mr mrs ms dr`.split(/\s+/));
/** Capitalized but not names: honorifics, ranks, weekdays and months. */
const TITLES = new Set(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'january',
  'february', 'march', 'april', 'june', 'july', 'august', 'september', 'october', 'november', 'december', 'mr', 'mrs', 'ms', 'dr', 'sir', 'lt', 'gen', 'col', 'maj', 'capt', 'president', 'minister',
  'prime', 'chief', 'general', 'field', 'marshal', 'commander', 'secretary', 'senator', 'rep', 'gov', 'king', 'queen',
  'prince', 'pope', 'judge', 'ceo', 'chairman', 'director', 'the', 'a', 'an']);
/**
 * British -> American spellings, applied before stemming, so "defence" and "defense" (or "organise" and
 * "organize") are one term: outlets on both sides of the Atlantic report the same events.
 */
const SPELLING: readonly [RegExp, string][] = [
  [/^(def|off|lic|pret)ence$/, '$1ense'],
  [/^(col|fav|hon|lab|neighb|rum|harb|behavi|hum|vig|arm|flav)our(s|ed|ing|ite|ites|hood)?$/, '$1or$2'],
  [/^(\w{3,})is(e|es|ed|ing|ation|ations)$/, '$1iz$2'],
  [/^(\w{2,})ys(e|es|ed|ing)$/, '$1yz$2'],
  [/^(cent|theat|met|lit|fib)re(s)?$/, '$1er$2'],
  [/^(catal|dial|anal)ogue(s)?$/, '$1og$2'],
  [/^travell(ed|ing|er|ers)$/, 'travel$1'],
];
// ---------------------------------------------------------------------------------------------------

function americanize(w: string): string {
  for (const [re, to] of SPELLING) if (re.test(w)) return w.replace(re, to);
  return w;
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’.-]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu;

/** Words seen recently -> their term (stemming dominates feature time; news vocabulary repeats). */
const TERM_CACHE = new Map<string, string | null>();
const TERM_CACHE_MAX = 200_000;

/** Lowercase, possessives and edge punctuation dropped, stemmed; undefined for stopwords and noise. */
export function normalizeTerm(word: string): string | undefined {
  const hit = TERM_CACHE.get(word);
  if (hit !== undefined) return hit ?? undefined;
  const term = computeTerm(word);
  if (TERM_CACHE.size >= TERM_CACHE_MAX) TERM_CACHE.clear();
  TERM_CACHE.set(word, term ?? null);
  return term;
}

function computeTerm(word: string): string | undefined {
  const w = word.toLowerCase().replace(/['’]s$/, '').replace(/[.'’-]+$/g, '');
  if (w.length < 2 || STOPWORDS.has(w)) return undefined;
  if (/^\d+$/.test(w)) return w.length >= 3 ? w : undefined; // years, figures: yes; "2", "10": no
  return stemmer(americanize(w));
}

/** The start of a text up to the end of its n-th word, punctuation and line breaks kept. */
export function head(text: string, n: number): string {
  let count = 0;
  for (const m of text.matchAll(WORD)) if (++count === n) return text.slice(0, (m.index ?? 0) + m[0].length);
  return text;
}

export function words(text: string): string[] {
  return text.match(WORD) ?? [];
}

/** Stemmed terms of a text (stopwords dropped), in order. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    const t = normalizeTerm(w);
    if (t) out.push(t);
  }
  return out;
}

const isCapitalized = (w: string) => /^\p{Lu}/u.test(w);
const isAcronym = (w: string) => /^\p{Lu}{2,6}s?$/u.test(w.replace(/['’]s$/, ''));

/**
 * Named-entity candidates: acronyms, and capitalized words that are not sentence-initial (or that a
 * title in sentence case capitalizes). A Title Case headline capitalizes everything, so there only
 * acronyms and words also capitalized in the body count. Returned as normalized terms.
 */
export function entities(title: string, body: string): Set<string> {
  const out = new Set<string>();
  const bodyCaps = new Set<string>();
  const scan = (text: string, sink: Set<string>, titleCase: boolean) => {
    for (const sentence of text.split(/(?<=[.!?:;])\s+|\n+/)) {
      const ws = words(sentence);
      ws.forEach((w, i) => {
        const key = normalizeTerm(w);
        if (!key || TITLES.has(w.toLowerCase().replace(/['’]s$/, ''))) return;
        if (isAcronym(w)) sink.add(key);
        else if (isCapitalized(w) && (i > 0 || titleCase)) sink.add(key);
      });
    }
  };
  const bodyHead = head(body, BODY_WORDS);
  scan(bodyHead, bodyCaps, false);
  for (const e of bodyCaps) out.add(e);
  const titleWords = words(title).filter((w) => normalizeTerm(w));
  const capShare = titleWords.filter(isCapitalized).length / Math.max(1, titleWords.length);
  if (capShare < 0.6) {
    scan(title, out, false);
  } else {
    for (const w of titleWords) {
      const key = normalizeTerm(w);
      if (key && (isAcronym(w) || bodyCaps.has(key))) {
        out.add(key);
      }
    }
  }
  return out;
}

// ---- SimHash ----------------------------------------------------------------------------------------

/** FNV-1a, 32 bits, with a seed so two independent halves make a 64-bit hash. */
function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** 64-bit SimHash of token shingles as [hi, lo], or undefined for short texts. */
export function simhash(tokens: readonly string[]): [number, number] | undefined {
  if (tokens.length < SIMHASH_MIN_TOKENS) return undefined;
  const acc = new Int32Array(64);
  for (let i = 0; i + SHINGLE <= tokens.length; i++) {
    const sh = tokens.slice(i, i + SHINGLE).join(' ');
    const hi = fnv1a(sh, 0x9e3779b9);
    const lo = fnv1a(sh, 0x7f4a7c15);
    for (let b = 0; b < 32; b++) {
      acc[b] = (acc[b] as number) + ((hi >>> b) & 1 ? 1 : -1);
      acc[32 + b] = (acc[32 + b] as number) + ((lo >>> b) & 1 ? 1 : -1);
    }
  }
  let hi = 0;
  let lo = 0;
  for (let b = 0; b < 32; b++) {
    if ((acc[b] as number) > 0) hi |= 1 << b;
    if ((acc[32 + b] as number) > 0) lo |= 1 << b;
  }
  return [hi >>> 0, lo >>> 0];
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function hamming(a: readonly [number, number], b: readonly [number, number]): number {
  return popcount((a[0] ^ b[0]) >>> 0) + popcount((a[1] ^ b[1]) >>> 0);
}

/** The four 16-bit bands of a SimHash: two hashes within Hamming distance 3 share at least one. */
export function simhashBands(h: readonly [number, number]): string[] {
  return [h[0] >>> 16, h[0] & 0xffff, h[1] >>> 16, h[1] & 0xffff].map((v, i) => `${i}:${v}`);
}

// ---- the features of one document -----------------------------------------------------------------

export interface Features {
  /** Term -> weighted count (title terms × TITLE_WEIGHT). */
  tf: Map<string, number>;
  entities: Set<string>;
  simhash?: [number, number];
  /** Number of body tokens read (0 for title-only items). */
  bodyTokens: number;
}

export function features(title: string, body: string | undefined): Features {
  const tf = new Map<string, number>();
  for (const t of terms(title)) tf.set(t, (tf.get(t) ?? 0) + TITLE_WEIGHT);
  const bodyTokens = body ? terms(head(body, BODY_WORDS * 2)).slice(0, BODY_WORDS) : [];
  for (const t of bodyTokens) tf.set(t, (tf.get(t) ?? 0) + 1);
  const full = body ? terms(body) : [];
  return { tf, entities: entities(title, body ?? ''), simhash: simhash(full), bodyTokens: bodyTokens.length };
}
