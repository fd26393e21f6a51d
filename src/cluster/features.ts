// Text -> what the clusterer compares, per document: its language, stemmed terms of the title, the lead
// (first sentences) and the body, named entities by kind (as written), numbers, and a SimHash of the body.
// Pure functions, no state except caches. One tokenizer pass over the text serves the terms, the lead,
// the names and the SimHash. Two forms of the result: `Analysis` (readable strings, for explain and
// tests) and `Vectors` (hashed ids in typed arrays, what the clusterer reads); storage keeps the
// vectors' bytes per article, so a restart never re-reads or re-stems a text.
import { franc } from 'franc-min';
import { createRequire } from 'node:module';

// Two CommonJS packages (a UMD bundle and a JSON file), loaded the CommonJS way.
const require = createRequire(import.meta.url);
const snowball = require('snowball-stemmers') as { newStemmer(algorithm: string): Stemmer };
const stopwordsIso = require('stopwords-iso') as Record<string, string[] | undefined>;

// ---- Tunables -------------------------------------------------------------------------------------
/** Bump when the analysis changes: stored analyses of another version are recomputed. */
export const ANALYSIS_VERSION = 4;
/** Only the start of a body is read: the lede names the event; the tail wanders into background. */
export const BODY_WORDS = 300;
/** The lead: the first sentences of the body, up to this many words. */
export const LEAD_WORDS = 45;
/** Distinct body terms kept (the most frequent): bounds storage and comparison cost. */
export const BODY_TERMS = 80;
/** Words of a body read for its SimHash (a wire copy is recognised by its first thousand words). */
export const SIMHASH_WORDS = 1000;
/** Bodies shorter than this (in tokens) get no SimHash: too short to call near-identical. */
export const SIMHASH_MIN_TOKENS = 40;
/** Shingle size (tokens) for SimHash. */
const SHINGLE = 3;
/** Characters of title + lead read to tell the language. */
const LANG_CHARS = 240;
/**
 * Fewer characters than this and franc is not asked (the stopword profile alone decides, else 'und'):
 * on short text its trigrams guess wildly — English ECB+ texts cut to 60 characters came out another
 * language 13 % of the time, at 100 characters 1.3 %, at 160 0.1 %; a third of the UCI headlines (titles
 * alone, 57 characters typical) were called French, Swedish, Portuguese… and then never joined their
 * English stories. An 'und' text is stemmed as English and may join a story of any language.
 */
const MIN_LANG_CHARS = 160;
/** Function words seen among the first words at which the stopword profile decides without franc. */
const PROFILE_MIN_HITS = 3;
/** The same for a sample too short for franc (a headline rarely has three): two, and none of another language. */
const PROFILE_MIN_HITS_SHORT = 2;
/**
 * English function words and news boilerplate ("says", "report", "update", "live") that carry no story
 * identity. Other languages use stopwords-iso's lists.
 */
