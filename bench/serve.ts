// Benchmark: `storyfeed serve` against nginx serving the same bytes as static files (issue 12). A database of
// 100 stories (real headlines, 1–3 KB bodies) is served by the real command; its /feed.xml, /atom.xml and
// /feed.json (and the gzip form of /feed.xml) are fetched and written to a folder that nginx serves. wrk loads
// both, 50 connections, interleaved rounds (the machine is shared: ratios within a round are what count).
// Prints req/s and latency medians per endpoint, and the ratio storyfeed / nginx.
//
// Needs the Debian packages nginx and wrk (apt-get install nginx wrk; not test dependencies).
// Run: npm run bench:serve [-- seconds-per-run rounds]   (builds dist/ first: the bench runs the real command)
import { parse } from 'csv-parse/sync';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '../src/storage/index.js';
import { median, rng } from './lib.js';

const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = Number(process.argv[3] ?? 3);
const CONNECTIONS = 50;
const STORIES = 100;
const BIN = fileURLToPath(new URL('../bin/storyfeed.js', import.meta.url));

const HEADLINES = (parse(readFileSync(new URL('../../shared/data/uci-news-headlines/headlines.csv', import.meta.url)),
  { columns: true }) as { TITLE: string }[]).map((r) => r.TITLE);

function need(command: string, pkg: string): void {
  const r = spawnSync(command, ['-v']);
  if (r.error) throw new Error(`${command} is missing: install the Debian package ${pkg} (apt-get install ${pkg})`);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
}

async function waitFor(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await get(port, '/feed.xml')).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answers on port ${port}`);
}

/** A database with STORIES stories: real headlines, bodies of 1–3 paragraphs of ~600 characters, 5 tagged sources. */
function buildDatabase(path: string): string[] {
  const store = Store.open(path);
  const urls = Array.from({ length: 5 }, (_, s) => `https://outlet${s}.example/feed.xml`);
  store.sources.sync(urls.map((url, s) => ({ url, name: `Outlet ${s}`, tags: [s % 2 ? 'world' : 'tech'], intervalSeconds: 1800,
    enabled: true, fullText: false })), new Date().toISOString());
  const ids = store.sources.list().map((s) => s.id);
  const rand = rng(12);
  const pick = () => HEADLINES[Math.floor(rand() * HEADLINES.length)] as string;
  for (let i = 0; i < STORIES; i++) {
    const paragraphs = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => `<p>${Array.from({ length: 6 }, pick).join('. ')}.</p>`);
    store.items.save(ids[i % ids.length] as number, [{ guid: `g${i}`, url: `https://outlet${i % 5}.example/news/${i}`,
      link: `https://outlet${i % 5}.example/news/${i}?utm_source=rss`, title: pick(), summary: pick(), content: paragraphs.join(''),
      author: `Reporter ${i % 7}`, published: new Date(Date.UTC(2025, 6, 18, 0, i)).toISOString(), enclosures: [], categories: ['News'] }],
    new Date().toISOString());
  }
  store.close();
  return urls;
}

function nginxConfig(root: string, prefix: string, port: number): string {
  return `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 100000;
  etag on;
  gzip_static on;
  client_body_temp_path ${prefix}/tmp-body;
  proxy_temp_path ${prefix}/tmp-proxy;
  fastcgi_temp_path ${prefix}/tmp-fastcgi;
  uwsgi_temp_path ${prefix}/tmp-uwsgi;
  scgi_temp_path ${prefix}/tmp-scgi;
  types { }
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location = /feed.xml { default_type "application/rss+xml; charset=utf-8"; }
    location = /atom.xml { default_type "application/atom+xml; charset=utf-8"; }
    location = /feed.json { default_type "application/feed+json; charset=utf-8"; }
  }
}
`;
}

interface Run { rps: number; p50ms: number }

