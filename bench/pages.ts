// Benchmark: what the HTML pages cost on a database of N local feeds × M items (real headlines, each
// carried by several feeds, so stories have many sources), ingested by one real cycle. Prints medians of
// the render time of the stories page, story pages (the first pays for loading the clusterer from the
// window's stored analyses; later ones reuse it), the sources page, a cached page and a 304, and the
// size of the largest page of each kind (the pages are bounded whatever is stored).
// Run: npx tsx bench/pages.ts [feeds] [items]   (or: npm run bench:pages)
import { parse } from 'csv-parse/sync';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { runCycle } from '../src/scheduler/index.js';
import { createApp } from '../src/server/index.js';
import { Store } from '../src/storage/index.js';
import { median } from './lib.js';

const FEEDS = Number(process.argv[2] ?? 200);
const ITEMS = Number(process.argv[3] ?? 20);
/** Distinct headlines: each is carried by about FEEDS × ITEMS / DISTINCT feeds. */
const DISTINCT = Math.max(1, Math.floor((FEEDS * ITEMS) / 8));

const HEADLINES = (parse(readFileSync(new URL('../../shared/data/uci-news-headlines/headlines.csv', import.meta.url)),
  { columns: true }) as { TITLE: string }[]).map((r) => r.TITLE.replace(/[<>&]/g, ' '));

function feedXml(f: number, base: string): string {
  const items = Array.from({ length: ITEMS }, (_, i) => {
    const h = (f * 7 + i * 13) % DISTINCT;
    const title = HEADLINES[h % HEADLINES.length] as string;
    return `<item><title>${title}</title><link>${base}/a/${f}/${i}</link><guid isPermaLink="false">f${f}-i${i}</guid>
<pubDate>${new Date(Date.now() - (i + 1) * 600_000).toUTCString()}</pubDate>
<description>${title}.</description></item>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed ${f}</title><link>${base}/</link>
<description>bench</description>${items.join('\n')}</channel></rss>`;
}

async function timed(app: ReturnType<typeof createApp>, path: string, headers: Record<string, string> = {}) {
  const t = performance.now();
  const res = await app.request(path, { headers });
  const body = await res.arrayBuffer();
  return { ms: performance.now() - t, status: res.status, bytes: body.byteLength, etag: res.headers.get('etag') ?? '' };
}

async function main(): Promise<void> {
  let base = '';
  const server = createServer((req, res) => {
    const m = /^\/feed\/(\d+)\.xml$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'application/rss+xml' }).end(feedXml(Number(m[1]), base));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const yaml = `defaults:\n  full_text: false\nhttp:\n  allow_private_networks: true\n  concurrency: 16\n  per_host_concurrency: 16\nretention:\n  days: 0\nsources:\n${
    Array.from({ length: FEEDS }, (_, f) => `  - url: ${base}/feed/${f}.xml\n    tags: [t${f % 5}]`).join('\n')}\n`;
  const config = parseConfig(yaml, 'bench.yaml');
  const dir = mkdtempSync(join(tmpdir(), 'storyfeed-bench-pages-'));
  const store = Store.open(join(dir, 'bench.db'));
  try {
    store.sources.sync(config.sources, new Date().toISOString());
    const cycle = await runCycle({ store, config, log: silentLogger(), force: true });
    const stats = store.stats();
    const app = createApp({ store, config: () => config });
    const ids = (store.db.prepare(`SELECT a.story_id FROM articles a JOIN stories s ON s.id = a.story_id WHERE s.merged_into IS NULL
      GROUP BY a.story_id ORDER BY count(*) DESC, a.story_id LIMIT 21`).pluck().all() as number[]);
    const biggest = store.db.prepare('SELECT count(*) FROM items i JOIN articles a ON a.id = i.article_id WHERE a.story_id = ?').pluck().get(ids[0]) as number;

    const firstStory = await timed(app, `/stories/${ids[0]}`);
    const stories = [];
    for (const id of ids.slice(1)) stories.push(await timed(app, `/stories/${id}`));
    const fronts = [];
    for (let p = 1; p <= 10; p++) fronts.push(await timed(app, `/?page=${p}`));
    const tags = [];
    for (let t = 0; t < 5; t++) tags.push(await timed(app, `/?tag=t${t}`));
    const sources = await timed(app, '/sources');
    const sourcePages = [sources];
    for (let p = 2; p <= Math.ceil(FEEDS / 100); p++) sourcePages.push(await timed(app, `/sources?page=${p}`));
    const cached = [];
    for (let i = 0; i < 20; i++) cached.push(await timed(app, '/?page=1'));
    const notModified = [];
    for (let i = 0; i < 20; i++) notModified.push(await timed(app, '/?page=1', { 'If-None-Match': fronts[0]?.etag ?? '' }));
    if (notModified.some((r) => r.status !== 304)) throw new Error('bench: expected 304');

    const ms = (rs: { ms: number }[]) => `${median(rs.map((r) => r.ms)).toFixed(1)} ms`;
    const kb = (rs: { bytes: number }[]) => `${(Math.max(...rs.map((r) => r.bytes)) / 1024).toFixed(0)} KB`;
    console.log(`pages over ${FEEDS} local feeds × ${ITEMS} items: ${cycle.inserted} items, ${stats.stories} stories ` +
      `(largest: ${biggest} items), one cycle; medians, in memory (app.request)`);
    console.log(`  story page, first (loads the clusterer from the window): ${firstStory.ms.toFixed(0)} ms, ${(firstStory.bytes / 1024).toFixed(0)} KB`);
    console.log(`  story page, the next ${stories.length} largest stories:           ${ms(stories)} (largest ${kb(stories)})`);
    console.log(`  stories page (10 pages), by tag (5 tags):              ${ms(fronts)}, ${ms(tags)} (largest ${kb([...fronts, ...tags])})`);
    console.log(`  sources page (${FEEDS} sources, ${sourcePages.length} page(s) of 100):            ${ms(sourcePages)} (largest ${kb(sourcePages)})`);
    console.log(`  a page already rendered:                               ${ms(cached)}`);
    console.log(`  304 Not Modified:                                      ${ms(notModified)}`);
    console.log(`  peak RSS: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
    server.close();
  }
}

await main();
