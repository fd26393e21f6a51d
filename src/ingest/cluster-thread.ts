// The clusterer in a thread of its own (issue 16: never hold the event loop long enough to starve
// sockets). Deciding where new articles go, refining stories and re-assessing an article after its full
// text take tens of milliseconds to seconds of CPU per source; on the main thread they stall fetches and
// the HTTP server. Here they run in a worker thread (cluster-worker.ts) that runs the glue of
// ingest/cluster.ts as it is, against a Store whose reads use the thread's own read-only connection and
// whose writes come back to this thread as synchronous calls: the main thread still does every write, on
// its one connection, so transactions, the health monitor and crash safety are unchanged. Operations run
// one at a time, in the order asked, exactly as the synchronous glue would run them.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { FetchSuccess, ItemInput, SaveOutcome, Store } from '../storage/index.js';
import { workerScript } from '../workers/pool.js';
import type { ClusterOp, ClusterReply, ClusterWorkerData, StoreAnswer, StoreCall } from './cluster-worker.js';

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

function revive(e: { name: string; message: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

export class ClusterThread {
  private worker?: Worker;
  private port?: MessagePort;
  private signal?: Int32Array;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  /** Fetch state to commit with a source's items, in the transaction of its items.save call. */
  private readonly fetchState = new Map<number, { now: string; state: FetchSuccess }>();

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
    this.fetchState.set(sourceId, { now, state });
    // Not an async function: its frame would hold `items` until the thread answers, and the batches of
    // all lanes waiting at once would survive into the old generation (the main thread's GC halved without).
    // Never consumed (the glue failed before its write): the caller records the failure.
    return (this.run({ op: 'save', sourceId, items, now }) as Promise<SaveOutcome>)
      .finally(() => this.fetchState.delete(sourceId));
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
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    const data: ClusterWorkerData = { dbPath: this.store.db.name, logLevel: this.log.level, port: port2, signal };
    const worker = new Worker(workerScript(import.meta.url, 'ingest', 'cluster-worker.js', (m) => new ClusterThreadError(m)),
      { workerData: data, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    this.worker = worker;
    this.port = port1;
    this.signal = new Int32Array(signal);
    port1.on('message', (call: StoreCall) => this.answer(call));
    port1.unref();
    worker.on('message', (msg: ClusterReply) => {
      if ('log' in msg) return this.relog(msg.log);
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (this.pending.size === 0) worker.unref();
      if (msg.error) p.reject(revive(msg.error));
      else p.resolve(msg.value);
    });
    const gone = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.port?.close();
      this.port = undefined;
      // What it held in memory is gone with it; the next operation starts a thread that reloads from storage.
      for (const p of this.pending.values()) p.reject(new ClusterThreadError(why));
      this.pending.clear();
    };
    worker.on('error', (err) => gone(`crashed: ${err.message}`));
    worker.on('exit', (code) => gone(`exited (${code})`));
    worker.unref();
    return worker;
  }

  /** A storage call from the thread: run it on this thread's connection, answer, wake the thread. */
  private answer(call: StoreCall): void {
    let answer: StoreAnswer;
    try {
      answer = { value: this.call(call) };
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      answer = { error: { name: e.name, message: e.message } };
    }
    this.port?.postMessage(answer);
    if (this.signal) {
      Atomics.store(this.signal, 0, 1);
      Atomics.notify(this.signal, 0);
    }
  }

  private call({ family, method, args }: StoreCall): unknown {
    const target = (this.store as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[family];
    const fn = target?.[method];
    if (typeof fn !== 'function') throw new ClusterThreadError(`no storage method ${family}.${method}`);
    if (family === 'items' && method === 'save') {
      // A source's items and its fetch state (ETag, next attempt) commit together.
      const sourceId = args[0] as number;
      const pending = this.fetchState.get(sourceId);
      return this.store.db.transaction(() => {
        const saved = fn.apply(target, args);
        if (pending) this.store.sources.recordFetchSuccess(sourceId, pending.now, pending.state);
        this.fetchState.delete(sourceId);
        return saved;
      })();
    }
    return fn.apply(target, args);
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
    this.port?.close();
    this.port = undefined;
    await worker?.terminate();
  }
}
