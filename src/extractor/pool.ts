// Extraction off the main thread, with a time budget per page: Readability is synchronous, so a page
// that takes too long could otherwise stall a cycle (and the HTTP server with it). Each page runs in a
// worker thread (workers/pool.ts, shared with the parser); past the budget the thread is terminated and
// replaced, and that page fails alone.
import { availableParallelism } from 'node:os';
import { TimedPool, workerScript } from '../workers/pool.js';
import { ExtractError, type DomImpl, type PageExtraction } from './index.js';
import type { ExtractRequest } from './worker.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Wall time one page may take to extract (ordinary pages take 10–50 ms). */
export const PAGE_TIME_BUDGET_MS = 5_000;
/** Worker threads: extraction is CPU-bound, so one per core, at most four. */
const MAX_THREADS = 4;
// ---------------------------------------------------------------------------------------------------

/** The number of threads a pool starts by default: one per core, at most MAX_THREADS. */
export function poolThreads(): number {
  return Math.max(1, Math.min(MAX_THREADS, availableParallelism()));
}

export class ExtractorPool {
  private readonly pool: TimedPool<ExtractRequest, PageExtraction>;

  constructor(size = poolThreads(), budgetMs = PAGE_TIME_BUDGET_MS) {
    // The thread's messages already say "extractor: …"; ExtractError says it once.
    const error = (message: string) => new ExtractError(message.replace(/^extractor: /, ''));
    this.pool = new TimedPool({
      script: () => workerScript(import.meta.url, 'extractor', 'worker.js', error), size, budgetMs,
      messages: { error, closed: 'extractor pool closed', thread: 'extraction thread',
        overBudget: (ms) => `page took longer than ${ms} ms to extract (stopped)` },
    });
  }

  /** What extractPage gives for the page; rejects (ExtractError) when the page cannot be read or runs out of time. */
  extract(html: string, url: string, dom?: DomImpl): Promise<PageExtraction> {
    return this.pool.run({ html, url, dom });
  }

  /** Stop every thread; queued pages fail. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
