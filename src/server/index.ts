// HTTP: the merged feeds and the per-tag feeds (kept as bytes, gzip/br, ETag + 304), an OPML of them,
// the HTML pages (src/pages/), health and metrics. Read-only: admin actions stay on the CLI. Feed requests
// take a fast path straight on node:http (no Request/Response objects); everything else, and in-memory
// tests, go through Hono.
import { getRequestListener } from '@hono/node-server';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Metrics } from '../metrics/index.js';
import type { Config } from '../model/index.js';
import { renderMergedOpml } from '../opml/index.js';
import { mountPages, type PageDeps } from '../pages/index.js';
import { configTags, FEED_PATHS, feedPath, type FeedKind } from '../publisher/index.js';
import type { WorkerState } from '../scheduler/index.js';
import type { Store } from '../storage/index.js';
import { FeedService, parseFeedPath, type FeedRequest } from './feeds.js';

export { negotiateEncoding } from './feeds.js';

export interface AppDeps {
  store: Store;
  /** Current config getter (the worker may reload it). */
  config: () => Config;
  /** Scheduler state, when a worker runs in this process. */
  worker?: () => WorkerState;
  /** Prometheus metrics served on /metrics. */
  metrics?: Metrics;
  /** The worker's clusterer, when a worker runs in this process (the story pages read it: see PageDeps). */
  clusterer?: PageDeps['clusterer'];
}

// ---- Tunables -------------------------------------------------------------------------------------
/** Slow clients (issue 10.11): the limits of the listening socket. */
export const SERVER_LIMITS = {
  /** Request headers complete within this (a client trickling them is answered 408 and closed). */
  headersTimeoutMs: 10_000,
  /** The whole request (headers and body) within this. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** A connection with no traffic in either direction (a client that stops reading) is closed after this. */
  idleTimeoutMs: 60_000,
  /** How often the timeouts above are checked. */
  checkIntervalMs: 1_000,
  /** Connections served at once; more are refused at accept. */
  maxConnections: 1_024,
};
// ---------------------------------------------------------------------------------------------------

export type ServerLimits = typeof SERVER_LIMITS;

/** The feed service behind each app, for the fast path of startServer. */
const services = new WeakMap<Hono, FeedService>();

function feedRequest(method: string, header: (name: string) => string | undefined): FeedRequest {
  return { method, ifNoneMatch: header('if-none-match'), ifModifiedSince: header('if-modified-since'), acceptEncoding: header('accept-encoding') };
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const feeds = new FeedService(deps.store, deps.config);
  services.set(app, feeds);

  app.use('*', secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    crossOriginResourcePolicy: 'cross-origin',
    // The HTML pages set their own (stricter than none for what they need: see src/pages/index.ts).
    overwrite: false,
  }));
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      return c.text('method not allowed\n', 405, { Allow: 'GET, HEAD' });
    }
    await next();
  });

  const feed = (c: Context, kind: FeedKind, tag?: string) => {
    const r = feeds.respond(kind, tag, feedRequest(c.req.method, (n) => c.req.header(n)));
    if (!r) return c.text(`not found: no source has the tag ${JSON.stringify(tag)}\n`, 404);
    return new Response(r.body ? new Uint8Array(r.body) : null, { status: r.status, headers: r.headers });
  };
  for (const kind of Object.keys(FEED_PATHS) as FeedKind[]) {
    app.get(FEED_PATHS[kind], (c) => feed(c, kind));
    app.get(`/tags/:tag${feedPath(kind, '').slice('/tags/'.length)}`, (c) => {
      const parsed = parseFeedPath(new URL(c.req.url).pathname);
      return feed(c, kind, parsed?.tag ?? c.req.param('tag'));
    });
  }

  app.get('/feeds.opml', (c) => {
    const config = deps.config();
    return c.body(renderMergedOpml(config.output, configTags(config)), 200, {
      'Content-Type': 'text/x-opml; charset=utf-8', 'Cache-Control': 'public, max-age=300' });
  });

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

  // The HTML pages (issue 14); `/` is their story list, or the JSON index below for a client that asks for JSON.
  const pages = mountPages(app, deps);
  app.get('/', (c) => {
    if (!prefersJson(c.req.header('accept'))) return pages.front(c);
    const config = deps.config();
    const tags = Object.fromEntries(configTags(config).map((t) =>
      [t, Object.fromEntries((Object.keys(FEED_PATHS) as FeedKind[]).map((k) => [k, feedPath(k, t)]))]));
    return c.json({ name: 'storyfeed', title: config.output.title, feeds: FEED_PATHS, tags, opml: '/feeds.opml',
      health: '/health', metrics: '/metrics' });
  });

  app.notFound((c) => c.text('not found\n', 404));
  app.onError((err, c) => c.text(`server: internal error: ${err.message}\n`, 500));
  return app;
}

/** Does the client ask for JSON rather than HTML (`Accept: application/json`, without text/html)? */
function prefersJson(accept: string | undefined): boolean {
  return accept !== undefined && /\bapplication\/(?:[\w.+-]+\+)?json\b/i.test(accept) && !/\btext\/html\b/i.test(accept);
}

/** Headers every answer carries (Hono's secureHeaders), read once from the app so the fast path sends the same. */
async function securityHeaders(app: Hono): Promise<Record<string, string>> {
  const probe = await app.request('/health/live');
  const out: Record<string, string> = {};
  probe.headers.forEach((value, name) => {
    if (!['content-type', 'content-length', 'cache-control'].includes(name)) out[name] = value;
  });
  return out;
}

/** The fast path: GET/HEAD of a feed answered from the kept bytes; false for anything else (Hono answers). */
function fastFeeds(feeds: FeedService) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const parsed = parseFeedPath(q === -1 ? url : url.slice(0, q));
    if (!parsed) return false;
    const header = (n: string) => {
      const v = req.headers[n];
      return Array.isArray(v) ? v.join(', ') : v;
    };
    const r = feeds.respond(parsed.kind, parsed.tag, feedRequest(req.method, header));
    if (!r) return false;
    res.writeHead(r.status, r.headers);
    res.end(r.body);
    return true;
  };
}

/** Listen on host:port; resolves once listening, with the bound port. `limits` bound what slow clients can hold. */
export async function startServer(app: Hono, host: string, port: number, limits: Partial<ServerLimits> = {}): Promise<{ server: Server; port: number }> {
  const l = { ...SERVER_LIMITS, ...limits };
  const hono = getRequestListener(app.fetch);
  const feeds = services.get(app);
  if (feeds) feeds.extraHeaders = await securityHeaders(app);
  const fast = feeds ? fastFeeds(feeds) : undefined;
  const server = createServer({
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: l.checkIntervalMs,
  }, (req, res) => {
    try {
      if (fast?.(req, res)) return;
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`server: internal error: ${(err as Error).message}\n`);
      return;
    }
    void hono(req, res);
  });
  server.maxConnections = l.maxConnections;
  server.setTimeout(l.idleTimeoutMs, (socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : port });
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
