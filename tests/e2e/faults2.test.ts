// Faults, round two (issue 10 items 2–6 and 12, issue 9 item 6), with real parts: a real full and a real
// read-only filesystem (a tmpfs the test mounts; needs root or passwordless sudo), real `storyfeed`
// processes started together or killed, database files deleted under a running service, a real HTTP
// server on 127.0.0.1 and real SQLite files.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { Worker } from '../../src/scheduler/index.js';
import { createApp } from '../../src/server/index.js';
import { Store } from '../../src/storage/index.js';
import { configYaml, rss, type TestItem } from '../helpers/feeds.js';
import { mountTmpfs } from '../helpers/mount.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// ---- Settings of this suite -------------------------------------------------------------------------
/** Size of the tmpfs that fills up (KiB): a few cycles of the feeds below fit, then nothing does. */
const SMALL_FS_KB = 3072;
/** Rounds of two workers started at the same moment on a new database file. */
const RACE_ROUNDS = 5;
/** A process that should have said something by now has failed (ms). */
const PROCESS_LIMIT_MS = 20_000;
// ---------------------------------------------------------------------------------------------------

const BIN = new URL('../../bin/storyfeed.js', import.meta.url).pathname;
const html = { 'Content-Type': 'text/html; charset=utf-8' };
let srv: TestServer;
let dir: string;

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-faults2-'));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Proc { child: ChildProcessWithoutNullStreams; stdout: () => string; stderr: () => string; exited: Promise<number | null> }

function start(args: string[], env: Record<string, string> = {}, cwd = dir): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd,
    env: { ...process.env, STORYFEED_LOG_LEVEL: 'info', STORYFEED_LOG_FORMAT: 'json', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(timer));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function run(args: string[], env: Record<string, string> = {}, cwd = dir): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = start(args, env, cwd);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Waits until the process's stderr (its log) matches, or it exits, or the limit passes. */
async function waitFor(p: Proc, re: RegExp, limitMs = PROCESS_LIMIT_MS): Promise<void> {
  let exited = false;
  void p.exited.then(() => { exited = true; });
  for (let waited = 0; waited < limitMs && !re.test(p.stderr()) && !exited; waited += 25) await new Promise((r) => setTimeout(r, 25));
  expect(p.stderr()).toMatch(re);
}

const logPort = (p: Proc, msg: string) =>
  Number(/"port":(\d+)/.exec(p.stderr().split('\n').find((l) => l.includes(`"msg":"${msg}"`)) ?? '')?.[1]);

