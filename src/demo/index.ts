// Offline demo: bundled sample feeds served from 127.0.0.1, ingested, and republished as one merged feed.
import { createServer, type Server } from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../config/index.js';
import { createLogger, type Logger } from '../log/index.js';
import { renderFeed, FEED_PATHS } from '../publisher/index.js';
import { runCycle } from '../scheduler/index.js';
import { closeServer, createApp, startServer } from '../server/index.js';
import { Store } from '../storage/index.js';

/** Repository folder with the demo fixtures (same relative place from src/ and dist/). */
export const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));

const TYPES: Record<string, string> = {
  '.xml': 'application/rss+xml; charset=utf-8',
  '.atom': 'application/atom+xml; charset=utf-8',
  '.json': 'application/feed+json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** Serve a folder on 127.0.0.1 (random port), replacing {{BASE}} with the server's own address. */
export async function serveFixtures(dir: string): Promise<{ server: Server; base: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^([/\\])+/, '');
    if (path.startsWith('..')) {
      res.writeHead(400).end();
      return;
    }
    try {
      const text = readFileSync(join(dir, path), 'utf8').replaceAll('{{BASE}}', base);
      res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(text);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { server, base, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function demoConfigYaml(base: string, port: number): string {
  return `# storyfeed demo configuration (generated)
schedule: "*/5 * * * *"
http:
  allow_private_networks: true   # the demo feeds are served from 127.0.0.1
output:
  title: storyfeed demo
  link: http://127.0.0.1:${port}/
  description: Merged feed of the bundled sample sources
  port: ${port}
retention:
  days: 0
sources:
  - url: ${base}/feeds/defence-notes.xml
    name: Defence Notes
  - url: ${base}/feeds/frontier-desk.atom
    name: Frontier Post Desk
  - url: ${base}/feeds/world-desk.json
    name: World Desk
`;
}

export interface DemoOptions {
  port: number;
  db: string;
  once: boolean;
  print: (text: string) => void;
  waitForShutdown: (log: Logger, onStop: () => Promise<void>) => Promise<number>;
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  const log = createLogger({ format: 'pretty', level: process.env.STORYFEED_LOG_LEVEL ?? 'warn' });
  const fixtures = await serveFixtures(DEMO_DIR);
  // The fixture server gets a new port each run, so the demo starts from an empty database every time.
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${opts.db}${suffix}`, { force: true });
  const config = parseConfig(demoConfigYaml(fixtures.base, opts.port), '<demo config>');
  const store = Store.open(opts.db);
  store.sources.sync(config.sources, new Date().toISOString());
  const summary = await runCycle({ store, config, log, force: true });
  if (opts.once) {
    opts.print(renderFeed('rss', store.stories.list(config.output.maxStories), config.output));
    store.close();
    await fixtures.close();
    return summary.failed ? 1 : 0;
  }
  const app = createApp({ store, config: () => config });
  const { server, port } = await startServer(app, '127.0.0.1', opts.port);
  const stats = store.stats();
  opts.print([
    `storyfeed demo: ingested ${summary.sources} sample sources (${summary.inserted} items) into ${stats.stories} stories.`,
    `Sample feeds are served from ${fixtures.base}/feeds/`,
    'Subscribe to the merged feed in any feed reader:',
    ...Object.values(FEED_PATHS).map((p) => `  http://127.0.0.1:${port}${p}`),
    `Health: http://127.0.0.1:${port}/health — press Ctrl-C to stop.`,
  ].join('\n'));
  return opts.waitForShutdown(log, async () => {
    await closeServer(server);
    await fixtures.close();
    store.close();
  });
}
