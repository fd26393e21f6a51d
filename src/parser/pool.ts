// Feed parsing off the main thread, with a time budget per document (issue 10): every pass of the
// parser is linear, and this is the second line of defence — a document that still takes too long
// (a huge one on a loaded machine, a bug we don't know of) must not stall the cycle, the HTTP server
// or SIGTERM handling. Each document runs in a worker thread (workers/pool.ts, shared with the
// extractor); past the budget the thread is terminated and replaced, and that source fails alone with a
// ParseError (recorded failing, retried with backoff).
//
// The same threads also `read` a document for the ingest: parse it, fingerprint its items and clean
// (sanitize) the new ones (ingest/clean.ts), so that a feed's CPU work never runs on the main thread.
import { availableParallelism } from 'node:os';
import type { ParsedFeed } from '../model/index.js';
import { TimedPool, workerScript, type ThreadHeap } from '../workers/pool.js';
import { ParseError, type ParseOptions } from './index.js';
import type { ReadDocument } from '../ingest/clean.js';
import type { FeedRequest } from './worker.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Wall time one document may take to parse (ordinary feeds take 1–20 ms, a 5 MB one ~0.3 s). */
export const FEED_PARSE_BUDGET_MS = 5_000;
/**
 * Worker threads: parsing is short and CPU-bound; a second one keeps one slow document from queueing the
 * rest, and starts only when the queue has stood still for SPARE_THREAD_AFTER_MS: each thread costs its
 * heap (40–90 MB) and its own copy of the clusterer's text tables, and one keeps up with a first cycle
 * (200 × 50 under a load of 8–12 on 2 cores: a second started in 3 runs of 8, starved of a CPU).
 */
const MAX_THREADS = 2;
/** How long the queue of documents may stand still before the pool starts another thread, ms (a 50-item feed takes 10–40 ms). */
const SPARE_THREAD_AFTER_MS = 1_000;
/**
 * Each thread's V8 heap (issue 12). Without limits V8 sizes a heap from the machine's memory and lets it
 * grow: a parser thread that holds ~13 MB between documents reserved 90 MB by the end of a first cycle
 * of 200 feeds, 180 MB at 1,000; with these, 40–50 MB. The young generation: V8's default grows to
 * 48 MB. The limit: a 4 MB feed of 1,000 items needs under 64 MB, the largest document the parser takes
 * (20 M characters, 60,000 items, features made) under 256; a document that needs more fails alone.
 */
export const FEED_THREAD_HEAP: ThreadHeap = { youngMb: 8, limitMb: 256 };
// ---------------------------------------------------------------------------------------------------

export interface ParserPoolOptions {
  /** Limits of each thread's heap (FEED_THREAD_HEAP). */
  heap?: ThreadHeap;
  /** How long the queue may stand still before a further thread starts, ms (SPARE_THREAD_AFTER_MS; 0: at once). */
  spareAfterMs?: number;
}

export class ParserPool {
  private readonly pool: TimedPool<FeedRequest, ParsedFeed | ReadDocument>;

  constructor(size = Math.max(1, Math.min(MAX_THREADS, availableParallelism())), readonly budgetMs = FEED_PARSE_BUDGET_MS,
    { heap = FEED_THREAD_HEAP, spareAfterMs = SPARE_THREAD_AFTER_MS }: ParserPoolOptions = {}) {
    const error = (message: string) => new ParseError(message);
    this.pool = new TimedPool({
      script: () => workerScript(import.meta.url, 'parser', 'worker.js', error), size, budgetMs, heap, spareAfterMs,
      messages: { error, closed: 'parser pool closed', thread: 'parser thread',
        overBudget: (ms) => `feed took longer than ${ms} ms to parse (stopped)`,
        overHeap: (mb) => `feed needs more than ${mb} MB of memory to parse (stopped)` },
    });
  }

  /** Threads running or starting now. */
  get threads(): number {
    return this.pool.threads;
  }

  /** parseFeed in a worker thread; rejects with a ParseError (also when the budget runs out). */
  parse(text: string, opts: ParseOptions): Promise<ParsedFeed> {
    return this.pool.run({ kind: 'parse', text, baseUrl: opts.baseUrl, now: opts.now?.toISOString(), maxItems: opts.maxItems }) as
      Promise<ParsedFeed>;
  }

  /**
   * ingest/clean.ts readDocument in a worker thread: a response body decoded, then parsed, every item
   * fingerprinted and those not `known` cleaned (or, with `discover`, an HTML page's feed links found).
   * The body's memory moves to the thread when it owns it whole (the caller must not use it after). The
   * budget covers the whole; rejects with a ParseError. With `analyse`, the cleaned items carry the
   * clusterer's features too (ingest/clean.ts readFeed).
   */
  read(body: Uint8Array, charset: string | undefined, opts: ParseOptions, known: readonly string[], discover: boolean,
    analyse = false): Promise<ReadDocument> {
    const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
    return this.pool.run({ kind: 'read', body, charset, baseUrl: opts.baseUrl, now: opts.now?.toISOString(), maxItems: opts.maxItems,
      known, discover, analyse }, whole ? [body.buffer as ArrayBuffer] : []) as Promise<ReadDocument>;
  }

  /** Stop every thread; queued documents fail. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