function feedItems(prefix: string, n: number, body = 0): TestItem[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`, title: `${prefix} report number ${i} on the harbour works`, link: `{{BASE}}/${prefix}/story/${i}`,
    published: '2025-07-18T10:00:00Z', content: body ? `<p>${`${prefix} ${i} `.repeat(body)}</p>` : undefined,
  }));
}

// ---- 10.2: /health on a really full disk ------------------------------------------------------------

describe('a full filesystem (a real tmpfs filled to ENOSPC)', () => {
  it('/health says degraded and not writable while writes fail, and ok again after a clean cycle', async () => {
    const fs = mountTmpfs(SMALL_FS_KB);
    try {
      const urls = [0, 1, 2, 3].map((f) => srv.url(`/full/${f}.xml`));
      const serve = (round: string) => urls.forEach((u, f) => srv.route(new URL(u).pathname,
        { body: rss(`Full ${f}`, feedItems(`full${f}${round}`, 5, 400)) }));
      serve('a');
      const config = parseConfig(configYaml(urls, 'defaults:\n  full_text: false'), 'full.yaml');
      const store = Store.open(join(fs.dir, 'full.db'));
      const worker = new Worker(store, config, silentLogger());
      worker.start();
      const app = createApp({ store, config: () => config, worker: () => worker.state() });
      const health = async () => (await app.request('/health')).json() as Promise<{
        status: string; reasons: string[]; database: { writable: boolean; error?: string } }>;
      try {
        expect(await worker.runNow(true)).toMatchObject({ ok: 4, failed: 0 });
        expect(await health()).toMatchObject({ status: 'ok', database: { writable: true } });

        // Fill the filesystem to the last byte.
        const filler = openSync(join(fs.dir, 'filler'), 'w');
        const chunk = Buffer.alloc(64 * 1024, 1);
        try {
          for (;;) writeSync(filler, chunk);
        } catch (err) {
          expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
        }
        for (let size = 4096; size >= 1; size >>= 1) {
          try {
            for (;;) writeSync(filler, chunk, 0, size);
          } catch { /* this size no longer fits */ }
        }
        closeSync(filler);

        serve('b'); // new items: writes that need new pages
        const full = await worker.runNow(true);
        expect(full?.failed).toBeGreaterThan(0);
        for (const r of full?.results.filter((x) => x.outcome === 'failed') ?? []) expect(r.error).toMatch(/database or disk is full/);
        const degraded = await health();
        expect(degraded.status).toBe('degraded');
        expect(degraded.database.writable).toBe(false);
        expect(degraded.database.error).toMatch(/database or disk is full/);
        expect(degraded.reasons.join(' ')).toMatch(/database cannot be written \(read-only, full or failing\): database or disk is full/);
        expect((await app.request('/feed.xml')).status).toBe(200); // the feed is still served

        rmSync(join(fs.dir, 'filler'));
        const recovered = await worker.runNow(true);
        expect(recovered).toMatchObject({ ok: 4, failed: 0 });
        expect(recovered?.inserted).toBeGreaterThan(0);
        expect(await health()).toMatchObject({ status: 'ok', database: { writable: true } });
      } finally {
        await worker.stop();
        store.close();
      }
      const db = new Database(join(fs.dir, 'full.db'), { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n).toBe(40);
      db.close();
    } finally {
      fs.unmount();
    }
  });
});

// ---- 10.3: two workers started at once on a new database --------------------------------------------

describe('two workers started at the same moment on a new database file', () => {
  const LOCK_MESSAGE = /storyfeed: data\/race-\d+\.db is in use by another storyfeed worker \(`run`, pid \d+/;

  /** Both processes are spawned back to back; exactly one must run, the other must name it. */
  async function race(db: string, before?: (pids: number[]) => Promise<void>): Promise<void> {
    const procs = [0, 1].map(() => start(['run', '--no-initial-cycle', '--config', 'race.yaml', '--db', db]));
    await before?.(procs.map((p) => p.child.pid as number));
    const outcome = await Promise.all(procs.map(async (p) => {
      await waitFor(p, /"msg":"storyfeed running"|storyfeed: /);
      return /"msg":"storyfeed running"/.test(p.stderr()) ? 'running' : p.stderr();
    }));
    const running = procs.filter((_, i) => outcome[i] === 'running');
    for (const p of running) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    const refused = outcome.filter((o) => o !== 'running');
    expect(refused.join('\n')).not.toMatch(/already exists|database is locked|SQLITE_BUSY/);
    expect(running).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(LOCK_MESSAGE);
    expect(await procs[outcome.indexOf(refused[0] as string)]?.exited).toBe(1);
  }

  /** Waits until both processes hold the file open (Linux: /proc/PID/fd), then a little more: they queue on its lock. */
  async function bothQueued(pids: number[], path: string): Promise<void> {
    const opened = (pid: number) => {
      try {
        return readdirSync(`/proc/${pid}/fd`).some((fd) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    };
    for (let waited = 0; waited < PROCESS_LIMIT_MS && !pids.every(opened); waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(pids.every(opened)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
  }

  beforeAll(() => {
    writeFileSync(join(dir, 'race.yaml'), configYaml([srv.url('/race/feed.xml')]));
  });

  it(`the loser gets the worker-lock message (${RACE_ROUNDS} rounds)`, async () => {
    for (let round = 0; round < RACE_ROUNDS; round++) await race(`data/race-${round}.db`);
  });

  it('also when both read the schema version of the new file while another writer holds it, then race to migrate', async () => {
    // A third connection has just made the new file a WAL database and holds its write lock (as the first
    // of two workers does during its migrations). Both workers read schema version 0 and queue for the
    // lock; released together, each would apply the migrations unless it reads the version again inside
    // its own write transaction.
    const path = join(dir, 'data/race-99.db');
    mkdirSync(join(dir, 'data'), { recursive: true });
    const holder = new Database(path);
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    await race('data/race-99.db', async (pids) => {
      await bothQueued(pids, path);
      holder.exec('COMMIT');
      holder.close();
    });
  });

  it('also when another process is reading the new file as both switch it to WAL', async () => {
    // Switching to WAL takes an exclusive lock: both must wait for the reader (busy_timeout), not fail.
    const path = join(dir, 'data/race-98.db');
    mkdirSync(join(dir, 'data'), { recursive: true });
    const reader = new Database(path);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) AS n FROM sqlite_master').get();
    await race('data/race-98.db', async (pids) => {
      await bothQueued(pids, path);
      reader.exec('COMMIT');
      reader.close();
    });
  });
});

// ---- 10.4: a config that is an alias bomb -----------------------------------------------------------

describe('a YAML alias bomb as config', () => {
  it('exits 78 (not restarted by systemd) with file:line:col, for check and for run', async () => {
    const lines = ['schedule: "*/15 * * * *"', `l0: &l0 [${Array(9).fill('"lol"').join(', ')}]`];
    for (let i = 1; i <= 9; i++) lines.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
    writeFileSync(join(dir, 'bomb.yaml'), `${lines.join('\n')}\n`);
    for (const cmd of ['check', 'run']) {
      const r = await run(cmd === 'check' ? [cmd, '--config', 'bomb.yaml'] : [cmd, '--config', 'bomb.yaml', '--db', 'data/bomb.db']);
      expect(r.code, cmd).toBe(78);
      expect(r.stderr, cmd).toMatch(/^bomb\.yaml:7:\d+: YAML aliases expand to more than 200,000 values here \(an alias bomb\?\); refused$/m);
    }
    expect(existsSync(join(dir, 'data/bomb.db'))).toBe(false);
  });

  it('exits 78 naming the line of an overflowing duration', async () => {
    writeFileSync(join(dir, 'overflow.yaml'), `${configYaml([srv.url('/x.xml')])}`.replace('timeout: 2s', 'timeout: 30d'));
    const r = await run(['once', '--config', 'overflow.yaml', '--db', 'data/overflow.db']);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/^overflow\.yaml:3:12: http\.timeout: expected a duration from 1s to 10m, got "30d"$/m);
  });
});

// ---- 10.5: nothing but the promised output on stdout ------------------------------------------------

describe('a dependency that prints', () => {
  it('once --json prints JSON only, though the srcset parser console.logs on a `0w` descriptor (feed and page)', async () => {
    const img = '<img src="/i/a.jpg" srcset="/i/a.jpg 0w, /i/b.jpg 2x" alt="">';
    srv.route('/print/feed.xml', { body: rss('Printing', [{ id: 'p1', title: 'A picture story', link: '{{BASE}}/print/page',
      summary: `Teaser ${img}`, content: `<p>Feed body</p>${img}`, published: '2025-07-18T10:00:00Z' }]) });
    srv.route('/print/page', { headers: html, body: `<!doctype html><html><head><title>A picture story</title></head><body><article>
      <h1>A picture story</h1>${'<p>This paragraph of the article is long enough to be read as article text by Readability, as a paragraph of a news report would be. </p>'.repeat(5)}
      <figure>${img}</figure></article></body></html>` });
    writeFileSync(join(dir, 'print.yaml'), configYaml([srv.url('/print/feed.xml')]));
    const r = await run(['once', '--json', '--config', 'print.yaml', '--db', 'data/print.db'], { STORYFEED_LOG_LEVEL: 'debug' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/Invalid srcset/);
    const summary = JSON.parse(r.stdout) as { ok: number; extracted: number; inserted: number };
    expect(summary).toMatchObject({ ok: 1, inserted: 1, extracted: 1 });
    // The dependency did print (so this test proves something), and it went to the log, as a record.
    const records = r.stderr.split('\n').filter((l) => l.includes('Invalid srcset descriptor'));
    expect(records.length).toBeGreaterThan(0);
    expect(records.some((l) => { try { return (JSON.parse(l) as { from?: string }).from === 'console'; } catch { return false; } })).toBe(true);
  });
});

// ---- 10.6: the database deleted under a running service ---------------------------------------------

describe('the database files deleted under a running service', () => {
  it('is reported in /health and the log, nothing is written into the unlinked file, and the next start does not begin empty', async () => {
    srv.route('/gone/feed.xml', { body: rss('Gone', feedItems('gone', 3)) });
    writeFileSync(join(dir, 'gone.yaml'), configYaml([srv.url('/gone/feed.xml')], 'defaults:\n  full_text: false')
      // A cycle every 2 s; retention on, so each cycle writes (prunes) even when no source is due.
      .replace('schedule: "*/15 * * * *"', 'schedule: "*/2 * * * * *"').replace(/retention:\n  days: 0/, 'retention:\n  days: 30'));
    const svc = start(['run', '--config', 'gone.yaml', '--db', 'data/gone/storyfeed.db']);
    await waitFor(svc, /"msg":"cycle finished"/);
    const port = logPort(svc, 'storyfeed running');
    const health = async () => (await fetch(`http://127.0.0.1:${port}/health`)).json() as Promise<{ status: string; reasons: string[];
      database: { file: string; writable: boolean; rescuedTo?: string } }>;
    expect((await health()).status).toBe('ok');

    for (const f of readdirSync(join(dir, 'data/gone'))) rmSync(join(dir, 'data/gone', f));
    srv.route('/gone/feed.xml', { body: rss('Gone', feedItems('gone', 5)) }); // two new items: writes to refuse
    const h = await health();
    expect(h.status).toBe('degraded');
    expect(h.database.file).toBe('deleted');
    expect(h.reasons.join(' ')).toMatch(/storyfeed\.db was deleted while storyfeed was running: nothing more is written; its data was saved to /);
    await waitFor(svc, /"msg":"storage: database file data\/gone\/storyfeed\.db was deleted while storyfeed was running; writes are refused/);
    // The next cycles run, and refuse to write into the unlinked file.
    const cycles = () => svc.stderr().split('\n').filter((l) => l.includes('"msg":"cycle finished"')).length;
    const seen = cycles();
    for (let i = 0; i < 200 && cycles() <= seen; i++) await new Promise((r) => setTimeout(r, 25));
    expect(svc.stderr()).toMatch(/"msg":"retention failed; will retry next cycle"/);
    // A reload cannot store its sources now: said, not a crash.
    svc.child.kill('SIGHUP');
    await waitFor(svc, /"msg":"config reloaded, but its sources could not be stored"/);
    expect(svc.stderr()).toMatch(/refusing to write into the unlinked file \(its data was saved to data\/gone\/storyfeed\.db\.rescued-/);
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);

    const rescued = h.database.rescuedTo as string;
    expect(rescued).toMatch(/data\/gone\/storyfeed\.db\.rescued-/);
    expect(existsSync(join(dir, 'data/gone/storyfeed.db'))).toBe(false);
    const next = await run(['once', '--config', 'gone.yaml', '--db', 'data/gone/storyfeed.db']);
    expect(next.code).toBe(1);
    expect(next.stderr).toMatch(/storyfeed: storage: data\/gone\/storyfeed\.db does not exist, but data\/gone\/storyfeed\.db\.rescued-\S+ does: the database was deleted while storyfeed was running/);
    expect(existsSync(join(dir, 'data/gone/storyfeed.db'))).toBe(false);

    renameSync(join(dir, rescued), join(dir, 'data/gone/storyfeed.db'));
    const back = await run(['sources', '--json', '--config', 'gone.yaml', '--db', 'data/gone/storyfeed.db']);
    expect(back.code).toBe(0);
    expect((JSON.parse(back.stdout) as { itemCount: number }[])[0]?.itemCount).toBe(3); // what was stored before the deletion
  });

  it('a worker that creates a new database says so', async () => {
    srv.route('/fresh/feed.xml', { body: rss('Fresh', feedItems('fresh', 1)) });
    writeFileSync(join(dir, 'fresh.yaml'), configYaml([srv.url('/fresh/feed.xml')], 'defaults:\n  full_text: false'));
    const r = await run(['once', '--config', 'fresh.yaml', '--db', 'data/fresh.db']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/no database at data\/fresh\.db: created a new, empty one/);
    const again = await run(['once', '--config', 'fresh.yaml', '--db', 'data/fresh.db']);
    expect(again.stderr).not.toMatch(/created a new/);
  });
});

