// The clusterer's thread writes on a connection of its own (issue 16): a source's items and its fetch
// state commit there together, or not at all, and the main connection sees them once committed.
// A real SQLite file, the real worker thread (from dist/: `npm run build` first).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/index.js';
import { Store, type ItemInput } from '../storage/index.js';
import { ClusterThread } from './cluster-thread.js';

const NOW = '2025-07-18T18:00:00.000Z';
const OLD = '2025-01-01T00:00:00.000Z';
const item = (guid: string, title: string, published = '2025-07-18T10:00:00Z'): ItemInput => ({
  guid, url: `https://news.example/${guid}`, title, content: `<p>${title}, said the agency on Sunday.</p>`, published, enclosures: [], categories: [],
});

let dir: string;
let store: Store;
let thread: ClusterThread;
let source: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-cluster-thread-'));
  store = Store.open(join(dir, 'db.sqlite'));
  store.sources.sync([{ url: 'https://a.example/feed', tags: [], intervalSeconds: 1800, enabled: true, fullText: false }], NOW);
  source = store.sources.list()[0]?.id as number;
  thread = new ClusterThread(store, silentLogger());
});
afterEach(async () => {
  await thread.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = (sql: string, ...args: unknown[]) => store.db.prepare(sql).pluck().get(...args) as number;

describe('ClusterThread writes on its own connection', () => {
  it("commits a source's items, placements and fetch state together, seen by the main connection", async () => {
    const saved = await thread.save(source, [item('q1', 'Earthquake shakes northern Chile'), item('n1', 'Chipmaker cuts its forecast')], NOW,
      { etag: '"v1"', nextAttemptAt: '2025-07-18T18:30:00.000Z' });
    expect(saved).toMatchObject({ inserted: 2 });
    expect(saved.articles).toHaveLength(2);
    expect(count('SELECT count(*) FROM items WHERE source_id = ?', source)).toBe(2);
    expect(count('SELECT count(*) FROM cluster_features')).toBe(2);
    expect(store.sources.get('https://a.example/feed')).toMatchObject({ etag: '"v1"', status: 'ok' });
    expect(store.sources.fetchHistory().map((h) => h.outcome)).toEqual(['ok']);
  });

  it('stores neither the items nor the fetch state when the write fails, and says why', async () => {
    const missing = source + 100; // no such source: the items' foreign key refuses them
    await expect(thread.save(missing, [item('q1', 'Earthquake shakes northern Chile')], NOW, { etag: '"v1"', nextAttemptAt: NOW }))
      .rejects.toMatchObject({ message: expect.stringMatching(/FOREIGN KEY/), code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    expect(count('SELECT count(*) FROM items')).toBe(0);
    expect(count('SELECT count(*) FROM articles')).toBe(0);
    expect(count('SELECT count(*) FROM fetch_history')).toBe(0);
    // The thread goes on: the next source's write commits.
    await thread.save(source, [item('q2', 'Strong quake rattles Antofagasta')], NOW, { etag: '"v2"', nextAttemptAt: NOW });
    expect(store.sources.get('https://a.example/feed')?.etag).toBe('"v2"');
  });

  it('runs retention there: old items and the stories they leave empty are deleted', async () => {
    await thread.save(source, [item('old', 'Harbour council approves its budget', OLD)], OLD, { nextAttemptAt: OLD });
    await thread.save(source, [item('new', 'Chipmaker cuts its forecast')], NOW, { nextAttemptAt: NOW });
    expect(await thread.prune('2025-06-01T00:00:00.000Z')).toEqual({ items: 1, stories: 1 });
    expect(store.db.prepare('SELECT guid FROM items').pluck().all()).toEqual(['new']);
  });
});
