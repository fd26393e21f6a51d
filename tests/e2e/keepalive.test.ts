// Issue 16: a busy worker must not make healthy sources look broken. A real server on 127.0.0.1 closes
// idle kept-alive connections after a few milliseconds; the worker's event loop is blocked before each
// request (as it is while a batch of items is saved and clustered), so the server's FIN is not seen in
// time and connections it has already closed are reused: without the retry, the first requests of every
// cycle after the first fail with ECONNRESET (4 of 60 here, every run). Each must be sent again on a
// fresh connection. The second case has no simulated stall: the worker really is busy, placing new
// articles of similar wording in stories every cycle (the clusterer's thread, as the service runs it),
// while the server keeps closing idle connections; no source may fail over several cycles.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import type { FetchFn } from '../../src/fetcher/index.js';
import { silentLogger } from '../../src/log/index.js';
import { ClusterThread } from '../../src/ingest/cluster-thread.js';
import { Metrics } from '../../src/metrics/index.js';
import { ParserPool } from '../../src/parser/pool.js';
import { runCycle } from '../../src/scheduler/index.js';
import { Store } from '../../src/storage/index.js';
import { configYaml, rss } from '../helpers/feeds.js';
import { startKeepAliveServer, type KeepAliveServer } from '../helpers/keepalive.js';

// ---- Settings of this suite -------------------------------------------------------------------------
/** The server closes a connection this long after its last response. */
const IDLE_CLOSE_MS = 15;
/** The worker is busy this long before each request (longer than the server's idle timeout). */
const BUSY_MS = 40;
const SOURCES = 12;
const CYCLES = 5;
/** The second case: a worker busy with its own work, new items to cluster in every cycle. */
const BUSY_SOURCES = 8;
const NEW_ITEMS_PER_CYCLE = 25;
const BUSY_CYCLES = 3;
/** Few words, so every title shares terms with many others: placing each new article is real work. */
const WORDS = ('harbour council budget river election bridge festival drought vaccine tariff railway museum ' +
  'satellite orchestra glacier startup strike wildfire referendum stadium vineyard pipeline archive').split(' ');
// ---------------------------------------------------------------------------------------------------

let srv: KeepAliveServer;
let dir: string;
beforeAll(async () => {
  srv = await startKeepAliveServer(IDLE_CLOSE_MS);
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-keepalive-'));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Blocks the event loop, as CPU work would: no I/O (such as the server's FIN) is seen meanwhile. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* spin */ }
}

/** The real undici fetch, behind a worker that is busy before every request. */
const busyFetch: FetchFn = (input, init) => {
  busy(BUSY_MS);
  return undiciFetch(input, init);
};

