// Issue 16: a busy worker must not make healthy sources look broken. A real server on 127.0.0.1 closes
// idle kept-alive connections after a few milliseconds; the worker's event loop is blocked before each
// request (as it is while a batch of items is saved and clustered), so the server's FIN is not seen in
// time and connections it has already closed are reused: without the retry, the first requests of every
// cycle after the first fail with ECONNRESET (4 of 60 here, every run). Each must be sent again on a
// fresh connection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import type { FetchFn } from '../../src/fetcher/index.js';
import { silentLogger } from '../../src/log/index.js';
import { Metrics } from '../../src/metrics/index.js';
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
    const failed: string[] = [];
    try {
      for (let c = 0; c < CYCLES; c++) {
        const summary = await runCycle({ store, config, log: silentLogger(), force: true, fetch: busyFetch });
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
      metrics.close();
      store.close();
    }
  });
});
