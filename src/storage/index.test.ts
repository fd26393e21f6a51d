import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceConfig } from '../model/index.js';
import { MIGRATIONS } from './migrations.js';
import { itemKey, PRUNE_STEP, Store, type ItemInput } from './index.js';

let dir: string;
let store: Store;
const NOW = '2025-07-19T00:00:00.000Z';
/** How long another process holds a new file's write lock in the busy test (ms). */
const HOLD_MS = 400;
const src = (url: string, extra: Partial<SourceConfig> = {}): SourceConfig =>
  ({ url, tags: [], intervalSeconds: 600, enabled: true, fullText: true, ...extra });
const item = (over: Partial<ItemInput>): ItemInput =>
  ({ title: 'T', published: '2025-07-18T00:00:00.000Z', enclosures: [], categories: [], ...over });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-store-'));
  store = Store.open(join(dir, 'sub', 'test.db'));
  store.sources.sync([src('https://a.example/feed'), src('https://b.example/feed')], NOW);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ids = () => Object.fromEntries(store.sources.list().map((s) => [s.configUrl, s.id]));
const ab = () => ({ a: ids()['https://a.example/feed'] as number, b: ids()['https://b.example/feed'] as number });

describe('Store', () => {
  it('creates the file in WAL mode at the latest schema version', () => {
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('updates an item seen again (same guid) instead of duplicating it', () => {
    const a = ids()['https://a.example/feed'] as number;
    expect(store.items.save(a, [item({ guid: 'g1', url: 'https://a.example/1', title: 'First' })], NOW)).toMatchObject({ inserted: 1, updated: 0, unchanged: 0 });
    expect(store.items.save(a, [item({ guid: 'g1', url: 'https://a.example/1', title: 'First' })], NOW)).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
    expect(store.items.save(a, [item({ guid: 'g1', url: 'https://a.example/1', title: 'First (updated)' })], NOW)).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });
    expect(store.stats().items).toBe(1);
    expect(store.stories.list(10).map((s) => s.title)).toEqual(['First (updated)']);
  });

  it('matches an item by canonical URL when its guid changed', () => {
    const a = ids()['https://a.example/feed'] as number;
    store.items.save(a, [item({ guid: 'old', url: 'https://a.example/1' })], NOW);
    store.items.save(a, [item({ guid: 'new', url: 'https://a.example/1' })], NOW);
    expect(store.stats().items).toBe(1);
  });

  it('keys items without guid or link by their content', () => {
    const a = ids()['https://a.example/feed'] as number;
    store.items.save(a, [item({ title: 'No link', summary: 'same' }), item({ title: 'No link', summary: 'same' })], NOW);
    store.items.save(a, [item({ title: 'No link', summary: 'other' })], NOW);
    expect(store.stats().items).toBe(2);
    expect(itemKey({ title: 'x' })).toMatch(/^hash:/);
    expect(itemKey({ title: 'x', guid: 'g' })).toBe('guid:g');
  });

  it('recognises the same canonical URL from two sources as one article and one story', () => {
    const { a, b } = ab();
    store.items.save(a, [item({ guid: 'a1', url: 'https://news.example/x', title: 'From A' })], NOW);
    store.items.save(b, [item({ guid: 'b1', url: 'https://news.example/x', title: 'From B', content: '<p>longer body</p>' })], NOW);
    const stories = store.stories.list(10);
    expect(stories).toHaveLength(1);
    expect(stories[0]?.sources.map((s) => s.sourceUrl)).toEqual(['https://a.example/feed', 'https://b.example/feed']);
    // Neither source's site holds the URL: the first that carried it represents the article (issue 10.9).
    expect(stories[0]?.title).toBe('From A');
    expect(store.stats()).toMatchObject({ items: 2, articles: 1, stories: 1 });
  });

  it('places a new article in a story the clusterer names, unless that story is gone (pruned)', () => {
    const { a, b } = ab();
    store.items.save(a, [item({ guid: 'a1', url: 'https://n.example/1', title: 'First report' })], NOW);
    const first = store.stories.list(10)[0]?.id as number;
    const saved = store.items.save(b, [item({ guid: 'b1', url: 'https://m.example/1', title: 'Second report' })], NOW,
      new Map([[0, { story: { id: first } }]]));
    expect(saved.inserted).toBe(1);
    expect(store.stories.list(10)).toHaveLength(1);
    expect(store.stories.list(10)[0]?.sources).toHaveLength(2);
    // A story id the database no longer has: a new story instead of a foreign-key failure.
    const third = store.items.save(b, [item({ guid: 'b2', url: 'https://m.example/2', title: 'Third report' })], NOW,
      new Map([[0, { story: { id: 999_999 } }]]));
    expect(store.stories.list(10)).toHaveLength(2);
    expect(third.articles[0]?.storyId).not.toBe(999_999);
    expect(third.articles[0]?.createdStory).toBe(true);
    expect(store.stories.merge(first, 999_999, NOW)).toBe(false);
    expect(store.stories.history(first).map((e) => e.event)).toEqual(['created', 'joined']);
  });

  it('waits for another process that holds the write lock of a new file, instead of failing at once as busy', async () => {
    // The switch to WAL of a file in rollback mode while another process holds its write lock: SQLite
    // answers SQLITE_BUSY at once, busy timeout or not (two workers started together on a new file).
    const path = join(dir, 'held.db');
    const holder = spawn(process.execPath, ['-e', `const db = new (require('better-sqlite3'))(${JSON.stringify(path)});
      db.exec('BEGIN IMMEDIATE'); console.log('held');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${HOLD_MS});`], { cwd: process.cwd() });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d: Buffer) => { if (d.toString().includes('held')) resolve(); });
      holder.on('exit', (code) => reject(new Error(`holder exited (${code})`)));
    });
    const started = Date.now();
    const other = Store.open(path);
    try {
      expect(Date.now() - started).toBeGreaterThan(HOLD_MS / 2);
      expect(other.schemaVersion).toBe(MIGRATIONS.length);
      expect(other.db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      other.close();
      holder.kill();
    }
  });

  it('keeps data across reopening the file', () => {
    const a = ids()['https://a.example/feed'] as number;
    store.items.save(a, [item({ guid: 'g1', url: 'https://a.example/1' })], NOW);
    const guid = store.stories.list(1)[0]?.guid;
    store.close();
    store = Store.open(join(dir, 'sub', 'test.db'));
    expect(store.stories.list(1)[0]?.guid).toBe(guid);
  });

  it('disables sources removed from the config and re-enables them when they come back', () => {
    store.sources.sync([src('https://a.example/feed')], NOW);
    expect(store.sources.get('https://b.example/feed')?.status).toBe('disabled');
    store.sources.sync([src('https://a.example/feed'), src('https://b.example/feed')], NOW);
    expect(store.sources.get('https://b.example/feed')?.status).toBe('new');
  });

  it('records failures and success', () => {
    const a = ids()['https://a.example/feed'] as number;
    store.sources.recordFetchFailure(a, NOW, { error: 'fetcher: boom', status: 'failing', nextAttemptAt: '2025-07-19T01:00:00.000Z' });
    store.sources.recordFetchFailure(a, NOW, { error: 'fetcher: boom', status: 'failing', nextAttemptAt: '2025-07-19T02:00:00.000Z' });
    expect(store.sources.get('https://a.example/feed')).toMatchObject({ status: 'failing', consecutiveFailures: 2, lastError: 'fetcher: boom' });
    store.sources.recordFetchSuccess(a, NOW, { url: 'https://a.example/moved', etag: '"e"', nextAttemptAt: NOW });
    expect(store.sources.get('https://a.example/feed')).toMatchObject({ status: 'ok', consecutiveFailures: 0, url: 'https://a.example/moved', etag: '"e"' });
    expect(store.sources.get('https://a.example/feed')?.lastError).toBeUndefined();
  });

  it('prunes old items and their stories, but keeps stories that still have recent items', () => {
    const { a, b } = ab();
    const old = '2025-01-01T00:00:00.000Z';
    store.items.save(a, [item({ guid: 'old', url: 'https://n.example/old', published: old })], old);
    store.items.save(a, [item({ guid: 'mixed-a', url: 'https://n.example/mixed', published: old })], old);
    store.items.save(b, [item({ guid: 'mixed-b', url: 'https://n.example/mixed', published: NOW })], NOW);
    const mixedGuid = store.stories.list(10).find((s) => s.url === 'https://n.example/mixed')?.guid;
    expect(store.prune('2025-06-01T00:00:00.000Z')).toEqual({ items: 1, stories: 1 });
    const left = store.stories.list(10);
    expect(left.map((s) => s.guid)).toEqual([mixedGuid]);
    expect(left[0]?.sources).toHaveLength(2);
  });

  it('prunes in steps of PRUNE_STEP until nothing old is left: every old item, its article and story; every merge leftover', () => {
    const { a, b } = ab();
    const old = '2025-01-01T00:00:00.000Z';
    const n = 2 * PRUNE_STEP + 7;
    store.items.save(a, Array.from({ length: n }, (_, i) => item({ guid: `old-${i}`, url: `https://n.example/old/${i}`, published: old })), old);
    // Recent stories merged pairwise: each merge leaves an empty leftover, cleared without being counted.
    const merges = PRUNE_STEP + 3;
    store.items.save(b, Array.from({ length: 2 * merges }, (_, i) => item({ guid: `new-${i}`, url: `https://n.example/new/${i}`, published: NOW })), NOW);
    const recent = (store.db.prepare('SELECT DISTINCT a.story_id FROM articles a JOIN items i ON i.article_id = a.id WHERE i.source_id = ? ORDER BY a.story_id')
      .pluck().all(b) as number[]);
    for (let i = 0; i < merges; i++) expect(store.stories.merge(recent[2 * i] as number, recent[2 * i + 1] as number, NOW)).toBe(true);
    expect(store.prune('2025-06-01T00:00:00.000Z')).toEqual({ items: n, stories: n });
    const count = (sql: string) => (store.db.prepare(sql).pluck().get() as number);
    expect(count('SELECT count(*) FROM items')).toBe(2 * merges);
    expect(count('SELECT count(*) FROM articles')).toBe(2 * merges);
    expect(count('SELECT count(*) FROM stories')).toBe(merges); // the leftovers gone, every live story kept
    expect(count('SELECT count(*) FROM stories WHERE merged_into IS NOT NULL')).toBe(0);
    expect(store.prune('2025-06-01T00:00:00.000Z')).toEqual({ items: 0, stories: 0 });
  });

  it('holds the write lock from the start of each transaction: another connection committing between its read and its write cannot make it fail', () => {
    const { a } = ab();
    // A second connection of the same file, as the cluster thread has: it must not get in, and the transaction must commit.
    const other = new Database(store.db.name, { timeout: 0 });
    let refused: unknown;
    store.db.transaction(() => {
      store.sources.get('https://a.example/feed'); // a read first
      try {
        other.prepare("UPDATE sources SET etag = 'other' WHERE id = ?").run(a);
      } catch (err) {
        refused = err;
      }
      store.sources.recordFetchSuccess(a, NOW, { etag: '"mine"', nextAttemptAt: NOW });
    })();
    other.close();
    expect((refused as { code?: string } | undefined)?.code).toBe('SQLITE_BUSY');
    expect(store.sources.get('https://a.example/feed')?.etag).toBe('"mine"');
  });

  it('counts a storage failure of another connection of the process in health, and ignores one that is not about storage', () => {
    store.writeFailedElsewhere(Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }));
    expect(store.health().writable).toBe(true);
    store.writeFailedElsewhere(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    expect(store.health()).toMatchObject({ writable: false, error: 'database or disk is full', lastWriteFailure: { code: 'SQLITE_FULL' } });
  });

  it('a second connection opened with rescue: false refuses writes once the file is deleted, and saves no copy of its own', () => {
    const path = store.db.name;
    const second = Store.open(path, { rescue: false });
    try {
      rmSync(path);
      expect(() => second.sources.recordFetchFailure(ab().a, NOW, { error: 'x', status: 'failing' }))
        .toThrow(/was deleted while storyfeed was running; refusing to write/);
      expect(readdirSync(join(dir, 'sub')).filter((f) => f.includes('.rescued-'))).toEqual([]);
    } finally {
      second.close();
    }
  });
});
