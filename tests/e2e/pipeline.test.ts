// End to end: feeds served by a real HTTP server on 127.0.0.1, a real SQLite file, the real merged feed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { Config } from '../../src/model/index.js';
import { runCycle } from '../../src/scheduler/index.js';
import { createApp } from '../../src/server/index.js';
import { Store } from '../../src/storage/index.js';
import { MIGRATIONS } from '../../src/storage/migrations.js';
import { atom, configYaml, jsonFeed, rss } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const log = silentLogger();
let srv: TestServer;
let dir: string;

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-e2e-'));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(name: string, sources: string[], extra = ''): { store: Store; config: Config } {
  const config = parseConfig(configYaml(sources, extra), `${name}.yaml`);
  const store = Store.open(join(dir, `${name}.db`));
  store.sources.sync(config.sources, new Date().toISOString());
  return { store, config };
}

async function get(store: Store, config: Config, path: string, headers: Record<string, string> = {}) {
  const app = createApp({ store, config: () => config });
  return app.request(path, { headers });
}

describe('ingest of RSS, Atom and JSON Feed sources', () => {
  it('stores the items of all three formats and publishes them', async () => {
    srv.route('/a/rss.xml', { body: rss('Alpha', [
      { id: 'a1', title: 'Alpha one', link: '{{BASE}}/a/1?utm_source=x', summary: 'First <b>alpha</b>', published: '2025-07-18T10:00:00Z' },
      { id: 'a2', title: 'Alpha two', link: '{{BASE}}/a/2', published: '2025-07-18T11:00:00Z' },
    ]), headers: { 'Content-Type': 'application/rss+xml' } });
    srv.route('/a/atom.xml', { body: atom('Beta', [
      { id: 'urn:b1', title: 'Beta one', link: '{{BASE}}/b/1', content: '<p>Beta body</p>', published: '2025-07-18T12:00:00Z' },
    ]), headers: { 'Content-Type': 'application/atom+xml' } });
    srv.route('/a/feed.json', { body: jsonFeed('Gamma', [
      { id: 'g1', title: 'Gamma one', link: '{{BASE}}/g/1', summary: 'Gamma summary', published: '2025-07-18T13:00:00Z' },
    ]), headers: { 'Content-Type': 'application/feed+json' } });
    const { store, config } = setup('formats', ['/a/rss.xml', '/a/atom.xml', '/a/feed.json'].map(srv.url));
    const summary = await runCycle({ store, config, log, force: true });
    expect(summary).toMatchObject({ sources: 3, ok: 3, failed: 0, inserted: 4 });
    const titles = store.stories.list(10).map((s) => s.title);
    expect(titles).toEqual(['Gamma one', 'Beta one', 'Alpha two', 'Alpha one']); // newest first
    const alpha1 = store.stories.list(10).find((s) => s.title === 'Alpha one');
    expect(alpha1?.url).toBe(srv.url('/a/1')); // tracking parameter stripped
    expect(store.sources.list().map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    store.close();
  });
});

describe('conditional GET', () => {
  it('sends If-None-Match on the second fetch, gets 304 and keeps the items', async () => {
    srv.route('/c/rss.xml', { etag: '"v1"', body: rss('Cond', [{ id: 'c1', title: 'Cond one', link: '{{BASE}}/c/1' }]) });
    const { store, config } = setup('conditional', [srv.url('/c/rss.xml')]);
    const first = await runCycle({ store, config, log, force: true });
    const second = await runCycle({ store, config, log, force: true });
    expect(first.results[0]?.outcome).toBe('ok');
    expect(second.results[0]?.outcome).toBe('not-modified');
    const reqs = srv.requests('/c/rss.xml');
    expect(reqs[0]?.['if-none-match']).toBeUndefined();
    expect(reqs[1]?.['if-none-match']).toBe('"v1"');
    expect(store.stats().items).toBe(1);
    expect(store.sources.list()[0]?.status).toBe('ok');
    store.close();
  });

  it('does not fetch a source again before its interval unless forced', async () => {
    srv.route('/c/due.xml', { body: rss('Due', [{ id: 'd1', title: 'Due one', link: '{{BASE}}/d/1' }]) });
    const { store, config } = setup('due', [srv.url('/c/due.xml')]);
    await runCycle({ store, config, log });
    const second = await runCycle({ store, config, log });
    expect(second.sources).toBe(0);
    expect(srv.requests('/c/due.xml')).toHaveLength(1);
    store.close();
  });
});

describe('broken sources', () => {
  it('marks each broken source failing with a clear error while the good one succeeds', async () => {
    srv.route('/bad/good.xml', { body: rss('Good', [{ id: 'ok1', title: 'Good item', link: '{{BASE}}/ok/1' }]) });
    srv.route('/bad/badxml.xml', { body: '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>broken' });
    srv.route('/bad/404.xml', { status: 404, body: 'nope' });
    srv.route('/bad/500.xml', { status: 500, body: 'boom' });
    srv.route('/bad/slow.xml', { delayMs: 5000, body: rss('Slow', []) });
    srv.route('/bad/page.html', { body: '<!doctype html><html><head><title>No feed here</title></head><body><p>hi</p></body></html>',
      headers: { 'Content-Type': 'text/html' } });
    const paths = ['/bad/good.xml', '/bad/badxml.xml', '/bad/404.xml', '/bad/500.xml', '/bad/slow.xml', '/bad/page.html'];
    const { store, config } = setup('broken', paths.map(srv.url), '');
    const summary = await runCycle({ store, config, log, force: true });
    expect(summary).toMatchObject({ ok: 1, failed: 5 });
    const byUrl = new Map(store.sources.list().map((s) => [s.configUrl.replace(srv.base, ''), s]));
    expect(byUrl.get('/bad/good.xml')).toMatchObject({ status: 'ok', consecutiveFailures: 0, itemCount: 1 });
    for (const p of paths.slice(1)) {
      const s = byUrl.get(p);
      expect(s?.status, p).toBe('failing');
      expect(s?.consecutiveFailures, p).toBe(1);
      expect(s?.nextAttemptAt && s.nextAttemptAt > new Date().toISOString(), p).toBe(true);
    }
    expect(byUrl.get('/bad/badxml.xml')?.lastError).toMatch(/^parser: /);
    expect(byUrl.get('/bad/404.xml')?.lastError).toContain('404 Not Found');
    expect(byUrl.get('/bad/500.xml')?.lastError).toContain('500');
    expect(byUrl.get('/bad/slow.xml')?.lastError).toMatch(/timed out/);
    expect(byUrl.get('/bad/page.html')?.lastError).toMatch(/HTML page without a feed/);
    store.close();
  });

  it('backs off exponentially and records consecutive failures', async () => {
    srv.route('/bad/always500.xml', { status: 500, body: 'boom' });
    const { store, config } = setup('backoff', [srv.url('/bad/always500.xml')]);
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = Date.now();
      await runCycle({ store, config, log, force: true });
      const s = store.sources.list()[0];
      waits.push(new Date(s?.nextAttemptAt ?? 0).getTime() - t);
    }
    expect(store.sources.list()[0]?.consecutiveFailures).toBe(3);
    expect(waits[1]).toBeGreaterThan((waits[0] as number) * 1.8);
    expect(waits[2]).toBeGreaterThan((waits[1] as number) * 1.8);
    store.close();
  });
});

