// The fetcher against real HTTP servers on 127.0.0.1 (the shared helper for canned routes, node:http
// directly where a test needs to stream, trickle, hold requests open or count TCP connections).
// Nothing here contacts any other address: where a test needs a "public" first hop it injects a fake
// `fetch` for that hop only (FetchOptions.fetch), and refusals are checked with a fetch that never
// touches the network.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { fetch as undiciFetch, Response as UndiciResponse } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../tests/helpers/server.js';
import {
  charsetOf, decodeBody, FetchError, fetchUrl, HostLimiter, isPublicAddress, parseMaxAge, parseRetryAfter,
  type FetchFn, type FetchOptions,
} from './index.js';

// ---- shared setup -----------------------------------------------------------------------------------

/** Loopback is allowed: used wherever the test is about something other than the SSRF guard. */
const OPEN: FetchOptions = {
  timeoutMs: 5_000, maxBytes: 1_000_000, userAgent: 'storyfeed-test/1.0', maxRedirects: 5, allowPrivateNetworks: true,
};
/** The production default: private, loopback and reserved addresses are refused. */
const GUARDED: FetchOptions = { ...OPEN, allowPrivateNetworks: false };

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

interface RawServer {
  base: string;
  port: number;
  /** TCP connections accepted so far. */
  connections: () => number;
  /** HTTP requests received so far. */
  requests: () => number;
  close: () => Promise<void>;
}

const rawServers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(rawServers.splice(0).map((s) => s.close()));
});

