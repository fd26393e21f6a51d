// The parser pool parses feeds in worker threads under a time budget (issue 10 item 1). Real threads,
// real documents, a real HTTP server on 127.0.0.1: a document past the budget fails alone with a
// ParseError, the pool carries on, and the event loop (and the server on it) keeps answering meanwhile.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readDocument } from '../ingest/clean.js';
import { parseFeed, ParseError } from './index.js';
import { ParserPool } from './pool.js';

const OPTS = { baseUrl: 'https://feeds.example/feed', now: new Date('2025-07-20T12:00:00Z') };
const rss = (items: number, body = 'Body text of the item.') => '<?xml version="1.0"?><rss version="2.0"><channel><title>Pool</title>' +
  Array.from({ length: items }, (_, i) => `<item><title>Item ${i}</title><link>https://pool.example/${i}</link><guid>g${i}</guid>` +
    `<description>${body}</description><pubDate>Sat, 19 Jul 2025 08:30:00 GMT</pubDate></item>`).join('') + '</channel></rss>';
/** About 19 MB of valid RSS (under the 20 M character cap): one to a few seconds of parsing. */
const HUGE = rss(60_000, 'x'.repeat(150));
/** About 4 MB of hostile RSS: an end tag missing inside every item (each recovered), seconds of work. */
const HOSTILE = `<rss version="2.0"><channel><title>Hostile</title>${'<item><title>t</title><b><i><u></item>'.repeat(100_000)}</channel></rss>`;

let pool: ParserPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('ParserPool', () => {
  it('parses in a worker thread exactly what parseFeed parses', async () => {
    pool = new ParserPool(1, 10_000);
    const doc = rss(3);
    expect(await pool.parse(doc, OPTS)).toEqual(await parseFeed(doc, OPTS));
  });

  it('reads for the ingest in a thread what readDocument reads, with the clusterer\'s features when asked (and only then)', async () => {
    pool = new ParserPool(1, 10_000);
    const body = () => new TextEncoder().encode(rss(3));
    const withFeatures = await pool.read(body(), 'utf-8', OPTS, [], false, true);
    expect(withFeatures).toEqual(await readDocument(body(), 'utf-8', OPTS, [], false, true));
    const entries = 'feed' in withFeatures ? withFeatures.feed.entries : [];
    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.input?.features?.vectors instanceof Uint8Array)).toBe(true);
    const plain = await pool.read(body(), 'utf-8', OPTS, [], false);
    expect('feed' in plain && plain.feed.entries.every((e) => e.input && e.input.features === undefined)).toBe(true);
  });

  it('reports a refused document as the same ParseError', async () => {
    pool = new ParserPool(1, 10_000);
    const err = await pool.parse('<!DOCTYPE rss [<!ENTITY a "b">]><rss/>', OPTS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParseError);
    expect((err as Error).message).toBe('parser: XML entity declarations (<!ENTITY>) are not allowed in feeds');
  });

  it('stops a document past the time budget, fails it alone with a ParseError, and parses the next one', async () => {
    pool = new ParserPool(1, 50);
    const slow = pool.parse(HUGE, { ...OPTS, maxItems: 100_000 });
    const next = pool.parse(rss(2), OPTS); // queued behind the slow one, on a fresh thread
    const err = await slow.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParseError);
    expect((err as Error).message).toBe('parser: feed took longer than 50 ms to parse (stopped)');
    expect((await next).items.map((i) => i.title)).toEqual(['Item 0', 'Item 1']);
  });

  it('keeps the event loop and an HTTP server on it responsive while a large hostile document is parsed', async () => {
    const server: Server = createServer((_req, res) => res.end('alive'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health/live`;
    try {
      pool = new ParserPool(1, 60_000);
      await pool.parse(rss(1), OPTS); // the thread is up
      let parsing = true;
      const parsed = pool.parse(HOSTILE, { ...OPTS, maxItems: 10 }).finally(() => {
        parsing = false;
      });
      const latencies: number[] = [];
      while (parsing) {
        const t = performance.now();
        const res = await fetch(url);
        expect(await res.text()).toBe('alive');
        latencies.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect((await parsed).items).toHaveLength(10);
      // The yardstick: the same document parsed on this thread blocks the loop for its whole parse.
      const t0 = performance.now();
      await parseFeed(HOSTILE, { ...OPTS, maxItems: 10 });
      const blockingMs = performance.now() - t0;
      // Requests were answered throughout the parse in the pool, each far quicker than that block
      // (a third of it: room for GC pauses and a busy machine, none for a loop blocked by the parse).
      expect(latencies.length, `requests answered during the pool's parse (${blockingMs.toFixed(0)} ms on this thread)`).toBeGreaterThanOrEqual(5);
      expect(Math.max(...latencies), `slowest answer; the parse blocks this thread ${blockingMs.toFixed(0)} ms`).toBeLessThan(blockingMs / 3);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);

  it('fails a document that needs more than a thread\'s heap alone, with a ParseError naming the limit, and parses the next one', async () => {
    pool = new ParserPool(1, 60_000, { heap: { youngMb: 4, limitMb: 48 } });
    const big = pool.parse(HUGE, { ...OPTS, maxItems: 100_000 }).catch((e: unknown) => e);
    const next = pool.parse(rss(2), OPTS); // queued behind it, on a fresh thread
    const err = await big;
    expect(err).toBeInstanceOf(ParseError);
    expect((err as Error).message).toBe('parser: feed needs more than 48 MB of memory to parse (stopped)');
    expect((await next).items.map((i) => i.title)).toEqual(['Item 0', 'Item 1']);
  }, 60_000);

  it('parses the largest document the parser takes (19 MB, 60,000 items) within the default heap of a thread', async () => {
    pool = new ParserPool(1, 120_000);
    expect((await pool.parse(HUGE, { ...OPTS, maxItems: 100_000 })).items).toHaveLength(60_000);
  }, 120_000);

  it('keeps to one thread while its queue moves, and starts another when a slow document holds the first', async () => {
    pool = new ParserPool(2, 60_000, { spareAfterMs: 5_000 });
    const titles = await Promise.all(Array.from({ length: 40 }, () => pool?.parse(rss(20), OPTS).then((f) => f.items.length)));
    expect(titles).toEqual(Array(40).fill(20));
    expect(pool.threads).toBe(1);
    await pool.close();
    pool = new ParserPool(2, 60_000, { spareAfterMs: 100 });
    await pool.parse(rss(1), OPTS); // the first thread is up
    // Seconds of parsing: longer than a second thread takes to start, even on a loaded machine.
    const slow = pool.parse(HUGE, { ...OPTS, maxItems: 100_000 }).then(() => 'slow', (e: unknown) => String(e));
    const quick = pool.parse(rss(2), OPTS).then(() => 'quick', (e: unknown) => String(e));
    // The quick one did not wait for the slow one: a second thread took it.
    expect(await Promise.race([slow, quick])).toBe('quick');
    expect(pool.threads).toBe(2);
    expect(await slow).toBe('slow');
  }, 60_000);

  it('close() fails what is queued and refuses new work', async () => {
    pool = new ParserPool(1, 60_000);
    const first = pool.parse(HUGE, OPTS).catch((e: unknown) => e);
    const queued = pool.parse(rss(1), OPTS).catch((e: unknown) => e);
    await pool.close();
    expect(String(await first)).toMatch(/closed/);
    expect(String(await queued)).toMatch(/closed/);
    await expect(pool.parse(rss(1), OPTS)).rejects.toThrow(/parser pool closed/);
  });
});
