// Fault injection end to end: every HTTP and document edge case a feed server can produce, one table row
// each, run through runCycle against a real HTTP server on 127.0.0.1 and a real SQLite file. Every row
// also configures a good control source: one broken source must never stop the others.
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { MAX_RETRY_AFTER_SECONDS } from '../../src/ingest/policy.js';
import { silentLogger } from '../../src/log/index.js';
import type { Config, SourceState, SourceStatus } from '../../src/model/index.js';
import { sanitizeHtml } from '../../src/sanitizer/index.js';
import { dueSources, runCycle, type CycleSummary } from '../../src/scheduler/index.js';
import { createApp } from '../../src/server/index.js';
import { Store } from '../../src/storage/index.js';
import { atom, configYaml, jsonFeed, rss, type TestItem } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// ---- Settings of this suite -------------------------------------------------------------------------
/** configYaml gives every source `interval: 60s`; the first failure backs off by exactly that. */
const INTERVAL_S = 60;
/** configYaml sets `http.timeout: 2s`. */
const TIMEOUT_MS = 2000;
/** No article pages: they would only add requests to links these feeds make up. */
const EXTRA = 'defaults:\n  full_text: false';
/** limits.max_items_per_feed default (src/config DEFAULTS.maxItemsPerFeed). */
const MAX_ITEMS = 1000;
/** The cycle of a 10,000-item feed must end well within this (ms); see its case. */
const HUGE_FEED_LIMIT_MS = 20_000;
/** A 503's Retry-After as an HTTP date (one-second resolution), three hours out. */
const RETRY_AT = new Date(Math.ceil((Date.now() + 3 * 3600_000) / 1000) * 1000);
// ---------------------------------------------------------------------------------------------------

const log = silentLogger();
let srv: TestServer;
let dir: string;

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-faults-'));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---- feed documents ---------------------------------------------------------------------------------

const fill = (s: string): string => s.replaceAll('{{BASE}}', srv.base);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Items i0…i(n-1) of a feed, links under `p`. */
function items(p: string, n: number, prefix = 'Item'): TestItem[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${p}#${i}`, title: `${prefix} ${i}`, link: `{{BASE}}${p}/story/${i}`, published: '2025-07-18T10:00:00Z',
  }));
}