/** wrk's "Requests/sec" and the 50% latency of its distribution. */
function wrk(url: string, headers: Record<string, string>): Run {
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const r = spawnSync('wrk', args, { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const lat = /\s50%\s+([\d.]+)(us|ms|s)/.exec(r.stdout);
  const p50ms = lat ? Number(lat[1]) * ({ us: 0.001, ms: 1, s: 1000 }[lat[2] as 'us' | 'ms' | 's']) : NaN;
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(r.stdout);
  if (!Number.isFinite(rps)) throw new Error(`wrk failed for ${url}: ${r.stdout}${r.stderr}`);
  if (errors) process.stderr.write(`  note: ${url}: ${errors[0]}\n`);
  return { rps, p50ms };
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  need('nginx', 'nginx');
  need('wrk', 'wrk');
  const dir = mkdtempSync(join(tmpdir(), 'storyfeed-bench-serve-'));
  const children: ChildProcess[] = [];
  try {
    const urls = buildDatabase(join(dir, 'bench.db'));
    const sfPort = await freePort();
    writeFileSync(join(dir, 'bench.yaml'), `output:\n  port: ${sfPort}\nsources:\n${urls.map((u, s) => `  - url: ${u}\n    tags: [${s % 2 ? 'world' : 'tech'}]`).join('\n')}\n`);
    const sf = spawn(process.execPath, [BIN, 'serve', '--config', join(dir, 'bench.yaml'), '--db', join(dir, 'bench.db')],
      { env: { ...process.env, STORYFEED_LOG_LEVEL: 'warn' }, stdio: 'ignore' });
    children.push(sf);
    await waitFor(sfPort);

    // The same bytes, as static files for nginx (and the gzip form next to /feed.xml, for gzip_static).
    const root = join(dir, 'root');
    spawnSync('mkdir', ['-p', root]);
    const etags: Record<string, string> = {};
    for (const path of ['/feed.xml', '/atom.xml', '/feed.json']) {
      const r = await get(sfPort, path);
      writeFileSync(join(root, path.slice(1)), r.body);
      etags[path] = String(r.headers.etag);
    }
    const gz = await get(sfPort, '/feed.xml', { 'Accept-Encoding': 'gzip' });
    writeFileSync(join(root, 'feed.xml.gz'), gz.body);
    const sizes = Object.fromEntries(['feed.xml', 'atom.xml', 'feed.json', 'feed.xml.gz'].map((f) => [f, readFileSync(join(root, f)).length]));
    for (const p of [dir, root]) chmodSync(p, 0o755);
    const ngPort = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(root, dir, ngPort));
    const ng = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
    children.push(ng);
    await waitFor(ngPort);
    const ngEtag = String((await get(ngPort, '/feed.xml')).headers.etag);

    const cases: { name: string; path: string; sf: Record<string, string>; ng: Record<string, string> }[] = [
      { name: '/feed.xml', path: '/feed.xml', sf: {}, ng: {} },
      { name: '/atom.xml', path: '/atom.xml', sf: {}, ng: {} },
      { name: '/feed.json', path: '/feed.json', sf: {}, ng: {} },
      { name: '/feed.xml gzip', path: '/feed.xml', sf: { 'Accept-Encoding': 'gzip' }, ng: { 'Accept-Encoding': 'gzip' } },
      { name: '304 (If-None-Match)', path: '/feed.xml', sf: { 'If-None-Match': etags['/feed.xml'] as string }, ng: { 'If-None-Match': ngEtag } },
    ];
    const check = await get(sfPort, '/feed.xml', { 'If-None-Match': etags['/feed.xml'] as string });
    const checkNg = await get(ngPort, '/feed.xml', { 'If-None-Match': ngEtag });
    if (check.status !== 304 || checkNg.status !== 304) throw new Error(`304 path not taken: storyfeed ${check.status}, nginx ${checkNg.status}`);

    const results = new Map<string, { sf: Run[]; ng: Run[] }>(cases.map((c) => [c.name, { sf: [], ng: [] }]));
    process.stdout.write(`storyfeed serve vs nginx (1 worker) on the same bytes: ${STORIES} stories, wrk -t2 -c${CONNECTIONS} -d${SECONDS}s, ` +
      `${ROUNDS} rounds interleaved; bodies ${Object.entries(sizes).map(([f, n]) => `${f} ${(n / 1024).toFixed(0)} KB`).join(', ')}\n`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of cases) {
        const r = results.get(c.name) as { sf: Run[]; ng: Run[] };
        // Alternate which server goes first in each round.
        const order = round % 2 ? ['ng', 'sf'] as const : ['sf', 'ng'] as const;
        for (const who of order) {
          const run = wrk(`http://127.0.0.1:${who === 'sf' ? sfPort : ngPort}${c.path}`, c[who]);
          r[who].push(run);
        }
      }
      process.stdout.write(`  round ${round + 1}/${ROUNDS} done\n`);
    }
    const rows = cases.map((c) => {
      const r = results.get(c.name) as { sf: Run[]; ng: Run[] };
      const sfRps = median(r.sf.map((x) => x.rps));
      const ngRps = median(r.ng.map((x) => x.rps));
      const ratios = r.sf.map((x, i) => x.rps / (r.ng[i] as Run).rps);
      return `| ${c.name} | ${sfRps.toFixed(0)} | ${median(r.sf.map((x) => x.p50ms)).toFixed(2)} ms | ${ngRps.toFixed(0)} | ` +
        `${median(r.ng.map((x) => x.p50ms)).toFixed(2)} ms | ${median(ratios).toFixed(2)}× (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')}) |`;
    });
    process.stdout.write(['', '| endpoint | storyfeed req/s | p50 | nginx req/s | p50 | storyfeed / nginx, median of rounds |', '| --- | --- | --- | --- | --- | --- |',
      ...rows, '', `storyfeed serve peak RSS: ${peakRssMiB(sf.pid as number).toFixed(0)} MiB`, ''].join('\n'));
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:serve: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
