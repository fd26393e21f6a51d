// WAL checkpoints in a thread of their own (issue 16). In WAL mode SQLite copies the log back into the
// database file (a checkpoint) from inside the commit that grows the log past `wal_autocheckpoint` pages:
// that commit, on the main thread, then also writes ~4 MB into the file and syncs it twice. Profiled on
// the first cycle of 500 feeds × 50 items, those commits took 30–75 ms each and commits were 65 % of the
// main thread's write time (3.1 s of 4.7 s); with the checkpoints gone from them, 0.6 s. Here the main
// connection stops checkpointing and a thread with a connection of its own runs a PASSIVE checkpoint
// (it waits for no reader or writer, and none waits for it) every CHECKPOINT_INTERVAL_MS. Durability is
// unchanged: a commit is in the log before it returns, and a crash replays the log at the next open.
// If the thread fails or stops, the main connection checkpoints as before.
import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../workers/pool.js';
import { StorageError } from './errors.js';

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * How often the thread checkpoints. A first cycle writes ~2 MB of log a second; at this pace the log
 * stays near SQLite's own threshold (1,000 pages, ~4 MB), and a checkpoint with nothing new costs a read.
 */
export const CHECKPOINT_INTERVAL_MS = 1_000;
/** The main connection's wal_autocheckpoint while no thread checkpoints for it (SQLite's default). */
export const AUTOCHECKPOINT_PAGES = 1_000;
/**
 * How long stop() waits for the thread to close its connection: a close is quick (a PASSIVE checkpoint
 * never waits on a lock), but a connection left open past the store's own close keeps the WAL files.
 */
export const STOP_WAIT_MS = 2_000;
// ---------------------------------------------------------------------------------------------------

/** What the thread is given. */
export interface CheckpointWorkerData {
  dbPath: string;
  intervalMs: number;
  /** Set to 1 (and notified) by the thread once its connection is closed. */
  closed: Int32Array;
}

/** Thread -> main: a checkpoint failed (the thread goes on), with SQLite's words. */
export interface CheckpointMessage { error: string }

export class Checkpointer {
  private worker?: Worker;
  private readonly closed = new Int32Array(new SharedArrayBuffer(4));

  private constructor(private readonly db: Database.Database, private readonly onError: (message: string) => void) {}

  /**
   * Checkpoint `db` (a read-write connection to a WAL file) from a thread from now on; undefined (the
   * connection checkpoints itself, as before) when the thread cannot start.
   */
  static start(db: Database.Database, onError: (message: string) => void, intervalMs = CHECKPOINT_INTERVAL_MS): Checkpointer | undefined {
    const c = new Checkpointer(db, onError);
    try {
      const script = workerScript(import.meta.url, 'storage', 'checkpoint-worker.js', (m) => new StorageError(m));
      const worker = new Worker(script, { workerData: { dbPath: db.name, intervalMs, closed: c.closed } satisfies CheckpointWorkerData });
      c.worker = worker;
      worker.unref();
      worker.on('message', (m: CheckpointMessage) => onError(`background checkpoint failed: ${m.error}`));
      worker.on('error', (err) => c.gone(`checkpoint thread crashed: ${err.message}`));
      worker.on('exit', () => c.gone());
    } catch (err) {
      onError(`cannot start the checkpoint thread: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    db.pragma('wal_autocheckpoint = 0');
    return c;
  }

  /** Whether a thread checkpoints for the connection now. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** The thread is gone: the connection checkpoints itself again. */
  private gone(why?: string): void {
    if (!this.worker) return;
    this.worker = undefined;
    if (why) this.onError(why);
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  }

  /**
   * Stop the thread and wait (up to STOP_WAIT_MS) until it has closed its connection, so that when the
   * store's own connection closes after this it is the last one and SQLite removes the WAL files; the
   * connection checkpoints itself again.
   */
  stop(): void {
    const worker = this.worker;
    this.gone();
    if (!worker) return;
    worker.postMessage('stop');
    Atomics.wait(this.closed, 0, 0, STOP_WAIT_MS);
  }
}