const EN_STOPWORDS = new Set(`a about above after again against all also am an and any are aren't as at be because been before
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
/**
 * The most frequent function words of each language whose stemmer we have: a text with PROFILE_MIN_HITS
 * of them, twice as many as of any other language, is in that language (cheap and reliable on news
 * copy); otherwise franc decides.
 */
const PROFILES: Record<string, string> = {
  en: 'the of and to in is was for on that with by at from as has have are were it its be been this which said',
  de: 'der die das und ist nicht sich mit dem den des ein eine einer auf für von zu im auch wird wurde sind bei nach als mehr ' +
    'über wie noch aber oder nur vor gegen zum zur vom beim seit wegen',
  es: 'el la los las del que y en es por con para una un se al lo como más pero sus fue ha este esta según',
  fr: 'le la les des et est une un du que dans pour pas sur au aux par avec qui ce cette sont été il elle selon',
  it: 'il lo la gli le di che è per una un del della dei con non sono nel nella alla anche ha stato secondo',
  pt: 'o os as do da dos das que em é um uma para com não por no na se mais foi são pelo pela segundo',
  nl: 'de het een en van is dat op te zijn niet met voor aan er om ook bij naar uit werd wordt door',
  sv: 'och att det som en är av för på med har till den inte om var ett de från sig vid efter',
  da: 'og at det som en er af for på med har til den ikke om var et de fra sig ved efter blev',
  no: 'og at det som en er av for på med har til den ikke om var et de fra seg ved etter ble',
  fi: 'ja on ei että se oli hän ovat myös mutta kun tai joka mukaan sekä vuoden jälkeen',
  tr: 've bir bu da de ile için olarak daha çok gibi ama sonra olan kadar ise ancak',
};
/** Snowball stemmer per ISO 639-1 code (snowball-stemmers' algorithm names). */
const SNOWBALL: Record<string, string> = {
  en: 'english', de: 'german', es: 'spanish', fr: 'french', it: 'italian', pt: 'portuguese', nl: 'dutch',
  sv: 'swedish', da: 'danish', no: 'norwegian', fi: 'finnish', ru: 'russian', tr: 'turkish', hu: 'hungarian',
  ro: 'romanian', ca: 'catalan', cs: 'czech', ar: 'arabic',
};
/** franc's ISO 639-3 codes for the languages above (franc is asked about these only). */
const FRANC: Record<string, string> = {
  eng: 'en', deu: 'de', spa: 'es', fra: 'fr', ita: 'it', por: 'pt', nld: 'nl', swe: 'sv', dan: 'da',
  nob: 'no', fin: 'fi', rus: 'ru', tur: 'tr', hun: 'hu', ron: 'ro', cat: 'ca', ces: 'cs', arb: 'ar', ukr: 'uk',
  pol: 'pl',
};
/** Scripts that name their language (or a family sharing one stemmer-less tokenization). */
const SCRIPTS: readonly [RegExp, string][] = [
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 'ja'], [/\p{Script=Hangul}/u, 'ko'], [/\p{Script=Han}/u, 'zh'],
  [/\p{Script=Thai}/u, 'th'], [/\p{Script=Greek}/u, 'el'], [/\p{Script=Hebrew}/u, 'he'],
  [/\p{Script=Devanagari}/u, 'hi'],
];
/** Scripts written without spaces between words: Intl.Segmenter finds the words. */
const NO_SPACES = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
/** Capitalized but not names: honorifics, ranks, weekdays and months. */
const NOT_NAMES = new Set(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'january',
  'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december', 'mr',
  'mrs', 'ms', 'dr', 'sir', 'lt', 'gen', 'col', 'maj', 'capt', 'president', 'minister', 'prime', 'chief', 'general',
  'commander', 'secretary', 'senator', 'rep', 'gov', 'king', 'queen', 'prince', 'pope', 'judge', 'ceo', 'chairman',
  'director', 'the', 'a', 'an', 'he', 'she', 'it', 'we', 'they', 'i', 'his', 'her', 'their', 'this', 'that', 'but',
  'and', 'in', 'on', 'at', 'for', 'as', 'after', 'when', 'if', 'while', 'der', 'die', 'das', 'el', 'la', 'le', 'les',
  'los', 'las', 'il', 'de', 'un', 'une', 'ein', 'eine']);
/** Words that make a capitalized phrase an organisation, or a place. */
const ORG_WORDS = new Set(['inc', 'corp', 'corporation', 'ltd', 'llc', 'plc', 'co', 'company', 'group', 'bank', 'party',
  'council', 'ministry', 'department', 'university', 'agency', 'association', 'union', 'commission', 'court',
  'police', 'army', 'navy', 'airlines', 'airways', 'motors', 'fc', 'club', 'institute', 'foundation', 'committee',
  'parliament', 'senate', 'congress', 'board', 'office', 'service', 'services', 'center', 'centre', 'hospital',
  'school', 'church', 'times', 'post', 'news', 'network', 'authority', 'federation', 'league', 'team', 'force',
  'gmbh', 'ag', 'sa', 'ministerio', 'ministère', 'partei', 'regierung']);
const PLACE_WORDS = new Set(['city', 'county', 'province', 'state', 'island', 'islands', 'river', 'mount', 'lake',
  'street', 'valley', 'region', 'district', 'coast', 'bay', 'sea', 'beach', 'airport', 'square', 'avenue']);
const PERSON_TITLES = new Set(['mr', 'mrs', 'ms', 'dr', 'sir', 'president', 'minister', 'senator', 'gov', 'governor',
  'judge', 'ceo', 'chairman', 'actor', 'actress', 'singer', 'star', 'coach', 'officer', 'spokesman', 'spokeswoman',
  'herr', 'frau', 'señor', 'señora', 'monsieur', 'madame']);
const PLACE_PREPOSITIONS = new Set(['in', 'at', 'near', 'from', 'across', 'outside', 'off', 'im', 'nach', 'aus', 'en',
  'desde', 'à', 'au', 'dans', 'nei', 'nel', 'a']);
const PERSON_VERBS = new Set(['said', 'says', 'told', 'added', 'sagte', 'dijo', 'declaró', 'a déclaré', 'ha detto']);
/** Words kept in the word -> term cache per language (cleared when full). */
const TERM_CACHE_MAX = 200_000;
// ---------------------------------------------------------------------------------------------------

/** Entity kinds: people, organisations, places, other names (kind not told). */
export type EntityKind = 'person' | 'org' | 'place' | 'name';
export const ENTITY_KINDS: readonly EntityKind[] = ['person', 'org', 'place', 'name'];
export const KIND_INDEX: Record<EntityKind, number> = { person: 0, org: 1, place: 2, name: 3 };

/** One document's analysis, readable (terms and names as strings): what `explain` and the tests look at. */
export interface Analysis {
  v: number;
  /** ISO 639-1 code, or 'und' when too short to tell. */
  lang: string;
  /** Distinct stemmed title terms. */
  title: string[];
  /** Distinct stemmed terms of the lead (the body's first sentences). */
  lead: string[];
  /** Body terms with their counts, the most frequent first (at most BODY_TERMS). */
  body: [string, number][];
  /** Named entities: lowercase key -> [kind, as written]. */
  entities: [string, EntityKind, string][];
  /** Figures (3+ digits, or with a decimal point), normalized ("5,000" -> "5000"). */
  numbers: string[];
  /** 64-bit SimHash of the body's shingles as [hi, lo]; absent for short bodies. */
  simhash?: [number, number];
  /** Body tokens read (0: title only). */
  bodyTokens: number;
}

/**
 * The same analysis as the clusterer reads it: terms and names as 30-bit hashed ids (small integers a
 * Map or a typed array holds without boxing; with a few hundred thousand distinct terms in a window,
 * collisions are a handful of unrelated pairs and move no cosine measurably), ascending. Stored per
 * article in its binary form (encodeVectors), so a start reads bytes instead of re-reading texts.
 */
export interface Vectors {
  lang: string;
  bodyTokens: number;
  title: Int32Array;
  lead: Int32Array;
  body: Int32Array;
  /** The body terms' counts, aligned with `body`. */
  bodyCounts: Uint16Array;
  /** Entity ids and their kinds (KIND_INDEX), aligned. */
  ents: Int32Array;
  kinds: Uint8Array;
  /** Figures (ids of their terms). */
  nums: Int32Array;
  simhash?: [number, number];
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}'’.,-]*[\p{L}\p{N}\p{M}]|[\p{L}\p{N}]/gu;

interface Stemmer { stem(word: string): string }
const stemmers = new Map<string, Stemmer | null>();
function stemmerFor(lang: string): Stemmer | undefined {
  let s = stemmers.get(lang);
  if (s === undefined) {
    const algo = SNOWBALL[lang];
    s = algo ? snowball.newStemmer(algo) : null;
    stemmers.set(lang, s);
  }
  return s ?? undefined;
}

const stopwordSets = new Map<string, Set<string>>();
function stopwordsFor(lang: string): Set<string> {
  let s = stopwordSets.get(lang);
  if (!s) {
    const list = stopwordsIso[lang];
    s = lang === 'en' || lang === 'und' || !list ? EN_STOPWORDS : new Set(list);
    stopwordSets.set(lang, s);
  }
  return s;
}

/** Function word -> the profile languages it belongs to (one lookup per word instead of one per language). */
const PROFILE_LANGS = Object.keys(PROFILES);
const PROFILE_WORDS = new Map<string, number[]>();
PROFILE_LANGS.forEach((lang, i) => {
  for (const w of (PROFILES[lang] as string).split(' ')) PROFILE_WORDS.set(w, [...(PROFILE_WORDS.get(w) ?? []), i]);
});
const FRANC_ONLY = Object.keys(FRANC);

/**
 * The language of a text: a script that names it (Japanese, Korean, Chinese, Greek, …); else the
 * stopword profile when it is clear; else franc (restricted to languages we can stem); 'und' for texts
 * too short to tell.
 */
export function detectLanguage(text: string): string {
  const sample = text.slice(0, LANG_CHARS);
  if (!/^[\x00-\x7f]*$/.test(sample)) for (const [re, lang] of SCRIPTS) if (re.test(sample)) return lang;
  const short = sample.length < MIN_LANG_CHARS;
  const hits = new Array<number>(PROFILE_LANGS.length).fill(0);
  // A headline counts each function word once: "in … in" is one word of English (and of Dutch, German, …).
  const seen = short ? new Set<string>() : undefined;
  for (const w of sample.toLowerCase().match(WORD) ?? []) {
    if (seen?.has(w)) continue;
    seen?.add(w);
    for (const i of PROFILE_WORDS.get(w) ?? []) hits[i] = (hits[i] as number) + 1;
  }
  let top = 0;
  let second = -1;
  for (let i = 1; i < hits.length; i++) {
    if ((hits[i] as number) > (hits[top] as number)) {
      second = top;
      top = i;
    } else if (second < 0 || (hits[i] as number) > (hits[second] as number)) second = i;
  }
  const [t, s] = [hits[top] as number, hits[second] as number];
  if (short ? t >= PROFILE_MIN_HITS_SHORT && t >= 2 * s : t >= PROFILE_MIN_HITS && t >= 2 * s) return PROFILE_LANGS[top] as string;
  if (short) return 'und';
  const code = franc(sample, { only: FRANC_ONLY, minLength: MIN_LANG_CHARS });
  return FRANC[code] ?? 'und';
}

// ---- tokens -----------------------------------------------------------------------------------------

/** A text's words, with per word: where it starts, whether a sentence starts there, whether only spaces separate it from the next. */
interface Tokens {
  words: string[];
  /** Offset just past each word. */
  ends: number[];
  /** 1: first word of a sentence; 2: the next word follows after spaces only (a name may go on). */
  flags: number[];
}
const SENTENCE_START = 1;
const JOINED = 2;

/** Per UTF-16 unit: 0 not yet classified, 1 letter or digit, 2 combining mark, 3 anything else. */
const CLASS = new Uint8Array(65536);
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const MARK = /\p{M}/u;
function classOf(code: number): number {
  let c = CLASS[code] as number;
  if (c === 0) {
    const ch = String.fromCharCode(code);
    // Surrogates count as letters: astral letters are rare in news copy and emoji are filtered as words later.
    c = (code >= 0xd800 && code <= 0xdfff) || LETTER_OR_DIGIT.test(ch) ? 1 : MARK.test(ch) ? 2 : 3;
    CLASS[code] = c;
  }
  return c;
}
/** Characters that may sit inside a word when a letter or digit follows: apostrophes, periods, commas, hyphens. */
const isInner = (code: number) => code === 39 || code === 0x2019 || code === 46 || code === 44 || code === 45;
const isSpace = (code: number) => code === 32 || code === 9 || code === 0xa0;
/** Sentence-ending punctuation (a sentence starts after it and white space) — as the word pattern's split did. */
const isStop = (code: number) => code === 46 || code === 33 || code === 63 || code === 58 || code === 59;

/**
 * One pass over a text: words as the WORD pattern finds them (a letter or digit, then letters, digits,
 * marks and inner punctuation, ending on a letter, digit or mark), at most `limit` of them.
 */
function tokenize(text: string, limit = Infinity): Tokens {
  const out: Tokens = { words: [], ends: [], flags: [] };
  const n = text.length;
  let i = 0;
  let sentence = true;
  let gapStop = false;
  let gapOther = false;
  while (i < n && out.words.length < limit) {
    const code = text.charCodeAt(i);
    const cls = code < 128 ? ((code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 122) ? 1 : 3) : classOf(code);
    if (cls !== 1) {
      if (code === 10) {
        sentence = true;
        gapOther = true;
      } else if (isStop(code)) {
        gapStop = true;
        gapOther = true;
      } else if (isSpace(code) || code === 13) {
        if (gapStop) sentence = true;
      } else gapOther = true;
      i++;
      continue;
    }
    if (out.words.length > 0) {
      const last = out.flags.length - 1;
      if (!gapOther) out.flags[last] = (out.flags[last] as number) | JOINED;
    }
    const start = i;
    let end = i + 1;
    let j = i + 1;
    while (j < n) {
      const c = text.charCodeAt(j);
      const k = c < 128 ? ((c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122) ? 1 : 3) : classOf(c);
      if (k === 1 || k === 2) {
        j++;
        end = j;
      } else if (isInner(c)) j++;
      else break;
    }
    out.words.push(text.slice(start, end));
    out.ends.push(end);
    out.flags.push(sentence ? SENTENCE_START : 0);
    sentence = false;
    gapStop = false;
    gapOther = false;
    i = end;
  }
  return out;
}

const segmenters = new Map<string, Intl.Segmenter>();
function segmentWords(text: string, lang: string): string[] {
  let seg = segmenters.get(lang);
  if (!seg) {
    seg = new Intl.Segmenter(lang === 'und' ? undefined : lang, { granularity: 'word' });
    segmenters.set(lang, seg);
  }
  const out: string[] = [];
  for (const s of seg.segment(text)) if (s.isWordLike) out.push(s.segment);
  return out;
}

/** Words of a text: Intl.Segmenter for scripts without spaces, a Unicode word pattern otherwise. */
export function words(text: string, lang = 'und'): string[] {
  if (NO_SPACES.test(text)) return segmentWords(text, lang);
  return tokenize(text).words;
}

/** Tokens of a text in any script (a segmented text has no sentence or name cues: names are not looked for there). */
function tokensOf(text: string, lang: string, limit = Infinity): Tokens {
  if (!NO_SPACES.test(text)) return tokenize(text, limit);
  const ws = segmentWords(text, lang).slice(0, limit);
  return { words: ws, ends: ws.map(() => 0), flags: ws.map(() => 0) };
}

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
function americanize(w: string): string {
  for (const [re, to] of SPELLING) if (re.test(w)) return w.replace(re, to);
  return w;
}

// ---- ids --------------------------------------------------------------------------------------------

/** FNV-1a, 32 bits, with a seed (two seeds make the two halves of a 64-bit hash). */
function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
/** A term's id: 30 bits of its hash (a small integer everywhere in V8). */
export const termId = (term: string): number => fnv1a(term, 0) & 0x3fffffff;
/** A name's id (another seed: the name "apple" and the term "appl" never meet). */
export const entityId = (key: string): number => fnv1a(key, 0x5bd1e995) & 0x3fffffff;

// ---- terms ------------------------------------------------------------------------------------------

/** A word's term in one language, with its id (interned: news vocabulary repeats). */
interface Term { t: string; id: number }
/** word -> term per language (stemming dominates analysis time; news vocabulary repeats). */
const TERM_CACHES = new Map<string, Map<string, Term | null>>();

function termOf(word: string, lang: string): Term | null {
  let cache = TERM_CACHES.get(lang);
  if (!cache) {
    cache = new Map();
    TERM_CACHES.set(lang, cache);
  }
  const hit = cache.get(word);
  if (hit !== undefined) return hit;
  const t = computeTerm(word, lang);
  const term = t === undefined ? null : { t: own(t), id: termId(t) };
  if (cache.size >= TERM_CACHE_MAX) cache.clear();
  cache.set(own(word), term);
  return term;
}

/**
 * A string that holds only its own characters. A word cut from a text (slice) of 13 characters or
 * more is, in V8, a view of the whole text: a cache that keeps it keeps the article's text as long as
 * the entry lives (measured: 5,000 such words kept 26 MiB of texts). Concatenation then slicing gives
 * a copy of the word alone.
 */
function own(s: string): string {
  return s.length >= 13 ? ` ${s}`.slice(1) : s;
}

/** Lowercase, possessives and edge punctuation dropped, stemmed in `lang`; undefined for stopwords and noise. */
export function normalizeTerm(word: string, lang = 'en'): string | undefined {
  return termOf(word, lang)?.t;
}

function computeTerm(word: string, lang: string): string | undefined {
  const w = word.toLowerCase().replace(/['’]s$/, '').replace(/[.'’,-]+$/g, '');
  if (stopwordsFor(lang).has(w)) return undefined;
  if (/^[\d.,]+$/.test(w)) return numberKey(w);
  if (w.length < 2 && !NO_SPACES.test(w)) return undefined;
  if (!/[\p{L}\p{N}]/u.test(w)) return undefined;
  const stem = stemmerFor(lang === 'und' ? 'en' : lang);
  if (!stem) return w;
  return stem.stem(lang === 'en' || lang === 'und' ? americanize(w) : w);
}

/** A figure as a key: "5,000" and "5000" alike; single and double digits are too common to tell events apart. */
function numberKey(w: string): string | undefined {
  const n = w.replace(/,(?=\d{3}\b)/g, '').replace(/[.,]$/, '');
  if (!/\d/.test(n)) return undefined;
  return n.length >= 3 || n.includes('.') ? n : undefined;
}

/** Stemmed terms of a text (stopwords dropped), in order. */
export function terms(text: string, lang = 'en'): string[] {
  const out: string[] = [];
  for (const w of words(text, lang)) {
    const t = termOf(w, lang);
    if (t) out.push(t.t);
  }
  return out;
}

/** The start of a text up to the end of its n-th word, punctuation and line breaks kept. */
export function head(text: string, n: number): string {
  if (NO_SPACES.test(text)) {
    let count = 0;
    for (const m of text.matchAll(WORD)) if (++count === n) return text.slice(0, (m.index ?? 0) + m[0].length);
    return text;
  }
  const t = tokenize(text, n);
  return t.words.length === n ? text.slice(0, t.ends[n - 1]) : text;
}

/** How many of a body's first tokens make its lead: two sentences within LEAD_WORDS words (all of them if those are short). */
function leadLength(tokens: Tokens): number {
  const n = Math.min(tokens.words.length, LEAD_WORDS);
  let sentences = 0;
  for (let i = 1; i < n; i++) {
    if (((tokens.flags[i] as number) & SENTENCE_START) && ++sentences === 2) {
      return (tokens.ends[i - 1] as number) >= 40 ? i : n;
    }
  }
  return n;
}

/** The body's first sentences, up to LEAD_WORDS words (a dateline like "LONDON (Reuters) -" included). */
export function lead(body: string): string {
  const first = head(body, LEAD_WORDS);
  const sentences = first.split(/(?<=[.!?])\s+/);
  // Two sentences, unless the first alone is long enough.
  const two = sentences.slice(0, 2).join(' ');
  return two.length >= 40 ? two : first;
}

// ---- names ------------------------------------------------------------------------------------------

const UPPER = /^\p{Lu}/u;
const isCapitalized = (w: string) => {
  const c = w.charCodeAt(0);
  return c < 128 ? c >= 65 && c <= 90 : UPPER.test(w);
};
const ACRONYM = /^\p{Lu}{2,6}s?$/u;
const isAcronym = (w: string) => w.length >= 2 && w.length <= 7 && ACRONYM.test(w);
const cleanName = (w: string) => (w.endsWith('s') && (w.endsWith("'s") || w.endsWith('’s')) ? w.slice(0, -2) : w);

/** The kind of a capitalized phrase from its words and neighbours (cues: "Inc", "City", "in …", "Mr …", "… said"). */
function kindOf(phrase: readonly string[], before: string | undefined, after: string | undefined): EntityKind {
  const lower = phrase.map((w) => w.toLowerCase());
  if (phrase.length === 1 && isAcronym(phrase[0] as string)) return 'org';
  if (lower.some((w) => ORG_WORDS.has(w))) return 'org';
  if (lower.some((w) => PLACE_WORDS.has(w))) return 'place';
  if (before && PERSON_TITLES.has(before)) return 'person';
  if (after && PERSON_VERBS.has(after)) return 'person';
  if (before && PLACE_PREPOSITIONS.has(before)) return 'place';
  if (phrase.length >= 2 && phrase.length <= 3) return 'person';
  return 'name';
}

const KIND_RANK: Record<EntityKind, number> = { person: 3, org: 3, place: 2, name: 1 };

/**
 * Named entities of tokens: runs of capitalized words, separated by spaces only, that are not
 * sentence-initial (or that a title in sentence case capitalizes), and acronyms; each word keyed in
 * lowercase with the phrase's kind and the form as written. `only`: keep just these keys (and acronyms).
 */
function scanNames(t: Tokens, titleCase: boolean, lang: string, found: Map<string, [EntityKind, string]>, only?: Set<string>): void {
  const stop = stopwordsFor(lang);
  const put = (w: string, kind: EntityKind) => {
    const key = w.toLowerCase();
    if (key.length < 2 || NOT_NAMES.has(key) || stop.has(key)) return;
    const had = found.get(key);
    if (!had || KIND_RANK[kind] > KIND_RANK[had[0]]) found.set(key, [kind, had?.[1] ?? w]);
  };
  const ws = t.words;
  let i = 0;
  while (i < ws.length) {
    const w = cleanName(ws[i] as string);
    if (!isCapitalized(w) || (NOT_NAMES.has(w.toLowerCase()) && !isAcronym(w))) {
      i++;
      continue;
    }
    const startOk = !((t.flags[i] as number) & SENTENCE_START) || titleCase;
    let j = i + 1;
    while (j < ws.length && ((t.flags[j - 1] as number) & JOINED) && !((t.flags[j] as number) & SENTENCE_START) &&
      isCapitalized(ws[j] as string)) j++;
    const phrase: string[] = [];
    for (let k = i; k < j; k++) {
      const p = cleanName(ws[k] as string);
      if (!NOT_NAMES.has(p.toLowerCase())) phrase.push(p);
    }
    const before = i > 0 && !((t.flags[i] as number) & SENTENCE_START) ? (ws[i - 1] as string).toLowerCase() : undefined;
    const after = j < ws.length ? (ws[j] as string).toLowerCase() : undefined;
    if (phrase.length > 0 && (startOk || phrase.length > 1 || isAcronym(w))) {
      const kind = kindOf(phrase, before, after);
      for (const p of phrase) if (!only || only.has(p.toLowerCase()) || isAcronym(p)) put(p, kind);
    }
    i = j;
  }
}

/** Title-case headline: most of its words capitalized (then only names the body also capitalizes count). */
function isTitleCase(t: Tokens): boolean {
  let letters = 0;
  let caps = 0;
  for (const w of t.words) {
    if (!/\p{L}/u.test(w)) continue;
    letters++;
    if (isCapitalized(w)) caps++;
  }
  return caps / Math.max(1, letters) >= 0.6;
}

function namesOf(title: Tokens, body: Tokens, lang: string): [string, EntityKind, string][] {
  const found = new Map<string, [EntityKind, string]>();
  scanNames(body, false, lang, found);
  if (isTitleCase(title)) scanNames(title, true, lang, found, new Set(found.keys()));
  else scanNames(title, false, lang, found);
  return [...found].map(([key, [kind, asWritten]]) => [key, kind, asWritten]);
}

/**
 * Named entities: runs of capitalized words that are not sentence-initial (or that a title in sentence
 * case capitalizes), and acronyms, each word keyed in lowercase with the phrase's kind and the form as
 * written. A Title Case headline capitalizes everything, so there only acronyms and words also
 * capitalized in the body count. A word's strongest kind in the document wins.
 */
export function entities(title: string, body: string, lang = 'en'): [string, EntityKind, string][] {
  if (NO_SPACES.test(title) || NO_SPACES.test(body)) return [];
  const t = tokenize(title);
  // The title is a sentence of its own.
  if (t.flags.length) t.flags[0] = (t.flags[0] as number) | SENTENCE_START;
  return namesOf(t, tokenize(body, BODY_WORDS), lang);
}

// ---- SimHash ----------------------------------------------------------------------------------------

/** A 32-bit mix of an integer (murmur3's finalizer). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** simhashIds' bit counters (one array for every call: an off-heap allocation per article otherwise). */
const SIMHASH_ACC = new Int32Array(64);

/** 64-bit SimHash of shingles of SHINGLE consecutive term ids as [hi, lo], or undefined for short texts. */
function simhashIds(ids: ArrayLike<number>): [number, number] | undefined {
  if (ids.length < SIMHASH_MIN_TOKENS) return undefined;
  const acc = SIMHASH_ACC.fill(0);
  for (let i = 0; i + SHINGLE <= ids.length; i++) {
    let s = 0x9747b28c;
    for (let k = 0; k < SHINGLE; k++) s = Math.imul(s ^ (ids[i + k] as number), 0x01000193);
    const hi = mix(s);
    const lo = mix(s ^ 0x7f4a7c15);
    for (let b = 0; b < 32; b++) {
      acc[b] = (acc[b] as number) + (((hi >>> b) & 1) << 1) - 1;
      acc[32 + b] = (acc[32 + b] as number) + (((lo >>> b) & 1) << 1) - 1;
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

/** 64-bit SimHash of token shingles as [hi, lo], or undefined for short texts. */
export function simhash(tokens: readonly string[]): [number, number] | undefined {
  return simhashIds(tokens.map(termId));
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function hamming(a: readonly [number, number], b: readonly [number, number]): number {
  return hammingOf(a[0], a[1], b[0], b[1]);
}

/** hamming() of two SimHashes given as their halves. */
export function hammingOf(aHi: number, aLo: number, bHi: number, bLo: number): number {
  return popcount((aHi ^ bHi) >>> 0) + popcount((aLo ^ bLo) >>> 0);
}

// ---- the analysis of one document -----------------------------------------------------------------

/** Distinct terms of tokens [from, to), in order. */
function distinctTerms(ts: Tokens, lang: string, from: number, to: number): Term[] {
  const seen = new Set<number>();
  const out: Term[] = [];
  for (let i = from; i < to; i++) {
    const t = termOf(ts.words[i] as string, lang);
    if (t && !seen.has(t.id)) {
      seen.add(t.id);
      out.push(t);
    }
  }
  return out;
}

const sortedIds = (ids: Iterable<number>) => Int32Array.from(new Set(ids)).sort();

/** Both forms of a document's analysis. `lang` forces the language (otherwise detected from title and lead). */
export function analyzeBoth(title: string, body: string | undefined, lang?: string): { analysis: Analysis; vectors: Vectors } {
  const text = body ?? '';
  const firstLang = lang ?? 'und';
  // Tokens once: the body's first SIMHASH_WORDS (its first BODY_WORDS make the term vector and hold the names).
  const bodyTokens = text ? tokensOf(text, firstLang, SIMHASH_WORDS) : { words: [], ends: [], flags: [] };
  const leadN = leadLength(bodyTokens);
  const language = lang ?? detectLanguage(`${title}. ${text.slice(0, leadN ? (bodyTokens.ends[leadN - 1] as number) || LANG_CHARS : 0)}`);
  const titleTokens = tokensOf(title, language);
  if (titleTokens.flags.length) titleTokens.flags[0] = (titleTokens.flags[0] as number) | SENTENCE_START;
  const ws = bodyTokens.words;
  const headN = Math.min(ws.length, BODY_WORDS);
  // Counted by id: two words ("Reid", "Reid's") may make one term.
  const counts = new Map<number, { t: Term; n: number }>();
  const allIds: number[] = [];
  let bodyCount = 0;
  // The lead's distinct terms on the way (the lead is the body's first leadN tokens: one lookup per word).
  const leadTerms: Term[] = [];
  const leadSeen = new Set<number>();
  for (let i = 0; i < ws.length; i++) {
    const t = termOf(ws[i] as string, language);
    if (!t) continue;
    allIds.push(t.id);
    if (i < leadN && !leadSeen.has(t.id)) {
      leadSeen.add(t.id);
      leadTerms.push(t);
    }
    if (i < headN) {
      const c = counts.get(t.id);
      if (c) c.n++;
      else counts.set(t.id, { t, n: 1 });
      bodyCount++;
    }
  }
  const body2 = [...counts.values()].map((c) => [c.t, c.n] as const).sort((a, b) => b[1] - a[1]).slice(0, BODY_TERMS);
  const titleTerms = distinctTerms(titleTokens, language, 0, titleTokens.words.length);
  const numbers = new Map<number, string>();
  for (const t of titleTerms) if (/^\d/.test(t.t)) numbers.set(t.id, t.t);
  for (const { t } of counts.values()) if (/^\d/.test(t.t)) numbers.set(t.id, t.t);
  const names = NO_SPACES.test(title) || NO_SPACES.test(text) ? []
    : namesOf(titleTokens, headN < ws.length ? { words: ws.slice(0, headN), ends: bodyTokens.ends, flags: bodyTokens.flags } : bodyTokens, language);
  const sim = simhashIds(allIds);
  const analysis: Analysis = {
    v: ANALYSIS_VERSION, lang: language, title: titleTerms.map((t) => t.t), lead: leadTerms.map((t) => t.t),
    body: body2.map(([t, n]) => [t.t, n]), entities: names, numbers: [...numbers.values()], simhash: sim, bodyTokens: bodyCount,
  };
  const bodyOrder = body2.map(([t, n]) => [t.id, n] as const).sort((a, b) => a[0] - b[0]);
  const entOrder = names.map(([key, kind]) => [entityId(key), KIND_INDEX[kind]] as const).sort((a, b) => a[0] - b[0]);
  const vectors = vectorsIn(language, bodyCount, distinctAscending(titleTerms.map((t) => t.id)),
    distinctAscending(leadTerms.map((t) => t.id)), bodyOrder, entOrder, distinctAscending([...numbers.keys()]), sim);
  return { analysis, vectors };
}

/** Distinct ids, ascending (as sortedIds, in a plain array). */
function distinctAscending(ids: number[]): number[] {
  ids.sort((x, y) => x - y);
  let n = 0;
  for (let i = 0; i < ids.length; i++) if (i === 0 || ids[i] !== ids[n - 1]) ids[n++] = ids[i] as number;
  ids.length = n;
  return ids;
}

/**
 * Vectors as views of one buffer (as decodeVectors makes them), written straight from the analysis'
 * lists: a clusterer holds an article's vectors as long as the article is in its window, and a buffer
 * per array cost seven array-buffer objects and off-heap allocations (plus as many temporaries) where
 * one does.
 */
function vectorsIn(lang: string, bodyTokens: number, title: readonly number[], lead: readonly number[],
  body: readonly (readonly [number, number])[], ents: readonly (readonly [number, number])[], nums: readonly number[],
  simhash: [number, number] | undefined): Vectors {
  const nIds = title.length + lead.length + body.length + ents.length + nums.length;
  const countBytes = (body.length * 2 + 3) & ~3;
  const buf = new ArrayBuffer(nIds * 4 + countBytes + ents.length);
  let at = 0;
  const ids = (n: number, id: (i: number) => number) => {
    const view = new Int32Array(buf, at, n);
    for (let i = 0; i < n; i++) view[i] = id(i);
    at += n * 4;
    return view;
  };
  const titleIds = ids(title.length, (i) => title[i] as number);
  const leadIds = ids(lead.length, (i) => lead[i] as number);
  const bodyIds = ids(body.length, (i) => (body[i] as readonly [number, number])[0]);
  const entIds = ids(ents.length, (i) => (ents[i] as readonly [number, number])[0]);
  const numIds = ids(nums.length, (i) => nums[i] as number);
  const bodyCounts = new Uint16Array(buf, at, body.length);
  for (let i = 0; i < body.length; i++) bodyCounts[i] = Math.min((body[i] as readonly [number, number])[1], 65535);
  const kinds = new Uint8Array(buf, at + countBytes, ents.length);
  for (let i = 0; i < ents.length; i++) kinds[i] = (ents[i] as readonly [number, number])[1];
  return { lang, bodyTokens, title: titleIds, lead: leadIds, body: bodyIds, bodyCounts, ents: entIds, kinds, nums: numIds, simhash };
}

/** A document's analysis. `lang` forces the language (otherwise detected from title and lead). */
export function analyze(title: string, body: string | undefined, lang?: string): Analysis {
  return analyzeBoth(title, body, lang).analysis;
}

/** The clusterer's form of a readable analysis (for analyses given as data: tests, explain). */
export function vectorsOf(a: Analysis): Vectors {
  const body = a.body.map(([t, n]) => [termId(t), n] as const).sort((x, y) => x[0] - y[0]);
  const ents = a.entities.map(([key, kind]) => [entityId(key), KIND_INDEX[kind]] as const).sort((x, y) => x[0] - y[0]);
  return {
    lang: a.lang, bodyTokens: a.bodyTokens, title: sortedIds(a.title.map(termId)), lead: sortedIds(a.lead.map(termId)),
    body: Int32Array.from(body, (e) => e[0]), bodyCounts: Uint16Array.from(body, (e) => e[1]),
    ents: Int32Array.from(ents, (e) => e[0]), kinds: Uint8Array.from(ents, (e) => e[1]), nums: sortedIds(a.numbers.map(termId)),
    simhash: a.simhash,
  };
}

// ---- the stored form ----------------------------------------------------------------------------------

/** Header: magic, analysis version, language (3 ASCII bytes), body tokens, SimHash flag, hi, lo, five lengths. */
const HEADER = 12;
const MAGIC = 0x53464356; // "SFCV"

/** Vectors -> bytes (little-endian int32 header and ids, then the counts and kinds). */
export function encodeVectors(v: Vectors): Uint8Array {
  const nIds = v.title.length + v.lead.length + v.body.length + v.ents.length + v.nums.length;
  const countBytes = (v.bodyCounts.length * 2 + 3) & ~3;
  const buf = new ArrayBuffer((HEADER + nIds) * 4 + countBytes + v.kinds.length);
  const head32 = new Int32Array(buf, 0, HEADER + nIds);
  let lang = 0;
  for (let i = 0; i < Math.min(3, v.lang.length); i++) lang |= (v.lang.charCodeAt(i) & 0xff) << (8 * i);
  head32.set([MAGIC, ANALYSIS_VERSION, lang, v.bodyTokens, v.simhash ? 1 : 0, v.simhash?.[0] ?? 0, v.simhash?.[1] ?? 0,
    v.title.length, v.lead.length, v.body.length, v.ents.length, v.nums.length]);
  let at = HEADER;
  for (const ids of [v.title, v.lead, v.body, v.ents, v.nums]) {
    head32.set(ids, at);
    at += ids.length;
  }
  new Uint16Array(buf, at * 4, v.bodyCounts.length).set(v.bodyCounts);
  new Uint8Array(buf, at * 4 + countBytes, v.kinds.length).set(v.kinds);
  return new Uint8Array(buf);
}

/**
 * Stored vectors as readVectors reads them: the ids of title, lead, body, entities and figures, in that
 * order, at `ids[at...]`; the body counts (uint16) and entity kinds (uint8) at byte offsets of `bytes`.
 * A start reads every article of its window this way: no decoded copy, no array per part.
 */
export interface VectorsAt {
  lang: string;
  bodyTokens: number;
  /** Its SimHash's halves as int32, when it has one (sim). */
  sim: boolean;
  simHi: number;
  simLo: number;
  nt: number;
  nl: number;
  nb: number;
  ne: number;
  nn: number;
  ids: Int32Array;
  at: number;
  bytes: Uint8Array;
  countsAt: number;
  kindsAt: number;
}

/** Languages by their stored code (a handful): one string each, not one per article read. */
const langOf = new Map<number, string>();

/** Aligned room that readVectors copies stored bytes into (its int32 and byte views). */
let aligned = new Int32Array(256);
let alignedBytes = new Uint8Array(aligned.buffer);

/**
 * The stored form's parts, as decodeVectors checks them (undefined: not vectors of this version), in a
 * buffer shared by every call: valid until the next call, as `into` is (filled and returned), so a start
 * that reads each article's bytes once allocates nothing per article for them.
 */
export function readVectors(bytes: Uint8Array, into?: VectorsAt): VectorsAt | undefined {
  if (bytes.byteLength < HEADER * 4) return undefined;
  // A copy (a few hundred bytes) costs less than a view per article, and is aligned whatever the BLOB's offset.
  if (alignedBytes.length < bytes.byteLength) {
    aligned = new Int32Array(Math.max(aligned.length * 2, (bytes.byteLength + 3) >> 2));
    alignedBytes = new Uint8Array(aligned.buffer);
  }
  alignedBytes.set(bytes);
  const ids = aligned;
  if (ids[0] !== MAGIC || ids[1] !== ANALYSIS_VERSION) return undefined;
  const [nt, nl, nb, ne, nn] = [ids[7], ids[8], ids[9], ids[10], ids[11]] as number[] as [number, number, number, number, number];
  const nIds = nt + nl + nb + ne + nn;
  const countBytes = (nb * 2 + 3) & ~3;
  if (bytes.byteLength !== (HEADER + nIds) * 4 + countBytes + ne) return undefined;
  const code = ids[2] as number;
  let lang = langOf.get(code);
  if (lang === undefined) {
    lang = String.fromCharCode(...[code & 0xff, (code >>> 8) & 0xff, (code >>> 16) & 0xff].filter((c) => c > 0));
    langOf.set(code, lang);
  }
  const countsAt = (HEADER + nIds) * 4;
  const v = into ?? ({} as VectorsAt);
  v.lang = lang;
  v.bodyTokens = ids[3] as number;
  v.sim = !!ids[4];
  // As int32 (a small integer in V8; hammingOf() reads the same bits).
  v.simHi = v.sim ? (ids[5] as number) : 0;
  v.simLo = v.sim ? (ids[6] as number) : 0;
  v.nt = nt;
  v.nl = nl;
  v.nb = nb;
  v.ne = ne;
  v.nn = nn;
  v.ids = ids;
  v.at = HEADER;
  v.bytes = bytes;
  v.countsAt = countsAt;
  v.kindsAt = countsAt + countBytes;
  return v;
}

/** Bytes -> vectors, or undefined when they are not vectors of this analysis version (then the text is analysed again). */
export function decodeVectors(bytes: Uint8Array): Vectors | undefined {
  if (bytes.byteLength < HEADER * 4) return undefined;
  // One copy into an aligned buffer: every array below is a view of it.
  const buf = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buf).set(bytes);
  const h = new Int32Array(buf, 0, HEADER);
  if (h[0] !== MAGIC || h[1] !== ANALYSIS_VERSION) return undefined;
  const [nt, nl, nb, ne, nn] = [h[7], h[8], h[9], h[10], h[11]] as number[] as [number, number, number, number, number];
  const nIds = nt + nl + nb + ne + nn;
  const countBytes = (nb * 2 + 3) & ~3;
  if (bytes.byteLength !== (HEADER + nIds) * 4 + countBytes + ne) return undefined;
  let at = HEADER * 4;
  const ids = (n: number) => {
    const a = new Int32Array(buf, at, n);
    at += n * 4;
    return a;
  };
  const code = h[2] as number;
  const lang = String.fromCharCode(...[code & 0xff, (code >>> 8) & 0xff, (code >>> 16) & 0xff].filter((c) => c > 0));
  const title = ids(nt);
  const lead = ids(nl);
  const body = ids(nb);
  const ents = ids(ne);
  const nums = ids(nn);
  const bodyCounts = new Uint16Array(buf, at, nb);
  const kinds = new Uint8Array(buf, at + countBytes, ne);
  return { lang, bodyTokens: h[3] as number, title, lead, body, bodyCounts, ents, kinds, nums,
    simhash: h[4] ? [(h[5] as number) >>> 0, (h[6] as number) >>> 0] : undefined };
}