describe('kept-alive connections closed by the server while the worker is busy', () => {
  it('fails no source over several cycles, and counts the retries in /metrics', async () => {
    const urls = Array.from({ length: SOURCES }, (_, i) => `${srv.base}/k/${i}.xml`);
    urls.forEach((u, i) => srv.route(new URL(u).pathname, rss(`Feed ${i}`, [
      { id: `k${i}`, title: `Item ${i} of a healthy feed`, link: `{{BASE}}/k/${i}/1`, published: '2025-07-18T10:00:00Z' }])));
    // http.per_host_concurrency is 2 (the default): two kept-alive connections, reused all the time.
    const config = parseConfig(configYaml(urls, 'defaults:\n  full_text: false'), 'keepalive.yaml');
    const store = Store.open(join(dir, 'k.db'));
    const metrics = new Metrics(() => store);
    store.sources.sync(config.sources, new Date().toISOString());
    // One parser pool for all cycles, as the service's Worker keeps one: closing a pool between cycles
    // would give the event loop time to see the server's FINs, and the race would not happen.
    const parserPool = new ParserPool();
    const failed: string[] = [];
    try {
      for (let c = 0; c < CYCLES; c++) {
        const summary = await runCycle({ store, config, log: silentLogger(), force: true, fetch: busyFetch, parserPool });
        expect(summary.sources).toBe(SOURCES);
        failed.push(...summary.results.filter((r) => r.outcome === 'failed').map((r) => `${r.source}: ${r.error}`));
      }
      // The server did close connections under the worker (otherwise this test proves nothing) …
      expect(srv.stats().idleCloses).toBeGreaterThan(SOURCES);
      // … and no source failed because of it.
      expect(failed).toEqual([]);
      const text = await metrics.text();
      const retries = Number(/^storyfeed_fetch_retries_total\{reason="stale-connection"\} (\d+)$/m.exec(text)?.[1]);
      expect(retries).toBeGreaterThan(0);
      // Every fetch answered; a request written into a closed connection never arrives, so at most one
      // more per retry.
      expect(srv.stats().requests).toBeGreaterThanOrEqual(SOURCES * CYCLES);
      expect(srv.stats().requests).toBeLessThanOrEqual(SOURCES * CYCLES + retries);
    } finally {
      await parserPool.close();
      metrics.close();
      store.close();
    }
  });

  it('fails no source while the worker clusters the new items of every cycle (real work, no simulated stall)', async () => {
    const urls = Array.from({ length: BUSY_SOURCES }, (_, i) => `${srv.base}/busy/${i}.xml`);
    let w = 7;
    const word = () => WORDS[(w = (w * 1_103_515_245 + 12_345) % 2_147_483_648) % WORDS.length] as string;
    const words = (n: number) => Array.from({ length: n }, word).join(' ');
    const publish = (cycle: number) => urls.forEach((u, s) => srv.route(new URL(u).pathname, rss(`Busy ${s}`,
      Array.from({ length: NEW_ITEMS_PER_CYCLE }, (_, i) => ({
        id: `b${s}-${cycle}-${i}`, title: `${words(7)} ${s}/${cycle}/${i}`, link: `{{BASE}}/busy/${s}/${cycle}/${i}`,
        summary: words(40), published: new Date(Date.UTC(2025, 6, 18, 10) + (cycle * 100 + i) * 60_000).toISOString(),
      })))));
    const config = parseConfig(configYaml(urls, 'defaults:\n  full_text: false'), 'keepalive-busy.yaml');
    const store = Store.open(join(dir, 'busy.db'));
    store.sources.sync(config.sources, new Date().toISOString());
    // As the service's Worker: its parser threads and its clusterer's thread kept across cycles.
    const parserPool = new ParserPool();
    const clusterThread = new ClusterThread(store, silentLogger());
    const closesBefore = srv.stats().idleCloses;
    const failed: string[] = [];
    const inserted: number[] = [];
    try {
      for (let c = 0; c < BUSY_CYCLES; c++) {
        publish(c);
        const summary = await runCycle({ store, config, log: silentLogger(), force: true, fetch: undiciFetch as FetchFn,
          parserPool, clusterThread });
        failed.push(...summary.results.filter((r) => r.outcome === 'failed').map((r) => `cycle ${c}, ${r.source}: ${r.error}`));
        inserted.push(summary.inserted);
      }
      expect(failed).toEqual([]);
      expect(inserted).toEqual(Array.from({ length: BUSY_CYCLES }, () => BUSY_SOURCES * NEW_ITEMS_PER_CYCLE));
      // The server did close idle connections during the cycles, and every new article was placed in a story.
      expect(srv.stats().idleCloses - closesBefore).toBeGreaterThan(BUSY_SOURCES);
      const stats = store.stats();
      expect(stats.articles).toBe(BUSY_SOURCES * NEW_ITEMS_PER_CYCLE * BUSY_CYCLES);
      expect(stats.stories).toBeGreaterThan(0);
      expect(stats.stories).toBeLessThanOrEqual(stats.articles);
    } finally {
      await clusterThread.close();
      await parserPool.close();
      store.close();
    }
  });
});
