// Why a story's articles are one story, and the story's history, for its page. Everything the page shows
// of the clusterer goes through one view model (StoryReasons) built by one function (storyReasons), so a
// new clustering API changes that function and nothing else.
//
// Built on the clusterer of this storyfeed: `Clusterer.compare()` (what `storyfeed explain ITEM1 ITEM2`
// prints: TF-IDF text similarity, shared names, time proximity, SimHash fingerprints, their combined
// score against the join threshold) between each article and its closest fellow members, under the
// statistics of the current window; and, for the history, what the stories table keeps (when each
// article was first seen, which stories were merged into this one). No story events are stored yet.
import type { Clusterer, ClusterDoc } from '../cluster/index.js';
import type { Store, StoryHead } from '../storage/index.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Articles explained on one story page (the first by publication time); the rest are counted. */
export const REASON_ARTICLES = 40;
/** Fellow members each article is compared with: the nearest in publication time (the best one is shown). */
const COMPARED_PER_ARTICLE = 6;
/** Shared terms / names listed per article. */
const SHARED_LISTED = 12;
/**
 * The statistics (a clusterer loaded from the window, as `storyfeed explain` loads it) are kept this long
 * once the database has changed since they were loaded: loading costs about 0.3 ms per article of the window.
 */
const STATS_MAX_AGE_MS = 10 * 60_000;
/** History entries shown. */
const HISTORY_ENTRIES = 200;
/** Stories merged into this one that the history names. */
const MERGED_LISTED = 50;
// ---------------------------------------------------------------------------------------------------

/** One signal of a comparison, as the page shows it. */
export interface ReasonSignal {
  label: string;
  /** Its value as shown ("0.412", "3 of 64 bits differ"). */
  value: string;
  /** Its share of the total, in the total's unit, when the model adds the signals up. */
  contribution?: number;
  /** A multiplier of the sum rather than a term of it. */
  factor?: boolean;
}

export interface ReasonArticle {
  articleId: number;
  /** The article's first item (what `storyfeed explain` takes). */
  itemId: number;
  title: string;
  source: string;
  published: string;
  firstSeen: string;
}

/** Why one article is in the story. */
export interface ArticleReason {
  article: ReasonArticle;
  /** only: the story's single article; copy: a near-identical body; joined: its score reaches the threshold; weak: it does not on its own. */
  kind: 'only' | 'copy' | 'joined' | 'weak';
  verdict: string;
  /** What it was compared with: its closest fellow member. */
  against?: ReasonArticle;
  signals: ReasonSignal[];
  total?: { label: string; value: number; threshold: number; formula: string };
  shared: { label: string; values: string[] }[];
  /** The command that prints the same comparison. */
  command?: string;
}

export type HistoryKind = 'created' | 'first_seen' | 'joined' | 'moved_in' | 'moved_out' | 'merged_in' | 'merged_into';

export interface HistoryEntry {
  /** Undefined when the time was not recorded. */
  at?: string;
  kind: HistoryKind;
  text: string;
  /** Another story the entry is about (linked). */
  story?: number;
}

/** The "why" and "history" parts of a story page. */
export interface StoryReasons {
  /** How the clusterer decides, in a sentence or two. */
  method: string;
  /** What the figures are (recomputed now, stored, …). */
  basis: string;
  articles: ArticleReason[];
  /** Articles not explained (past REASON_ARTICLES). */
  omitted: number;
  history: HistoryEntry[];
  historyNote?: string;
}

/** The clusterer whose statistics the comparisons use, loaded from the window and kept a while. */
export class ReasonStats {
  private cached?: { clusterer: Clusterer; at: number; token: string };

  constructor(private readonly store: Store, private readonly maxAgeMs = STATS_MAX_AGE_MS) {}

  async get(now = Date.now()): Promise<Clusterer> {
    const token = this.store.stories.changeToken();
    const c = this.cached;
    if (c && (c.token === token || now - c.at < this.maxAgeMs)) return c.clusterer;
    const { loadClusterer } = await import('../ingest/cluster.js');
    const clusterer = loadClusterer(this.store, new Date(now));
    this.cached = { clusterer, at: now, token };
    return clusterer;
  }
}

const f3 = (x: number) => x.toFixed(3);
const quote = (a: ReasonArticle) => `“${a.title}” (${a.source})`;

type Comparison = ReturnType<Clusterer['compare']>;

/** One comparison under the current clusterer as the page's signals. */
function explainComparison(c: Comparison, clusterer: Clusterer): Pick<ArticleReason, 'signals' | 'total' | 'shared'> {
  const w = clusterer.thresholds.textWeight;
  // The clusterer weighs names only when the article has some: without, the text counts alone.
  const alone = !c.nearDuplicate && Math.abs(c.score - c.text * c.time) < 1e-12 && Math.abs(c.score - (w * c.text + (1 - w) * c.entities) * c.time) > 1e-12;
  const [tw, ew] = alone ? [1, 0] : [w, 1 - w];
  const signals: ReasonSignal[] = [
    { label: 'Text similarity (cosine of rarity-weighted terms)', value: f3(c.text), contribution: c.nearDuplicate ? undefined : tw * c.text * c.time },
    { label: alone ? 'Shared names (the article names none)' : 'Shared names (rarity-weighted share of its names)', value: f3(c.entities),
      contribution: c.nearDuplicate ? undefined : ew * c.entities * c.time },
    { label: 'Time proximity (1 within a day, then fading)', value: f3(c.time), factor: true },
    { label: 'Body fingerprints (SimHash)', value: c.hammingBits === undefined ? 'n/a (a body is too short)' : `${c.hammingBits} of 64 bits differ` },
  ];
  const formula = c.nearDuplicate
    ? `near-identical bodies (at most ${clusterer.thresholds.nearDuplicateBits} of 64 bits differ) score 1`
    : alone ? 'text × time' : `(${tw} × text + ${ew.toFixed(2)} × names) × time`;
  return {
    signals,
    total: { label: 'Score', value: c.score, threshold: clusterer.thresholds.join, formula },
    shared: [
      { label: 'Shared terms (stemmed, heaviest first)', values: c.sharedTerms.slice(0, SHARED_LISTED) },
      { label: 'Shared names', values: c.sharedEntities.slice(0, SHARED_LISTED) },
    ],
  };
}

