// Issue 16: a GET that failed because a kept-alive connection was closed under it is sent once more, at
// once, on a fresh connection; every other failure is left to the caller's backoff. The fetch is
// injected here so each error shape can be produced exactly; the end-to-end case with a real server
// that closes idle connections is tests/e2e/keepalive.test.ts.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Socket } from 'node:net';
import { errors, Response as UndiciResponse, type Dispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FETCH_RETRY_CHANNEL, FetchError, fetchUrl, isStaleConnectionError, type FetchFn, type FetchOptions } from './index.js';

const OPTS: FetchOptions = {
  timeoutMs: 2_000, maxBytes: 1_000_000, userAgent: 'storyfeed-test/1.0', maxRedirects: 5, allowPrivateNetworks: true,
};

/** undici's fetch rejects with a TypeError whose cause is the socket error. */
const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });
const codeError = (code: string) => Object.assign(new Error(`read ${code}`), { code });
/** "other side closed" on a connection that had already carried `bytesRead` bytes of earlier responses. */
const otherSideClosed = (bytesRead: number): Error => {
  // undici's own class, with the socket info it attaches (its typings omit the constructor's second argument)
  const err = new errors.SocketError('other side closed');
  err.socket = { localAddress: '127.0.0.1', localPort: 50_000, remoteAddress: '127.0.0.1', remotePort: 8080,
    remoteFamily: 'IPv4', bytesWritten: 100, bytesRead };
  return err;
};

/** A fetch that plays a script: each call takes the next step (an error to throw, or a response). */
function scripted(steps: (Error | (() => Response))[]): { fetch: FetchFn; dispatchers: (Dispatcher | undefined)[] } {
  const dispatchers: (Dispatcher | undefined)[] = [];
  const fetch = (async (_input, init) => {
    dispatchers.push(init?.dispatcher);
    const step = steps[dispatchers.length - 1];
    if (!step) throw new Error('unexpected extra request');
    if (step instanceof Error) throw step;
    return step();
  }) as FetchFn;
  return { fetch, dispatchers };
}
type Response = InstanceType<typeof UndiciResponse>;
const ok = () => new UndiciResponse('<rss/>', { status: 200, headers: { 'content-type': 'application/rss+xml' } });

let published: unknown[];
const onRetry = (message: unknown) => {
  published.push(message);
};
beforeEach(() => {
  published = [];
  subscribe(FETCH_RETRY_CHANNEL, onRetry);
});
afterEach(() => {
  unsubscribe(FETCH_RETRY_CHANNEL, onRetry);
});

async function failure(p: Promise<unknown>): Promise<FetchError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FetchError) return err;
    throw err;
  }
  throw new Error('expected a FetchError');
}

describe('retry on a kept-alive connection closed by the server', () => {
  const stale: [name: string, error: Error][] = [
    ['UND_ERR_SOCKET "other side closed" on a reused connection', fetchFailed(otherSideClosed(4096))],
    ['ECONNRESET', fetchFailed(codeError('ECONNRESET'))],
    ['EPIPE', fetchFailed(codeError('EPIPE'))],
  ];
  it.each(stale)('%s: sent once more, on a dispatcher of its own, and published', async (_name, error) => {
    const s = scripted([error, ok]);
    const r = await fetchUrl('http://127.0.0.1:9/feed', { ...OPTS, fetch: s.fetch });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('<rss/>');
    expect(s.dispatchers).toHaveLength(2);
    expect(s.dispatchers[1]).toBeDefined();
    expect(s.dispatchers[1]).not.toBe(s.dispatchers[0]); // a fresh connection, not the pool that had the stale one
    expect(published).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:9/feed' })]);
  });

  it('retries once only: a second stale connection fails the fetch as a network error', async () => {
    const s = scripted([fetchFailed(otherSideClosed(4096)), fetchFailed(otherSideClosed(4096))]);
    const err = await failure(fetchUrl('http://127.0.0.1:9/feed', { ...OPTS, fetch: s.fetch }));
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(/UND_ERR_SOCKET other side closed/);
    expect(s.dispatchers).toHaveLength(2);
    expect(published).toHaveLength(1);
  });

  const notStale: [name: string, error: Error][] = [
    ['a new connection closed before any byte (bytesRead 0)', fetchFailed(otherSideClosed(0))],
    ['connection refused', fetchFailed(codeError('ECONNREFUSED'))],
    ['DNS failure', fetchFailed(codeError('ENOTFOUND'))],
    ['a socket timeout', fetchFailed(codeError('UND_ERR_CONNECT_TIMEOUT'))],
    ['an error without a code', fetchFailed(new Error('something else'))],
  ];
  it.each(notStale)('%s: not retried', async (_name, error) => {
    const s = scripted([error, ok]);
    const err = await failure(fetchUrl('http://127.0.0.1:9/feed', { ...OPTS, fetch: s.fetch }));
    expect(err.kind).toBe('network');
    expect(s.dispatchers).toHaveLength(1);
    expect(published).toEqual([]);
  });

  it('an HTTP error status is an answer, not retried', async () => {
    const s = scripted([() => new UndiciResponse('busy', { status: 503 }), ok]);
    const err = await failure(fetchUrl('http://127.0.0.1:9/feed', { ...OPTS, fetch: s.fetch }));
    expect(err).toMatchObject({ kind: 'http', status: 503 });
    expect(s.dispatchers).toHaveLength(1);
  });

  it('an aborted fetch (shutting down) is not retried', async () => {
    const abort = new AbortController();
    abort.abort();
    const s = scripted([fetchFailed(codeError('ECONNRESET')), ok]);
    const err = await failure(fetchUrl('http://127.0.0.1:9/feed', { ...OPTS, fetch: s.fetch, signal: abort.signal }));
    expect(err.kind).toBe('aborted');
    expect(s.dispatchers).toHaveLength(1);
  });

  it('classifies errors along the cause chain', () => {
    expect(isStaleConnectionError(fetchFailed(otherSideClosed(1)))).toBe(true);
    expect(isStaleConnectionError(fetchFailed(otherSideClosed(0)))).toBe(false);
    expect(isStaleConnectionError(new Error('x', { cause: fetchFailed(codeError('ECONNRESET')) }))).toBe(true);
    expect(isStaleConnectionError(codeError('ECONNREFUSED'))).toBe(false);
    expect(isStaleConnectionError(undefined)).toBe(false);
  });
});

describe('with the real undici fetch and a real server', () => {
  it('a server that closes every new connection without answering fails at once, after one request', async () => {
    let connections = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.once('data', () => socket.destroy()); // reads the request, answers nothing
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const err = await failure(fetchUrl(`http://127.0.0.1:${port}/feed`, OPTS));
      expect(err.kind).toBe('network');
      expect(err.message).toMatch(/UND_ERR_SOCKET other side closed/);
      // A fresh connection closed without an answer is the server's failure: no second request.
      expect(connections).toBe(1);
      expect(published).toEqual([]);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
