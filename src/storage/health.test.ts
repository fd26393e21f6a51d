// The database's health from what writes really do, a file deleted or replaced under the connection,
// and read-only opening (issue 10, items 2, 6 and 12). Real SQLite files in a temporary directory;
// "full" is SQLite's own max_page_count (the full-filesystem case is tests/e2e/faults2.test.ts).
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceConfig } from '../model/index.js';
import { MIGRATIONS } from './migrations.js';
import { Store, StorageError, type ItemInput } from './index.js';

let dir: string;
let path: string;
const faults: string[] = [];
const NOW = '2025-07-19T00:00:00.000Z';
const src = (url: string): SourceConfig => ({ url, tags: [], intervalSeconds: 600, enabled: true, fullText: true });
/** Items with bodies big enough to need new pages. */
const items = (prefix: string, n: number): ItemInput[] => Array.from({ length: n }, (_, i) => ({
  guid: `${prefix}-${i}`, url: `https://a.example/${prefix}/${i}`, title: `${prefix} ${i}`, published: NOW,
  content: `<p>${'word '.repeat(2000)}${prefix} ${i}</p>`, enclosures: [], categories: [],
}));

function open(opts: Parameters<typeof Store.open>[1] = {}): Store {
  return Store.open(path, { onFault: (m) => faults.push(m), ...opts });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-health-'));
  path = join(dir, 'data', 'h.db');
  faults.length = 0;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('writable: what real writes do', () => {
  it('a full database (max_page_count) is not writable although a committed probe of one row still succeeds', () => {
    const store = open();
    store.sources.sync([src('https://a.example/feed')], NOW);
    const id = store.sources.list()[0]?.id as number;
    store.items.save(id, items('first', 2), NOW);
    expect(store.health()).toMatchObject({ ok: true, writable: true, problems: [] });

    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages}`); // no page more: really full, as SQLite sees it
    expect(() => store.items.save(id, items('second', 5), NOW)).toThrow(/database or disk is full/);
    // The old probe (a write rolled back) said writable; a committed update of one existing row needs no new page either.
    const h = store.health({ now: Date.now() + 60_000 });
    expect(h.writable).toBe(false);
    expect(h.error).toMatch(/database or disk is full/);
    expect(h.lastWriteFailure).toMatchObject({ code: 'SQLITE_FULL' });
    expect(h.problems.join(' ')).toMatch(/cannot be written .*: database or disk is full/);
    expect(store.stats().items).toBe(2); // nothing half-written

    // Room again: the failure counts until a cycle that started after it (the worker's failuresSince).
    store.db.pragma('max_page_count = 1073741823');
    expect(store.items.save(id, items('second', 5), NOW).inserted).toBe(5);
    expect(store.health({ now: Date.now() + 120_000 }).writable).toBe(false);
    const later = new Date(Date.now() + 1000).toISOString();
    expect(store.health({ failuresSince: later, now: Date.now() + 180_000 })).toMatchObject({ writable: true, problems: [] });
    store.close();
  });

  it('a committed probe notices a database that refuses every write, before any real write fails', () => {
    const store = open();
    store.db.pragma('query_only = ON');
    const h = store.health();
    expect(h).toMatchObject({ ok: true, writable: false, mode: 'read-write' });
    expect(h.error).toMatch(/readonly|query_only/i);
    expect(h.lastWriteFailure).toBeUndefined(); // the probe is not a real write
    store.close();
  });

  it('a constraint violation is a wrong write, not a storage failure', () => {
    const store = open();
    expect(() => store.db.prepare("INSERT INTO worker_lock (id, pid, host, command, started_at, heartbeat_at) VALUES (2, 1, 'h', 'c', 'x', 'x')").run())
      .toThrow(/CHECK constraint failed/);
    expect(store.health()).toMatchObject({ writable: true });
    expect(store.health().lastWriteFailure).toBeUndefined();
    store.close();
  });
});

describe('the database file deleted or replaced under the connection', () => {
  it('is detected, refuses writes, saves a copy of the data, and reports it', () => {
    const store = open();
    store.sources.sync([src('https://a.example/feed')], NOW);
    const id = store.sources.list()[0]?.id as number;
    store.items.save(id, items('kept', 3), NOW);
    for (const f of ['', '-wal', '-shm']) rmSync(`${path}${f}`, { force: true });

    const h = store.health();
    expect(h.file).toBe('deleted');
    expect(h.problems.join(' ')).toMatch(/h\.db was deleted while storyfeed was running: nothing more is written; its data was saved to .*h\.db\.rescued-/);
    expect(h.writable).toBe(false);
    expect(faults[0]).toMatch(/was deleted while storyfeed was running; writes are refused/);
    expect(faults[1]).toMatch(/saved what the open database holds to .*h\.db\.rescued-.*; move it back/);
    expect(() => store.items.save(id, items('lost', 1), NOW)).toThrow(StorageError);
    expect(() => store.sources.recordFetchFailure(id, NOW, { error: 'x', status: 'failing' })).toThrow(/refusing to write into the unlinked file/);
    expect(existsSync(path)).toBe(false); // nothing recreated at the path
    store.close();

    const rescued = h.rescuedTo as string;
    const copy = new Database(rescued, { readonly: true });
    expect(copy.prepare('SELECT count(*) AS n FROM items').get()).toEqual({ n: 3 });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();

    // The next start does not silently create an empty database where one existed.
    expect(() => open()).toThrow(/h\.db does not exist, but .*h\.db\.rescued-\S+ does: the database was deleted while storyfeed was running.*mv '/);
    expect(() => open({ readOnly: true })).toThrow(/does not exist, but .*rescued/);
    expect(existsSync(path)).toBe(false);
    renameSync(rescued, path);
    const back = open();
    expect(back.stats().items).toBe(3);
    expect(back.created).toBe(false);
    back.close();
  });

  it('notices a file moved over the path (another inode)', () => {
    const store = open();
    writeFileSync(join(dir, 'other.db'), '');
    renameSync(join(dir, 'other.db'), path);
    expect(store.health().file).toBe('replaced');
    expect(() => store.sources.sync([src('https://a.example/feed')], NOW)).toThrow(/was replaced while storyfeed was running/);
    store.close();
    expect(readdirSync(join(dir, 'data')).some((f) => f.startsWith('h.db.rescued-'))).toBe(true);
  });

  it('says so when a new database is created, and not otherwise', () => {
    const first = open();
    expect(first.created).toBe(true);
    first.close();
    const again = open();
    expect(again.created).toBe(false);
    again.close();
  });
});

describe('read-only opening', () => {
  it('reads, never writes, and reports no write problem', () => {
    const rw = open();
    rw.sources.sync([src('https://a.example/feed')], NOW);
    rw.close();
    const ro = open({ readOnly: true });
    expect(ro.sources.list()).toHaveLength(1);
    expect(() => ro.sources.sync([src('https://b.example/feed')], NOW)).toThrow(/readonly/);
    const h = ro.health();
    expect(h).toMatchObject({ ok: true, mode: 'read-only', file: 'ok', problems: [] });
    expect(h.writable).toBeUndefined(); // a read-only connection is not asked to write (no probe)
    ro.close();
  });

  it('never creates a file, and names what to run', () => {
    expect(() => open({ readOnly: true })).toThrow(/no database at .*h\.db \(`storyfeed once` or `storyfeed run` creates it\)/);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('refuses a database of an older schema with the way to upgrade it', () => {
    open().close();
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length - 1}`);
    db.close();
    expect(() => open({ readOnly: true })).toThrow(new RegExp(`schema version ${MIGRATIONS.length - 1}, older .*run a worker`));
  });
});
