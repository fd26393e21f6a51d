// Issue 12: an item fetched again unchanged is recognised by its fingerprint and skipped before cleaning,
// clustering and writing (only "seen now" is written, at most once an hour); a changed one is cleaned, compared and updated as
// before; a cycle with nothing new never loads the clusterer. Real HTTP server on 127.0.0.1, real SQLite
// file, the real parser threads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClusterer } from '../../src/ingest/cluster.js';
import { fingerprint, readFeed } from '../../src/ingest/clean.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { parseFeed } from '../../src/parser/index.js';
import { ParserPool } from '../../src/parser/pool.js';
import { runCycle } from '../../src/scheduler/index.js';
import { Store } from '../../src/storage/index.js';
import { SEEN_RESOLUTION_MS } from '../../src/storage/items.js';
import { configYaml, rss, type TestItem } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const log = silentLogger();
let srv: TestServer;
let dir: string;
beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-unchanged-'));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

const items = (n: number, edit?: (i: number) => Partial<TestItem>): TestItem[] => Array.from({ length: n }, (_, i) => ({
  id: `u${i}`, title: `Harbour council item ${i}`, link: `{{BASE}}/u/${i}`, summary: `<p>Body <b>${i}</b> of the item</p>`,
  published: '2025-07-18T10:00:00Z', ...edit?.(i),
}));

/** Rows as stored, read through a connection of its own. */
function rows(path: string): { guid: string; title: string; last_seen_at: string; content_hash: string | null }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT guid, title, last_seen_at, content_hash FROM items ORDER BY id').all() as ReturnType<typeof rows>;
  } finally {
    db.close();
  }
}

/** A clusterer for these cycles that counts how often it was asked for. */
function countingClusterer(store: Store): { get: () => ReturnType<typeof loadClusterer>; loads: () => number } {
  let n = 0;
  let c: ReturnType<typeof loadClusterer> | undefined;
  return { get: () => { n++; return (c ??= loadClusterer(store, new Date())); }, loads: () => n };
}

describe('fingerprints', () => {
  const OPTS = { baseUrl: 'https://u.example/feed', now: new Date('2025-07-20T12:00:00Z') };
  const doc = rss('U', items(3)).replaceAll('{{BASE}}', 'https://u.example');

  it('readFeed cleans only the items whose fingerprint is not known, and fingerprints all of them', async () => {
    const first = await readFeed(doc, OPTS, []);
    expect(first.entries).toHaveLength(3);
    expect(first.entries.every((e) => e.input !== undefined)).toBe(true);
    expect(first.entries[0]?.input?.summary).toBe('<p>Body <b>0</b> of the item</p>');
    const known = [first.entries[0]?.hash, first.entries[2]?.hash] as string[];
    const again = await readFeed(doc, OPTS, known);
    expect(again.entries.map((e) => e.hash)).toEqual(first.entries.map((e) => e.hash));
    expect(again.entries.map((e) => e.input === undefined)).toEqual([true, false, true]);
    expect(again.entries[0]).toEqual({ hash: known[0], guid: 'u0', url: 'https://u.example/u/0' });
  });

  it('changes with anything the item is stored from, not with its publication date', async () => {
    const [a] = (await parseFeed(doc, OPTS)).items;
    if (!a) throw new Error('no item');
    const h = fingerprint(a);
    expect(fingerprint({ ...a })).toBe(h);
    for (const changed of [{ title: `${a.title}!` }, { summary: `${a.summary} ` }, { link: 'https://u.example/other' },
      { author: 'Jo' }, { updated: '2025-07-19T00:00:00.000Z' }, { categories: ['x'] },
      { enclosures: [{ url: 'https://u.example/a.mp3', type: 'audio/mpeg' }] }]) {
      expect(fingerprint({ ...a, ...changed }), JSON.stringify(changed)).not.toBe(h);
    }
    expect(fingerprint({ ...a, published: '2001-01-01T00:00:00.000Z' })).toBe(h);
  });
});

