// Why a story's articles are one story, and the story's history, for its page. Everything the page shows
// of the clusterer goes through one view model (StoryReasons) built by one function (storyReasons), so a
// new clustering API changes that function and nothing else.
//
// Built on the clusterer of issue 11: separate signals (titles, leads, bodies, names by kind, figures,
// time gaps, size, outlet, near-duplicates) combined by a learned logistic regression. Each article is
// judged against the rest of its story as the clusterer judges a member (`Clusterer.explainStory`, the
// article itself left out): every signal's value and its contribution to the log-odds, the bias, the
// probability and the threshold of its regime. A story older than the clusterer's window falls back to
// what `storyfeed explain ITEM1 ITEM2` prints (`Clusterer.compare`) against the closest fellow member.
// The history is the story's stored events (created, joined, moved in/out, merged), with those of the
// stories merged into it; articles stored before events were recorded appear by when they were first seen.
import type { Clusterer, ClusterDoc, Comparison, Contribution } from '../cluster/index.js';
import type { Store, StoryEvent, StoryHead } from '../storage/index.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Articles explained on one story page (the first by publication time); the rest are counted. */
export const REASON_ARTICLES = 25;
/** Signals listed per article, the largest contributions first; the others are summed in one row. */
const SIGNALS_LISTED = 8;
/** Fellow members compared with, for the shared names and the fallback (the nearest in publication time). */
const COMPARED_PER_ARTICLE = 3;
/** Shared names / figures listed per article. */
const SHARED_LISTED = 12;
/**
 * Without a worker in the process (`serve`), the clusterer is loaded from the stored analyses of the
 * window (as `storyfeed explain` loads it: ~0.1 ms per article, the event loop waiting) and kept this
 * long once the database has changed since.
 */
const STATS_MAX_AGE_MS = 10 * 60_000;
/** History entries shown; stories merged into this one whose events are included. */
const HISTORY_ENTRIES = 200;
const MERGED_LISTED = 50;
// ---------------------------------------------------------------------------------------------------

/** What each of the model's signals measures, in words (the names are those of src/cluster/model.ts). */
const SIGNAL_WORDS: Readonly<Record<Contribution['feature'], string>> = {
  titleTitle: 'Titles alike (closest member)',
  titleLead: 'Title against opening sentences',
  leadLead: 'Opening sentences alike',
  bodyCentroid: 'Body against the story’s bodies',
  bodyMax: 'Body against the closest member’s',
  bothBodies: 'Both have body text',
  titleOnly: 'Titles alike, no bodies to compare',
  titleStory: 'Title against the story’s titles',
  personShare: 'Its people the story names (share)',
  personAny: 'Names any of the same people',
  orgShare: 'Its organisations the story names (share)',
  orgAny: 'Names any of the same organisations',
  placeShare: 'Its places the story names (share)',
  placeAny: 'Names any of the same places',
  nameShare: 'Its other names the story has (share)',
  nameAny: 'Shares any other name',
  numberShare: 'Its figures the story has (share)',
  numberAny: 'Shares any figure',
  gapNewest: 'Time from the newest member',
  gapOldest: 'Time from the oldest member',
  gapMean: 'Time from the members on average',
  storySize: 'Size of the story',
  sameOutlet: 'Members from the same outlet (share)',
  nearDuplicate: 'Near-identical body (SimHash)',
  entityBest: 'Names and figures shared with the closest member',
  entityNew: 'Its names the story does not have yet (share)',
};
const YES_NO = new Set<Contribution['feature']>(['bothBodies', 'personAny', 'orgAny', 'placeAny', 'nameAny', 'numberAny', 'nearDuplicate']);
const GAPS = new Set<Contribution['feature']>(['gapNewest', 'gapOldest', 'gapMean']);

