// HTTP: the merged feeds (ETag + Last-Modified + 304), health. Read-only: admin actions stay on the CLI.
import { serve, type ServerType } from '@hono/node-server';
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Config } from '../model/index.js';
import { FEED_CONTENT_TYPES, FEED_PATHS, renderFeed, type FeedKind } from '../publisher/index.js';
import type { WorkerState } from '../scheduler/index.js';
import type { Store } from '../storage/index.js';

export interface AppDeps {
  store: Store;
  /** Current config getter (the worker may reload it). */
  config: () => Config;
  /** Scheduler state, when a worker runs in this process. */
  worker?: () => WorkerState;
}

interface Rendered {
  key: string;
  body: string;
  etag: string;
  lastModified: string;
}

/** Has the client's cached copy (If-None-Match / If-Modified-Since) got this version already? */
function notModified(c: Context, r: Rendered): boolean {
  const inm = c.req.header('if-none-match');
  if (inm !== undefined) return inm.split(',').some((t) => t.trim() === r.etag || t.trim() === `W/${r.etag}` || t.trim() === '*');
  const ims = c.req.header('if-modified-since');
  if (ims) {
    const since = Date.parse(ims);
    return Number.isFinite(since) && Math.floor(Date.parse(r.lastModified) / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const cache = new Map<FeedKind, Rendered>();

  app.use('*', secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    crossOriginResourcePolicy: 'cross-origin',
  }));
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      return c.text('method not allowed\n', 405, { Allow: 'GET, HEAD' });
    }
    await next();
  });

  const render = (kind: FeedKind): Rendered => {
    const config = deps.config();
    const key = `${deps.store.feedGeneration()}|${config.output.maxStories}|${config.output.title}|${config.output.link}`;
    const hit = cache.get(kind);
    if (hit && hit.key === key) return hit;
    const stories = deps.store.listStories(config.output.maxStories);
    const body = renderFeed(kind, stories, config.output);
    const newest = stories.reduce((m, s) => (s.updated > m ? s.updated : m), '1970-01-01T00:00:00.000Z');
    const rendered: Rendered = {
      key, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      lastModified: new Date(newest).toUTCString(),
    };
    cache.set(kind, rendered);
    return rendered;
  };

  for (const kind of Object.keys(FEED_PATHS) as FeedKind[]) {
    app.get(FEED_PATHS[kind], (c) => {
      const r = render(kind);
      const headers = {
        ETag: r.etag, 'Last-Modified': r.lastModified, 'Cache-Control': 'public, max-age=60',
        'Access-Control-Allow-Origin': '*',
      };
      if (notModified(c, r)) return c.body(null, 304, headers);
      return c.body(r.body, 200, { ...headers, 'Content-Type': FEED_CONTENT_TYPES[kind] });
    });
  }

  app.get('/health', (c) => {
    let database: { ok: boolean; schemaVersion?: number; error?: string };
    let stats;
    try {
      database = { ok: deps.store.ping(), schemaVersion: deps.store.schemaVersion };
      stats = deps.store.stats();
    } catch (err) {
      database = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    const scheduler = deps.worker?.();
    const ok = database.ok && !scheduler?.stopping;
    return c.json({ status: ok ? 'ok' : 'unavailable', database, scheduler: scheduler ?? null, stats: stats ?? null },
      ok ? 200 : 503, { 'Cache-Control': 'no-store' });
  });

  app.get('/', (c) => {
    const out = deps.config().output;
    return c.json({ name: 'storyfeed', title: out.title, feeds: FEED_PATHS, health: '/health' });
  });

  app.notFound((c) => c.text('not found\n', 404));
  app.onError((err, c) => c.text(`server: internal error: ${err.message}\n`, 500));
  return app;
}

/** Listen on host:port; resolves once listening, with the bound port. */
export function startServer(app: Hono, host: string, port: number): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => resolve({ server, port: info.port }));
    server.once('error', reject);
  });
}

export function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}
