// Text -> what the clusterer compares, per document: its language, stemmed terms of the title, the lead
// (first sentences) and the body, named entities by kind (as written), numbers, and a SimHash of the body.
// Pure functions, no state except caches. The result (`Analysis`) is plain data: storage keeps it per
// article, so a restart never re-reads or re-stems a text.
import { franc } from 'franc-min';
import { createRequire } from 'node:module';

// Two CommonJS packages (a UMD bundle and a JSON file), loaded the CommonJS way.
const require = createRequire(import.meta.url);
const snowball = require('snowball-stemmers') as { newStemmer(algorithm: string): Stemmer };
const stopwordsIso = require('stopwords-iso') as Record<string, string[] | undefined>;

// ---- Tunables -------------------------------------------------------------------------------------
/** Bump when the analysis changes: stored analyses of another version are recomputed. */
export const ANALYSIS_VERSION = 1;
/** Only the start of a body is read: the lede names the event; the tail wanders into background. */
export const BODY_WORDS = 300;
/** The lead: the first sentences of the body, up to this many words. */
export const LEAD_WORDS = 45;
/** Distinct body terms kept (the most frequent): bounds storage and comparison cost. */
export const BODY_TERMS = 80;
/** Bodies shorter than this (in tokens) get no SimHash: too short to call near-identical. */
export const SIMHASH_MIN_TOKENS = 40;
/** Shingle size (tokens) for SimHash. */
const SHINGLE = 3;
/** Characters of title + lead read to tell the language; fewer than MIN_LANG_CHARS: unknown. */
const LANG_CHARS = 240;
const MIN_LANG_CHARS = 40;
/** Function words seen among the first words at which the stopword profile decides without franc. */
const PROFILE_MIN_HITS = 3;
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
  de: 'der die das und ist nicht sich mit dem den des ein eine einer auf für von zu im auch wird wurde sind bei nach',
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
// ---------------------------------------------------------------------------------------------------

/** Entity kinds: people, organisations, places, other names (kind not told). */
export type EntityKind = 'person' | 'org' | 'place' | 'name';
export const ENTITY_KINDS: readonly EntityKind[] = ['person', 'org', 'place', 'name'];

/** One document's analysis: plain data (stored as JSON per article). */
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

const PROFILE_SETS: [string, Set<string>][] = Object.entries(PROFILES).map(([l, w]) => [l, new Set(w.split(' '))]);
const FRANC_ONLY = Object.keys(FRANC);

/**
 * The language of a text: a script that names it (Japanese, Korean, Chinese, Greek, …); else the
 * stopword profile when it is clear; else franc (restricted to languages we can stem); 'und' for texts
 * too short to tell.
 */
export function detectLanguage(text: string): string {
  const sample = text.slice(0, LANG_CHARS);
  for (const [re, lang] of SCRIPTS) if (re.test(sample)) return lang;
  const ws = sample.toLowerCase().match(WORD) ?? [];
  const hits = PROFILE_SETS.map(([l, set]) => [l, ws.reduce((n, w) => n + (set.has(w) ? 1 : 0), 0)] as const)
    .sort((a, b) => b[1] - a[1]);
  const [top, second] = [hits[0] as readonly [string, number], hits[1] as readonly [string, number]];
  if (top[1] >= PROFILE_MIN_HITS && top[1] >= 2 * second[1]) return top[0];
  if (sample.length < MIN_LANG_CHARS) return 'und';
  const code = franc(sample, { only: FRANC_ONLY, minLength: MIN_LANG_CHARS });
  return FRANC[code] ?? 'und';
}

const segmenters = new Map<string, Intl.Segmenter>();
/** Words of a text: Intl.Segmenter for scripts without spaces, a Unicode word pattern otherwise. */
export function words(text: string, lang = 'und'): string[] {
  if (NO_SPACES.test(text)) {
    let seg = segmenters.get(lang);
    if (!seg) {
      seg = new Intl.Segmenter(lang === 'und' ? undefined : lang, { granularity: 'word' });
      segmenters.set(lang, seg);
    }
    const out: string[] = [];
    for (const s of seg.segment(text)) if (s.isWordLike) out.push(s.segment);
    return out;
  }
  return (text.match(WORD) ?? []).map((w) => w.replace(/[.,]+$/, ''));
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

/** word -> term per language (stemming dominates analysis time; news vocabulary repeats). */
const TERM_CACHES = new Map<string, Map<string, string | null>>();
const TERM_CACHE_MAX = 200_000;

/** Lowercase, possessives and edge punctuation dropped, stemmed in `lang`; undefined for stopwords and noise. */
export function normalizeTerm(word: string, lang = 'en'): string | undefined {
  let cache = TERM_CACHES.get(lang);
  if (!cache) {
    cache = new Map();
    TERM_CACHES.set(lang, cache);
  }
  const hit = cache.get(word);
  if (hit !== undefined) return hit ?? undefined;
  const term = computeTerm(word, lang);
  if (cache.size >= TERM_CACHE_MAX) cache.clear();
  cache.set(word, term ?? null);
  return term;
}

function computeTerm(word: string, lang: string): string | undefined {
  const w = word.toLowerCase().replace(/['’]s$/, '').replace(/[.'’,-]+$/g, '');
  if (stopwordsFor(lang).has(w)) return undefined;
  if (/^[\d.,]+$/.test(w)) return numberKey(w);
  if (w.length < 2 && !NO_SPACES.test(w)) return undefined;
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
    const t = normalizeTerm(w, lang);
    if (t) out.push(t);
  }
  return out;
}

