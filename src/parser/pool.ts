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
import { TimedPool, workerScript } from '../workers/pool.js';
import { ParseError, type ParseOptions } from './index.js';
import type { ReadDocument } from '../ingest/clean.js';
import type { FeedRequest } from './worker.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Wall time one document may take to parse (ordinary feeds take 1–20 ms, a 5 MB one ~0.3 s). */
export const FEED_PARSE_BUDGET_MS = 5_000;
/** Worker threads: parsing is short and CPU-bound; two keep one slow document from queueing the rest. */
const MAX_THREADS = 2;
// ---------------------------------------------------------------------------------------------------

export class ParserPool {
  private readonly pool: TimedPool<FeedRequest, ParsedFeed | ReadDocument>;

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