// ---- 10.12 and issue 9 item 6: read-only commands ---------------------------------------------------

describe('read-only commands', () => {
  it('work on a database on a read-only filesystem: serve, sources, stories, explain, backup', async () => {
    const fs = mountTmpfs(8192);
    try {
      srv.route('/ro/a.xml', { body: rss('RO A', [{ id: 'a1', title: 'Harbour bridge reopens after repairs', link: '{{BASE}}/ro/a1', published: '2025-07-18T10:00:00Z' }]) });
      srv.route('/ro/b.xml', { body: rss('RO B', [{ id: 'b1', title: 'Museum extends weekend hours', link: '{{BASE}}/ro/b1', published: '2025-07-18T11:00:00Z' }]) });
      writeFileSync(join(dir, 'ro.yaml'), configYaml([srv.url('/ro/a.xml'), srv.url('/ro/b.xml')], 'defaults:\n  full_text: false'));
      const db = join(fs.dir, 'ro.db');
      expect((await run(['once', '--config', 'ro.yaml', '--db', db])).code).toBe(0);
      fs.readOnly(true);
      expect(() => writeFileSync(join(fs.dir, 'probe'), 'x')).toThrow(/EROFS/);

      const sources = await run(['sources', '--json', '--config', 'ro.yaml', '--db', db]);
      expect(sources.stderr).toBe('');
      expect(sources.code).toBe(0);
      expect((JSON.parse(sources.stdout) as { status: string }[]).map((s) => s.status)).toEqual(['ok', 'ok']);
      const stories = await run(['stories', '--json', '--db', db]);
      expect(stories.code).toBe(0);
      const list = JSON.parse(stories.stdout) as { members: { id: number }[] }[];
      expect(list).toHaveLength(2);
      const explain = await run(['explain', String(list[0]?.members[0]?.id), String(list[1]?.members[0]?.id), '--db', db]);
      expect(explain.code).toBe(0);
      expect(explain.stdout).toContain('same story now: no');
      const backup = await run(['backup', join(dir, 'ro-copy.db'), '--db', db]);
      expect(backup.code).toBe(0);
      const copy = new Database(join(dir, 'ro-copy.db'), { readonly: true });
      expect((copy.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n).toBe(2);
      copy.close();

      const serve = start(['serve', '--port', '0', '--config', 'ro.yaml', '--db', db]);
      await waitFor(serve, /"msg":"serving merged feed"/);
      const port = logPort(serve, 'serving merged feed');
      const feed = await fetch(`http://127.0.0.1:${port}/feed.xml`);
      expect(feed.status).toBe(200);
      expect(await feed.text()).toContain('Harbour bridge reopens after repairs');
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', database: { ok: true, mode: 'read-only' } });
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);

      // A worker cannot write there, and says why.
      const once = await run(['once', '--config', 'ro.yaml', '--db', db]);
      expect(once.code).toBe(1);
      expect(once.stderr).toMatch(/storyfeed: storage: cannot open database .*ro\.db for writing: the file or its filesystem is read-only/);
    } finally {
      fs.unmount();
    }
  });

  it('sources with another config lists what is stored, marks what that config lacks, and writes nothing', async () => {
    srv.route('/live/a.xml', { body: rss('Live A', feedItems('livea', 2)) });
    srv.route('/live/b.xml', { body: rss('Live B', feedItems('liveb', 2)) });
    writeFileSync(join(dir, 'live.yaml'), configYaml([srv.url('/live/a.xml'), srv.url('/live/b.xml')], 'defaults:\n  full_text: false'));
    writeFileSync(join(dir, 'other.yaml'), configYaml([srv.url('/live/other.xml')]));
    const svc = start(['run', '--no-initial-cycle', '--config', 'live.yaml', '--db', 'data/live.db']);
    await waitFor(svc, /"msg":"storyfeed running"/);
    try {
      const statuses = () => {
        const db = new Database(join(dir, 'data/live.db'), { readonly: true });
        const rows = db.prepare('SELECT config_url, status FROM sources ORDER BY id').all();
        db.close();
        return rows;
      };
      const files = () => Object.fromEntries(readdirSync(join(dir, 'data')).filter((f) => f.startsWith('live.db'))
        .map((f) => [f, createHash('sha256').update(readFileSync(join(dir, 'data', f))).digest('hex')]));
      const before = { rows: statuses(), files: files() };
      expect(before.rows).toEqual([{ config_url: srv.url('/live/a.xml'), status: 'new' }, { config_url: srv.url('/live/b.xml'), status: 'new' }]);

      const r = await run(['sources', '--config', 'other.yaml', '--db', 'data/live.db']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`${srv.url('/live/a.xml')} (not in other.yaml)`);
      expect(r.stdout).toContain(`${srv.url('/live/b.xml')} (not in other.yaml)`);
      expect(r.stdout).toMatch(new RegExp(`1 source in other\\.yaml not stored yet .*\\n  ${srv.url('/live/other.xml').replace(/[.]/g, '\\.')}`));
      const json = await run(['sources', '--json', '--config', 'other.yaml', '--db', 'data/live.db']);
      expect((JSON.parse(json.stdout) as { inConfig: boolean }[]).map((s) => s.inConfig)).toEqual([false, false]);
      const same = await run(['sources', '--json', '--config', 'live.yaml', '--db', 'data/live.db']);
      expect((JSON.parse(same.stdout) as { inConfig: boolean }[]).map((s) => s.inConfig)).toEqual([true, true]);

      expect(statuses()).toEqual(before.rows); // nothing disabled
      expect(files()).toEqual(before.files); // not a byte written
    } finally {
      svc.child.kill('SIGTERM');
      await svc.exited;
    }
  });
});
