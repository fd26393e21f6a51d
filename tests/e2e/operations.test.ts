// Operations with real processes and a real SQLite file: one worker per database, online backup,
// Prometheus metrics, and a database that refuses writes while the feed keeps being served.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { loadClusterer } from '../../src/ingest/cluster.js';
import { runCycle } from '../../src/scheduler/index.js';
import { createApp } from '../../src/server/index.js';
import { Store } from '../../src/storage/index.js';
import { configYaml, rss } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const BIN = new URL('../../bin/storyfeed.js', import.meta.url).pathname;
let srv: TestServer;
let dir: string;

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-ops-'));
  srv.route('/o/one.xml', { body: rss('One', [{ id: '1', title: 'Harbour bridge reopens after repairs', link: '{{BASE}}/o/1', published: '2025-07-18T10:00:00Z' }]) });
  srv.route('/o/two.xml', { body: rss('Two', [{ id: '2', title: 'City council approves new cycle lanes', link: '{{BASE}}/o/2', published: '2025-07-18T11:00:00Z' }]) });
  writeFileSync(join(dir, 'ops.yaml'), configYaml([srv.url('/o/one.xml'), srv.url('/o/two.xml')], 'defaults:\n  full_text: false'));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Proc { child: ChildProcessWithoutNullStreams; logs: () => string; exited: Promise<number | null> }

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir,
    env: { ...process.env, STORYFEED_LOG_LEVEL: 'info', STORYFEED_LOG_FORMAT: 'json' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, logs: () => out, exited };
}

async function run(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = start(args);
  const code = await p.exited;
  return { code, out: p.logs() };
}

async function waitFor(p: Proc, re: RegExp): Promise<void> {
  for (let i = 0; i < 200 && !re.test(p.logs()); i++) await new Promise((r) => setTimeout(r, 50));
  expect(p.logs()).toMatch(re);
}

const portOf = (p: Proc) => Number(/"port":(\d+)/.exec(p.logs().split('\n').find((l) => l.includes('storyfeed running')) ?? '')?.[1]);

describe('one worker per database', () => {
  it('refuses a second worker while the first runs, and takes over at once after the first is SIGKILLed', async () => {
    const first = start(['run', '--config', 'ops.yaml', '--db', 'data/lock.db']);
    await waitFor(first, /"msg":"cycle finished"/);
    const second = await run(['once', '--all', '--config', 'ops.yaml', '--db', 'data/lock.db']);
    expect(second.code).toBe(1);
    expect(second.out).toMatch(/data\/lock\.db is in use by another storyfeed worker \(`run`, pid \d+/);
    // Reading is never refused.
    expect((await run(['sources', '--config', 'ops.yaml', '--db', 'data/lock.db', '--json'])).code).toBe(0);
    first.child.kill('SIGKILL');
    await first.exited;
    const third = await run(['once', '--all', '--config', 'ops.yaml', '--db', 'data/lock.db']);
    expect(third.code).toBe(0);
    expect(third.out).toMatch(/cycle: 2 sources/);
    // A clean stop releases the lock.
    const fourth = start(['run', '--config', 'ops.yaml', '--db', 'data/lock.db']);
    await waitFor(fourth, /"msg":"storyfeed running"/);
    fourth.child.kill('SIGTERM');
    expect(await fourth.exited).toBe(0);
    const db = new Database(join(dir, 'data/lock.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM worker_lock').get()).toEqual({ n: 0 });
    db.close();
  });
});

describe('the HTTP server cannot start', () => {
  it('says why and exits 1 instead of hanging (port in use)', async () => {
    const busyPort = new URL(srv.base).port;
    Store.open(join(dir, 'data/serve.db')).close(); // serve reads an existing database (it never creates one)
    const r = await run(['serve', '--port', busyPort, '--config', 'ops.yaml', '--db', 'data/serve.db']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`storyfeed: server: cannot listen on 127\\.0\\.0\\.1:${busyPort}: .*EADDRINUSE`));
  });
});

describe('backup and metrics while the service runs', () => {
  it('copies the database online and exposes Prometheus metrics', async () => {
    const svc = start(['run', '--config', 'ops.yaml', '--db', 'data/svc.db']);
    await waitFor(svc, /"msg":"cycle finished"/);
    const port = portOf(svc);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^storyfeed_fetches_total\{outcome="ok"\} 2$/m);
    expect(metrics).toMatch(/^storyfeed_items_ingested_total\{change="new"\} 2$/m);
    expect(metrics).toMatch(/^storyfeed_stories 2$/m);
    expect(metrics).toMatch(/^storyfeed_sources\{status="ok"\} 2$/m);
    expect(metrics).toMatch(/^storyfeed_cycle_duration_seconds_count 1$/m);
    expect(metrics).toMatch(/^storyfeed_process_resident_memory_bytes \d+/m);

    const backup = await run(['backup', 'copy.db', '--db', 'data/svc.db']);
    expect(backup.code).toBe(0);
    expect(backup.out).toMatch(/data\/svc\.db -> copy\.db: \d+ pages copied/);
    const copy = new Database(join(dir, 'copy.db'), { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((copy.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n).toBe(2);
    copy.close();
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
  });
});

describe('a database that refuses writes', () => {
  it('keeps serving the feed, reports the reason on /health, and the cycle fails cleanly without throwing', async () => {
    const config = parseConfig(configYaml([srv.url('/o/one.xml'), srv.url('/o/two.xml')], 'defaults:\n  full_text: false'), 'ro.yaml');
    const store = Store.open(join(dir, 'ro.db'));
    store.sources.sync(config.sources, new Date().toISOString());
    await runCycle({ store, config, log: silentLogger(), force: true });
    const before = store.stats();
    srv.route('/o/one.xml', { body: rss('One', [
      { id: '1', title: 'Harbour bridge reopens after repairs', link: '{{BASE}}/o/1', published: '2025-07-18T10:00:00Z' },
      { id: '3', title: 'Museum extends weekend opening hours', link: '{{BASE}}/o/3', published: '2025-07-19T10:00:00Z' },
    ]) });
    // query_only makes SQLite refuse every write, as a read-only file or a full disk would. It is this
    // connection's alone, so the clusterer runs on this thread for this cycle: with its own thread it
    // would write on that thread's connection (a failing write there: src/ingest/cluster-thread.test.ts).
    store.db.pragma('query_only = ON');
    const summary = await runCycle({ store, config, log: silentLogger(), force: true, clusterer: () => loadClusterer(store, new Date()) });
    expect(summary.failed).toBe(2);
    for (const r of summary.results) expect(r.error).toMatch(/readonly|read-only|query_only/i);
    expect(store.stats()).toEqual(before); // nothing half-written

    const app = createApp({ store, config: () => config });
    const feed = await app.request('/feed.xml');
    expect(feed.status).toBe(200);
    expect((await new Parser().parseString(await feed.text())).items).toHaveLength(2);
    const health = await app.request('/health');
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; reasons: string[]; database: { writable: boolean } };
    expect(body.status).toBe('degraded');
    expect(body.database.writable).toBe(false);
    expect(body.reasons.join(' ')).toMatch(/read-only/);
    expect((await app.request('/health/live')).status).toBe(200);

    store.db.pragma('query_only = OFF');
    const recovered = await runCycle({ store, config, log: silentLogger(), force: true });
    expect(recovered).toMatchObject({ ok: 2, failed: 0, inserted: 1 });
    store.close();
  });
});
