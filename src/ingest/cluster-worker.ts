// Thread side of ClusterThread (cluster-thread.ts): the clusterer and its glue with storage
// (ingest/cluster.ts, run here unchanged) in a worker thread, so that deciding, refining and
// re-assessing stories never hold the main thread's event loop (issue 16). The glue is given a Store
// whose reads run on this thread's own read-only connection to the same file, and whose writes are
// synchronous calls to the main thread, which alone writes (one connection: its health monitor,
// transactions and the fetch state that commits with a source's items stay where they are).
import { receiveMessageOnPort, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { format } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { pino, type Logger } from 'pino';
import type { Clusterer } from '../cluster/index.js';
import { Store, type ItemInput } from '../storage/index.js';
import { runInBackground } from '../workers/priority.js';
import { loadClusterer, reassessArticle, reclusterStories, saveAndCluster } from './cluster.js';

/** Main -> thread: one operation; thread -> main: its outcome, or a log line. */
export type ClusterOp =
  | { id: number; op: 'save'; sourceId: number; items: readonly ItemInput[]; now: string }
  | { id: number; op: 'reassess'; articleId: number; now: string }
  | { id: number; op: 'recluster'; hours: number; now: string }
  | { id: number; op: 'heap' };
export type ClusterReply = { id: number; value?: unknown; error?: { name: string; message: string } } | { log: string };

/** A storage call the glue makes, run by the main thread, and its answer. */
export interface StoreCall { family: string; method: string; args: unknown[] }
export type StoreAnswer = { value: unknown } | { error: { name: string; message: string } };

export interface ClusterWorkerData {
  dbPath: string;
  logLevel: string;
  /** The thread's end of the storage channel, and the word it waits on for each answer. */
  port: MessagePort;
  signal: SharedArrayBuffer;
}

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * Store methods that only read: run on this thread's read-only connection (it sees every write the main
 * thread committed). Every other method is a write and goes to the main thread.
 */
const READS: Readonly<Record<string, ReadonlySet<string>>> = {
  items: new Set(['newArticles', 'clusterInputsToAnalyse', 'clusterInputFor', 'itemForCluster', 'knownHashes']),
  cluster: new Set(['window', 'windowVectors', 'get']),
  stories: new Set(['history', 'list', 'changeToken']),
  sources: new Set(['list', 'get', 'fetchStates']),
};
// ---------------------------------------------------------------------------------------------------

const data = workerData as ClusterWorkerData;
runInBackground();
const flag = new Int32Array(data.signal);

function revive(e: { name: string; message: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** A storage write, run by the main thread; this thread waits for its answer (it has nothing else to do). */
function callMain(call: StoreCall): unknown {
  Atomics.store(flag, 0, 0);
  data.port.postMessage(call);
  let answer: { message: StoreAnswer } | undefined;
  while (!(answer = receiveMessageOnPort(data.port) as { message: StoreAnswer } | undefined)) Atomics.wait(flag, 0, 0, 1_000);
  if ('error' in answer.message) throw revive(answer.message.error);
  return answer.message.value;
}

const local = Store.open(data.dbPath, { readOnly: true });

type Methods = Record<string, (...args: unknown[]) => unknown>;

/** One table family of the Store the glue sees: reads here, writes on the main thread. */
function family(name: string): Methods {
  const mine = (local as unknown as Record<string, Methods>)[name] as Methods;
  return new Proxy({} as Methods, {
    get: (_target, method: string) => (READS[name]?.has(method)
      ? (...args: unknown[]) => (mine[method] as (...a: unknown[]) => unknown).apply(mine, args)
      : (...args: unknown[]) => callMain({ family: name, method, args })),
  });
}

/**
 * The Store the glue is given. `db.transaction(fn)` runs `fn` as it is: the writes inside are each the
 * main thread's own transaction (the glue only groups cache rows so: analyses it stores for a window).
 */
const store = {
  items: family('items'), stories: family('stories'), cluster: family('cluster'), sources: family('sources'),
  extractions: family('extractions'),
  db: { transaction: (fn: (...args: unknown[]) => unknown) => (...args: unknown[]) => fn(...args) },
} as unknown as Store;

const log: Logger = pino({ level: data.logLevel }, { write: (line: string) => parentPort?.postMessage({ log: line } satisfies ClusterReply) });
for (const level of ['log', 'info', 'debug', 'warn', 'error'] as const) {
  console[level] = (...args: unknown[]) => log[level === 'log' ? 'debug' : level]({ from: 'console' }, format(...args));
}

let clusterer: Clusterer | undefined;
/** Loaded from the window when first needed (the cost of a start is the window's, read on this thread). */
const clustererAt = (now: string): Clusterer => (clusterer ??= loadClusterer(store, new Date(now)));

/** The 'heap' operation's answer: this thread's V8 heap, used and reserved, and its external memory. */
function heap(): { usedBytes: number; totalBytes: number; externalBytes: number } {
  const h = getHeapStatistics();
  return { usedBytes: h.used_heap_size, totalBytes: h.total_heap_size, externalBytes: h.external_memory };
}

parentPort?.on('message', (msg: ClusterOp) => {
  try {
    const value = msg.op === 'save'
      ? saveAndCluster(store, clustererAt(msg.now), msg.sourceId, msg.items, msg.now, log)
      : msg.op === 'reassess' ? reassessArticle(store, clustererAt(msg.now), msg.articleId, msg.now, log)
        : msg.op === 'recluster' ? reclusterStories(store, clustererAt(msg.now), msg.now, msg.hours, log)
        : heap();
    parentPort?.postMessage({ id: msg.id, value } satisfies ClusterReply);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    parentPort?.postMessage({ id: msg.id, error: { name: e.name, message: e.message } } satisfies ClusterReply);
  }
});
