// Prometheus metrics (prom-client): what the worker did (fetches by outcome, items, extractions, cycle
// durations) as counters it increments, and what the database holds (stories, sources by status) read
// at scrape time. One registry per process, passed down; nothing global.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FETCH_RETRY_CHANNEL } from '../fetcher/index.js';
import type { CycleSummary } from '../model/index.js';
import type { Store } from '../storage/index.js';

export class Metrics {
  readonly registry = new Registry();
  private readonly fetches: Counter<'outcome'>;
  private readonly items: Counter<'change'>;
  private readonly extractions: Counter<'outcome'>;
  private readonly cycles: Counter<'result'>;
  private readonly cycleSeconds: Histogram;
  private readonly retries: Counter<'reason'>;
  /** The fetcher publishes its retries on a diagnostics channel (it knows nothing of metrics). */
  private readonly onRetry = (): void => {
    this.retries.inc({ reason: 'stale-connection' });
  };

  constructor(store?: () => Store | undefined) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'storyfeed_' });
    this.fetches = new Counter({ name: 'storyfeed_fetches_total', help: 'Source fetches by outcome (ok, not-modified, failed, aborted)',
      labelNames: ['outcome'], registers });
    this.items = new Counter({ name: 'storyfeed_items_ingested_total', help: 'Feed items stored, new or updated',
      labelNames: ['change'], registers });
    this.extractions = new Counter({ name: 'storyfeed_extractions_total', help: 'Article pages extracted (ok) or not (failed: feed content kept)',
      labelNames: ['outcome'], registers });
    this.cycles = new Counter({ name: 'storyfeed_cycles_total', help: 'Ingest cycles run', labelNames: ['result'], registers });
    this.retries = new Counter({ name: 'storyfeed_fetch_retries_total',
      help: 'Requests sent again at once because a kept-alive connection was closed under them (stale-connection)',
      labelNames: ['reason'], registers });
    this.retries.inc({ reason: 'stale-connection' }, 0);
    subscribe(FETCH_RETRY_CHANNEL, this.onRetry);
    this.cycleSeconds = new Histogram({ name: 'storyfeed_cycle_duration_seconds', help: 'Duration of ingest cycles',
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600], registers });
    if (store) {
      const read = <T>(fn: (s: Store) => T): T | undefined => {
        const s = store();
        try {
          return s ? fn(s) : undefined;
        } catch {
          return undefined; // a closed or broken database shows in /health, not as a scrape error
        }
      };
      new Gauge({ name: 'storyfeed_stories', help: 'Stories (merged-feed entries) stored', registers,
        collect() {
          const st = read((s) => s.stats());
          if (st) this.set(st.stories);
        } });
      new Gauge({ name: 'storyfeed_items', help: 'Feed items stored', registers,
        collect() {
          const st = read((s) => s.stats());
          if (st) this.set(st.items);
        } });
      new Gauge({ name: 'storyfeed_sources', help: 'Sources by status', labelNames: ['status'], registers,
        collect() {
          const list = read((s) => s.sources.list());
          if (!list) return;
          this.reset();
          for (const status of ['new', 'ok', 'failing', 'gone', 'disabled'] as const) {
            this.set({ status }, list.filter((x) => x.status === status).length);
          }
        } });
    }
  }

  /** Record a finished cycle. */
  cycle(summary: CycleSummary): void {
    for (const r of summary.results) this.fetches.inc({ outcome: r.outcome });
    this.items.inc({ change: 'new' }, summary.inserted);
    this.items.inc({ change: 'updated' }, summary.updated);
    this.extractions.inc({ outcome: 'ok' }, summary.extracted);
    this.extractions.inc({ outcome: 'failed' }, summary.extractFailed);
    this.cycles.inc({ result: 'completed' });
    this.cycleSeconds.observe(summary.durationMs / 1000);
  }

  cycleFailed(): void {
    this.cycles.inc({ result: 'failed' });
  }

  /** Stop counting the fetcher's events (the registry stays readable). */
  close(): void {
    unsubscribe(FETCH_RETRY_CHANNEL, this.onRetry);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
