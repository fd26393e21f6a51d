// The HTTP server over a real socket: compression, HEAD, 304, per-tag feeds, OPML, renders kept between
// changes, self links on `serve --port`, and what slow or greedy clients can hold (issues 9.8, 10.11, 12).
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { Config } from '../../src/model/index.js';
import { readOpml } from '../../src/opml/index.js';
import { runCycle } from '../../src/scheduler/index.js';
import { closeServer, createApp, startServer } from '../../src/server/index.js';
import { Store } from '../../src/storage/index.js';
import { BIN, freePort } from '../helpers/cli.js';
import { atom, rss } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let dir: string;
let store: Store;
let config: Config;
let server: Awaited<ReturnType<typeof startServer>>;
let lists = 0;

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** One raw request (no client-side decompression), so the test sees the bytes and headers as sent. */
function raw(path: string, opts: { method?: string; headers?: Record<string, string>; port?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: opts.port ?? server.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A long body of its own per item (words no other item uses, so items never look like one story). */
const article = (i: number) => `<p>${Array.from({ length: 150 }, (_, k) => `item${i}word${k % 37}`).join(' ')}.</p>`;

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-http-'));
  srv.route('/h/world.xml', { body: rss('World desk', [
    { id: 'w1', title: 'Harbour bridge reopens after repairs', link: '{{BASE}}/w/1', content: article(1), published: '2025-07-18T10:00:00Z' },
    { id: 'w2', title: 'Council approves new cycle lanes', link: '{{BASE}}/w/2', content: article(2), published: '2025-07-18T11:00:00Z' },
  ]) });
  srv.route('/h/tech.atom', { body: atom('Tech desk', [
    { id: 'urn:t1', title: 'Chipmaker reports record quarter', link: '{{BASE}}/t/1', content: article(3), published: '2025-07-18T12:00:00Z' },
  ]) });
  config = parseConfig(`http:
  allow_private_networks: true
defaults:
  full_text: false
output:
  link: http://127.0.0.1:8080/
  port: 0
retention:
  days: 0
sources:
  - url: ${srv.url('/h/world.xml')}
    tags: [World News]
  - url: ${srv.url('/h/tech.atom')}
    tags: [tech]
`, 'http.yaml');
  store = Store.open(join(dir, 'http.db'));
  store.sources.sync(config.sources, new Date().toISOString());
  await runCycle({ store, config, log: silentLogger(), force: true });
  const list = store.stories.list.bind(store.stories);
  store.stories.list = (...args) => {
    lists++;
    return list(...args);
  };
  server = await startServer(createApp({ store, config: () => config }), '127.0.0.1', 0,
    { headersTimeoutMs: 600, requestTimeoutMs: 1_000, keepAliveTimeoutMs: 500, checkIntervalMs: 100, maxConnections: 4 });
});
afterAll(async () => {
  await closeServer(server.server);
  store.close();
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('feeds over HTTP (issue 9.8)', () => {
  it('compresses by Accept-Encoding (br, gzip), each encoding its own ETag, Vary set; the same bytes inside', async () => {
    const plain = await raw('/feed.xml');
    const br = await raw('/feed.xml', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    const gz = await raw('/feed.xml', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(br.headers['content-encoding']).toBe('br');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.body.length / 3);
    for (const a of [plain, br, gz]) {
      expect(a.headers.vary).toBe('Accept-Encoding');
      expect(Number(a.headers['content-length'])).toBe(a.body.length);
      expect(a.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    }
    expect(new Set([plain.headers.etag, br.headers.etag, gz.headers.etag]).size).toBe(3);
  });

  it('HEAD answers the headers of GET, with its Content-Length, and no body', async () => {
    for (const enc of ['', 'br']) {
      const headers = enc ? { 'Accept-Encoding': enc } : undefined;
      const get = await raw('/atom.xml', { headers });
      const head = await raw('/atom.xml', { method: 'HEAD', headers });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(head.headers['content-length']).toBe(String(get.body.length));
      expect(head.headers.etag).toBe(get.headers.etag);
      expect(head.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    }
  });

  it('304 for a matching ETag (any encoding of it) or Last-Modified: no body, no Content-Type, the validators kept', async () => {
    const first = await raw('/feed.json', { headers: { 'Accept-Encoding': 'gzip' } });
    const etag = String(first.headers.etag);
    const conditions: Record<string, string>[] = [{ 'If-None-Match': etag, 'Accept-Encoding': 'gzip' }, { 'If-None-Match': etag },
      { 'If-None-Match': `W/${etag}` }, { 'If-Modified-Since': String(first.headers['last-modified']) }];
    for (const headers of conditions) {
      const r = await raw('/feed.json', { headers });
      expect(r.status, JSON.stringify(headers)).toBe(304);
      expect(r.body.length).toBe(0);
      expect(r.headers['content-type']).toBeUndefined();
      expect(r.headers['content-length']).toBeUndefined();
      expect(r.headers.etag).toMatch(/^"[\w-]+"$/);
      expect(r.headers['last-modified']).toBe(first.headers['last-modified']);
    }
    expect((await raw('/feed.json', { headers: { 'If-None-Match': '"other"' } })).status).toBe(200);
  });

  it('the fast path sends the same security headers as every other answer', async () => {
    const feed = await raw('/feed.xml');
    const health = await raw('/health/live');
    for (const h of ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-resource-policy']) {
      expect(feed.headers[h], h).toBe(health.headers[h]);
      expect(feed.headers[h], h).toBeTruthy();
    }
    expect((await raw('/feed.xml', { method: 'POST' })).status).toBe(405);
  });

  it('renders once per change of the stories: repeated requests in every format and encoding reuse the bytes', async () => {
    await raw('/feed.xml');
    const before = lists;
    for (const path of ['/feed.xml', '/atom.xml', '/feed.json']) {
      for (const enc of ['', 'gzip', 'br']) await raw(path, { headers: enc ? { 'Accept-Encoding': enc } : {} });
    }
    expect(lists).toBe(before);
    const etag = (await raw('/feed.xml')).headers.etag;
    srv.route('/h/tech.atom', { body: atom('Tech desk', [
      { id: 'urn:t1', title: 'Chipmaker reports record quarter', link: '{{BASE}}/t/1', content: article(3), published: '2025-07-18T12:00:00Z' },
      { id: 'urn:t2', title: 'Telescope mirror cast in one piece', link: '{{BASE}}/t/2', published: '2025-07-18T13:00:00Z' },
    ]) });
    await runCycle({ store, config, log: silentLogger(), force: true });
    const after = await raw('/feed.xml');
    expect(after.headers.etag).not.toBe(etag);
    expect(after.body.toString()).toContain('Telescope mirror cast in one piece');
    expect(lists).toBe(before + 1);
  });

  it('sees a change committed by another process\'s connection (PRAGMA data_version), as `serve` beside `run` or `once`', async () => {
    const etag = (await raw('/feed.json')).headers.etag;
    const other = Store.open(join(dir, 'http.db'));
    const source = other.sources.list()[1]?.id as number; // the tech desk
    other.items.save(source, [{ guid: 'w9', url: srv.url('/w/9'), link: srv.url('/w/9'), title: 'Ferry timetable changes in winter',
      published: '2025-07-18T15:00:00.000Z', enclosures: [], categories: [] }], new Date().toISOString());
    other.close();
    const after = await raw('/feed.json');
    expect(after.headers.etag).not.toBe(etag);
    expect(after.body.toString()).toContain('Ferry timetable changes in winter');
  });
});

describe('per-tag feeds and the OPML of all feeds', () => {
  it('serves /tags/<tag>/{feed.xml,atom.xml,feed.json} with that tag\'s stories; the tag matched whatever its case', async () => {
    const world = (await raw('/tags/World%20News/feed.json')).body.toString();
    const titles = (JSON.parse(world) as { items: { title: string }[] }).items.map((i) => i.title).sort();
    expect(titles).toEqual(['Council approves new cycle lanes', 'Harbour bridge reopens after repairs']);
    expect((await raw('/tags/world%20news/atom.xml')).status).toBe(200);
    expect((await raw('/tags/tech/feed.xml')).body.toString()).toContain('Chipmaker reports record quarter');
    const unknown = await raw('/tags/sport/feed.xml');
    expect(unknown.status).toBe(404);
    expect(unknown.body.toString()).toContain('no source has the tag "sport"');
  });

  it('/feeds.opml lists the merged feed and one outline per tag feed', async () => {
    const r = await raw('/feeds.opml');
    expect(r.headers['content-type']).toBe('text/x-opml; charset=utf-8');
    const { sources } = readOpml(r.body.toString());
    expect(sources.map((s) => [s.name, s.url])).toEqual([
      ['storyfeed', 'http://127.0.0.1:8080/atom.xml'],
      ['storyfeed: World News', 'http://127.0.0.1:8080/tags/World%20News/atom.xml'],
      ['storyfeed: tech', 'http://127.0.0.1:8080/tags/tech/atom.xml'],
    ]);
  });
});

/** Open a raw socket; resolves with it once connected, and records when it is closed. */
function socket(port: number): Promise<Socket & { closedAt?: number }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1') as Socket & { closedAt?: number };
    s.on('close', () => { s.closedAt = Date.now(); });
    s.on('error', () => {});
    s.resume(); // read what the server sends, so its FIN is seen
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

const waitUntil = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

describe('slow and greedy clients (issue 10.11)', () => {
  it('a client trickling its headers is answered 408 and closed at the headers timeout', async () => {
    const s = await socket(server.port);
    const started = Date.now();
    let answer = '';
    s.on('data', (d: Buffer) => { answer += d.toString(); });
    s.write('GET /feed.xml HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => { if (!s.destroyed) s.write('X-Slow: 1\r\n'); }, 100);
    await waitUntil(() => s.closedAt !== undefined, 5_000);
    clearInterval(trickle);
    expect(s.closedAt).toBeDefined();
    expect((s.closedAt as number) - started).toBeLessThan(2_500);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const s = await socket(server.port);
    s.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil(() => s.closedAt !== undefined, 3_000);
    expect(s.closedAt).toBeDefined();
  });

  it('connections beyond the cap are refused while the others are served', async () => {
    const held = await Promise.all([1, 2, 3, 4].map(() => socket(server.port)));
    await new Promise((r) => setTimeout(r, 50));
    const extra = await socket(server.port).catch(() => undefined);
    if (extra) await waitUntil(() => extra.closedAt !== undefined, 1_000);
    expect(extra === undefined || extra.closedAt !== undefined).toBe(true);
    expect(held.every((s) => s.closedAt === undefined)).toBe(true);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await raw('/health/live')).status).toBe(200);
  });
});

describe('storyfeed serve --port N', () => {
  it('publishes self links on the port it listens on when output.link is not set (and keeps an explicit one)', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'serve.yaml'), `sources:\n  - ${srv.url('/h/world.xml')}\n`);
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--config', 'serve.yaml', '--db', 'http.db'],
      { cwd: dir, env: { ...process.env, STORYFEED_LOG_LEVEL: 'info', STORYFEED_LOG_FORMAT: 'json' } });
    let logs = '';
    child.stderr.on('data', (d: Buffer) => { logs += d.toString(); });
    try {
      await waitUntil(() => logs.includes('serving merged feed'), 10_000);
      expect(logs).toContain(`"link":"http://127.0.0.1:${port}/"`);
      const xml = (await raw('/atom.xml', { port })).body.toString();
      expect(xml).toContain(`<link rel="self" type="application/atom+xml" href="http://127.0.0.1:${port}/atom.xml"/>`);
      expect(xml).not.toContain(':8080/');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
  });
});

describe('the server limits from the config (output.header_timeout, output.max_connections)', () => {
  it('storyfeed serve closes a client trickling its headers at output.header_timeout and holds at most output.max_connections', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'limits.yaml'), `output:\n  header_timeout: 1s\n  max_connections: 2\nsources:\n  - ${srv.url('/h/world.xml')}\n`);
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--config', 'limits.yaml', '--db', 'http.db'],
      { cwd: dir, env: { ...process.env, STORYFEED_LOG_LEVEL: 'info', STORYFEED_LOG_FORMAT: 'json' } });
    let logs = '';
    child.stderr.on('data', (d: Buffer) => { logs += d.toString(); });
    try {
      await waitUntil(() => logs.includes('serving merged feed'), 10_000);
      const slow = await socket(port);
      const started = Date.now();
      let answer = '';
      slow.on('data', (d: Buffer) => { answer += d.toString(); });
      slow.write('GET /feed.xml HTTP/1.1\r\nHost: x\r\n');
      const trickle = setInterval(() => { if (!slow.destroyed) slow.write('X-Slow: 1\r\n'); }, 100);
      const second = await socket(port);
      await new Promise((r) => setTimeout(r, 50));
      // a third connection is over the cap of 2
      const third = await socket(port).catch(() => undefined);
      if (third) await waitUntil(() => third.closedAt !== undefined, 1_000);
      expect(third === undefined || third.closedAt !== undefined).toBe(true);
      expect(second.closedAt).toBeUndefined();
      second.destroy();
      await waitUntil(() => slow.closedAt !== undefined, 5_000);
      clearInterval(trickle);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      // 1 s, not the default 10 s (the server checks every second)
      expect((slow.closedAt as number) - started).toBeLessThan(4_000);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
  });
});