/** The articles nearest to `a` in publication time. */
function nearest(a: ReasonArticle, all: readonly ReasonArticle[], n: number): ReasonArticle[] {
  const t = Date.parse(a.published);
  return all.filter((o) => o.articleId !== a.articleId)
    .sort((x, y) => Math.abs(Date.parse(x.published) - t) - Math.abs(Date.parse(y.published) - t) || x.articleId - y.articleId)
    .slice(0, n);
}

function historyOf(store: Store, head: StoryHead, articles: readonly ReasonArticle[]): Pick<StoryReasons, 'history' | 'historyNote'> {
  const bySeen = [...articles].sort((a, b) => a.firstSeen.localeCompare(b.firstSeen) || a.articleId - b.articleId);
  const [first, ...rest] = bySeen;
  const entries: HistoryEntry[] = [
    { at: head.createdAt, kind: 'created', text: first ? `Story first seen, with ${quote(first)}.` : 'Story first seen.' },
    ...rest.map((a): HistoryEntry => ({ at: a.firstSeen, kind: 'first_seen', text: `${quote(a)} first seen.` })),
  ];
  const merged = store.pages.mergedInto(head.id, MERGED_LISTED).map((m): HistoryEntry => ({ kind: 'merged_in', story: m.id,
    text: `Story ${m.id} (first seen ${m.createdAt.slice(0, 16).replace('T', ' ')} UTC) was merged into this one; its entry id ${m.guid} is no longer published.` }));
  return {
    history: [...entries.sort((a, b) => (a.at ?? '').localeCompare(b.at ?? '')), ...merged].slice(0, HISTORY_ENTRIES),
    historyNote: 'This storyfeed keeps no story events yet: the history is rebuilt from when each article was first seen ' +
      'and which stories were merged into this one (when a merge happened is not recorded).',
  };
}

/**
 * The story page's "why" and "history". `articles` are the story's articles (one entry each, by
 * publication time). This is the one function to change for another clustering API.
 */
export async function storyReasons(store: Store, stats: ReasonStats, head: StoryHead, articles: readonly ReasonArticle[]): Promise<StoryReasons> {
  const clusterer = await stats.get();
  const { toClusterDoc } = await import('../ingest/cluster.js');
  const docs = new Map<number, ClusterDoc | undefined>();
  const doc = (a: ReasonArticle) => {
    if (!docs.has(a.articleId)) {
      const input = store.items.clusterInputFor(a.articleId);
      docs.set(a.articleId, input ? toClusterDoc(a.articleId, input) : undefined);
    }
    return docs.get(a.articleId);
  };
  const explained = articles.slice(0, REASON_ARTICLES).map((a): ArticleReason => {
    const own = doc(a);
    if (articles.length === 1 || !own) {
      return { article: a, kind: 'only', verdict: 'The story’s only article so far: it started the story.', signals: [], shared: [] };
    }
    let best: { other: ReasonArticle; c: Comparison } | undefined;
    for (const other of nearest(a, articles, COMPARED_PER_ARTICLE)) {
      const od = doc(other);
      if (!od) continue;
      const c = clusterer.compare(own, od);
      if (!best || c.score > best.c.score) best = { other, c };
    }
    if (!best) return { article: a, kind: 'only', verdict: 'No other article of the story could be compared with it.', signals: [], shared: [] };
    const { other, c } = best;
    const join = clusterer.thresholds.join;
    const kind = c.nearDuplicate ? 'copy' : c.score >= join ? 'joined' : 'weak';
    const verdict = kind === 'copy'
      ? `A near-identical copy of ${quote(other)}: ${c.hammingBits} of 64 fingerprint bits differ (at most ${clusterer.thresholds.nearDuplicateBits}).`
      : kind === 'joined'
        ? `Closest to ${quote(other)}: score ${f3(c.score)}, at or above the join threshold ${join}.`
        : `Its closest article here, ${quote(other)}, scores ${f3(c.score)}, under the join threshold ${join} on its own: ` +
          'it belongs through the story as a whole (its other members when it arrived, or a merge).';
    return { article: a, kind, verdict, against: other, ...explainComparison(c, clusterer), command: `storyfeed explain ${a.itemId} ${other.itemId}` };
  });
  return {
    method: 'storyfeed compares articles by their rarity-weighted words (TF-IDF), the names they share and how close in time they ' +
      `were published; near-identical bodies (SimHash fingerprints) always go together. An article joins a story when its score ` +
      `against it reaches ${clusterer.thresholds.join}; two stories that both score ${clusterer.thresholds.merge} or more against one article merge (the older id stays).`,
    basis: 'Scores recomputed now under the statistics of the last 7 days, as storyfeed explain computes them; each article is ' +
      'shown against its closest fellow member. The decisions were taken with the statistics and members of their time.',
    articles: explained,
    omitted: Math.max(0, articles.length - explained.length),
    ...historyOf(store, head, articles),
  };
}
