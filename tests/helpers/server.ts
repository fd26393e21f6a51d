// A real HTTP server on 127.0.0.1 for tests: routes map a path to a handler or a canned response.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Canned {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Answer 304 when If-None-Match matches this ETag. */
  etag?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestServer {
  base: string;
  url: (path: string) => string;
  /** Set or replace a route. A string body may contain {{BASE}}, replaced by the server's address. */
  route: (path: string, r: Canned | Handler) => void;
  /** Requests seen per path, with their headers. */
  requests: (path: string) => IncomingMessage['headers'][];
  close: () => Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const routes = new Map<string, Canned | Handler>();
  const seen = new Map<string, IncomingMessage['headers'][]>();
  let base = '';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const list = seen.get(path) ?? [];
    list.push(req.headers);
    seen.set(path, list);
    const r = routes.get(path);
    if (!r) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    if (typeof r === 'function') {
      r(req, res);
      return;
    }
    const answer = () => {
      if (r.etag && req.headers['if-none-match'] === r.etag) {
        res.writeHead(304, { ETag: r.etag }).end();
        return;
      }
      const body = typeof r.body === 'string' ? r.body.replaceAll('{{BASE}}', base) : r.body ?? '';
      res.writeHead(r.status ?? 200, { ...(r.etag ? { ETag: r.etag } : {}), ...r.headers }).end(body);
    };
    if (r.delayMs) setTimeout(answer, r.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    base,
    url: (p) => `${base}${p}`,
    route: (p, r) => {
      routes.set(p, r);
    },
    requests: (p) => seen.get(p) ?? [],
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