/** RSS items written by hand: any field may be missing (no guid, no link, odd dates). */
interface RawItem { title?: string; link?: string; guid?: string; description?: string; content?: string; pubDate?: string }
function rawRss(title: string, list: readonly RawItem[]): string {
  const el = (tag: string, v: string | undefined) => (v === undefined ? '' : `<${tag}>${esc(v)}</${tag}>`);
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>${esc(title)}</title>
<link>{{BASE}}/</link><description>hand-written</description>
${list.map((i) => `<item>${el('title', i.title)}${el('link', i.link)}${el('guid', i.guid)}${el('description', i.description)}` +
  `${el('content:encoded', i.content)}${el('pubDate', i.pubDate)}</item>`).join('\n')}
</channel></rss>
`;
}

/** A document cut `after` characters past the first occurrence of `marker`. */
function cut(doc: string, marker: string, after = 0): string {
  const i = doc.indexOf(marker);
  if (i < 0) throw new Error(`marker ${marker} not in document`);
  return doc.slice(0, i + after);
}

/** Answer with these bytes and no Content-Type header at all. */
function noContentType(body: () => Buffer): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    res.removeHeader('Content-Type'); // Node adds none by default; make sure of it
    res.writeHead(200);
    res.end(body());
  };
}

/** Send the headers and half the body, then `then` (destroy the socket, or do nothing: a stall). */
function halfBody(doc: () => string, contentLength: boolean, then: 'close' | 'stall') {
  return (_req: IncomingMessage, res: ServerResponse) => {
    const body = Buffer.from(fill(doc()));
    res.writeHead(200, { 'Content-Type': 'application/rss+xml', ...(contentLength ? { 'Content-Length': String(body.length) } : {}) });
    res.write(body.subarray(0, body.length >> 1), () => {
      if (then === 'close') res.socket?.destroy();
    });
  };
}

// ---- the table --------------------------------------------------------------------------------------

type Cycle = 'force' | 'due';

interface StoredItem {
  id: number; guid: string | null; url: string | null; link: string | null; title: string; summary: string | null;
  content: string | null; published_at: string; item_key: string;
}

interface Ctx {
  p: string;
  store: Store;
  config: Config;
  source: SourceState;
  items: StoredItem[];
  summaries: CycleSummary[];
  /** Clock just before the first cycle and just after the last one (ms). */
  t0: number;
  t1: number;
}

interface Case {
  name: string;
  /** Set the routes of this case under the prefix `p`; the configured source is always `${p}/feed`. */
  serve: (p: string) => void;
  /** Cycles to run, in order: forced (`once --all`) or due sources only (the scheduler). Default: one forced. */
  cycles?: readonly Cycle[];
  want: {
    status: SourceStatus;
    failures: number;
    /** lastError must match; no lastError at all when absent. */
    error?: RegExp;
    /** nextAttemptAt at least this long after t0 and at most `nextAtMostS` after t1; 'none': never. */
    nextAtLeastS: number | 'none';
    nextAtMostS?: number;
    /** The stored fetch URL (relative to `p`); the configured one when absent. */
    url?: string;
    /** How many items the source has stored; not checked when absent. */
    items?: number;
    /** Stored titles in insertion order, when the row names them. */
    titles?: readonly string[];
    /** Requests the server saw for the configured URL over all cycles. */
    requests?: number;
  };
  check?: (ctx: Ctx) => void | Promise<void>;
  /** The server's answer depends on how often it was asked (the all-at-once run can't compare it). */
  stateful?: true;
}

/** An ok source: backoff-free, next attempt one interval after the cycle. */
const OK = { status: 'ok', failures: 0, nextAtLeastS: INTERVAL_S, nextAtMostS: INTERVAL_S } as const;
/** A source failing once: the first backoff step is one interval. */
const FAILED_ONCE = { status: 'failing', failures: 1, nextAtLeastS: INTERVAL_S, nextAtMostS: INTERVAL_S, items: 0 } as const;

const redirectTo = (status: number, location: string) => ({ status, headers: { Location: location }, body: '' });
const rssOf = (p: string, n = 2) => rss(`Feed ${p}`, items(p, n));

const CASES: readonly Case[] = [
  // -- conditional GET
  {
    name: '304 Not Modified (ETag): items kept, source ok',
    serve: (p) => srv.route(`${p}/feed`, { etag: '"v1"', body: rssOf(p) }),
    cycles: ['force', 'force'],
    want: { ...OK, items: 2, requests: 2 },
    check: ({ p, summaries }) => {
      expect(summaries[1]?.results.find((r) => r.source.endsWith(`${p}/feed`))?.outcome).toBe('not-modified');
      expect(srv.requests(`${p}/feed`)[1]?.['if-none-match']).toBe('"v1"');
    },
  },
  {
    name: '304 Not Modified (Last-Modified): items kept, source ok',
    serve: (p) => {
      const stamp = 'Fri, 18 Jul 2025 10:00:00 GMT';
      srv.route(`${p}/feed`, (req, res) => {
        if (req.headers['if-modified-since'] === stamp) res.writeHead(304).end();
        else res.writeHead(200, { 'Content-Type': 'application/rss+xml', 'Last-Modified': stamp }).end(fill(rssOf(p)));
      });
    },
    cycles: ['force', 'force'],
    want: { ...OK, items: 2, requests: 2 },
    check: ({ p, summaries }) => {
      expect(summaries[1]?.results.find((r) => r.source.endsWith(`${p}/feed`))?.outcome).toBe('not-modified');
    },
  },

  // -- redirects: 301/308 move the source, 302/307 do not
  ...([301, 308] as const).map((status): Case => ({
    name: `${status} permanent redirect: stored URL updated, the old one not asked again`,
    serve: (p) => {
      srv.route(`${p}/feed`, redirectTo(status, `${p}/moved`));
      srv.route(`${p}/moved`, { body: rssOf(p) });
    },
    cycles: ['force', 'force'],
    want: { ...OK, url: '/moved', items: 2, requests: 1 },
    check: ({ p }) => expect(srv.requests(`${p}/moved`)).toHaveLength(2),
  })),
  ...([302, 307] as const).map((status): Case => ({
    name: `${status} temporary redirect: stored URL unchanged`,
    serve: (p) => {
      srv.route(`${p}/feed`, redirectTo(status, `${srv.base}${p}/elsewhere`));
      srv.route(`${p}/elsewhere`, { body: rssOf(p) });
    },
    cycles: ['force', 'force'],
    want: { ...OK, items: 2, requests: 2 },
  })),
  {
    name: '301 then 302: a chain with a temporary hop does not move the source',
    serve: (p) => {
      srv.route(`${p}/feed`, redirectTo(301, `${p}/hop`));
      srv.route(`${p}/hop`, redirectTo(302, `${p}/final`));
      srv.route(`${p}/final`, { body: rssOf(p) });
    },
    want: { ...OK, items: 2 },
  },
  {
    name: 'redirect loop (a -> b -> a): failing, the message says loop',
    serve: (p) => {
      srv.route(`${p}/feed`, redirectTo(302, `${p}/b`));
      srv.route(`${p}/b`, redirectTo(302, `${p}/feed`));
    },
    want: { ...FAILED_ONCE, error: /^fetcher: .*redirect loop/ },
  },
  {
    name: 'redirect to itself: failing, loop',
    serve: (p) => srv.route(`${p}/feed`, redirectTo(301, `${p}/feed`)),
    want: { ...FAILED_ONCE, error: /redirect loop/ },
  },
  {
    name: 'redirect chain longer than http.max_redirects (5): failing',
    serve: (p) => {
      srv.route(`${p}/feed`, redirectTo(302, `${p}/r1`));
      for (let i = 1; i <= 7; i++) srv.route(`${p}/r${i}`, redirectTo(302, `${p}/r${i + 1}`));
      srv.route(`${p}/r8`, { body: rssOf(p) });
    },
    want: { ...FAILED_ONCE, error: /too many redirects/ },
  },
  {
    name: 'redirect without a Location header: failing',
    serve: (p) => srv.route(`${p}/feed`, { status: 301, body: '' }),
    want: { ...FAILED_ONCE, error: /without a Location/ },
  },

  // -- gone and errors
  {
    name: '410 Gone: status gone, never polled again (due, forced, or after a config re-sync)',
    serve: (p) => srv.route(`${p}/feed`, { status: 410, body: 'gone for good' }),
    cycles: ['force', 'due', 'force'],
    want: { status: 'gone', failures: 1, error: /410 Gone/, nextAtLeastS: 'none', items: 0, requests: 1 },
    check: ({ store, config, source }) => {
      const farFuture = new Date(Date.now() + 365 * 86_400_000);
      expect(dueSources(store.sources.list(), farFuture, false).map((s) => s.id)).not.toContain(source.id);
      expect(dueSources(store.sources.list(), farFuture, true).map((s) => s.id)).not.toContain(source.id);
      store.sources.sync(config.sources, new Date().toISOString()); // what every CLI start does
      expect(store.sources.get(source.configUrl)?.status).toBe('gone');
    },
  },
  {
    name: '410 Gone after a success: the stored items are kept',
    stateful: true,
    serve: (p) => {
      let n = 0;
      srv.route(`${p}/feed`, (_req, res) => {
        if (n++ === 0) res.writeHead(200, { 'Content-Type': 'application/rss+xml' }).end(fill(rssOf(p)));
        else res.writeHead(410).end();
      });
    },
    cycles: ['force', 'force'],
    want: { status: 'gone', failures: 1, error: /410 Gone/, nextAtLeastS: 'none', items: 2, requests: 2 },
  },
  {
    name: '404 Not Found: failing, backed off past the next due cycle',
    serve: (p) => srv.route(`${p}/feed`, { status: 404, body: 'no such feed' }),
    cycles: ['force', 'due'],
    want: { ...FAILED_ONCE, error: /^fetcher: \[GET\] ".*": 404 Not Found$/, requests: 1 },
  },
  {
    name: '500 Internal Server Error: failing, backed off past the next due cycle',
    serve: (p) => srv.route(`${p}/feed`, { status: 500, body: 'boom' }),
    cycles: ['force', 'due'],
    want: { ...FAILED_ONCE, error: /500 Internal Server Error$/, requests: 1 },
  },
  {
    name: '500 twice: the second failure doubles the backoff',
    serve: (p) => srv.route(`${p}/feed`, { status: 500, body: 'boom' }),
    cycles: ['force', 'force'],
    want: { status: 'failing', failures: 2, error: /500/, nextAtLeastS: 2 * INTERVAL_S, nextAtMostS: 2 * INTERVAL_S, items: 0, requests: 2 },
  },
  {
    name: '429 with Retry-After: 7200: next attempt two hours out',
    serve: (p) => srv.route(`${p}/feed`, { status: 429, headers: { 'Retry-After': '7200' }, body: 'slow down' }),
    cycles: ['force', 'due'],
    want: { ...FAILED_ONCE, error: /429 Too Many Requests/, nextAtLeastS: 7200, nextAtMostS: 7200, requests: 1 },
  },
  {
    name: '503 with an HTTP-date Retry-After: not before that date',
    serve: (p) => srv.route(`${p}/feed`, { status: 503, headers: { 'Retry-After': RETRY_AT.toUTCString() }, body: 'maintenance' }),
    cycles: ['force', 'due'],
    want: { ...FAILED_ONCE, error: /503 Service Unavailable/, nextAtLeastS: 60, nextAtMostS: 4 * 3600, requests: 1 },
    check: ({ source }) => {
      // The date has one-second resolution; allow that much, no more.
      expect(Date.parse(source.nextAttemptAt ?? '')).toBeGreaterThanOrEqual(RETRY_AT.getTime() - 1000);
    },
  },
  {
    name: '429 with Retry-After of a year: capped at MAX_RETRY_AFTER_SECONDS (7 days)',
    serve: (p) => srv.route(`${p}/feed`, { status: 429, headers: { 'Retry-After': String(365 * 86_400) }, body: '' }),
    want: { ...FAILED_ONCE, error: /429/, nextAtLeastS: MAX_RETRY_AFTER_SECONDS, nextAtMostS: MAX_RETRY_AFTER_SECONDS },
  },
  {
    name: '503 with an unreadable Retry-After: ordinary backoff',
    serve: (p) => srv.route(`${p}/feed`, { status: 503, headers: { 'Retry-After': 'soon-ish' }, body: '' }),
    want: { ...FAILED_ONCE, error: /503/ },
  },

  // -- Content-Type is a hint, the bytes decide
  ...(['text/plain', 'application/octet-stream', 'text/html; charset=utf-8'] as const).map((type): Case => ({
    name: `RSS served as ${type}: parsed`,
    serve: (p) => srv.route(`${p}/feed`, { headers: { 'Content-Type': type }, body: rssOf(p) }),
    want: { ...OK, items: 2, titles: ['Item 0', 'Item 1'] },
  })),
  {
    name: 'JSON Feed served as text/plain: parsed',
    serve: (p) => srv.route(`${p}/feed`, { headers: { 'Content-Type': 'text/plain' }, body: jsonFeed('J', items(p, 2)) }),
    want: { ...OK, items: 2 },
  },
  {
    name: 'no Content-Type header at all: parsed',
    serve: (p) => srv.route(`${p}/feed`, noContentType(() => Buffer.from(fill(atom('A', items(p, 2)))))),
    want: { ...OK, items: 2, titles: ['Item 0', 'Item 1'] },
  },

  // -- broken bodies
  {
    name: 'empty body: failing with a clear parser message',
    serve: (p) => srv.route(`${p}/feed`, { headers: { 'Content-Type': 'application/rss+xml' }, body: '' }),
    want: { ...FAILED_ONCE, error: /^parser: empty document$/ },
  },
  {
    name: 'whitespace-only body: failing with a clear parser message',
    serve: (p) => srv.route(`${p}/feed`, { headers: { 'Content-Type': 'application/rss+xml' }, body: ' \r\n\t\n' }),
    want: { ...FAILED_ONCE, error: /^parser: empty document$/ },
  },
  // A cut-off XML feed keeps its complete items, as feed readers do (issue 15); the cut one is dropped.
  {
    name: 'RSS truncated inside the first item: failing, nothing half-stored',
    serve: (p) => srv.route(`${p}/feed`, { body: cut(rssOf(p, 3), '<title>Item 0', 10) }),
    want: { ...FAILED_ONCE, error: /^parser: invalid XML feed: the document ends inside <title>/ },
  },
  {
    name: 'RSS truncated inside an item: the complete items before it are kept, the cut one is not',
    serve: (p) => srv.route(`${p}/feed`, { body: cut(rssOf(p, 3), '<title>Item 1', 10) }),
    want: { ...OK, items: 1, titles: ['Item 0'] },
  },
  {
    name: 'RSS truncated after the last item (closing tags missing): every item kept',
    serve: (p) => srv.route(`${p}/feed`, { body: cut(rssOf(p, 3), '</channel>') }),
    want: { ...OK, items: 3 },
  },
  {
    name: 'Atom truncated before </feed>: every entry kept',
    serve: (p) => srv.route(`${p}/feed`, { body: cut(atom('A', items(p, 3)), '</feed>') }),
    want: { ...OK, items: 3 },
  },
  {
    name: 'JSON Feed truncated: failing',
    serve: (p) => {
      const doc = jsonFeed('J', items(p, 3));
      srv.route(`${p}/feed`, { body: doc.slice(0, doc.length - 40) });
    },
    want: { ...FAILED_ONCE, error: /^parser: invalid JSON Feed/ },
  },
  {
    name: 'connection closed mid-body (Content-Length announced): failing, network error',
    serve: (p) => srv.route(`${p}/feed`, halfBody(() => rssOf(p, 40), true, 'close')),
    want: { ...FAILED_ONCE, error: /^fetcher: .*network error/ },
  },
  {
    name: 'connection closed mid-body (chunked): failing, network error',
    serve: (p) => srv.route(`${p}/feed`, halfBody(() => rssOf(p, 40), false, 'close')),
    want: { ...FAILED_ONCE, error: /^fetcher: .*network error/ },
  },
  {
    name: 'connection reset before any response: failing, network error',
    serve: (p) => srv.route(`${p}/feed`, (req) => req.socket.destroy()),
    want: { ...FAILED_ONCE, error: /^fetcher: .*network error/ },
  },
  {
    name: 'body stalls half-way: the timeout covers the body too',
    serve: (p) => srv.route(`${p}/feed`, halfBody(() => rssOf(p, 40), true, 'stall')),
    want: { ...FAILED_ONCE, error: new RegExp(`timed out after ${TIMEOUT_MS} ms`) },
  },

  // -- character encodings
  {
    name: 'invalid UTF-8 bytes in a UTF-8 feed: U+FFFD in that title, other items intact',
    serve: (p) => {
      const doc = fill(rawRss('Bytes', [
        { guid: `${p}#0`, title: 'Bad @FF@ byte', link: `${srv.base}${p}/0` },
        { guid: `${p}#1`, title: 'Cut @E282@ sequence', link: `${srv.base}${p}/1` },
        { guid: `${p}#2`, title: 'Intact café, ünïcödé, 東京 €', link: `${srv.base}${p}/2` },
      ]));
      const bytes = Buffer.concat(doc.split(/(@FF@|@E282@)/).map((part) =>
        (part === '@FF@' ? Buffer.from([0xff]) : part === '@E282@' ? Buffer.from([0xe2, 0x82]) : Buffer.from(part, 'utf8'))));
      srv.route(`${p}/feed`, { headers: { 'Content-Type': 'application/rss+xml; charset=utf-8' }, body: bytes });
    },
    want: { ...OK, items: 3 },
    check: ({ items: list }) => {
      expect(list[0]?.title).toMatch(/^Bad \uFFFD+ byte$/);
      expect(list[1]?.title).toMatch(/^Cut \uFFFD+ sequence$/);
      expect(list[2]?.title).toBe('Intact café, ünïcödé, 東京 €');
    },
  },
  {
    name: 'UTF-8 with a BOM: parsed',
    serve: (p) => srv.route(`${p}/feed`, {
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(fill(rss('Grüße', [{ id: `${p}#0`, title: 'Grüße aus Köln — 東京' }])))]),
    }),
    want: { ...OK, items: 1, titles: ['Grüße aus Köln — 東京'] },
    check: ({ source }) => expect(source.title).toBe('Grüße'),
  },
  {
    name: 'UTF-16LE with a BOM (and a contradicting utf-8 header): parsed',
    serve: (p) => srv.route(`${p}/feed`, {
      headers: { 'Content-Type': 'application/rss+xml; charset=utf-8' },
      body: Buffer.from(`\ufeff${fill(rss('Sixteen', [{ id: `${p}#0`, title: 'Ωmega “sixteen” 東京 😀' }], 'UTF-16'))}`, 'utf16le'),
    }),
    want: { ...OK, items: 1, titles: ['Ωmega “sixteen” 東京 😀'] },
  },
  {
    name: 'UTF-16BE with a BOM: parsed',
    serve: (p) => srv.route(`${p}/feed`, {
      body: Buffer.from(`\ufeff${fill(rss('Sixteen BE', [{ id: `${p}#0`, title: 'Big-endian Ωmega 東京' }], 'UTF-16'))}`, 'utf16le').swap16(),
    }),
    want: { ...OK, items: 1, titles: ['Big-endian Ωmega 東京'] },
  },

  // -- volume and identity
  {
    name: `10,000 items: exactly the first ${MAX_ITEMS} of the document stored, in seconds rather than minutes`,
    serve: (p) => srv.route(`${p}/feed`, { body: rss('Huge', items(p, 10_000)) }),
    want: { ...OK, items: MAX_ITEMS },
    check: ({ p, items: list, t0, t1 }) => {
      expect(list.map((i) => i.guid)).toEqual(Array.from({ length: MAX_ITEMS }, (_, i) => `${p}#${i}`));
      // A guard against work that grows with the items past the cap (quadratic in 10,000 items takes
      // minutes), not a speed target: the cycle takes ~2–4 s on a loaded 2-core machine.
      expect(t1 - t0).toBeLessThan(HUGE_FEED_LIMIT_MS);
    },
  },
  {
    name: 'duplicate GUIDs inside one feed: stored once (the first)',
    serve: (p) => srv.route(`${p}/feed`, { body: rss('Dups', [
      { id: `${p}#dup`, title: 'First copy', link: `{{BASE}}${p}/a` },
      { id: `${p}#other`, title: 'Other', link: `{{BASE}}${p}/b` },
      { id: `${p}#dup`, title: 'Second copy', link: `{{BASE}}${p}/c` },
    ]) }),
    cycles: ['force', 'force'],
    want: { ...OK, items: 2, titles: ['First copy', 'Other'] },
    check: ({ p, summaries }) => {
      const second = summaries[1]?.results.find((r) => r.source.endsWith(`${p}/feed`));
      expect(second).toMatchObject({ inserted: 0, updated: 0 });
    },
  },
  {
    name: 'two GUIDs sharing one link: an unchanged feed fetched again changes nothing',
    serve: (p) => srv.route(`${p}/feed`, { body: rss('Shared link', [
      { id: `${p}#live-1`, title: 'Live: first update', link: `{{BASE}}${p}/live?utm_source=rss` },
      { id: `${p}#live-2`, title: 'Live: second update', link: `{{BASE}}${p}/live?utm_source=feed` },
    ]) }),
    cycles: ['force', 'force'],
    want: { ...OK },
    check: async ({ p, summaries, store, config }) => {
      expect.soft(summaries[1]?.results.find((r) => r.source.endsWith(`${p}/feed`))).toMatchObject({ inserted: 0, updated: 0 });
      // Nothing changed upstream, so no story may be marked updated (the merged feed would change for nothing).
      const stamps = () => store.stories.list(100).map((s) => [s.guid, s.updated]);
      const before = stamps();
      await new Promise((r) => setTimeout(r, 5));
      await runCycle({ store, config, log, force: true });
      expect(stamps()).toEqual(before);
    },
  },
  {
    name: 'items without link and GUID: stored, identity by content, not duplicated next cycle',
    serve: (p) => srv.route(`${p}/feed`, { body: rawRss('Bare', [
      { title: 'Bare one', description: `Body one of ${p}` },
      { title: 'Bare two', description: `Body two of ${p}` },
      { description: `Only a body in ${p}` },
    ]) }),
    cycles: ['force', 'force'],
    want: { ...OK, items: 3, titles: ['Bare one', 'Bare two', '(untitled)'] },
    check: ({ p, items: list, summaries }) => {
      for (const i of list) expect([i.guid, i.url, i.link, i.item_key.slice(0, 5)]).toEqual([null, null, null, 'hash:']);
      expect(summaries[1]?.results.find((r) => r.source.endsWith(`${p}/feed`))).toMatchObject({ inserted: 0, updated: 0 });
    },
  },
  {
    name: 'JSON Feed items without id and url: stored by content, not duplicated next cycle',
    serve: (p) => srv.route(`${p}/feed`, { body: JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1', title: 'Bare JSON',
      items: [{ title: 'No id one', content_text: `one ${p}` }, { title: 'No id two', content_html: `<p>two ${p}</p>` }],
    }) }),
    cycles: ['force', 'force'],
    want: { ...OK, items: 2, titles: ['No id one', 'No id two'] },
  },

  // -- dates
  {
    name: 'dates in odd formats and in the future: read where possible, never after the cycle',
    serve: (p) => srv.route(`${p}/feed`, { body: rawRss('Dates', [
      ['rfc822-offset', 'Fri, 18 Jul 2025 10:00:00 +0200'],
      ['rfc822-zone', 'Fri, 18 Jul 2025 10:00:00 EDT'],
      ['rfc850', 'Friday, 18-Jul-25 10:00:00 GMT'],
      ['iso-offset', '2025-07-18T10:00:00+02:00'],
      ['garbage', 'sometime last week'],
      ['future-rfc822', 'Thu, 01 Jan 2099 00:00:00 GMT'],
      ['future-iso', '2099-12-31T23:59:59Z'],
      ['pre-epoch', '1901-01-01T00:00:00Z'],
      ['empty', ''],
      ['none', undefined],
    ].map(([key, date]) => ({ guid: `${p}#${key}`, title: `Dated ${key}`, link: `{{BASE}}${p}/${key}`, pubDate: date }))) }),
    want: { ...OK, items: 10 },
    check: ({ p, items: list, store, t0, t1 }) => {
      const at = (key: string) => list.find((i) => i.guid === `${p}#${key}`)?.published_at ?? '';
      expect(at('rfc822-offset')).toBe('2025-07-18T08:00:00.000Z');
      expect(at('rfc822-zone')).toBe('2025-07-18T14:00:00.000Z');
      expect(at('rfc850')).toBe('2025-07-18T10:00:00.000Z');
      expect(at('iso-offset')).toBe('2025-07-18T08:00:00.000Z');
      for (const key of ['garbage', 'future-rfc822', 'future-iso', 'pre-epoch', 'empty', 'none']) {
        const t = Date.parse(at(key));
        expect(t, key).toBeGreaterThanOrEqual(t0);
        expect(t, key).toBeLessThanOrEqual(t1);
      }
      for (const s of store.stories.list(100)) expect(Date.parse(s.published), s.title).toBeLessThanOrEqual(t1);
    },
  },
  {
    name: 'Atom entry dated in the future: clamped to the cycle',
    serve: (p) => srv.route(`${p}/feed`, {
      body: atom('Future', [{ id: `${p}#a`, title: 'From 2099', link: `{{BASE}}${p}/a`, published: '2099-01-01T00:00:00Z' }]),
    }),
    want: { ...OK, items: 1 },
    check: ({ items: list, t0, t1 }) => {
      const t = Date.parse(list[0]?.published_at ?? '');
      expect(t).toBeGreaterThanOrEqual(t0);
      expect(t).toBeLessThanOrEqual(t1);
    },
  },
  {
    name: 'JSON Feed item dated in the future: clamped to the cycle',
    serve: (p) => srv.route(`${p}/feed`, {
      body: jsonFeed('Future', [{ id: `${p}#j`, title: 'From 2099', link: `{{BASE}}${p}/j`, published: '2099-06-01T00:00:00Z' }]),
    }),
    want: { ...OK, items: 1 },
    check: ({ items: list, t0, t1 }) => {
      const t = Date.parse(list[0]?.published_at ?? '');
      expect(t).toBeGreaterThanOrEqual(t0);
      expect(t).toBeLessThanOrEqual(t1);
    },
  },

  // -- oversized text
  {
    name: 'oversized title, summary and content: capped, and still clean HTML',
    serve: (p) => srv.route(`${p}/feed`, { body: rawRss('Big', [
      { guid: `${p}#title`, link: `{{BASE}}${p}/t`, title: `Long ${'title '.repeat(600)}`,
        content: `<p>${'Content sentence. '.repeat(40_000)}</p>` },
      // The 20,000-character cut falls inside the <a href> of this summary.
      { guid: `${p}#summary`, link: `{{BASE}}${p}/s`, title: 'Long summary',
        description: `<p>${'word '.repeat(3990)}<a href="https://example.com/${'x'.repeat(300)}">link</a> tail</p>` },
    ]) }),
    want: { ...OK, items: 2 },
    check: async ({ p, items: list, store, config }) => {
      const [big, summarized] = list;
      expect(big?.title).toHaveLength(500);
      expect(big?.title.startsWith('Long title title')).toBe(true);
      expect(big?.content?.length).toBeLessThanOrEqual(500_000);
      expect(big?.content?.length).toBeGreaterThan(400_000);
      expect(summarized?.summary?.length).toBeLessThanOrEqual(20_000);
      expect(summarized?.summary?.length).toBeGreaterThan(19_000);
      // Stored HTML is sanitized HTML: sanitizing it again changes nothing (no tag cut in half).
      expect.soft(sanitizeHtml(big?.content ?? '') === big?.content, 'content is a sanitizer fixed point').toBe(true);
      expect.soft(sanitizeHtml(summarized?.summary ?? '') === summarized?.summary, 'summary is a sanitizer fixed point').toBe(true);
      // …so the merged entry still ends with its "Source:" block.
      const feed = await new Parser().parseString(await (await createApp({ store, config: () => config }).request('/feed.xml')).text());
      const entry = feed.items.find((i) => i.link === `${srv.base}${p}/s`);
      const body = String((entry as Record<string, unknown> | undefined)?.['content:encoded']);
      expect(body.slice(-400), 'the entry keeps its "Source:" block').toMatch(/<strong>Source:<\/strong><\/p><ul><li><a href="[^"]*\/s"/);
    },
  },
  {
    name: 'oversized title of astral characters: cut on a character boundary',
    serve: (p) => srv.route(`${p}/feed`, { body: rss('Emoji', [{ id: `${p}#e`, title: `x${'😀'.repeat(600)}`, link: `{{BASE}}${p}/e` }]) }),
    want: { ...OK, items: 1 },
    check: ({ items: list }) => {
      const title = list[0]?.title ?? '';
      expect(title).not.toContain('\uFFFD');
      expect(title.isWellFormed(), 'no lone surrogate').toBe(true);
      expect(title.length).toBeLessThanOrEqual(500);
      expect(title.length).toBeGreaterThanOrEqual(499);
    },
  },
];