/** One signal of a comparison, as the page shows it. */
export interface ReasonSignal {
  label: string;
  /** Its value as shown ("0.412", "yes", "0.083 (2 h)"). */
  value: string;
  /** Its share of the total, in the total's unit (the log-odds), when the model adds the signals up. */
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
  /** only: the story's single article; copy: a near-identical body; joined: at or above the threshold; weak: under it. */
  kind: 'only' | 'copy' | 'joined' | 'weak';
  verdict: string;
  /** What it was compared with when not the rest of the story: its closest fellow member. */
  against?: ReasonArticle;
  signals: ReasonSignal[];
  /** The verdict's figure (a probability) against its threshold; `sum` is what the contributions add up to. */
  total?: { label: string; value: number; threshold: number; sum: number; formula: string };
  shared: { label: string; values: string[] }[];
  /** The command that prints the comparison with the closest fellow member. */
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

/** The clusterer the page asks, loaded from the window's stored analyses and kept a while. */
export class ReasonStats {
  private cached?: { clusterer: Clusterer; at: number; token: string; loaded: boolean };
  /** A load under way: requests meanwhile wait for it rather than start their own. */
  private loading?: Promise<{ clusterer: Clusterer; loaded: boolean }>;

  /** `live`: a clusterer kept current by a worker in this process, used whenever it has one. */
  constructor(private readonly store: Store, private readonly live?: () => Clusterer | undefined,
    private readonly maxAgeMs = STATS_MAX_AGE_MS) {}