/** A bare node:http server on 127.0.0.1 that counts TCP connections and requests; closed after each test. */
async function startRawServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<RawServer> {
  let connections = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    handler(req, res);
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const raw: RawServer = {
    base: `http://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  rawServers.push(raw);
  return raw;
}

/** Awaits a promise that must reject with a FetchError and returns that error. */
async function fetchFailure(p: Promise<unknown>): Promise<FetchError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FetchError) return err;
    throw new Error(`expected a FetchError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a FetchError, but the fetch succeeded');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls a condition every 10 ms, at most `limitMs` (bounded), and fails the test if it never holds. */
async function waitFor(cond: () => boolean, limitMs = 3_000): Promise<void> {
  for (let waited = 0; waited <= limitMs; waited += 10) {
    if (cond()) return;
    await sleep(10);
  }
  throw new Error(`condition not met within ${limitMs} ms`);
}

/** A fetch that never touches the network: records what it was asked for and answers 200. */
function recordingFetch(): { fetch: FetchFn; calls: string[] } {
  const calls: string[] = [];
  const fetch: FetchFn = async (input) => {
    calls.push(String(input));
    return new UndiciResponse('this must never be fetched', { status: 200 });
  };
  return { fetch, calls };
}

/** `mb` MiB of zero bytes through a compressor, fed 1 MiB at a time so the test never holds the raw bytes. */
async function compressZeros(mb: number, compressor: zlib.Gzip | zlib.BrotliCompress): Promise<Buffer> {
  const out: Buffer[] = [];
  compressor.on('data', (b: Buffer) => out.push(b));
  const done = new Promise<void>((resolve, reject) => {
    compressor.on('end', resolve);
    compressor.on('error', reject);
  });
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < mb; i++) {
    if (!compressor.write(zeros)) await new Promise<void>((resolve) => compressor.once('drain', resolve));
  }
  compressor.end();
  await done;
  return Buffer.concat(out);
}

// ---- SSRF guard -------------------------------------------------------------------------------------

describe('SSRF guard (allowPrivateNetworks = false)', () => {
  it('refuses http://127.0.0.1 before any TCP connection is made', async () => {
    const raw = await startRawServer((_req, res) => res.end('internal secret'));
    const err = await fetchFailure(fetchUrl(`${raw.base}/admin`, GUARDED));
    expect(err.kind).toBe('refused');
    expect(err.message).toContain('127.0.0.1');
    await sleep(50); // a connection attempt, had there been one, would have landed by now
    expect(raw.connections()).toBe(0);
    expect(raw.requests()).toBe(0);
  });

  const literalHosts: [label: string, url: string][] = [
    ['IPv6 loopback', 'http://[::1]/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/'],
    ['cloud metadata (link-local)', 'http://169.254.169.254/latest/meta-data/'],
    ['RFC 1918 10/8', 'http://10.0.0.1/'],
    ['RFC 1918 192.168/16', 'http://192.168.1.1:8080/feed'],
    ['unspecified 0.0.0.0', 'http://0.0.0.0/'],
    ['CGNAT 100.64/10', 'http://100.64.0.1/'],
    ['IPv6 unique-local', 'http://[fd00::1]/'],
    ['decimal-encoded loopback (the URL parser turns it into 127.0.0.1)', 'http://2130706433/'],
    ['hex/short-form loopback 0x7f.1', 'http://0x7f.1/'],
    ['https to loopback', 'https://127.0.0.1/'],
  ];
  for (const [label, url] of literalHosts) {
    it(`refuses ${label} immediately, without a network attempt: ${url}`, async () => {
      const spy = recordingFetch();
      const started = performance.now();
      const err = await fetchFailure(fetchUrl(url, { ...GUARDED, fetch: spy.fetch }));
      expect(err.kind).toBe('refused');
      expect(err.message).toMatch(/refused/);
      expect(spy.calls).toEqual([]);
      expect(performance.now() - started).toBeLessThan(500);
    });
  }

  it('refuses IP literals without hanging with the real (default) fetch too', async () => {
    const started = performance.now();
    for (const url of ['http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://169.254.169.254/', 'http://10.0.0.1/', 'http://0.0.0.0/']) {
      const err = await fetchFailure(fetchUrl(url, { ...GUARDED, timeoutMs: 10_000 }));
      expect(err.kind, url).toBe('refused');
    }
    // Had any of them gone to the network, 10.0.0.1 / 169.254.169.254 would hang until the timeout.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses a hostname that resolves to loopback ("localhost") at connect time, naming the address', async () => {
    const raw = await startRawServer((_req, res) => res.end('internal secret'));
    const err = await fetchFailure(fetchUrl(`http://localhost:${raw.port}/admin`, GUARDED));
    expect(err.kind).toBe('refused');
    expect(err.message).toContain('localhost');
    expect(err.message).toMatch(/127\.0\.0\.1|::1/);
    await sleep(50);
    expect(raw.connections()).toBe(0);
  });

  // A redirect from a public server to a private target is refused twice over: every hop goes back
  // through checkTarget (IP-literal targets are refused before any request), and every connection
  // goes through the guarded DNS lookup (hostname targets such as "localhost", or a public name that
  // is rebound to a private address, are refused at connect time). No public server is available
  // here, so the public first hop is simulated with an injected fetch; every later hop is real.
  describe('a redirect from a public host to a private target', () => {
    function publicFirstHop(location: string): FetchFn {
      return async (input, init) => {
        if (String(input).startsWith('http://feeds.example/')) {
          return new UndiciResponse(null, { status: 301, headers: { Location: location } });
        }
        return undiciFetch(input, init); // real fetch, with the guarded dispatcher fetchUrl passes in init
      };
    }

    it('is refused when the Location is a loopback IP literal, with no connection made', async () => {
      const raw = await startRawServer((_req, res) => res.end('internal secret'));
      const err = await fetchFailure(fetchUrl('http://feeds.example/rss',
        { ...GUARDED, fetch: publicFirstHop(`${raw.base}/admin`) }));
      expect(err.kind).toBe('refused');
      expect(err.url).toBe(`${raw.base}/admin`);
      await sleep(50);
      expect(raw.connections()).toBe(0);
    });

    it('is refused when the Location is a hostname resolving to loopback, with no connection made', async () => {
      const raw = await startRawServer((_req, res) => res.end('internal secret'));
      const err = await fetchFailure(fetchUrl('http://feeds.example/rss',
        { ...GUARDED, fetch: publicFirstHop(`http://localhost:${raw.port}/admin`) }));
      expect(err.kind).toBe('refused');
      expect(err.message).toMatch(/127\.0\.0\.1|::1/);
      await sleep(50);
      expect(raw.connections()).toBe(0);
    });

    it('is refused when the Location is the cloud metadata address', async () => {
      const spy = recordingFetch();
      const hop: FetchFn = async (input, init) => String(input).startsWith('http://feeds.example/')
        ? new UndiciResponse(null, { status: 302, headers: { Location: 'http://169.254.169.254/latest/meta-data/' } })
        : spy.fetch(input, init);
      const err = await fetchFailure(fetchUrl('http://feeds.example/rss', { ...GUARDED, fetch: hop }));
      expect(err.kind).toBe('refused');
      expect(spy.calls).toEqual([]);
    });
  });

  it('with allowPrivateNetworks = true, loopback by IP, by name and redirects between them all work', async () => {
    const raw = await startRawServer((req, res) => {
      if (req.url === '/to-localhost') {
        res.writeHead(302, { Location: `http://localhost:${port}/feed` }).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`served ${req.url ?? ''}`);
    });
    const port = raw.port;
    const byIp = await fetchUrl(`${raw.base}/feed`, OPEN);
    expect(byIp.body.toString()).toBe('served /feed');
    const byName = await fetchUrl(`http://localhost:${port}/feed`, OPEN);
    expect(byName.body.toString()).toBe('served /feed');
    const redirected = await fetchUrl(`${raw.base}/to-localhost`, OPEN);
    expect(redirected.url).toBe(`http://localhost:${port}/feed`);
    expect(redirected.body.toString()).toBe('served /feed');
  });

  const badSchemes = ['file:///etc/passwd', 'ftp://127.0.0.1/feed.xml', 'data:text/plain,hello', 'javascript:alert(1)', 'gopher://example.com/'];
  for (const url of badSchemes) {
    it(`refuses the non-http scheme of ${url} with kind 'invalid-url'`, async () => {
      const spy = recordingFetch();
      const err = await fetchFailure(fetchUrl(url, { ...OPEN, fetch: spy.fetch }));
      expect(err.kind).toBe('invalid-url');
      expect(spy.calls).toEqual([]);
    });
  }

  it("rejects an unparseable URL with kind 'invalid-url'", async () => {
    const err = await fetchFailure(fetchUrl('not a url', OPEN));
    expect(err.kind).toBe('invalid-url');
  });

  it("refuses a redirect to a file: URL with kind 'invalid-url'", async () => {
    srv.route('/to-file', { status: 302, headers: { Location: 'file:///etc/passwd' } });
    const err = await fetchFailure(fetchUrl(srv.url('/to-file'), OPEN));
    expect(err.kind).toBe('invalid-url');
    expect(err.message).toContain('file:');
  });
});

describe('isPublicAddress', () => {
  const cases: [address: string, expected: boolean][] = [
    ['8.8.8.8', true],
    ['93.184.216.34', true],
    ['2606:4700:4700::1111', true],
    ['2a00:1450:4001:80b::200e', true],
    ['::ffff:8.8.8.8', true],
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['::1', false],
    ['10.0.0.1', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.0.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['100.127.255.254', false],
    ['fc00::1', false],
    ['fd12:3456::1', false],
    ['fe80::1', false],
    ['224.0.0.1', false],
    ['ff02::1', false],
    ['255.255.255.255', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:127.0.0.1', false],
    ['0.0.0.0', false],
    ['::', false],
    ['', false],
    ['not-an-ip', false],
    ['999.1.1.1', false],
    ['1.2.3.4.5', false],
    ['localhost', false],
  ];
  for (const [address, expected] of cases) {
    it(`${JSON.stringify(address)} -> ${expected}`, () => {
      expect(isPublicAddress(address)).toBe(expected);
    });
  }
  it('100.63.255.255 and 100.128.0.0, just outside CGNAT 100.64/10, are public', () => {
    expect(isPublicAddress('100.63.255.255')).toBe(true);
    expect(isPublicAddress('100.128.0.0')).toBe(true);
  });
});

// ---- size cap ---------------------------------------------------------------------------------------

describe('size cap (maxBytes)', () => {
  const MAX = 10_000;

  it('accepts a body of exactly maxBytes', async () => {
    const body = Buffer.alloc(MAX, 'a');
    srv.route('/exact', { headers: { 'Content-Length': String(MAX) }, body });
    const r = await fetchUrl(srv.url('/exact'), { ...OPEN, maxBytes: MAX });
    expect(r.body.equals(body)).toBe(true);
  });

  it("cuts off a body larger than maxBytes announced by Content-Length (kind 'too-large')", async () => {
    srv.route('/big-cl', { headers: { 'Content-Length': String(MAX + 1) }, body: Buffer.alloc(MAX + 1, 'a') });
    const err = await fetchFailure(fetchUrl(srv.url('/big-cl'), { ...OPEN, maxBytes: MAX }));
    expect(err.kind).toBe('too-large');
    expect(err.message).toContain(String(MAX));
  });

  it("cuts off a chunked body (no Content-Length) once it passes maxBytes (kind 'too-large')", async () => {
    let written = 0;
    const raw = await startRawServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml' }); // no Content-Length: chunked
      const chunk = Buffer.alloc(1_000, 'b');
      // Write up to 1 MB, more slowly than the client reads, and stop when the client goes away.
      const timer = setInterval(() => {
        if (written >= 1_000_000 || res.destroyed) {
          clearInterval(timer);
          res.end();
          return;
        }
        for (let i = 0; i < 10; i++) res.write(chunk);
        written += 10 * chunk.length;
      }, 1);
      res.on('close', () => clearInterval(timer));
    });
    const err = await fetchFailure(fetchUrl(`${raw.base}/stream`, { ...OPEN, maxBytes: MAX }));
    expect(err.kind).toBe('too-large');
    expect(err.message).toContain(String(MAX));
    // The client stopped reading: the server never had to push anywhere near its whole megabyte.
    await sleep(100);
    expect(written).toBeLessThan(500_000);
  });

  it('sends Accept-Encoding: gzip, deflate, br', async () => {
    srv.route('/ae', { body: 'x' });
    await fetchUrl(srv.url('/ae'), OPEN);
    expect(srv.requests('/ae')[0]?.['accept-encoding']).toBe('gzip, deflate, br');
  });

  const feedText = `<?xml version="1.0" encoding="UTF-8"?><rss><channel><title>Zürich “news” €</title>${
    '<item><title>Ünïcödé</title></item>'.repeat(200)}</channel></rss>`;
  const encodings: [encoding: string, compress: (b: Buffer) => Buffer][] = [
    ['gzip', (b) => zlib.gzipSync(b)],
    ['deflate', (b) => zlib.deflateSync(b)],
    ['br', (b) => zlib.brotliCompressSync(b)],
  ];
  for (const [encoding, compress] of encodings) {
    it(`decodes a ${encoding}-encoded body to the original bytes`, async () => {
      const original = Buffer.from(feedText, 'utf8');
      const compressed = compress(original);
      expect(compressed.length).toBeLessThan(original.length); // the server really sends compressed bytes
      srv.route(`/enc-${encoding}`, { headers: { 'Content-Encoding': encoding, 'Content-Type': 'application/rss+xml' }, body: compressed });
      const r = await fetchUrl(srv.url(`/enc-${encoding}`), OPEN);
      expect(r.body.equals(original)).toBe(true);
      expect(decodeBody(r.body, r.charset)).toBe(feedText);
    });
  }

  it('applies the cap to the decompressed bytes, not to a larger compressed Content-Length', async () => {
    // Incompressible data grows a little when gzipped: the wire length is over the cap, the body is not.
    const original = randomBytes(MAX);
    const compressed = zlib.gzipSync(original);
    expect(compressed.length).toBeGreaterThan(MAX);
    srv.route('/incompressible', { headers: { 'Content-Encoding': 'gzip', 'Content-Length': String(compressed.length) }, body: compressed });
    const r = await fetchUrl(srv.url('/incompressible'), { ...OPEN, maxBytes: MAX });
    expect(r.body.equals(original)).toBe(true);
  });

  const bombs: [encoding: string, make: () => zlib.Gzip | zlib.BrotliCompress][] = [
    ['gzip', () => zlib.createGzip()],
    ['br', () => zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } })],
  ];
  for (const [encoding, make] of bombs) {
    it(`cuts a ${encoding} bomb (50 MiB of zeros) off at maxBytes after decompression, quickly and without buffering it`, async () => {
      const bomb = await compressZeros(50, make());
      expect(bomb.length).toBeLessThan(1_000_000); // tiny on the wire
      srv.route(`/bomb-${encoding}`, {
        headers: { 'Content-Encoding': encoding, 'Content-Length': String(bomb.length), 'Content-Type': 'application/xml' },
        body: bomb,
      });
      const maxBytes = 1_000_000;
      const memBefore = process.memoryUsage().arrayBuffers;
      const started = performance.now();
      const err = await fetchFailure(fetchUrl(srv.url(`/bomb-${encoding}`), { ...OPEN, maxBytes }));
      const elapsed = performance.now() - started;
      const grown = process.memoryUsage().arrayBuffers - memBefore;
      expect(err.kind).toBe('too-large');
      expect(err.message).toContain(String(maxBytes));
      expect(elapsed).toBeLessThan(2_000);
      // Holding the decompressed body would take 50 MiB; stopping at the cap leaves a few MiB at most.
      expect(grown).toBeLessThan(20 * 1024 * 1024);
    });
  }
});

