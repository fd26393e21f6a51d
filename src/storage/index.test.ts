import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceConfig } from '../model/index.js';
import { MIGRATIONS } from './migrations.js';
import { itemKey, Store, type ItemInput } from './index.js';

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
});