  async get(now = Date.now()): Promise<{ clusterer: Clusterer; loaded: boolean }> {
    const running = this.live?.();
    if (running) return { clusterer: running, loaded: true };
    const token = this.store.stories.changeToken();
    const c = this.cached;
    if (c && (c.token === token || now - c.at < this.maxAgeMs)) return c;
    this.loading ??= this.load(now, token).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(now: number, token: string): Promise<{ clusterer: Clusterer; loaded: boolean }> {
    const [{ loadClustererYielding }, { Clusterer }] = await Promise.all([import('../ingest/cluster.js'), import('../cluster/index.js')]);
    let clusterer: Clusterer;
    let loaded = true;
    try {
      // In steps: the HTTP server (and, under `run`, the fetches) go on while the window loads.
      clusterer = await loadClustererYielding(this.store, new Date(now));
    } catch {
      // The window could not be read (e.g. a storage fault): the comparisons still run, on the articles'
      // own texts, without the window's statistics.
      clusterer = new Clusterer();
      loaded = false;
    }
    this.cached = { clusterer, at: now, token, loaded };
    return this.cached;
  }
}

const f3 = (x: number) => x.toFixed(3);
const signed = (x: number) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(3)}`;
const quote = (a: { title: string; source: string }) => `“${a.title}” (${a.source})`;

function signalValue(c: Contribution): string {
  if (YES_NO.has(c.feature)) return c.value > 0 ? 'yes' : 'no';
  if (GAPS.has(c.feature)) {
    const hours = (Math.exp(c.value) - 1) * 24;
    return `${f3(c.value)} (${hours < 48 ? `${hours.toFixed(hours < 10 ? 1 : 0)} h` : `${(hours / 24).toFixed(1)} days`})`;
  }
  if (c.feature === 'storySize') {
    const n = Math.round(Math.exp(c.value) - 1);
    return `${f3(c.value)} (${n} ${n === 1 ? 'member' : 'members'})`;
  }
  return f3(c.value);
}

interface Explained {
  probability: number;
  bias: number;
  logit: number;
  features: Contribution[];
}

/** The model's explanation as the page's signals: the largest contributions, the rest summed, the bias. */
function modelSignals(e: Explained, threshold: number, override?: string): Pick<ArticleReason, 'signals' | 'total'> {
  const sorted = [...e.features].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature.localeCompare(b.feature));
  const listed = sorted.slice(0, SIGNALS_LISTED);
  const rest = sorted.slice(SIGNALS_LISTED);
  const signals: ReasonSignal[] = [
    ...listed.map((c) => ({ label: SIGNAL_WORDS[c.feature], value: signalValue(c), contribution: c.contribution })),
    { label: `${rest.length} other signals`, value: '', contribution: rest.reduce((n, c) => n + c.contribution, 0) },
    { label: 'Bias (the model’s constant)', value: '', contribution: e.bias },
  ];
  const formula = `log-odds ${signed(e.logit)} → probability ${f3(1 / (1 + Math.exp(-e.logit)))}${override ? `, set to 0: ${override}` : ''}`;
  return { signals, total: { label: 'Probability', value: e.probability, threshold, sum: e.logit, formula } };
}

/** The articles nearest to `a` in publication time. */
function nearest(a: ReasonArticle, all: readonly ReasonArticle[], n: number): ReasonArticle[] {
  const t = Date.parse(a.published);
  return all.filter((o) => o.articleId !== a.articleId)
    .sort((x, y) => Math.abs(Date.parse(x.published) - t) - Math.abs(Date.parse(y.published) - t) || x.articleId - y.articleId)
    .slice(0, n);
}

function sharedOf(c: Comparison): ArticleReason['shared'] {
  return [
    { label: 'Shared names', values: c.sharedEntities.slice(0, SHARED_LISTED).map((e) => `${e.text} (${e.kind})`) },
    { label: 'Shared figures', values: c.sharedNumbers.slice(0, SHARED_LISTED) },
  ];
}

function historyOf(store: Store, head: StoryHead, articles: readonly ReasonArticle[]): Pick<StoryReasons, 'history' | 'historyNote'> {
  const merged = store.pages.mergedInto(head.id, MERGED_LISTED);
  const events: StoryEvent[] = [head.id, ...merged.map((m) => m.id)].flatMap((id) => store.stories.history(id))
    // A merge is told once, by the story that took the other in.
    .filter((e) => !(e.event === 'merged_into' && e.otherStoryId === head.id));
  const known = new Map(articles.map((a) => [a.articleId, { title: a.title, source: a.source }]));
  const missing = [...new Set(events.flatMap((e) => (e.articleId !== null && !known.has(e.articleId) ? [e.articleId] : [])))];
  for (const [id, label] of store.pages.articleLabels(missing)) known.set(id, label);
  const label = (id: number | null) => {
    const l = id === null ? undefined : known.get(id);
    return l ? quote(l) : `article ${id ?? '?'}`;
  };
  const p = (e: StoryEvent) => (e.probability === null ? '' : ` (probability ${e.probability.toFixed(2)})`);
  const where = (e: StoryEvent) => (e.storyId === head.id ? '' : `In story ${e.storyId}, since merged into this one: `);
  const entries: (HistoryEntry & { order: number })[] = events.map((e) => {
    const other = e.otherStoryId ?? undefined;
    const text = {
      created: () => `Story created with ${label(e.articleId)}${p(e)}.`,
      joined: () => `${label(e.articleId)} joined${p(e)}.`,
      moved_in: () => `${label(e.articleId)} moved in from story ${other}${p(e)}.`,
      moved_out: () => `${label(e.articleId)} moved out to story ${other}${p(e)}.`,
      merged_in: () => `Story ${other} merged into ${e.storyId === head.id ? 'this one' : 'it'}${p(e)}; its entry id is no longer published.`,
      merged_into: () => `It merged into story ${other}${p(e)}.`,
    }[e.event]();
    return { at: e.at, kind: e.event, text: `${where(e)}${text}`, story: e.event.startsWith('merged') || e.event.startsWith('moved') ? other : undefined,
      order: e.id };
  });
  // Articles (and a story) stored before story events were recorded: when they were first seen.
  const covered = new Set(events.flatMap((e) => (e.articleId === null ? [] : [e.articleId])));
  const legacy = articles.filter((a) => !covered.has(a.articleId));
  const hasCreated = events.some((e) => e.event === 'created' && e.storyId === head.id);
  if (!hasCreated) entries.push({ at: head.createdAt, kind: 'created', text: 'Story first seen (before story events were recorded).', order: 0 });
  for (const a of legacy) entries.push({ at: a.firstSeen, kind: 'first_seen', text: `${quote(a)} first seen.`, order: 0 });
  entries.sort((a, b) => (a.at ?? '').localeCompare(b.at ?? '') || a.order - b.order);
  return {
    history: entries.slice(0, HISTORY_ENTRIES).map(({ order: _order, ...e }) => e),
    historyNote: legacy.length || !hasCreated
      ? 'Some of this story is older than its recorded history: those articles appear by when storyfeed first saw them.' : undefined,
  };
}

/**
 * The story page's "why" and "history". `articles` are the story's articles (one entry each, by
 * publication time). This is the one function to change for another clustering API.
 */
export async function storyReasons(store: Store, stats: ReasonStats, head: StoryHead, articles: readonly ReasonArticle[]): Promise<StoryReasons> {
  const { clusterer, loaded } = await stats.get();
  const { toClusterDoc } = await import('../ingest/cluster.js');
  const thresholds = clusterer.model.file.thresholds;
  const docs = new Map<number, ClusterDoc | undefined>();
  const doc = (a: ReasonArticle) => {
    if (!docs.has(a.articleId)) {
      const input = store.items.clusterInputFor(a.articleId);
      docs.set(a.articleId, input ? toClusterDoc(a.articleId, input) : undefined);
    }
    return docs.get(a.articleId);
  };
  // Members the clusterer holds in this story (the window's): each is judged against the others.
  const members = new Set(articles.filter((a) => clusterer.storyOf(a.articleId) === head.id).map((a) => a.articleId));
  const explained = articles.slice(0, REASON_ARTICLES).map((a): ArticleReason => {
    const own = doc(a);
    if (articles.length === 1 || !own) {
      return { article: a, kind: 'only', verdict: 'The story’s only article so far: it started the story.', signals: [], shared: [] };
    }
    // The closest fellow member by the model: for the shared names, the command, and old stories.
    let best: { other: ReasonArticle; c: Comparison } | undefined;
    for (const other of nearest(a, articles, COMPARED_PER_ARTICLE)) {
      const od = doc(other);
      if (!od) continue;
      const c = clusterer.compare(own, od);
      if (!best || c.probability > best.c.probability) best = { other, c };
    }
    const command = best ? `storyfeed explain ${a.itemId} ${best.other.itemId}` : undefined;
    const shared = best ? sharedOf(best.c) : [];
    const story = members.has(a.articleId) && members.size > 1 ? clusterer.explainStory(own, head.id) : undefined;
    if (story) {
      const threshold = clusterer.model.threshold(story.features.map((f) => f.value));
      const override = story.probability === 0 && story.logit > -30 ? 'the languages differ, or it shares no words with the story' : undefined;
      const copy = (story.features.find((f) => f.feature === 'nearDuplicate')?.value ?? 0) > 0;
      const kind = story.probability >= threshold ? (copy ? 'copy' : 'joined') : 'weak';
      const verdict = kind === 'weak'
        ? `Against the rest of the story (itself left out): probability ${f3(story.probability)}, under the threshold ${threshold}. ` +
          'It joined when the story looked different (see its history), and stays until another story is a clearly better home.'
        : `${copy ? 'A near-identical copy of a member. ' : ''}Against the rest of the story (itself left out): probability ` +
          `${f3(story.probability)}, at or above the join threshold ${threshold}.`;
      return { article: a, kind, verdict, ...modelSignals(story, threshold, override), shared, command };
    }
    if (!best) return { article: a, kind: 'only', verdict: 'No other article of the story could be compared with it.', signals: [], shared: [] };
    const { other, c } = best;
    const copy = (c.features.find((f) => f.feature === 'nearDuplicate')?.value ?? 0) > 0;
    const kind = c.probability >= c.threshold ? (copy ? 'copy' : 'joined') : 'weak';
    const verdict = `Compared with its closest fellow member ${quote(other)} (the story is not in the clusterer's ` +
      `${clusterer.windowHours / 24}-day window): probability ${f3(c.probability)}, ` +
      (kind === 'weak' ? `under the threshold ${c.threshold} on its own: it belongs through the story as a whole.`
        : `at or above the join threshold ${c.threshold}.`) + (c.override ? ` Overridden: ${c.override}.` : '');
    return { article: a, kind, verdict, against: other, ...modelSignals(c, c.threshold, c.override), shared, command };
  });
  const version = clusterer.model.file.version;
  return {
    method: 'storyfeed measures separate signals between an article and a story: how alike their titles, opening sentences and ' +
      'bodies are (rarity-weighted words), the people, organisations, places and figures they share, the time between them, the ' +
      'story’s size and outlets, near-identical bodies. A logistic regression learned from labelled stories turns them into a ' +
      `probability; an article joins the story it most probably belongs to when that reaches ${thresholds.body} (with bodies) or ` +
      `${thresholds.title} (titles only). Later, refinement moves an article when another story is clearly better, and merges ` +
      'stories whose members match each other (the older id stays).',
    basis: `Figures recomputed now under the model shipped with this storyfeed (version ${version})` +
      (loaded ? `, from the stored analyses of the last ${clusterer.windowHours / 24} days` : ', without the window’s statistics (they could not be loaded)') +
      '. Contributions are in log-odds: with the bias they add up to the probability’s log-odds. The decisions themselves were taken ' +
      'with the story as it was then: the history gives their probabilities.',
    articles: explained,
    omitted: Math.max(0, articles.length - explained.length),
    ...historyOf(store, head, articles),
  };
}
