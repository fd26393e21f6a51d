// Picks due sources, runs them with bounded concurrency (overall and per host), and drives cycles on a
// node-cron schedule without ever overlapping two of them.
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { HostLimiter, type FetchOptions } from '../fetcher/index.js';
import type { Clusterer } from '../cluster/index.js';
import { ExtractorPool } from '../extractor/pool.js';
import { ClusterThread } from '../ingest/cluster-thread.js';
import { clustererOf, PageQueue } from '../ingest/extract.js';
import type { Metrics } from '../metrics/index.js';
import { loadClusterer, RECLUSTER_HOURS, reclusterDue, reclusterStories } from '../ingest/cluster.js';
import { ParserPool } from '../parser/pool.js';
import { ingestSource } from '../ingest/index.js';
import type { Config, CycleSummary, IngestResult, SourceConfig, SourceState } from '../model/index.js';
export type { CycleSummary } from '../model/index.js';
import type { SourceFetchState, Store } from '../storage/index.js';

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * Sources whose fetch state a cycle reads in one turn of the event loop (~2 ms for 250). Read in one
 * go, 4,000 sources held the loop 25-35 ms at the start of every cycle, the longest stall of a
 * 4,000-feed cycle (issue 16).
 */
const DUE_READ_STEP = 250;
// ---------------------------------------------------------------------------------------------------


export interface CycleDeps {
  store: Store;
  config: Config;
  log: Logger;
  signal?: AbortSignal;
  /** Fetch every enabled source, due or not (manual `once --all`, tests). */
  force?: boolean;
  now?: () => Date;
  fetch?: FetchOptions['fetch'];
  onProgress?: (done: number, total: number, result: IngestResult) => void;
  /**
   * The story clusterer (the worker keeps one across cycles), or a function that loads it when first
   * needed; when absent, it is loaded from the window when the first new item needs it (a cycle with
   * nothing new never reads the window).
   */
  clusterer?: Clusterer | (() => Clusterer);
  /**
   * The clusterer in a thread of its own (the worker keeps one across cycles). Without it and without
   * `clusterer`, the cycle starts one (a database file), or clusters on this thread (in memory).
   */
  clusterThread?: ClusterThread;
  /** Extraction threads (the worker keeps them across cycles); a pool for this cycle when absent. */
  pool?: ExtractorPool;
  /** Feed-parsing threads (the worker keeps them across cycles); a pool for this cycle when absent. */
  parserPool?: ParserPool;
}

/** Sources to fetch now: enabled, not gone, next attempt reached (or everything enabled with `force`). */
export function dueSources<S extends Pick<SourceState, 'status' | 'nextAttemptAt'>>(sources: readonly S[], now: Date, force = false): S[] {
  return sources.filter((s) => {
    if (s.status === 'disabled' || s.status === 'gone') return false;
    if (force || !s.nextAttemptAt) return true;
    return new Date(s.nextAttemptAt).getTime() <= now.getTime();
  });
}

