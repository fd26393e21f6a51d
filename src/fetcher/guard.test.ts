// Issue 10, item 8: the IPv4-compatible IPv6 range (::a.b.c.d, ::/96) is refused like IPv4-mapped
// addresses: ::127.0.0.1 is written ::7f00:1 once a URL is parsed, and ipaddr.js calls it plain unicast.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, fetchUrl, isPublicAddress, type FetchOptions } from './index.js';

const GUARDED: FetchOptions = {
  timeoutMs: 2_000, maxBytes: 1_000_000, userAgent: 'storyfeed-test/1.0', maxRedirects: 5, allowPrivateNetworks: false,
};

describe('isPublicAddress: IPv4 inside IPv6', () => {
  const cases: [address: string, expected: boolean][] = [
    ['::7f00:1', false], // ::127.0.0.1, as URL and DNS answers write it
    ['::127.0.0.1', false],
    ['::a00:1', false], // ::10.0.0.1
    ['::a9fe:a9fe', false], // ::169.254.169.254 (cloud metadata)
    ['::c0a8:101', false], // ::192.168.1.1
    ['::808:808', false], // ::8.8.8.8: the range itself is deprecated and never routed
    ['::0:0:1:0', false], // ::0.1.0.0, still inside ::/96
    ['::ffff:7f00:1', false], // IPv4-mapped, as before
    ['::ffff:808:808', true],
    ['::1:0:0:0', true], // outside ::/96 (and outside every special range)
    ['2606:4700:4700::1111', true],
  ];
  it.each(cases)('%s -> %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('fetching an IPv4-compatible IPv6 literal', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('internal secret'));
    server.on('connection', () => {
      connections++;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  for (const host of ['[::127.0.0.1]', '[::7f00:1]', '[0:0:0:0:0:0:127.0.0.1]']) {
    it(`refuses http://${host}:PORT/ before connecting, naming the IPv4 inside`, async () => {
      let err: unknown;
      try {
        await fetchUrl(`http://${host}:${port}/admin`, GUARDED);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FetchError);
      expect((err as FetchError).kind).toBe('refused');
      expect((err as FetchError).message).toContain('::7f00:1 (IPv4 127.0.0.1 inside) is a private/loopback/reserved address');
      expect(connections).toBe(0);
    });
  }
});
