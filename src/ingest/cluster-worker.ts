// Thread side of ClusterThread (cluster-thread.ts): the clusterer and its glue with storage
// (ingest/cluster.ts, run here unchanged) in a worker thread, with a read-write connection of its own to
// the same file, so that deciding, refining and re-assessing stories, and writing what they decide (a
// source's items, its articles' analyses and placements, the story changes), never hold the main
// thread's event loop (issue 16). A source's items commit with its fetch state (ETag, next attempt),
// given with the operation, in one immediate transaction: a crash loses nothing committed and never
// stores the one without the other.
import { parentPort, workerData } from 'node:worker_threads';
import { format } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { pino, type Logger } from 'pino';
import type { Clusterer } from '../cluster/index.js';
import { Store, type FetchSuccess, type ItemInput, type SaveOutcome } from '../storage/index.js';
import { runInBackground } from '../workers/priority.js';
import { loadClusterer, reassessArticle, reclusterStories, saveAndCluster } from './cluster.js';

/** Main -> thread: one operation; thread -> main: its outcome, or a log line. */
export type ClusterOp =
  /** `checkpointed`: a thread checkpoints the WAL for the main connection (this one then leaves them to it). */
  | { id: number; op: 'save'; sourceId: number; items: readonly ItemInput[]; now: string; state: FetchSuccess; checkpointed: boolean }
  | { id: number; op: 'prune'; cutoff: string }
  | { id: number; op: 'reassess'; articleId: number; now: string }
  | { id: number; op: 'recluster'; hours: number; now: string }
  | { id: number; op: 'heap' };
export type ClusterReply = { id: number; value?: unknown; error?: { name: string; message: string; code?: string } } | { log: string };

export interface ClusterWorkerData {
  dbPath: string;
  logLevel: string;
}

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * This connection's page cache, MiB (SQLite's default is 2). It writes every new item, article, story
 * and analysis, and their indexes take the new keys at random places (story guids, publication dates):
 * with the default cache most of those pages are read again from the file for every source.
 */
const CACHE_MB = 32;
// Measured and not taken: this thread at the main thread's priority (nice 0 instead of runInBackground's
// 5), now that it, not the main thread, writes: a first cycle of 1,000 x 50 took 88.4 s against 85.4 s
// at nice 5 (one run each, interleaved, load ~7): no faster, and the main thread no longer first in line.
// ---------------------------------------------------------------------------------------------------

const data = workerData as ClusterWorkerData;
runInBackground();
const log: Logger = pino({ level: data.logLevel }, { write: (line: string) => parentPort?.postMessage({ log: line } satisfies ClusterReply) });
for (const level of ['log', 'info', 'debug', 'warn', 'error'] as const) {
  console[level] = (...args: unknown[]) => log[level === 'log' ? 'debug' : level]({ from: 'console' }, format(...args));
}

// Opened after the main thread migrated the file. A fault of the file (deleted or replaced) refuses
// writes here too; the copy of what the database holds is the main thread's to save (rescue: false).
const local = Store.open(data.dbPath, { rescue: false, onFault: (m) => log.error(m) });
local.db.pragma(`cache_size = -${CACHE_MB * 1024}`);
/** Whether this connection checkpoints in its commits (SQLite's default), or leaves it to the checkpoint thread. */
let checkpointing = true;

/** The source whose items the current 'save' writes, and the fetch state that commits with them. */
let saving: { sourceId: number; now: string; state: FetchSuccess } | undefined;

/**
 * The Store the glue is given: this thread's own, except that a source's items and its fetch state
 * commit together (the fetch state of the 'save' under way, written in the transaction of its items).
 */
const store = new Proxy(local, {
  get: (target, key) => (key === 'items' ? items : Reflect.get(target, key)),
}) as Store;
const items = new Proxy(local.items, {
  get: (target, key) => (key !== 'save' ? Reflect.get(target, key) as unknown
    : (...args: Parameters<Store['items']['save']>): SaveOutcome => local.db.transaction(() => {
      const saved = target.save(...args);
      if (saving && saving.sourceId === args[0]) local.sources.recordFetchSuccess(saving.sourceId, saving.now, saving.state);
      return saved;
    })()),
});

let clusterer: Clusterer | undefined;
/** Loaded from the window when first needed (the cost of a start is the window's, read on this thread). */
const clustererAt = (now: string): Clusterer => (clusterer ??= loadClusterer(store, new Date(now)));

/** The 'heap' operation's answer: this thread's V8 heap, used and reserved, and its external memory. */
function heap(): { usedBytes: number; totalBytes: number; externalBytes: number } {
  const h = getHeapStatistics();
  return { usedBytes: h.used_heap_size, totalBytes: h.total_heap_size, externalBytes: h.external_memory };
}

function save(msg: Extract<ClusterOp, { op: 'save' }>): SaveOutcome {
  // The checkpoint thread, once the main thread started it, checkpoints for every connection: this
  // one's commits then never copy the WAL into the file themselves (one checkpointer, not two).
  if (checkpointing === msg.checkpointed) local.checkpointOnCommit((checkpointing = !msg.checkpointed));
  saving = { sourceId: msg.sourceId, now: msg.now, state: msg.state };
  try {
    return saveAndCluster(store, clustererAt(msg.now), msg.sourceId, msg.items, msg.now, log);
  } finally {
    saving = undefined;
  }
}

parentPort?.on('message', (msg: ClusterOp) => {
  try {
    const value = msg.op === 'save' ? save(msg)
      : msg.op === 'prune' ? local.prune(msg.cutoff)
      : msg.op === 'reassess' ? reassessArticle(store, clustererAt(msg.now), msg.articleId, msg.now, log)
        : msg.op === 'recluster' ? reclusterStories(store, clustererAt(msg.now), msg.now, msg.hours, log)
        : heap();
    parentPort?.postMessage({ id: msg.id, value } satisfies ClusterReply);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (err as { code?: unknown }).code;
    parentPort?.postMessage({ id: msg.id, error: { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) } } satisfies ClusterReply);
  }
});