// ---- total time and aborts --------------------------------------------------------------------------

/** A server that sends headers at once, then one byte every 200 ms (bounded), until the client goes away. */
async function startTrickleServer(): Promise<RawServer & { closed: Promise<void> }> {
  let onClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    onClosed = resolve;
  });
  const raw = await startRawServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
    res.flushHeaders();
    let ticks = 0;
    const timer = setInterval(() => {
      if (++ticks > 150) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write('x');
    }, 200);
    res.on('close', () => {
      clearInterval(timer);
      onClosed();
    });
  });
  return { ...raw, closed };
}

describe('total time limit and external abort', () => {
  it("cuts off a server trickling one byte every 200 ms at timeoutMs (kind 'timeout')", async () => {
    const raw = await startTrickleServer();
    const timeoutMs = 700;
    const started = performance.now();
    const err = await fetchFailure(fetchUrl(`${raw.base}/slow`, { ...OPEN, timeoutMs }));
    const elapsed = performance.now() - started;
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('timed out');
    expect(err.message).toContain(String(timeoutMs));
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 50);
    expect(elapsed).toBeLessThan(timeoutMs + 1_500);
    // The connection is actually dropped, not left trickling in the background.
    await Promise.race([raw.closed, sleep(2_000).then(() => { throw new Error('server connection still open'); })]);
  });

  it("times out a server that never sends headers (kind 'timeout')", async () => {
    const raw = await startRawServer(() => undefined); // accepts, never answers
    const started = performance.now();
    const err = await fetchFailure(fetchUrl(`${raw.base}/silent`, { ...OPEN, timeoutMs: 400 }));
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('timed out');
    expect(performance.now() - started).toBeLessThan(400 + 1_500);
  });

  it("gives kind 'aborted' when the caller's AbortSignal fires mid-body", async () => {
    const raw = await startTrickleServer();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    try {
      const err = await fetchFailure(fetchUrl(`${raw.base}/slow`, { ...OPEN, timeoutMs: 10_000, signal: controller.signal }));
      expect(err.kind).toBe('aborted');
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      clearTimeout(timer);
    }
  });

  it("gives kind 'aborted' when the caller's AbortSignal fires before the response headers", async () => {
    const raw = await startRawServer(() => undefined);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 200);
    try {
      const err = await fetchFailure(fetchUrl(`${raw.base}/silent`, { ...OPEN, timeoutMs: 10_000, signal: controller.signal }));
      expect(err.kind).toBe('aborted');
    } finally {
      clearTimeout(timer);
    }
  });

  it("gives kind 'network' (not timeout) for a refused connection", async () => {
    const raw = await startRawServer((_req, res) => res.end());
    await raw.close(); // the port is now closed
    const err = await fetchFailure(fetchUrl(`${raw.base}/gone`, OPEN));
    expect(err.kind).toBe('network');
    expect(err.message).toContain('ECONNREFUSED');
  });
});

