// The merged feed against the specifications' required structure (RSS 2.0, Atom 1.0 / RFC 4287,
// JSON Feed 1.1), parsed with a real XML parser, and the HTTP server's headers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { Config } from '../../src/model/index.js';
import { runCycle } from '../../src/scheduler/index.js';
import { createApp } from '../../src/server/index.js';
import { Store } from '../../src/storage/index.js';
import { atom, configYaml, rss } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let dir: string;
let store: Store;
let config: Config;

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-output-'));
  srv.route('/x/a.xml', { body: rss('Outlet & Co <A>', [
    { id: 'a1', title: 'Prices rise <b>again</b> & again', link: '{{BASE}}/a/1', summary: '<p>Teaser with <script>x()</script> & ampersand</p>',
      content: '<p>Body ]]> with a CDATA end and \u0001 a control character</p>', published: '2025-07-18T10:00:00Z', author: 'Ann "Quote" Lee' },
    { id: 'a2', title: 'Harbour bridge reopens after repairs', link: '{{BASE}}/a/2', published: '2025-07-18T11:00:00Z' },
  ]) });
  srv.route('/x/b.atom', { body: atom('Other', [{ id: 'urn:b1', title: 'City council approves new cycle lanes', link: '{{BASE}}/b/1',
    published: '2025-07-18T12:00:00Z' }]) });
  config = parseConfig(configYaml([srv.url('/x/a.xml'), srv.url('/x/b.atom')], 'defaults:\n  full_text: false'), 'out.yaml');
  store = Store.open(join(dir, 'out.db'));
  store.sources.sync(config.sources, new Date().toISOString());
  await runCycle({ store, config, log: silentLogger(), force: true });
});
afterAll(async () => {
  store.close();
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => ['item', 'entry', 'link', 'category', 'author'].includes(n) });
const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

async function body(path: string): Promise<string> {
  const res = await createApp({ store, config: () => config }).request(path);
  expect(res.status).toBe(200);
  return res.text();
}

describe('the merged feed meets its specification', () => {
  it('RSS 2.0: well-formed; channel title/link/description; every item a guid, title, link and RFC 822 pubDate', async () => {
    const text = await body('/feed.xml');
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = xml.parse(text) as { rss: { '@version': string; channel: Record<string, unknown> & { item: Record<string, unknown>[] } } };
    expect(doc.rss['@version']).toBe('2.0');
    const ch = doc.rss.channel;
    for (const k of ['title', 'link', 'description']) expect(ch[k], k).toBeTruthy();
    expect(ch.item).toHaveLength(3);
    for (const item of ch.item) {
      expect(item.title).toBeTruthy();
      expect(String(item.link)).toMatch(/^https?:\/\//);
      expect(String((item.guid as Record<string, unknown>)['#text'])).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
      expect(String(item.pubDate)).toMatch(RFC822);
    }
    expect(text).not.toContain('<script');
    expect(text).not.toContain('\u0001');
  });

  it('Atom 1.0: well-formed; feed id/title/updated/self link; every entry id, title, updated (RFC 3339), alternate link', async () => {
    const text = await body('/atom.xml');
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = xml.parse(text) as { feed: Record<string, unknown> & { entry: Record<string, unknown>[]; link: Record<string, string>[] } };
    const feed = doc.feed;
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(feed.id).toBeTruthy();
    expect(feed.title).toBeTruthy();
    expect(String(feed.updated)).toMatch(RFC3339);
    expect(feed.link.some((l) => l['@rel'] === 'self' && /atom\.xml$/.test(l['@href'] ?? ''))).toBe(true);
    expect(feed.entry).toHaveLength(3);
    for (const e of feed.entry) {
      expect(String(e.id)).toMatch(/^urn:uuid:/);
      expect(e.title).toBeTruthy();
      expect(String(e.updated)).toMatch(RFC3339);
      expect(String(e.published)).toMatch(RFC3339);
      expect((e.link as Record<string, string>[]).some((l) => /^https?:\/\//.test(l['@href'] ?? ''))).toBe(true);
    }
    const a1 = feed.entry.find((e) => String((e.title as Record<string, unknown>)['#text'] ?? e.title).includes('Prices rise'));
    expect(a1).toBeDefined();
    expect(JSON.stringify(a1)).toContain('Ann \\"Quote\\" Lee');
  });

  it('JSON Feed 1.1: version, title, items with id and content, authors as a list', async () => {
    const doc = JSON.parse(await body('/feed.json')) as { version: string; title: string; language: string;
      items: { id: string; content_html: string; url: string; authors?: { name: string }[]; author?: unknown }[] };
    expect(doc.version).toBe('https://jsonfeed.org/version/1.1');
    expect(doc.title).toBe('test merged feed');
    expect(doc.items).toHaveLength(3);
    for (const i of doc.items) {
      expect(i.id).toMatch(/^urn:uuid:/);
      expect(i.content_html.length).toBeGreaterThan(0);
      expect(i.author).toBeUndefined();
    }
    expect(doc.items.flatMap((i) => i.authors ?? []).map((a) => a.name)).toContain('Ann "Quote" Lee');
  });

  it('serves security headers and only GET/HEAD', async () => {
    const app = createApp({ store, config: () => config });
    const res = await app.request('/feed.xml');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await app.request('/feed.xml', { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, HEAD');
    }
    expect((await app.request('/feed.xml', { method: 'HEAD' })).status).toBe(200);
    expect((await app.request('/admin')).status).toBe(404);
  });
});