// ---- running a row ----------------------------------------------------------------------------------

const prefixOf = (index: number) => `/f${index}`;
const controlPath = '/control.xml';

function serveControl(): void {
  srv.route(controlPath, { body: rss('Control', [{ id: 'control#1', title: 'Control story', link: '{{BASE}}/control/1' }]) });
}

function openDb(name: string, urls: readonly string[]): { store: Store; config: Config } {
  const config = parseConfig(configYaml(urls, EXTRA), `${name}.yaml`);
  const store = Store.open(join(dir, `${name}.db`));
  store.sources.sync(config.sources, new Date().toISOString());
  return { store, config };
}

function storedItems(store: Store, sourceId: number): StoredItem[] {
  return store.db.prepare(`SELECT id, guid, url, link, title, summary, content, published_at, item_key
    FROM items WHERE source_id = ? ORDER BY id`).all(sourceId) as StoredItem[];
}

async function mergedFeedTitles(store: Store, config: Config): Promise<string[]> {
  const app = createApp({ store, config: () => config });
  const res = await app.request('/feed.xml');
  expect(res.status).toBe(200);
  const feed = await new Parser().parseString(await res.text());
  return feed.items.map((i) => i.title ?? '');
}

describe('HTTP and document faults, one source at a time (each next to a good control source)', () => {
  CASES.forEach((c, index) => {
    it(c.name, async () => {
      const p = prefixOf(index);
      serveControl();
      c.serve(p);
      const { store, config } = openDb(`case-${index}`, [srv.url(`${p}/feed`), srv.url(controlPath)]);
      try {
        const summaries: CycleSummary[] = [];
        const t0 = Date.now();
        for (const cycle of c.cycles ?? ['force']) summaries.push(await runCycle({ store, config, log, force: cycle === 'force' }));
        const t1 = Date.now();

        const source = store.sources.get(srv.url(`${p}/feed`)) as SourceState;
        const w = c.want;
        expect(source.status).toBe(w.status);
        expect(source.consecutiveFailures).toBe(w.failures);
        if (w.error) expect(source.lastError).toMatch(w.error);
        else expect(source.lastError).toBeUndefined();
        if (w.nextAtLeastS === 'none') {
          expect(source.nextAttemptAt).toBeUndefined();
        } else {
          const next = Date.parse(source.nextAttemptAt ?? '');
          expect(next, 'nextAttemptAt').toBeGreaterThanOrEqual(t0 + w.nextAtLeastS * 1000);
          if (w.nextAtMostS !== undefined) expect(next, 'nextAttemptAt').toBeLessThanOrEqual(t1 + w.nextAtMostS * 1000);
        }
        expect(source.url).toBe(srv.url(`${p}${w.url ?? '/feed'}`));
        const list = storedItems(store, source.id);
        if (typeof w.items === 'number') expect(list).toHaveLength(w.items);
        expect(source.itemCount).toBe(list.length);
        if (w.titles) expect(list.map((i) => i.title)).toEqual(w.titles);
        if (w.requests !== undefined) expect(srv.requests(`${p}/feed`)).toHaveLength(w.requests);

        // The control source went through every forced cycle untouched by its neighbour's fault.
        const control = store.sources.get(srv.url(controlPath));
        expect(control).toMatchObject({ status: 'ok', consecutiveFailures: 0, itemCount: 1 });
        expect(control?.lastError).toBeUndefined();
        expect(summaries[0]?.results.find((r) => r.source === srv.url(controlPath))?.outcome).toBe('ok');

        await c.check?.({ p, store, config, source, items: list, summaries, t0, t1 });

        // The merged feed is readable whatever the source did, and carries the control story.
        expect(await mergedFeedTitles(store, config)).toContain('Control story');
        expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        store.close();
      }
    });
  });
});

