// Offline demo: the bundled sample feeds and pages are served under /demo/ by the same 127.0.0.1 server that
// publishes the merged feed, ingested, and republished. The database persists (data/demo.db) and every URL
// names the demo's own port, so a reader subscribed to the demo keeps its entry ids across restarts and its
// links work whenever the demo runs (issue 9.5).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import { parseConfig } from '../config/index.js';
import { createLogger, type Logger } from '../log/index.js';
import type { Config } from '../model/index.js';
import { configTags, ENTRY_BODY_CHARS, feedPath, FEED_PATHS, renderFeed, type FeedKind } from '../publisher/index.js';
import { runCycle } from '../scheduler/index.js';
import { closeServer, createApp, startServer } from '../server/index.js';
import { Store } from '../storage/index.js';

/** Repository folder with the demo fixtures (same relative place from src/ and dist/). */
export const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));

/** Where the fixtures are served, under the merged feed's own server. */
const DEMO_PREFIX = '/demo';

const TYPES: Record<string, string> = {
  '.xml': 'application/rss+xml; charset=utf-8',
  '.atom': 'application/atom+xml; charset=utf-8',
  '.json': 'application/feed+json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** A fixture file with {{BASE}} replaced by the address the fixtures are served from; undefined if none. */
export function fixture(dir: string, path: string, base: string): { body: string; type: string } | undefined {
  const rel = normalize(path).replace(/^([/\\])+/, '');
  if (rel.startsWith('..') || rel === '' || rel === '.') return undefined;
  try {
    return { body: readFileSync(join(dir, rel), 'utf8').replaceAll('{{BASE}}', base), type: TYPES[extname(rel)] ?? 'application/octet-stream' };
  } catch {
    return undefined;
  }
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
    tags: [defence]
  - url: ${base}/feeds/frontier-desk.atom
    name: Frontier Post Desk
    tags: [defence, world]
  - url: ${base}/feeds/world-desk.json
    name: World Desk
    tags: [world]
`;
}

export interface DemoOptions {
  port: number;
  db: string;
  once: boolean;
  print: (text: string) => void;
  waitForShutdown: (log: Logger, onStop: () => Promise<void>) => Promise<number>;
}

function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

function configFor(port: number): Config {
  return parseConfig(demoConfigYaml(`http://127.0.0.1:${port}${DEMO_PREFIX}`, port), '<demo config>');
}

/**
 * A demo database built for another port holds sources (and articles) under other URLs: start it again
 * rather than publish both. On port 0 (a random one) nothing can be kept.
 */
function prepareDatabase(path: string, port: number): void {
  if (port === 0) return removeDatabase(path);
  if (!existsSync(path)) return;
  const expected = new Set(configFor(port).sources.map((s) => s.url));
  const store = Store.open(path);
  const foreign = store.sources.list().some((s) => !expected.has(s.configUrl));
  store.close();
  if (foreign) removeDatabase(path);
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  const log = createLogger({ format: 'pretty', level: process.env.STORYFEED_LOG_LEVEL ?? 'warn' });
  prepareDatabase(opts.db, opts.port);
  const store = Store.open(opts.db);
  let config = configFor(opts.port);
  let base = '';
  const app = createApp({ store, config: () => config });
  app.get(`${DEMO_PREFIX}/*`, (c: Context) => {
    const f = fixture(DEMO_DIR, decodeURIComponent(new URL(c.req.url).pathname.slice(DEMO_PREFIX.length)), `${base}${DEMO_PREFIX}`);
    return f ? c.body(f.body, 200, { 'Content-Type': f.type }) : c.text('not found\n', 404);
  });
  let server;
  let port: number;
  try {
    ({ server, port } = await startServer(app, '127.0.0.1', opts.port));
  } catch (err) {
    store.close();
    // Named as the CLI's ServerError, so the message is shown as it is.
    throw Object.assign(new Error(`demo: cannot listen on 127.0.0.1:${opts.port}: ${(err as Error).message} (try --port N)`, { cause: err }),
      { name: 'ServerError' });
  }
  base = `http://127.0.0.1:${port}`;
  config = configFor(port);
  store.sources.sync(config.sources, new Date().toISOString());
  const summary = await runCycle({ store, config, log, force: true });
  if (opts.once) {
    const stories = store.stories.list(config.output.maxStories, { maxBodyChars: ENTRY_BODY_CHARS });
    opts.print(renderFeed('rss', stories, config.output, { tags: configTags(config) }));
    await closeServer(server);
    store.close();
    return summary.failed ? 1 : 0;
  }
  const stats = store.stats();
  const kinds = Object.keys(FEED_PATHS) as FeedKind[];
  opts.print([
    `storyfeed demo: ingested ${summary.sources} sample sources (${summary.inserted} new items) into ${stats.stories} stories.`,
    `Sample feeds are served from ${base}${DEMO_PREFIX}/feeds/; the database ${opts.db} is kept, so entry ids stay the same next time.`,
    'Subscribe to the merged feed in any feed reader:',
    ...kinds.map((k) => `  ${base}${feedPath(k)}`),
    `Per tag: ${configTags(config).map((t) => `${base}${feedPath('atom', t)}`).join('  ')}`,
    `All of them at once (OPML): ${base}/feeds.opml`,
    `Health: ${base}/health — press Ctrl-C to stop.`,
  ].join('\n'));
  return opts.waitForShutdown(log, async () => {
    await closeServer(server);
    store.close();
  });
}
