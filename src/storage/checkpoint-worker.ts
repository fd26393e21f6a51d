// Thread side of Checkpointer (checkpoint.ts): a connection of its own to the database file, a PASSIVE
// WAL checkpoint every interval, and nothing else (it never writes a row). 'stop' closes it.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { runInBackground } from '../workers/priority.js';
import type { CheckpointMessage, CheckpointWorkerData } from './checkpoint.js';

const data = workerData as CheckpointWorkerData;
runInBackground();
// A PASSIVE checkpoint never waits on a lock; the timeout only covers opening (reading the WAL index).
const db = new Database(data.dbPath, { fileMustExist: true, timeout: 1_000 });
db.pragma('wal_autocheckpoint = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch (err) {
    parentPort?.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies CheckpointMessage);
  }
}, data.intervalMs);

parentPort?.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  Atomics.store(data.closed, 0, 1);
  Atomics.notify(data.closed, 0);
  parentPort?.close();
});
