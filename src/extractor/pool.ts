// Extraction off the main thread, with a time budget per page: Readability is synchronous, so a page
// that takes too long could otherwise stall a cycle (and the HTTP server with it). Each page runs in a
// worker thread (workers/pool.ts, shared with the parser); past the budget the thread is terminated and
// replaced, and that page fails alone.
import { availableParallelism } from 'node:os';
import { TimedPool, workerScript, type ThreadHeap } from '../workers/pool.js';
import { ExtractError, type DomImpl, type PageExtraction } from './index.js';
import type { ExtractRequest } from './worker.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Wall time one page may take to extract (ordinary pages take 10–50 ms). */
export const PAGE_TIME_BUDGET_MS = 5_000;
/** Worker threads: extraction is CPU-bound, so one per core, at most four. */
const MAX_THREADS = 4;
/**
 * Each thread's V8 heap limits; none: V8's default for a worker thread (young generation 48 MB, heap 4 GB).
 * Measured (bench/extract.ts, thread lanes, the largest tenth of the development pages, load 6-9): the
 * garbage collector's share of the time 16 % with a 16 MB young generation, 9 % with the default, 10 % at 96 MB,
 * 7 % at 192 MB, and the time on a CPU per page the same within the noise (p50 52.6-54.3 ms); a 512 MB limit
 * on the whole heap (with the default young generation) raised the share to 12 % (V8 sizes its first
 * collections from the limit). So no limits, the fastest measured; issue 12's limits, if they come here,
 * cost that.
 */
export const EXTRACT_THREAD_HEAP: ThreadHeap | undefined = undefined;
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
      script: () => workerScript(import.meta.url, 'extractor', 'worker.js', error), size, budgetMs, heap: EXTRACT_THREAD_HEAP,
      messages: { error, closed: 'extractor pool closed', thread: 'extraction thread',
        overBudget: (ms) => `page took longer than ${ms} ms to extract (stopped)`,
        overHeap: (mb) => `page needs more than ${mb} MB of memory to extract (stopped)` },
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
