// The clusterer in a thread of its own (issue 16: never hold the event loop long enough to starve
// sockets). Deciding where new articles go, refining stories and re-assessing an article after its full
// text take tens of milliseconds to seconds of CPU per source; writing a source's 50 new items, their
// articles, stories and analyses, and committing them, took 5-15 ms more per source on the main thread
// (and, under a loaded disk, commits that blocked in write() for hundreds: 28 s of the main thread's 83 s
// in a profiled first cycle of 4,000 x 50). Here both run in a worker thread (cluster-worker.ts) that
// runs the glue of ingest/cluster.ts as it is, against a Store of its own (a second read-write
// connection to the same file): a source's items commit there with the source's fetch state, in one
// transaction. Operations run one at a time, in the order asked, exactly as the synchronous glue would
// run them. The main thread's own writes (fetch state of 304s, failures) wait for the thread's current
// transaction to end (busy timeout): mostly one source's write (a few ms); longer ones are a
// re-clustering pass's changes (hourly) and, once after an upgrade, the analyses of the window's articles.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { FetchSuccess, ItemInput, SaveOutcome, Store } from '../storage/index.js';
import { workerScript } from '../workers/pool.js';
import type { ClusterOp, ClusterReply, ClusterWorkerData } from './cluster-worker.js';

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * The thread's young generation, MB (issue 12). V8's default here grows to 48 MB of mostly garbage
 * between scavenges; at 16 the thread reserved 50 MiB instead of 68 at the end of a first cycle of
 * 200 × 50 (peak RSS 433 vs 456 MiB, medians of 4; cycle time within the noise of a load of 8–12). No
 * limit on the whole heap: the clusterer's window grows with the articles, and a thread stopped for its
 * heap would lose it (and reload it).
 */
const YOUNG_GENERATION_MB = 16;
// ---------------------------------------------------------------------------------------------------

export class ClusterThreadError extends Error {
  constructor(message: string) {
    super(`cluster thread: ${message}`);
    this.name = 'ClusterThreadError';
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Op = ClusterOp extends infer O ? (O extends { id: number } ? Omit<O, 'id'> : never) : never;

/** An error of the thread as the main thread throws it (with SQLite's code: /health tells storage failures apart). */
function revive(e: { name: string; message: string; code?: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.code) Object.assign(err, { code: e.code });
  return err;
}

export class ClusterThread {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  /**
   * The thread is started at once: loading its modules and opening its connection (a few hundred ms on
   * a loaded machine) overlaps the first fetches instead of delaying the first source's write.
   */
  constructor(private readonly store: Store, private readonly log: Logger) {
    this.spawn();
  }

  /** Whether this store can be shared with a thread (a file; not an in-memory database). */
  static supports(store: Store): boolean {
    return store.db.name !== ':memory:' && store.db.name !== '';
  }

  /**
   * saveAndCluster in the thread: the source's new articles placed, its items written (with the source's
   * fetch state, in one transaction), the changed stories refined.
   */
  save(sourceId: number, items: readonly ItemInput[], now: string, state: FetchSuccess): Promise<SaveOutcome> {
    // Not an async function: its frame would hold `items` until the thread answers, and the batches of
    // all lanes waiting at once would survive into the old generation (the main thread's GC halved without).
    return this.run({ op: 'save', sourceId, items, now, state, checkpointed: this.store.checkpointsInBackground }) as Promise<SaveOutcome>;
  }

  /** Store.prune in the thread (retention in short transactions, none of it on this thread). */
  async prune(cutoff: string): Promise<{ items: number; stories: number }> {
    return await this.run({ op: 'prune', cutoff }) as { items: number; stories: number };
  }

  /** reassessArticle in the thread: an article analysed again after its full text, and refined. */
  async reassess(articleId: number, now: string): Promise<void> {
    await this.run({ op: 'reassess', articleId, now });
  }

  /** reclusterStories in the thread: the recent window re-examined, what moved or merged written. */
  async recluster(hours: number, now: string): Promise<{ moves: number; merges: number }> {
    return await this.run({ op: 'recluster', hours, now }) as { moves: number; merges: number };
  }

  /** The thread's V8 heap (used and reserved) and external memory, bytes: where a cycle's memory goes. */
  async heap(): Promise<{ usedBytes: number; totalBytes: number; externalBytes: number }> {
    return await this.run({ op: 'heap' }) as { usedBytes: number; totalBytes: number; externalBytes: number };
  }

  private run(op: Op): Promise<unknown> {
    if (this.closed) return Promise.reject(new ClusterThreadError('closed'));
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...op, id } as ClusterOp);
    });
  }

  private spawn(): Worker {
    const data: ClusterWorkerData = { dbPath: this.store.db.name, logLevel: this.log.level };
    const worker = new Worker(workerScript(import.meta.url, 'ingest', 'cluster-worker.js', (m) => new ClusterThreadError(m)),
      { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    this.worker = worker;
    worker.on('message', (msg: ClusterReply) => {
      if ('log' in msg) return this.relog(msg.log);
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (this.pending.size === 0) worker.unref();
      if (msg.error) {
        const err = revive(msg.error);
        // A write of the thread's connection that failed for a storage reason is this database's failure too.
        this.store.writeFailedElsewhere(err);
        p.reject(err);
      } else p.resolve(msg.value);
    });
    const gone = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      // What it held in memory is gone with it; the next operation starts a thread that reloads from storage.
      for (const p of this.pending.values()) p.reject(new ClusterThreadError(why));
      this.pending.clear();
    };
    worker.on('error', (err) => gone(`crashed: ${err.message}`));
    worker.on('exit', (code) => gone(`exited (${code})`));
    worker.unref();
    return worker;
  }

  /** A log line of the thread, logged here (in this process's format and destination). */
  private relog(line: string): void {
    let rec: { level?: number; msg?: string } & Record<string, unknown>;
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      return;
    }
    const { level = 30, msg = '', time: _t, pid: _p, hostname: _h, ...fields } = rec;
    const name = level >= 50 ? 'error' : level >= 40 ? 'warn' : level >= 30 ? 'info' : 'debug';
    this.log[name](fields, msg);
  }

  /** Stop the thread; what is still asked fails. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new ClusterThreadError('closed'));
    this.pending.clear();
    await worker?.terminate();
  }
}