describe('charsets, discovery and redirects', () => {
  it('decodes a windows-1252 feed correctly', async () => {
    const text = rss('Café', [{ id: 'w1', title: 'Smart “quotes” cost 5 € in Zürich', link: '{{BASE}}/w/1' }], 'windows-1252');
    const bytes = Buffer.from(
      [...text.replaceAll('{{BASE}}', srv.base)].map((ch) => ({ '“': 0x93, '”': 0x94, '€': 0x80 } as Record<string, number>)[ch] ?? ch.charCodeAt(0)),
    );
    srv.route('/cs/cp1252.xml', { body: bytes, headers: { 'Content-Type': 'application/rss+xml' } });
    const { store, config } = setup('cp1252', [srv.url('/cs/cp1252.xml')]);
    await runCycle({ store, config, log, force: true });
    expect(store.stories.list(5).map((s) => s.title)).toEqual(['Smart “quotes” cost 5 € in Zürich']);
    expect(store.sources.list()[0]?.title).toBe('Café');
    store.close();
  });

  it('discovers the feed of an HTML page and fetches it from then on', async () => {
    srv.route('/disc/home.html', { body: '<!doctype html><html><head><link rel="alternate" type="application/atom+xml" href="/disc/feed.atom"></head><body>home</body></html>',
      headers: { 'Content-Type': 'text/html' } });
    srv.route('/disc/feed.atom', { body: atom('Disc', [{ id: 'urn:d1', title: 'Discovered item', link: '{{BASE}}/disc/1' }]) });
    const { store, config } = setup('discovery', [srv.url('/disc/home.html')]);
    await runCycle({ store, config, log, force: true });
    const s = store.sources.list()[0];
    expect(s).toMatchObject({ status: 'ok', url: srv.url('/disc/feed.atom'), configUrl: srv.url('/disc/home.html'), itemCount: 1 });
    await runCycle({ store, config, log, force: true });
    expect(srv.requests('/disc/home.html')).toHaveLength(1);
    expect(srv.requests('/disc/feed.atom')).toHaveLength(2);
    store.close();
  });

  it('a permanent redirect updates the stored URL, a temporary one does not', async () => {
    srv.route('/r/old.xml', { status: 301, headers: { Location: '/r/new.xml' } });
    srv.route('/r/new.xml', { body: rss('Moved', [{ id: 'm1', title: 'Moved item', link: '{{BASE}}/m/1' }]) });
    srv.route('/r/tmp.xml', { status: 302, headers: { Location: '/r/new.xml' } });
    const { store, config } = setup('redirects', [srv.url('/r/old.xml'), srv.url('/r/tmp.xml')]);
    await runCycle({ store, config, log, force: true });
    const [moved, temp] = store.sources.list();
    expect(moved?.url).toBe(srv.url('/r/new.xml'));
    expect(temp?.url).toBe(srv.url('/r/tmp.xml'));
    store.close();
  });
});

