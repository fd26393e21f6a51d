// WAL checkpoints in their own thread: with it running, the main connection never checkpoints, yet what
// it commits reaches the database file; once it stops, the connection checkpoints itself again.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Checkpointer } from './checkpoint.js';
import { Store } from './index.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-ckpt-'));
  store = Store.open(join(dir, 'test.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** ~2 MB of rows in the meta table, committed in 20 transactions. */
function write(tag: string): void {
  const put = store.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  for (let t = 0; t < 20; t++) store.db.transaction(() => { for (let i = 0; i < 100; i++) put.run(`${tag}-${t}-${i}`, 'x'.repeat(1_000)); })();
}

const autocheckpoint = () => store.db.pragma('wal_autocheckpoint', { simple: true }) as number;

it('moves checkpoints to its thread: the file receives the commits while the connection never checkpoints', async () => {
  const dbFile = join(dir, 'test.db');
  const errors: string[] = [];
  store.checkpointInBackground((m) => errors.push(m));
  expect(autocheckpoint()).toBe(0);
  const before = statSync(dbFile).size;
  write('a');
  // Nothing has copied the log into the file yet (the connection no longer does).
  expect(statSync(dbFile).size).toBe(before);
  const deadline = Date.now() + 10_000;
  while (statSync(dbFile).size < before + 1_500_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(statSync(dbFile).size).toBeGreaterThan(before + 1_500_000);
  expect(errors).toEqual([]);
  // Asking again while it runs starts no second thread and changes nothing.
  store.checkpointInBackground((m) => errors.push(m));
  expect(autocheckpoint()).toBe(0);
});

it('gives checkpoints back to the connection when the thread stops', () => {
  expect(autocheckpoint()).toBe(1_000);
  const c = Checkpointer.start(store.db, () => undefined);
  expect(c?.running).toBe(true);
  expect(autocheckpoint()).toBe(0);
  c?.stop();
  expect(c?.running).toBe(false);
  expect(autocheckpoint()).toBe(1_000);
});

it('closes its connection before the store closes, so the store leaves no WAL files behind', async () => {
  const file = join(dir, 'own.db');
  const own = Store.open(file);
  own.checkpointInBackground(() => undefined);
  // Let the thread open its connection and checkpoint at least once.
  await new Promise((r) => setTimeout(r, 300));
  own.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('k', 'v');
  own.close();
  // The store's connection was the last one: SQLite checkpointed and removed the log and its index.
  expect(existsSync(`${file}-wal`)).toBe(false);
  expect(existsSync(`${file}-shm`)).toBe(false);
});

it('is not started for an in-memory database', () => {
  const mem = Store.open(':memory:');
  try {
    mem.checkpointInBackground(() => undefined);
    expect(mem.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
  } finally {
    mem.close();
  }
});