// ---- conditional GET --------------------------------------------------------------------------------

describe('conditional GET', () => {
  const ETAG = '"rev-42"';
  const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT';
  const conditional = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.headers['if-none-match'] === ETAG || req.headers['if-modified-since'] === LAST_MODIFIED) {
      res.writeHead(304, { ETag: ETAG }).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/rss+xml; charset=utf-8',
      ETag: ETAG, 'Last-Modified': LAST_MODIFIED, 'Cache-Control': 'public, max-age=300',
    }).end('<rss/>');
  };

  it('returns etag, lastModified and maxAgeSeconds on a 200, and sends no validators when it has none', async () => {
    srv.route('/cond-200', conditional);
    const r = await fetchUrl(srv.url('/cond-200'), OPEN);
    expect(r).toMatchObject({
      status: 200, notModified: false, etag: ETAG, lastModified: LAST_MODIFIED, maxAgeSeconds: 300,
      contentType: 'application/rss+xml; charset=utf-8', charset: 'utf-8',
    });
    expect(r.body.toString()).toBe('<rss/>');
    const sent = srv.requests('/cond-200')[0];
    expect(sent?.['if-none-match']).toBeUndefined();
    expect(sent?.['if-modified-since']).toBeUndefined();
    expect(sent?.['user-agent']).toBe(OPEN.userAgent);
  });

  it('sends If-None-Match from opts.etag and reports a 304 as notModified', async () => {
    srv.route('/cond-etag', conditional);
    const r = await fetchUrl(srv.url('/cond-etag'), { ...OPEN, etag: ETAG });
    expect(srv.requests('/cond-etag')[0]?.['if-none-match']).toBe(ETAG);
    expect(r.status).toBe(304);
    expect(r.notModified).toBe(true);
    expect(r.body.length).toBe(0);
  });

  it('sends If-Modified-Since from opts.lastModified and reports a 304 as notModified', async () => {
    srv.route('/cond-lm', conditional);
    const r = await fetchUrl(srv.url('/cond-lm'), { ...OPEN, lastModified: LAST_MODIFIED });
    const sent = srv.requests('/cond-lm')[0];
    expect(sent?.['if-modified-since']).toBe(LAST_MODIFIED);
    expect(sent?.['if-none-match']).toBeUndefined();
    expect(r.notModified).toBe(true);
  });

  it('returns the fresh body when the validators no longer match', async () => {
    srv.route('/cond-stale', conditional);
    const r = await fetchUrl(srv.url('/cond-stale'), { ...OPEN, etag: '"rev-41"' });
    expect(r.notModified).toBe(false);
    expect(r.etag).toBe(ETAG);
    expect(r.body.toString()).toBe('<rss/>');
  });
});