/** dueSources over every source in the store, read DUE_READ_STEP at a time with the event loop free between reads. */
async function readDue(store: Store, now: Date, force: boolean | undefined, configured: ReadonlyMap<string, SourceConfig>):
  Promise<SourceFetchState[]> {
  const due: SourceFetchState[] = [];
  for (let after = 0; ;) {
    const page = store.sources.fetchStatesAfter(after, DUE_READ_STEP);
    for (const s of dueSources(page, now, force)) if (configured.has(s.configUrl)) due.push(s);
    if (page.length < DUE_READ_STEP) return due;
    after = (page[page.length - 1] as SourceFetchState).id;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** One ingest cycle over the due sources, then retention. Never throws for a single source's failure. */
export async function runCycle(deps: CycleDeps): Promise<CycleSummary> {
  const clock = deps.now ?? (() => new Date());
  const started = clock();
  const t0 = Date.now();
  const { store, config, log } = deps;
  const intervals = new Map<string, SourceConfig>(config.sources.map((s) => [s.url, s]));
  const due = await readDue(store, started, deps.force, intervals);
  const limiter = new HostLimiter(config.http.perHostConcurrency);
  let loaded: Clusterer | undefined;
  const clusterer = deps.clusterer ?? (() => (loaded ??= loadClusterer(store, started)));
  const clusterThread = deps.clusterThread ?? (!deps.clusterer && ClusterThread.supports(store) ? new ClusterThread(store, log) : undefined);
  const pool = deps.pool ?? new ExtractorPool();
  const parserPool = deps.parserPool ?? new ParserPool();
  const common = { store, config, log, limiter, signal: deps.signal, now: deps.now, fetch: deps.fetch, clusterer, clusterThread, pool };
  // Pages (full text) are fetched and extracted while feeds are still ingested, as many at once as feeds.
  const pages = new PageQueue(common, config.http.concurrency);
  let done = 0;
  log.info({ due: due.length }, 'cycle started');
  const one = async (source: SourceFetchState): Promise<IngestResult> => {
    const cfg = intervals.get(source.configUrl) as SourceConfig;
    const result = deps.signal?.aborted
      ? { source: source.configUrl, outcome: 'aborted' as const, inserted: 0, updated: 0, items: 0, extracted: 0,
        extractFailed: 0, durationMs: 0 }
      : await ingestSource(source, cfg, { ...common, parserPool, pages: (id, url) => pages.add(id, url) });
    done++;
    const level = result.outcome === 'failed' ? 'warn' : 'info';
    log[level]({ source: result.source, host: hostOf(source.url), outcome: result.outcome, inserted: result.inserted,
      updated: result.updated, ms: result.durationMs, error: result.error }, 'source fetched');
    deps.onProgress?.(done, due.length, result);
    return result;
  };
  // http.concurrency lanes, each taking the next due source: a cycle of 4,000 sources never queues 4,000
  // tasks (and their promises) in one go, which held the event loop at its start.
  const fetched: IngestResult[] = new Array<IngestResult>(due.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < due.length) {
      const i = next++;
      fetched[i] = await one(due[i] as SourceFetchState);
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.http.concurrency, due.length) }, lane));
  await pages.drain();
  const results = fetched.map((r) => {
    const p = pages.bySource.get(r.source);
    return p ? { ...r, extracted: r.extracted + p.ok, extractFailed: r.extractFailed + p.failed } : r;
  });
  // Now and then (RECLUSTER_EVERY_HOURS) a cycle that added articles ends as `storyfeed cluster` ends a
  // batch: the recent window re-examined (off the main thread when the clusterer has its own), keys
  // kept. A failure costs only this pass: the stories stay as they are, the next cycle tries again.
  let reclustered: CycleSummary['reclustered'];
  if (results.some((r) => r.inserted > 0) && !deps.signal?.aborted) {
    const at = clock();
    try {
      // A database that never had a pass starts counting now: its first comes an interval later.
      const last = store.cluster.reclusteredAt();
      const due = last !== undefined && reclusterDue(last, at);
      if (due && clusterThread) reclustered = await clusterThread.recluster(RECLUSTER_HOURS, at.toISOString());
      else if (due) reclustered = reclusterStories(store, clustererOf({ clusterer }) as Clusterer, at.toISOString(), RECLUSTER_HOURS, log);
      if (due || last === undefined) store.cluster.setReclusteredAt(at.toISOString());
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 're-clustering failed; the stories stay as they are');
    }
  }
  if (!deps.pool) await pool.close();
  if (!deps.parserPool) await parserPool.close();
  let pruned = { items: 0, stories: 0 };
  if (config.retention.days > 0) {
    const cutoff = new Date(started.getTime() - config.retention.days * 86_400_000).toISOString();
    try {
      // In the cluster thread when there is one: retention's deletes (after a first cycle, thousands of
      // merge leftovers and their histories) never hold this thread's event loop.
      pruned = clusterThread ? await clusterThread.prune(cutoff) : store.prune(cutoff);
    } catch (err) {
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'retention failed; will retry next cycle');
    }
  }
  if (!deps.clusterThread) await clusterThread?.close();
  const count = (o: IngestResult['outcome']) => results.filter((r) => r.outcome === o).length;
  const summary: CycleSummary = {
    startedAt: started.toISOString(),
    durationMs: Date.now() - t0,
    sources: results.length,
    ok: count('ok'),
    notModified: count('not-modified'),
    failed: count('failed'),
    aborted: count('aborted'),
    inserted: results.reduce((n, r) => n + r.inserted, 0),
    updated: results.reduce((n, r) => n + r.updated, 0),
    extracted: results.reduce((n, r) => n + r.extracted, 0),
    extractFailed: results.reduce((n, r) => n + r.extractFailed, 0),
    pruned,
    ...(reclustered ? { reclustered } : {}),
    results,
  };
  const { results: _omit, ...brief } = summary;
  log.info(brief, 'cycle finished');
  return summary;
}

