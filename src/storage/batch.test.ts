// Store.writeSoon: units of writes coalesced into one transaction per turn of the event loop, each
// all-or-nothing on its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Store } from './index.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-batch-'));
  store = Store.open(join(dir, 'test.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = (key: string) => store.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(key, 'v');
const keys = () => (store.db.prepare("SELECT key FROM meta WHERE key LIKE 'k%' ORDER BY key").pluck().all() as string[]);

it('runs the units asked for in one turn in one transaction, after that turn, and resolves each with its value', async () => {
  // Seen from a second connection, data_version moves once per commit of this one.
  const other = Store.open(join(dir, 'test.db'));
  try {
    const seen = other.db.prepare('PRAGMA data_version').pluck();
    const v0 = seen.get() as number;
    const all = Promise.all(Array.from({ length: 50 }, (_, i) => store.writeSoon(() => { put(`k${String(i).padStart(2, '0')}`); return i; })));
    expect(keys()).toEqual([]); // nothing runs in the turn that asks
    expect(await all).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(keys()).toHaveLength(50);
    expect((seen.get() as number) - v0).toBe(1);
  } finally {
    other.close();
  }
});

it('undoes a unit that throws alone: its caller hears its error, the others commit', async () => {
  const ok1 = store.writeSoon(() => put('k1'));
  const bad = store.writeSoon(() => {
    put('k2');
    throw new Error('no');
  });
  const ok3 = store.writeSoon(() => put('k3'));
  await expect(bad).rejects.toThrow('no');
  await ok1;
  await ok3;
  expect(keys()).toEqual(['k1', 'k3']);
});

it('fails every waiting unit when the database refuses the batch, and takes writes again in the next one', async () => {
  // The file deleted under the open store: the write is refused before the transaction begins.
  rmSync(join(dir, 'test.db'));
  const results = await Promise.allSettled([store.writeSoon(() => put('k1')), store.writeSoon(() => put('k2'))]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/deleted/);
  expect(store.db.prepare("SELECT count(*) FROM meta WHERE key LIKE 'k%'").pluck().get()).toBe(0);
});