// ---- redirects --------------------------------------------------------------------------------------

describe('redirects', () => {
  it('a chain of 301 and 308 sets permanentUrl to the final URL (relative and absolute Locations)', async () => {
    srv.route('/perm-a', { status: 301, headers: { Location: '/perm-b' } });
    srv.route('/perm-b', { status: 308, headers: { Location: srv.url('/perm-final') } });
    srv.route('/perm-final', { body: 'final' });
    const r = await fetchUrl(srv.url('/perm-a'), OPEN);
    expect(r.url).toBe(srv.url('/perm-final'));
    expect(r.permanentUrl).toBe(srv.url('/perm-final'));
    expect(r.body.toString()).toBe('final');
  });

  it('no redirect, no permanentUrl', async () => {
    srv.route('/direct', { body: 'direct' });
    const r = await fetchUrl(srv.url('/direct'), OPEN);
    expect(r.url).toBe(srv.url('/direct'));
    expect(r.permanentUrl).toBeUndefined();
  });

  const temporaryChains: [label: string, first: number, second: number][] = [
    ['301 then 302', 301, 302],
    ['307 then 301', 307, 301],
    ['308 then 303', 308, 303],
    ['302 then 308', 302, 308],
  ];
  for (const [label, first, second] of temporaryChains) {
    it(`a chain with a temporary redirect (${label}) leaves permanentUrl undefined but follows to the end`, async () => {
      const slug = `tmp-${first}-${second}`;
      srv.route(`/${slug}-a`, { status: first, headers: { Location: `/${slug}-b` } });
      srv.route(`/${slug}-b`, { status: second, headers: { Location: `/${slug}-final` } });
      srv.route(`/${slug}-final`, { body: 'final' });
      const r = await fetchUrl(srv.url(`/${slug}-a`), OPEN);
      expect(r.url).toBe(srv.url(`/${slug}-final`));
      expect(r.permanentUrl).toBeUndefined();
      expect(r.body.toString()).toBe('final');
    });
  }

  it("a redirect loop fails with kind 'redirect' mentioning the loop, after one request per URL", async () => {
    srv.route('/loop-a', { status: 302, headers: { Location: '/loop-b' } });
    srv.route('/loop-b', { status: 301, headers: { Location: '/loop-a' } });
    const err = await fetchFailure(fetchUrl(srv.url('/loop-a'), { ...OPEN, maxRedirects: 20 }));
    expect(err.kind).toBe('redirect');
    expect(err.message).toMatch(/loop/);
    expect(srv.requests('/loop-a')).toHaveLength(1);
    expect(srv.requests('/loop-b')).toHaveLength(1);
  });

  it("a URL redirecting to itself fails with kind 'redirect' (loop)", async () => {
    srv.route('/self', { status: 307, headers: { Location: '/self' } });
    const err = await fetchFailure(fetchUrl(srv.url('/self'), OPEN));
    expect(err.kind).toBe('redirect');
    expect(err.message).toMatch(/loop/);
  });

  describe('maxRedirects', () => {
    // /hops-0 -> /hops-1 -> … -> /hops-4 -> /hops-5 (200): five redirects.
    beforeAll(() => {
      for (let i = 0; i < 5; i++) srv.route(`/hops-${i}`, { status: 302, headers: { Location: `/hops-${i + 1}` } });
      srv.route('/hops-5', { body: 'end' });
    });

    it('follows exactly maxRedirects redirects', async () => {
      const r = await fetchUrl(srv.url('/hops-0'), { ...OPEN, maxRedirects: 5 });
      expect(r.url).toBe(srv.url('/hops-5'));
      expect(r.body.toString()).toBe('end');
    });

    it("fails with kind 'redirect' on one more than maxRedirects, without requesting further", async () => {
      const before = srv.requests('/hops-5').length;
      const err = await fetchFailure(fetchUrl(srv.url('/hops-0'), { ...OPEN, maxRedirects: 4 }));
      expect(err.kind).toBe('redirect');
      expect(err.message).toMatch(/too many redirects/);
      expect(srv.requests('/hops-5').length).toBe(before);
    });

    it('maxRedirects = 0 refuses the first redirect', async () => {
      const err = await fetchFailure(fetchUrl(srv.url('/hops-4'), { ...OPEN, maxRedirects: 0 }));
      expect(err.kind).toBe('redirect');
    });
  });

  it("a redirect without a Location header fails with kind 'redirect'", async () => {
    srv.route('/no-location', { status: 302 });
    const err = await fetchFailure(fetchUrl(srv.url('/no-location'), OPEN));
    expect(err.kind).toBe('redirect');
    expect(err.status).toBe(302);
    expect(err.message).toMatch(/Location/);
  });

  it('sends the validators on the first hop only', async () => {
    srv.route('/val-a', { status: 301, headers: { Location: '/val-b' } });
    srv.route('/val-b', { body: 'b', headers: { ETag: '"b-1"' } });
    const r = await fetchUrl(srv.url('/val-a'), { ...OPEN, etag: '"a-1"', lastModified: 'Wed, 21 Oct 2015 07:28:00 GMT' });
    const first = srv.requests('/val-a')[0];
    const second = srv.requests('/val-b')[0];
    expect(first?.['if-none-match']).toBe('"a-1"');
    expect(first?.['if-modified-since']).toBe('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(second).toBeDefined();
    expect(second?.['if-none-match']).toBeUndefined();
    expect(second?.['if-modified-since']).toBeUndefined();
    expect(r.notModified).toBe(false);
    expect(r.etag).toBe('"b-1"');
  });
});

// ---- HTTP errors and header helpers -----------------------------------------------------------------

describe('HTTP errors', () => {
  it('a 404 fails with kind http, status 404 and an ofetch-style message', async () => {
    srv.route('/missing', { status: 404, body: 'nope' });
    const url = srv.url('/missing');
    const err = await fetchFailure(fetchUrl(url, OPEN));
    expect(err.kind).toBe('http');
    expect(err.status).toBe(404);
    expect(err.url).toBe(url);
    expect(err.message).toContain(`[GET] "${url}": 404 Not Found`);
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('a 429 with Retry-After in seconds gives retryAfterMs', async () => {
    srv.route('/rate-limited', { status: 429, headers: { 'Retry-After': '120' } });
    const err = await fetchFailure(fetchUrl(srv.url('/rate-limited'), OPEN));
    expect(err.status).toBe(429);
    expect(err.retryAfterMs).toBe(120_000);
  });

  it('a 503 with Retry-After as an HTTP date gives retryAfterMs from now', async () => {
    const at = new Date(Date.now() + 10_000).toUTCString(); // second precision: 9–10 s from now
    srv.route('/unavailable-date', { status: 503, headers: { 'Retry-After': at } });
    const err = await fetchFailure(fetchUrl(srv.url('/unavailable-date'), OPEN));
    expect(err.status).toBe(503);
    expect(err.retryAfterMs).toBeGreaterThanOrEqual(8_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(10_000);
  });

  it('a 503 with Retry-After in seconds gives retryAfterMs; a 500 with one is not honoured', async () => {
    srv.route('/unavailable-secs', { status: 503, headers: { 'Retry-After': '30' } });
    srv.route('/server-error', { status: 500, headers: { 'Retry-After': '30' } });
    expect((await fetchFailure(fetchUrl(srv.url('/unavailable-secs'), OPEN))).retryAfterMs).toBe(30_000);
    const err500 = await fetchFailure(fetchUrl(srv.url('/server-error'), OPEN));
    expect(err500.status).toBe(500);
    expect(err500.retryAfterMs).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  const NOW = Date.parse('2024-01-01T00:00:00Z');
  const cases: [value: string | null, expected: number | undefined][] = [
    ['120', 120_000],
    ['0', 0],
    [' 5 ', 5_000],
    ['Mon, 01 Jan 2024 00:01:00 GMT', 60_000], // IMF-fixdate
    ['Monday, 01-Jan-24 00:00:30 GMT', 30_000], // obsolete RFC 850 form
    ['Sun, 31 Dec 2023 23:00:00 GMT', 0], // in the past: retry now, never negative
    [null, undefined],
    ['', undefined],
    ['soon', undefined],
    ['5 minutes', undefined],
    ['-5', undefined], // not delay-seconds (1*DIGIT) and not a date
    ['1.5', undefined], // not delay-seconds and not a date
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} -> ${String(expected)}`, () => {
      expect(parseRetryAfter(value, NOW)).toBe(expected);
    });
  }
});

describe('parseMaxAge', () => {
  const cases: [value: string | null, expected: number | undefined][] = [
    ['max-age=300', 300],
    ['public, max-age=60', 60],
    ['private,max-age=0', 0],
    ['MAX-AGE=5', 5],
    ['max-age="30"', 30],
    ['max-age = 45, must-revalidate', 45],
    ['s-maxage=100', undefined],
    ['s-maxage=100, max-age=10', 10],
    ['no-cache', undefined],
    ['max-age=abc', undefined],
    ['', undefined],
    [null, undefined],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} -> ${String(expected)}`, () => {
      expect(parseMaxAge(value)).toBe(expected);
    });
  }
});

describe('charsetOf', () => {
  const cases: [value: string | null | undefined, expected: string | undefined][] = [
    ['text/xml; charset=UTF-8', 'utf-8'],
    ['text/html;charset="ISO-8859-1"', 'iso-8859-1'],
    ['application/rss+xml; CHARSET=windows-1252', 'windows-1252'],
    ['text/plain; format=flowed; charset=us-ascii', 'us-ascii'],
    ['application/rss+xml', undefined],
    ['text/xml; x-charset=utf-8', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} -> ${String(expected)}`, () => {
      expect(charsetOf(value)).toBe(expected);
    });
  }
});

// ---- per-host concurrency ---------------------------------------------------------------------------

/** A server that holds every request until released, counting how many are in flight at once. */
async function startGatedServer(): Promise<RawServer & { inFlight: () => number; maxInFlight: () => number; release: () => void }> {
  let inFlight = 0;
  let maxInFlight = 0;
  let open = false;
  const held: (() => void)[] = [];
  const raw = await startRawServer((_req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const answer = () => {
      inFlight--;
      res.end('ok');
    };
    // Once released, still take 30 ms per request so that overlapping requests would be seen.
    if (open) setTimeout(answer, 30);
    else held.push(() => setTimeout(answer, 30));
  });
  return {
    ...raw,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    release: () => {
      open = true;
      for (const h of held.splice(0)) h();
    },
  };
}

describe('HostLimiter', () => {
  it('without a limiter the gated server does see all requests at once (the measurement works)', async () => {
    const a = await startGatedServer();
    const batch = Array.from({ length: 4 }, (_, i) => fetchUrl(`${a.base}/item/${i}`, OPEN));
    await waitFor(() => a.inFlight() === 4);
    a.release();
    await Promise.all(batch);
    expect(a.maxInFlight()).toBe(4);
  });

  it('with perHost = 2, never more than 2 requests in flight to one host, while another host is not blocked', async () => {
    const a = await startGatedServer();
    const b = await startRawServer((_req, res) => res.end('other host'));
    const limiter = new HostLimiter(2);
    const opts: FetchOptions = { ...OPEN, limiter };
    const batch = Array.from({ length: 6 }, (_, i) => fetchUrl(`${a.base}/item/${i}`, opts));

    await waitFor(() => a.requests() === 2);
    await sleep(100); // room for a third request to sneak in, if the limiter let it
    expect(a.requests()).toBe(2);

    // Host A (127.0.0.1:portA) is saturated; host B (127.0.0.1:portB) goes straight through.
    const other = await Promise.race([
      fetchUrl(`${b.base}/feed`, opts),
      sleep(2_000).then(() => {
        throw new Error('the request to another host waited behind the saturated one');
      }),
    ]);
    expect(other.body.toString()).toBe('other host');
    expect(a.requests()).toBe(2);

    a.release();
    const results = await Promise.all(batch);
    expect(results.map((r) => r.body.toString())).toEqual(Array(6).fill('ok'));
    expect(a.requests()).toBe(6);
    expect(a.maxInFlight()).toBe(2);
  });

  it('runs the function and passes its result and errors through', async () => {
    const limiter = new HostLimiter(1);
    await expect(limiter.run('http://a.example/x', async () => 42)).resolves.toBe(42);
    await expect(limiter.run('not a url', async () => {
      throw new Error('boom');
    })).rejects.toThrow('boom');
  });
});