/** The start of a text up to the end of its n-th word, punctuation and line breaks kept. */
export function head(text: string, n: number): string {
  let count = 0;
  for (const m of text.matchAll(WORD)) if (++count === n) return text.slice(0, (m.index ?? 0) + m[0].length);
  return text;
}

/** The body's first sentences, up to LEAD_WORDS words (a dateline like "LONDON (Reuters) -" included). */
export function lead(body: string): string {
  const first = head(body, LEAD_WORDS);
  const sentences = first.split(/(?<=[.!?])\s+/);
  // Two sentences, unless the first alone is long enough.
  const two = sentences.slice(0, 2).join(' ');
  return two.length >= 40 ? two : first;
}

const isCapitalized = (w: string) => /^\p{Lu}/u.test(w);
const isAcronym = (w: string) => /^\p{Lu}{2,6}s?$/u.test(w);
const cleanName = (w: string) => w.replace(/['’]s$/, '').replace(/[.,'’-]+$/, '');

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
 * Named entities: runs of capitalized words that are not sentence-initial (or that a title in sentence
 * case capitalizes), and acronyms, each word keyed in lowercase with the phrase's kind and the form as
 * written. A Title Case headline capitalizes everything, so there only acronyms and words also
 * capitalized in the body count. A word's strongest kind in the document wins.
 */
export function entities(title: string, body: string, lang = 'en'): [string, EntityKind, string][] {
  const found = new Map<string, [EntityKind, string]>();
  const put = (w: string, kind: EntityKind) => {
    const key = w.toLowerCase();
    if (key.length < 2 || NOT_NAMES.has(key) || stopwordsFor(lang).has(key)) return;
    const had = found.get(key);
    if (!had || KIND_RANK[kind] > KIND_RANK[had[0]]) found.set(key, [kind, had?.[1] ?? w]);
  };
  const scan = (text: string, titleCase: boolean, only?: Set<string>) => {
    for (const sentence of text.split(/(?<=[.!?:;])\s+|\n+/)) {
      const ws = words(sentence, lang);
      let i = 0;
      while (i < ws.length) {
        const w = cleanName(ws[i] as string);
        const startOk = i > 0 || titleCase;
        if (!isCapitalized(w) || NOT_NAMES.has(w.toLowerCase()) && !isAcronym(w)) {
          i++;
          continue;
        }
        let j = i + 1;
        while (j < ws.length && isCapitalized(cleanName(ws[j] as string)) && !/[,.]$/.test(ws[j - 1] as string)) j++;
        const phrase = ws.slice(i, j).map(cleanName).filter((p) => !NOT_NAMES.has(p.toLowerCase()));
        const before = i > 0 ? (ws[i - 1] as string).toLowerCase() : undefined;
        const after = j < ws.length ? (ws[j] as string).toLowerCase() : undefined;
        if (phrase.length > 0 && (startOk || phrase.length > 1 || isAcronym(w))) {
          const kind = kindOf(phrase, before, after);
          for (const p of phrase) if (!only || only.has(p.toLowerCase()) || isAcronym(p)) put(p, kind);
        }
        i = j;
      }
    }
  };
  const bodyHead = head(body, BODY_WORDS);
  scan(bodyHead, false);
  const bodyNames = new Set(found.keys());
  const titleWords = words(title, lang).filter((w) => /\p{L}/u.test(w));
  const capShare = titleWords.filter(isCapitalized).length / Math.max(1, titleWords.length);
  if (capShare < 0.6) scan(title, false);
  else scan(title, true, bodyNames);
  return [...found].map(([key, [kind, asWritten]]) => [key, kind, asWritten]);
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
    const sh = `${tokens[i]} ${tokens[i + 1]} ${tokens[i + 2]}`;
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

// ---- the analysis of one document -----------------------------------------------------------------

const distinct = (xs: readonly string[]) => [...new Set(xs)];

/** Stemmed terms of words (stopwords dropped), in order. */
function termsOf(ws: readonly string[], lang: string): string[] {
  const out: string[] = [];
  for (const w of ws) {
    const t = normalizeTerm(w, lang);
    if (t) out.push(t);
  }
  return out;
}

/** A document's analysis. `lang` forces the language (otherwise detected from title and lead). */
export function analyze(title: string, body: string | undefined, lang?: string): Analysis {
  const text = body ?? '';
  const leadText = text ? lead(text) : '';
  const language = lang ?? detectLanguage(`${title}. ${leadText}`);
  // The body's words once: its first BODY_WORDS make the term vector, all of them the SimHash.
  const ws = text ? words(text, language) : [];
  const bodyTerms = termsOf(ws.slice(0, BODY_WORDS), language);
  const counts = new Map<string, number>();
  for (const t of bodyTerms) counts.set(t, (counts.get(t) ?? 0) + 1);
  const body2 = [...counts].sort((a, b) => b[1] - a[1]).slice(0, BODY_TERMS);
  const titleTerms = distinct(terms(title, language));
  const all = ws.length > BODY_WORDS ? [...bodyTerms, ...termsOf(ws.slice(BODY_WORDS), language)] : bodyTerms;
  const numbers = distinct([...titleTerms, ...bodyTerms].filter((t) => /^\d/.test(t)));
  return {
    v: ANALYSIS_VERSION, lang: language, title: titleTerms, lead: distinct(terms(leadText, language)), body: body2,
    entities: entities(title, text, language), numbers, simhash: simhash(all), bodyTokens: bodyTerms.length,
  };
}