describe('the merged feed', () => {
  const shared = '{{BASE}}/story/shared-report';
  async function twoSourcesOneArticle() {
    srv.route('/m/one.xml', { body: rss('Outlet One', [
      { id: 'one-1', title: 'Shared report', link: `${shared}?utm_source=one`, summary: 'Teaser from one', published: '2025-07-18T09:00:00Z' },
      { id: 'one-2', title: 'Only in one', link: '{{BASE}}/story/only-one', published: '2025-07-18T08:00:00Z' },
    ]) });
    srv.route('/m/two.json', { body: jsonFeed('Outlet Two', [
      { id: 'two-1', title: 'Shared report (syndicated)', link: `${shared}#comments`, summary: 'Teaser from two',
        content: '<p>The full shared report body.</p><script>alert(1)</script>', published: '2025-07-18T09:30:00Z' },
    ]) });
    const setupResult = setup(`merged-${Math.random().toString(36).slice(2)}`, [srv.url('/m/one.xml'), srv.url('/m/two.json')]);
    await runCycle({ ...setupResult, log, force: true });
    return setupResult;
  }

  it('shows an article carried by two sources once, listing both sources', async () => {
    const { store, config } = await twoSourcesOneArticle();
    const res = await get(store, config, '/feed.xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/rss+xml');
    const feed = await new Parser().parseString(await res.text());
    expect(feed.items).toHaveLength(2);
    // The published link is the representing source's own (its #comments kept, tracking removed: issue 9.9).
    const sharedEntry = feed.items.find((i) => i.link === srv.url('/story/shared-report#comments'));
    expect(sharedEntry).toBeDefined();
    const content = (sharedEntry as Record<string, unknown>)['content:encoded'] as string;
    expect(content).toContain('The full shared report body.');
    expect(content).not.toContain('<script');
    expect(content).toContain('Outlet One');
    expect(content).toContain('Outlet Two');
    expect(content).toContain('Covered by 2 sources');
    expect(content).toMatch(/First reported 2025-07-18 09:00 UTC; first seen \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC; updated \d{4}-/);
    store.close();
  });

  it('keeps entry ids identical across cycles', async () => {
    const { store, config } = await twoSourcesOneArticle();
    const ids = async () => {
      const res = await get(store, config, '/atom.xml');
      const feed = await new Parser().parseString(await res.text());
      return feed.items.map((i) => i.id).sort();
    };
    const before = await ids();
    await runCycle({ store, config, log, force: true });
    await runCycle({ store, config, log, force: true });
    const after = await ids();
    expect(before).toHaveLength(2);
    expect(before.every((id) => typeof id === 'string' && id.startsWith('urn:uuid:'))).toBe(true);
    expect(after).toEqual(before);
    store.close();
  });

  it('renders RSS 2.0, Atom 1.0 and JSON Feed 1.1 that parse back to the same stories', async () => {
    const { store, config } = await twoSourcesOneArticle();
    const rssFeed = await new Parser().parseString(await (await get(store, config, '/feed.xml')).text());
    const atomRes = await get(store, config, '/atom.xml');
    expect(atomRes.headers.get('content-type')).toContain('application/atom+xml');
    const atomFeed = await new Parser().parseString(await atomRes.text());
    const jsonRes = await get(store, config, '/feed.json');
    expect(jsonRes.headers.get('content-type')).toContain('application/feed+json');
    const json = (await jsonRes.json()) as { version: string; items: { id: string; title: string }[] };
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    const titles = rssFeed.items.map((i) => i.title).sort();
    expect(atomFeed.items.map((i) => i.title).sort()).toEqual(titles);
    expect(json.items.map((i) => i.title).sort()).toEqual(titles);
    expect(json.items.map((i) => i.id).sort()).toEqual(rssFeed.items.map((i) => i.guid).sort());
    expect(atomFeed.title).toBe('test merged feed');
    store.close();
  });

  it('answers 304 to If-None-Match and If-Modified-Since, 200 after a change', async () => {
    const { store, config } = await twoSourcesOneArticle();
    const app = createApp({ store, config: () => config });
    const first = await app.request('/feed.xml');
    const etag = first.headers.get('etag') as string;
    const lastModified = first.headers.get('last-modified') as string;
    expect(etag).toMatch(/^".+"$/);
    expect((await app.request('/feed.xml', { headers: { 'If-None-Match': etag } })).status).toBe(304);
    expect((await app.request('/feed.xml', { headers: { 'If-Modified-Since': lastModified } })).status).toBe(304);
    srv.route('/m/one.xml', { body: rss('Outlet One', [
      { id: 'one-3', title: 'A brand new story', link: '{{BASE}}/story/new', published: '2025-07-19T09:00:00Z' },
    ]) });
    await runCycle({ store, config, log, force: true });
    const changed = await app.request('/feed.xml', { headers: { 'If-None-Match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(await changed.text()).toContain('A brand new story');
    store.close();
  });

  it('reports database and scheduler state on /health', async () => {
    const { store, config } = await twoSourcesOneArticle();
    const res = await get(store, config, '/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; database: { ok: boolean; schemaVersion: number }; stats: { stories: number } };
    expect(body.status).toBe('ok');
    expect(body.database).toMatchObject({ ok: true, schemaVersion: MIGRATIONS.length });
    expect(body.stats.stories).toBe(2);
    store.close();
    const closed = await get(store, config, '/health');
    expect(closed.status).toBe(503);
  });
});
