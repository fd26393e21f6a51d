// Benchmark: one ingest cycle over N local feeds (default 200 × 20 items, real headlines) served from
// 127.0.0.1, into a fresh SQLite file, clustering included; then a second cycle where every feed
// answers 304. Prints medians.
// Run: npx tsx bench/cycle.ts [feeds] [items] [runs]   (or: npm run bench:cycle)
import { parse } from 'csv-parse/sync';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { renderFeed } from '../src/publisher/index.js';
import { runCycle } from '../src/scheduler/index.js';
import { Store } from '../src/storage/index.js';
import { median } from './lib.js';

const FEEDS = Number(process.argv[2] ?? 200);
const ITEMS = Number(process.argv[3] ?? 20);
const RUNS = Number(process.argv[4] ?? 5);

/** Real headlines (UCI News Aggregator, ../shared) so that clustering sees realistic titles. */
const HEADLINES = (parse(readFileSync(new URL('../../shared/data/uci-news-headlines/headlines.csv', import.meta.url)),
  { columns: true }) as { TITLE: string }[]).map((r) => r.TITLE.replace(/[<>&]/g, ' '));

function feedXml(f: number, base: string): string {
  const items = Array.from({ length: ITEMS }, (_, i) => `<item><title>${HEADLINES[(f * ITEMS + i) % HEADLINES.length]}</title>
<link>${base}/a/${f}/${i}?utm_source=rss</link><guid isPermaLink="false">f${f}-i${i}</guid>
<pubDate>${new Date(Date.UTC(2025, 6, 18, 0, i)).toUTCString()}</pubDate>
<description>${HEADLINES[(f * ITEMS + i) % HEADLINES.length]}. ${HEADLINES[(f * ITEMS + i + 1) % HEADLINES.length]}.</description></item>`);
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed ${f}</title><link>${base}/</link>
<description>bench</description>${items.join('\n')}</channel></rss>`;
}


async function main(): Promise<void> {
  let base = '';
  const server = createServer((req, res) => {
    const m = /^\/feed\/(\d+)\.xml$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    const etag = `"f${m[1]}"`;
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { ETag: etag }).end();
    res.writeHead(200, { 'Content-Type': 'application/rss+xml', ETag: etag }).end(feedXml(Number(m[1]), base));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  // Feed ingest and clustering only: article pages are measured by bench/extract.ts.
  const yaml = `defaults:\n  full_text: false\nhttp:\n  allow_private_networks: true\n  concurrency: 16\n  per_host_concurrency: 16\nretention:\n  days: 0\nsources:\n${
    Array.from({ length: FEEDS }, (_, f) => `  - ${base}/feed/${f}.xml`).join('\n')}\n`;
  const config = parseConfig(yaml, 'bench.yaml');
  const log = silentLogger();
  const full: number[] = [];
  const cond: number[] = [];
  const render: number[] = [];
  let peakRss = 0;
  let stories = 0;
  for (let r = 0; r < RUNS; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'storyfeed-bench-'));
    const store = Store.open(join(dir, 'bench.db'));
    store.sources.sync(config.sources, new Date().toISOString());
    const a = await runCycle({ store, config, log, force: true });
    if (a.failed || a.inserted !== FEEDS * ITEMS) throw new Error(`bench: unexpected cycle result ${JSON.stringify({ ...a, results: undefined })}`);
    full.push(a.durationMs);
    const b = await runCycle({ store, config, log, force: true });
    if (b.notModified !== FEEDS) throw new Error('bench: second cycle was not all 304');
    cond.push(b.durationMs);
    const t = performance.now();
    renderFeed('atom', store.stories.list(100), config.output);
    render.push(performance.now() - t);
    stories = store.stats().stories;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  server.close();
  console.log(`cycle over ${FEEDS} local feeds × ${ITEMS} items, ${RUNS} runs (median):`);
  console.log(`  first cycle (200 OK, ${FEEDS * ITEMS} new items): ${median(full).toFixed(0)} ms  ` +
    `(${((FEEDS * ITEMS) / (median(full) / 1000)).toFixed(0)} items/s)`);
  console.log(`  second cycle (all 304 Not Modified):          ${median(cond).toFixed(0)} ms`);
  console.log(`  render merged Atom feed (100 stories):        ${median(render).toFixed(1)} ms`);
  console.log(`  stories after clustering: ${stories} (from ${FEEDS * ITEMS} items)`);
  console.log(`  peak RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
}

await main();
