// The feed and page server of bench/cycle.ts, in a process of its own (so that neither side's event
// loop serves the other's requests). /feed/F.xml: feed F (ETag, 304 on If-None-Match unless told to
// ignore it); /a/F/I: the article page of item I of feed F; /_mode?conditional=0|1: whether conditional
// requests get 304 (1, default) or the full 200 with the same content (0: the "unchanged" cycle).
// Prints its base URL on stdout when listening.
// Run by bench/cycle.ts: tsx bench/cycle-server.ts ITEMS
import { createServer } from 'node:http';
import { feedXml, pageHtml } from './cycle-data.js';

const ITEMS = Number(process.argv[2] ?? 50);
const epoch = Date.now();
let conditional = true;
let base = '';

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  let m = /^\/feed\/(\d+)\.xml$/.exec(url);
  if (m) {
    const etag = `"f${m[1]}-${epoch}"`;
    if (conditional && req.headers['if-none-match'] === etag) return void res.writeHead(304, { ETag: etag }).end();
    return void res.writeHead(200, { 'Content-Type': 'application/rss+xml; charset=utf-8', ETag: etag })
      .end(feedXml(Number(m[1]), ITEMS, base, epoch));
  }
  m = /^\/a\/(\d+)\/(\d+)/.exec(url);
  if (m) return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(pageHtml(Number(m[1]), Number(m[2]), ITEMS));
  m = /^\/_mode\?conditional=([01])$/.exec(url);
  if (m) {
    conditional = m[1] === '1';
    return void res.writeHead(200).end('ok');
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  process.stdout.write(`${base}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