export interface WorkerState {
  running: boolean;
  cycles: number;
  lastCycle?: Omit<CycleSummary, 'results'> & { finishedAt: string };
  lastError?: string;
  nextRun?: string;
  schedule: string;
  stopping: boolean;
}

/** The long-lived service: cron-driven cycles, never overlapping, stoppable cleanly. */
export class Worker {
  private config: Config;
  private task?: ScheduledTask;
  private current?: Promise<CycleSummary | undefined>;
  private abort = new AbortController();
  private cycles = 0;
  private lastCycle?: WorkerState['lastCycle'];
  private lastError?: string;
  private stopping = false;
  /** The clusterer in its thread (a database file), else on this thread; kept across cycles. */
  private readonly clusterThread?: ClusterThread;
  private clusterer?: Clusterer;
  private readonly pool = new ExtractorPool();
  private readonly parserPool = new ParserPool();

  constructor(private readonly store: Store, config: Config, private readonly log: Logger,
    private readonly fetch?: FetchOptions['fetch'], private readonly metrics?: Metrics) {
    this.config = config;
    this.clusterThread = ClusterThread.supports(store) ? new ClusterThread(store, log) : undefined;
  }

  start(): void {
    this.store.sources.sync(this.config.sources, new Date().toISOString());
    this.schedule();
  }

  private schedule(): void {
    this.task?.destroy();
    this.task = cron.schedule(this.config.schedule, () => {
      void this.runNow();
    }, { name: 'storyfeed-ingest', noOverlap: true });
  }

  /** Apply a new (already validated) config: sources synced, schedule replaced. */
  reload(config: Config): void {
    this.config = config;
    this.store.sources.sync(config.sources, new Date().toISOString());
    if (this.task) this.schedule();
    this.log.info({ sources: config.sources.length, schedule: config.schedule }, 'config reloaded');
  }

  /** Start a cycle unless one is running (then the running one is returned: cycles never overlap). */
  runNow(force = false): Promise<CycleSummary | undefined> {
    if (this.current) return this.current;
    if (this.stopping) return Promise.resolve(undefined);
    this.current = (async () => {
      try {
        const summary = await runCycle({ store: this.store, config: this.config, log: this.log,
          signal: this.abort.signal, force, fetch: this.fetch, pool: this.pool, parserPool: this.parserPool,
          // Its clusterer is loaded when the first new item needs it, then kept across cycles.
          clusterThread: this.clusterThread,
          clusterer: this.clusterThread ? undefined : () => (this.clusterer ??= loadClusterer(this.store, new Date())) });
        this.cycles++;
        const { results: _omit, ...brief } = summary;
        this.lastCycle = { ...brief, finishedAt: new Date().toISOString() };
        this.lastError = undefined;
        this.metrics?.cycle(summary);
        return summary;
      } catch (err) {
        this.metrics?.cycleFailed();
        this.lastError = err instanceof Error ? err.message : String(err);
        this.log.error({ err }, 'cycle failed');
        return undefined;
      } finally {
        this.current = undefined;
      }
    })();
    return this.current;
  }

  /** Stop scheduling, abort in-flight fetches, wait for the cycle to finish writing. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.task?.destroy();
    this.task = undefined;
    this.abort.abort();
    await this.current;
    await this.pool.close();
    await this.parserPool.close();
    await this.clusterThread?.close();
  }

  /**
   * The clusterer the cycles keep on this thread (once one has loaded it): readers in this process (the
   * story pages) ask it instead of loading their own. With a database file the clusterer lives in its
   * thread (ClusterThread) and this is undefined: the pages load their own, as under `serve`.
   */
  liveClusterer(): Clusterer | undefined {
    return this.clusterer;
  }

  state(): WorkerState {
    const next = this.task?.getNextRun();
    return {
      running: this.current !== undefined,
      cycles: this.cycles,
      lastCycle: this.lastCycle,
      lastError: this.lastError,
      nextRun: next ? next.toISOString() : undefined,
      schedule: this.config.schedule,
      stopping: this.stopping,
    };
  }
}