describe('all the faults in one cycle', () => {
  it('every source ends as it did alone, and the merged feed still parses in all three formats', async () => {
    serveControl();
    CASES.forEach((c, index) => c.serve(prefixOf(index)));
    const urls = CASES.map((_, index) => srv.url(`${prefixOf(index)}/feed`));
    const { store, config } = openDb('all-at-once', [...urls, srv.url(controlPath)]);
    try {
      const t0 = Date.now();
      const summary = await runCycle({ store, config, log, force: true });
      const t1 = Date.now();
      expect(summary.sources).toBe(CASES.length + 1);
      expect(t1 - t0).toBeLessThan(20_000);
      const byUrl = new Map(store.sources.list().map((s) => [s.configUrl, s]));
      expect(byUrl.get(srv.url(controlPath))).toMatchObject({ status: 'ok', itemCount: 1 });
      CASES.forEach((c, index) => {
        if (!c.stateful) expect(byUrl.get(urls[index] as string)?.status, c.name).toBe(c.want.status);
      });

      const app = createApp({ store, config: () => config });
      const stories = store.stats().stories;
      const expected = Math.min(stories, config.output.maxStories);
      for (const path of ['/feed.xml', '/atom.xml']) {
        const res = await app.request(path);
        expect(res.status, path).toBe(200);
        const feed = await new Parser().parseString(await res.text());
        expect(feed.items, path).toHaveLength(expected);
        for (const item of feed.items) {
          expect(item.title, path).toBeTruthy();
          expect(Date.parse(item.pubDate ?? item.isoDate ?? ''), `${path}: ${item.title ?? ''}`).toBeLessThanOrEqual(t1);
        }
      }
      const json = (await (await app.request('/feed.json')).json()) as { items: { id: string; title: string }[] };
      expect(json.items).toHaveLength(expected);
      expect(new Set(json.items.map((i) => i.id)).size).toBe(expected);
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      store.close();
    }
  });
});
