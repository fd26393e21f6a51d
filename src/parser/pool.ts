// Feed parsing off the main thread, with a time budget per document (issue 10): every pass of the
// parser is linear, and this is the second line of defence — a document that still takes too long
// (a huge one on a loaded machine, a bug we don't know of) must not stall the cycle, the HTTP server
// or SIGTERM handling. Each document runs in a worker thread (workers/pool.ts, shared with the
// extractor); past the budget the thread is terminated and replaced, and that source fails alone with a
// ParseError (recorded failing, retried with backoff).
import { availableParallelism } from 'node:os';
import type { ParsedFeed } from '../model/index.js';
import { TimedPool, workerScript } from '../workers/pool.js';
import { ParseError, type ParseOptions } from './index.js';
import type { ParseRequest } from './worker.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Wall time one document may take to parse (ordinary feeds take 1–20 ms, a 5 MB one ~0.3 s). */
export const FEED_PARSE_BUDGET_MS = 5_000;
/** Worker threads: parsing is short and CPU-bound; two keep one slow document from queueing the rest. */
const MAX_THREADS = 2;
// ---------------------------------------------------------------------------------------------------

export class ParserPool {
  private readonly pool: TimedPool<ParseRequest, ParsedFeed>;

  constructor(size = Math.max(1, Math.min(MAX_THREADS, availableParallelism())), readonly budgetMs = FEED_PARSE_BUDGET_MS) {
    const error = (message: string) => new ParseError(message);
    this.pool = new TimedPool({
      script: () => workerScript(import.meta.url, 'parser', 'worker.js', error), size, budgetMs,
      messages: { error, closed: 'parser pool closed', thread: 'parser thread',
        overBudget: (ms) => `feed took longer than ${ms} ms to parse (stopped)` },
    });
  }

  /** parseFeed in a worker thread; rejects with a ParseError (also when the budget runs out). */
  parse(text: string, opts: ParseOptions): Promise<ParsedFeed> {
    return this.pool.run({ text, baseUrl: opts.baseUrl, now: opts.now?.toISOString(), maxItems: opts.maxItems });
  }

  /** Stop every thread; queued documents fail. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