describe('a feed fetched again with the same content (200, no ETag)', () => {
  it('only marks its items seen, never asks the clusterer, and updates an item that changed', async () => {
    srv.route('/u/feed.xml', { body: rss('Unchanged', items(20)), headers: { 'Content-Type': 'application/rss+xml' } });
    const config = parseConfig(configYaml([srv.url('/u/feed.xml')], 'defaults:\n  full_text: false'), 'u.yaml');
    const path = join(dir, 'u.db');
    const store = Store.open(path);
    store.sources.sync(config.sources, new Date().toISOString());
    const parserPool = new ParserPool();
    const cluster = countingClusterer(store);
    let clock = Date.parse('2025-07-20T12:00:00Z');
    const now = () => new Date(clock);
    try {
      const first = await runCycle({ store, config, log, force: true, parserPool, now, clusterer: cluster.get });
      expect(first).toMatchObject({ ok: 1, inserted: 20, updated: 0 });
      expect(cluster.loads()).toBeGreaterThan(0);
      const stored = rows(path);
      expect(stored.every((r) => /^[0-9a-f]{32}$/.test(r.content_hash ?? ''))).toBe(true);
      const stories = store.stories.list(100).map((s) => [s.guid, s.updated]);

      clock += 3_600_000;
      const loadsBefore = cluster.loads();
      const second = await runCycle({ store, config, log, force: true, parserPool, now, clusterer: cluster.get });
      expect(second).toMatchObject({ ok: 1, inserted: 0, updated: 0 });
      expect(cluster.loads()).toBe(loadsBefore); // nothing new: the clusterer was not asked for
      const seen = rows(path);
      expect(seen.map((r) => [r.guid, r.title, r.content_hash])).toEqual(stored.map((r) => [r.guid, r.title, r.content_hash]));
      expect(new Set(seen.map((r) => r.last_seen_at))).toEqual(new Set([new Date(clock).toISOString()]));
      expect(store.stories.list(100).map((s) => [s.guid, s.updated])).toEqual(stories); // no entry moved

      // Ten minutes later: seen again, but the stored sighting is recent enough (SEEN_RESOLUTION_MS): nothing written.
      const lastSeen = new Date(clock).toISOString();
      clock += 600_000;
      expect(SEEN_RESOLUTION_MS).toBeGreaterThan(600_000);
      await runCycle({ store, config, log, force: true, parserPool, now, clusterer: cluster.get });
      expect(new Set(rows(path).map((r) => r.last_seen_at))).toEqual(new Set([lastSeen]));

      // An hour on, one item edited, one added: those two are cleaned and written; the others only seen.
      srv.route('/u/feed.xml', { body: rss('Unchanged', [...items(20, (i) => (i === 3 ? { title: 'Harbour council item 3, updated' } : {})),
        { id: 'u-new', title: 'A new item', link: '{{BASE}}/u/new', published: '2025-07-20T11:00:00Z' }]) });
      clock += SEEN_RESOLUTION_MS;
      const third = await runCycle({ store, config, log, force: true, parserPool, now, clusterer: cluster.get });
      expect(third).toMatchObject({ ok: 1, inserted: 1, updated: 1 });
      const after = rows(path);
      expect(after).toHaveLength(21);
      const edited = after.find((r) => r.guid === 'u3');
      expect(edited?.title).toBe('Harbour council item 3, updated');
      expect(edited?.content_hash).not.toBe(stored.find((r) => r.guid === 'u3')?.content_hash);
      expect(after.filter((r) => r.last_seen_at === new Date(clock).toISOString())).toHaveLength(21);
    } finally {
      await parserPool.close();
      store.close();
    }
  });

  it('keeps two entries sharing one link apart when one of them is unchanged and the other new', async () => {
    srv.route('/u/shared.xml', { body: rss('Shared', [{ id: 's1', title: 'First entry', link: '{{BASE}}/u/same' }]) });
    const config = parseConfig(configYaml([srv.url('/u/shared.xml')], 'defaults:\n  full_text: false'), 's.yaml');
    const path = join(dir, 's.db');
    const store = Store.open(path);
    store.sources.sync(config.sources, new Date().toISOString());
    try {
      await runCycle({ store, config, log, force: true });
      srv.route('/u/shared.xml', { body: rss('Shared', [{ id: 's1', title: 'First entry', link: '{{BASE}}/u/same' },
        { id: 's2', title: 'Second entry, same link', link: '{{BASE}}/u/same' }]) });
      const second = await runCycle({ store, config, log, force: true });
      expect(second).toMatchObject({ inserted: 1, updated: 0 });
      expect(rows(path).map((r) => [r.guid, r.title])).toEqual([['s1', 'First entry'], ['s2', 'Second entry, same link']]);
      expect(store.stats()).toMatchObject({ items: 2, articles: 1 });
    } finally {
      store.close();
    }
  });
});

describe('a cycle in which every feed answers 304', () => {
  it('never loads the clusterer', async () => {
    srv.route('/u/etag.xml', { etag: '"e1"', body: rss('Etag', items(3)) });
    const config = parseConfig(configYaml([srv.url('/u/etag.xml')], 'defaults:\n  full_text: false'), 'e.yaml');
    const store = Store.open(join(dir, 'e.db'));
    store.sources.sync(config.sources, new Date().toISOString());
    try {
      await runCycle({ store, config, log, force: true });
      const summary = await runCycle({ store, config, log, force: true, clusterer: () => { throw new Error('the clusterer was loaded'); } });
      expect(summary).toMatchObject({ notModified: 1, failed: 0 });
    } finally {
      store.close();
    }
  });
});
