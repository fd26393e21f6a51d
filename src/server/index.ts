// HTTP: the merged feeds (ETag + Last-Modified + 304), health. Read-only: admin actions stay on the CLI.
import { serve, type ServerType } from '@hono/node-server';
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Metrics } from '../metrics/index.js';
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
  /** Prometheus metrics served on /metrics. */
  metrics?: Metrics;
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
    const stories = deps.store.stories.list(config.output.maxStories);
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

  /**
   * Liveness is this process answering (/health/live). Readiness (/health, /health/ready): the database
   * answers (503 when not, or while stopping). A database that cannot take writes (read-only, disk full,
   * its file deleted) keeps serving the feed: reported as "degraded" with the reason, still 200.
   */
  const health = (c: Context) => {
    const scheduler = deps.worker?.();
    // Write failures count from the start of the last finished cycle (storage/health.ts).
    const database = deps.store.health({ failuresSince: scheduler?.lastCycle?.startedAt });
    let stats;
    try {
      stats = deps.store.stats();
    } catch {
      stats = undefined;
    }
    const reasons: string[] = [];
    if (!database.ok) reasons.push(`database unusable: ${database.error ?? 'no answer'}`);
    if (scheduler?.stopping) reasons.push('stopping');
    if (database.ok) reasons.push(...database.problems);
    if (scheduler?.lastError) reasons.push(`last cycle failed: ${scheduler.lastError}`);
    const ready = database.ok && !scheduler?.stopping;
    const status = !ready ? 'unavailable' : reasons.length ? 'degraded' : 'ok';
    return c.json({ status, reasons, database, scheduler: scheduler ?? null, stats: stats ?? null },
      ready ? 200 : 503, { 'Cache-Control': 'no-store' });
  };
  app.get('/health', health);
  app.get('/health/ready', health);
  app.get('/health/live', (c) => c.json({ status: 'ok' }, 200, { 'Cache-Control': 'no-store' }));

  app.get('/metrics', async (c) => {
    if (!deps.metrics) return c.text('not found\n', 404);
    return c.body(await deps.metrics.text(), 200, { 'Content-Type': deps.metrics.contentType, 'Cache-Control': 'no-store' });
  });

  app.get('/', (c) => {
    const out = deps.config().output;
    return c.json({ name: 'storyfeed', title: out.title, feeds: FEED_PATHS, health: '/health', metrics: '/metrics' });
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
