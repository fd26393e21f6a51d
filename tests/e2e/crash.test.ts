// Crash safety: the real `storyfeed once --all` killed with SIGKILL at random moments, again and again on
// the same SQLite file. After every kill the file must be intact and consistent, nothing stored before
// may be lost, and nothing may be half-written; a last run to completion must then store everything once.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rss } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// ---- Settings of this suite -------------------------------------------------------------------------
const FEEDS = 40;
const ITEMS_PER_FEED = 50;
/** Killed runs on the same database, then one run to completion. */
const ITERATIONS = 8;
/** When to kill, after the first feed request (odd iterations: after the run's first committed item), ms. */
const KILL_MIN_MS = 20;
const KILL_MAX_MS = 2000;
/** Article pages answer this slowly (ms), so a run with full text lasts seconds: a window to kill in. */
const PAGE_DELAY_MIN_MS = 20;
const PAGE_DELAY_MAX_MS = 80;
/** A run that is not killed must finish within this (ms); it is killed and the test fails otherwise. */
const RUN_LIMIT_MS = 40_000;
/** Seed of everything random here (titles, texts, delays, kill times): a failure can be replayed. */
const SEED = 0x5eed_c0de;
// ---------------------------------------------------------------------------------------------------

const BIN = new URL('../../bin/storyfeed.js', import.meta.url).pathname;
let srv: TestServer;
let dir: string;

/** mulberry32: small, seedable, good enough to spread kill times and words. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const WORDS = ('harbour council budget river election bridge festival drought vaccine tariff railway museum ' +
  'satellite orchestra glacier startup strike wildfire referendum stadium vineyard pipeline archive ' +
  'telescope monsoon ferry senate copper lithium textile airport canal bakery chess marathon reef ' +
  'parliament cathedral tunnel volcano harvest drone library hospital refinery summit treaty').split(' ');

function words(rand: () => number, n: number): string {
  return Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)] as string).join(' ');
}

const guidOf = (f: number, i: number) => `crash-${f}-${i}`;

/** A page Readability accepts: a headline and a few paragraphs of prose. */
function page(title: string, rand: () => number): string {
  const paragraphs = Array.from({ length: 5 }, () => `<p>${words(rand, 45)}.</p>`).join('\n');
  return `<!doctype html><html><head><title>${title}</title></head><body><header><nav><a href="/">Home</a></nav></header>
<main><article><h1>${title}</h1>${paragraphs}</article></main><footer>© Test</footer></body></html>`;
}

function serveFeeds(): void {
  const rand = prng(SEED);
  for (let f = 0; f < FEEDS; f++) {
    const items = Array.from({ length: ITEMS_PER_FEED }, (_, i) => {
      const title = `${words(rand, 6)} (${f}/${i})`;
      const html = page(title, rand);
      const delay = PAGE_DELAY_MIN_MS + Math.floor(rand() * (PAGE_DELAY_MAX_MS - PAGE_DELAY_MIN_MS));
      srv.route(`/page/${f}/${i}`, { delayMs: delay, body: html, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
      return {
        id: guidOf(f, i), title, link: `{{BASE}}/page/${f}/${i}`, summary: words(rand, 20),
        published: new Date(Date.UTC(2025, 6, 18, 12) - (f * ITEMS_PER_FEED + i) * 60_000).toISOString(),
      };
    });
    srv.route(`/feed/${f}.xml`, { body: rss(`Feed ${f}`, items), headers: { 'Content-Type': 'application/rss+xml' } });
  }
}

function writeConfig(fullText: boolean): void {
  writeFileSync(join(dir, 'crash.yaml'), `schedule: "*/15 * * * *"
defaults:
  full_text: ${fullText}
http:
  timeout: 10s
  allow_private_networks: true
  concurrency: 8
  per_host_concurrency: 16
output:
  title: crash test
  link: http://127.0.0.1:8080/
retention:
  days: 0
sources:
${Array.from({ length: FEEDS }, (_, f) => `  - url: ${srv.url(`/feed/${f}.xml`)}\n    interval: 60s`).join('\n')}
`);
}

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }

/** Feed requests the test server has answered so far. */
const feedRequests = (): number => Array.from({ length: FEEDS }, (_, f) => srv.requests(`/feed/${f}.xml`).length).reduce((a, b) => a + b, 0);

/** Items stored in the database file so far, read as another process would (0 while there is no file or table). */
function storedItems(dbPath: string): number {
  if (!existsSync(dbPath)) return 0;
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/**
 * Run `storyfeed once --all`; SIGKILL it `killAfterMs` after its first feed request (or, with
 * `afterStored`, after the first item is committed beyond what `afterStored.items` counted) if it is
 * still running then.
 */
function runOnce(killAfterMs?: number, afterStored?: { dbPath: string; items: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, 'once', '--all', '--config', 'crash.yaml', '--db', 'data/crash.db'], {
      cwd: dir, env: { ...process.env, STORYFEED_LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    // The kill clock starts at the first feed request, not at spawn: on a loaded machine Node's start-up
    // alone can take a second, and kills that land before any work would prove nothing.
    let kill: NodeJS.Timeout | undefined;
    const before = feedRequests();
    const watch = killAfterMs === undefined ? undefined : setInterval(() => {
      if (feedRequests() === before) return;
      if (afterStored && storedItems(afterStored.dbPath) <= afterStored.items) return;
      clearInterval(watch);
      kill = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    }, 5);
    const limit = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(watch);
      clearTimeout(kill);
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

interface Snapshot {
  /** item id -> "source_id|item_key" */
  items: Map<number, string>;
  perSource: number[];
  /** Articles whose page was tried (extraction stored, or its failure recorded). */
  extracted: Set<number>;
}

const rows = <T>(db: Database.Database, sql: string): T[] => db.prepare(sql).all() as T[];
const count = (db: Database.Database, sql: string): number => (db.prepare(sql).get() as { n: number }).n;

/** Open the file as the next process would, check every invariant, and return what it holds. */
function checkDatabase(path: string, label: string): Snapshot {
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 5000');
    expect(db.pragma('integrity_check', { simple: true }), `${label}: integrity_check`).toBe('ok');
    expect(db.pragma('foreign_key_check'), `${label}: foreign_key_check`).toEqual([]);
    const tables = rows<{ name: string }>(db, `SELECT name FROM sqlite_master WHERE type = 'table'`).map((t) => t.name);
    if (!tables.includes('items')) return { items: new Map(), perSource: [], extracted: new Set() }; // killed before the schema existed

    const sources = count(db, 'SELECT count(*) AS n FROM sources');
    expect([0, FEEDS], `${label}: sources are synced in one transaction`).toContain(sources);
    expect(rows(db, `SELECT source_id, item_key, count(*) AS n FROM items GROUP BY source_id, item_key HAVING n > 1`),
      `${label}: duplicate (source_id, item_key)`).toEqual([]);
    expect(rows(db, `SELECT source_id, guid, count(*) AS n FROM items WHERE guid IS NOT NULL GROUP BY source_id, guid HAVING n > 1`),
      `${label}: duplicate (source_id, guid)`).toEqual([]);
    expect(count(db, 'SELECT count(*) AS n FROM items i LEFT JOIN articles a ON a.id = i.article_id WHERE a.id IS NULL'),
      `${label}: items without their article`).toBe(0);
    expect(count(db, 'SELECT count(*) AS n FROM articles a LEFT JOIN stories s ON s.id = a.story_id WHERE s.id IS NULL'),
      `${label}: articles without their story`).toBe(0);
    expect(count(db, 'SELECT count(*) AS n FROM articles a WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.article_id = a.id)'),
      `${label}: articles without any item`).toBe(0);
    expect(count(db, `SELECT count(*) AS n FROM stories s WHERE s.merged_into IS NULL
      AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id)`), `${label}: live stories without any article`).toBe(0);
    expect(count(db, `SELECT count(*) AS n FROM stories s JOIN stories m ON m.id = s.merged_into WHERE m.merged_into IS NOT NULL`),
      `${label}: stories merged into a merged story`).toBe(0);
    expect(count(db, `SELECT count(*) AS n FROM articles WHERE extract_status = 'ok' AND (html IS NULL OR text IS NULL)`),
      `${label}: extractions marked ok without their text`).toBe(0);
    // A source's items are stored in one transaction: all of a feed's items, or none of them.
    const perSource = rows<{ n: number }>(db, `SELECT (SELECT count(*) FROM items i WHERE i.source_id = s.id) AS n
      FROM sources s ORDER BY s.id`).map((r) => r.n);
    for (const n of perSource) expect([0, ITEMS_PER_FEED], `${label}: items of one source`).toContain(n);

    const items = new Map(rows<{ id: number; source_id: number; item_key: string }>(db, 'SELECT id, source_id, item_key FROM items')
      .map((r) => [r.id, `${r.source_id}|${r.item_key}`]));
    const extracted = new Set(rows<{ id: number }>(db, 'SELECT id FROM articles WHERE extract_status IS NOT NULL').map((r) => r.id));
    return { items, perSource, extracted };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-crash-'));
  serveFeeds();
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('storyfeed once, killed with SIGKILL mid-ingest', () => {
  it(`keeps the database intact and loses nothing over ${ITERATIONS} kills, then completes`, async () => {
    const dbPath = join(dir, 'data/crash.db');
    const rand = prng(SEED ^ 0x9e3779b9);
    let seen = new Map<number, string>();
    let tried = new Set<number>();
    const log: string[] = [];
    let midIngestKills = 0;

    for (let n = 0; n < ITERATIONS; n++) {
      const fullText = n % 2 === 0;
      const killAt = Math.round(KILL_MIN_MS + rand() * (KILL_MAX_MS - KILL_MIN_MS));
      writeConfig(fullText);
      // Odd iterations count their kill time from the first item this run commits, not from its first
      // request: on a loaded machine (load average above ~10 on 2 cores) the first commit comes more than
      // KILL_MAX_MS after the first request, and kills timed from the request alone all land before it.
      const run = await runOnce(killAt, n % 2 === 1 ? { dbPath, items: seen.size } : undefined);
      const label = `iteration ${n} (full_text ${fullText}, kill at ${killAt} ms)`;
      if (run.signal !== 'SIGKILL') {
        // It finished before the kill: then it must have finished well.
        expect(run.code, `${label}: ${run.stderr}`).toBe(0);
      }
      expect(run.ms, `${label}: ran into the ${RUN_LIMIT_MS} ms limit`).toBeLessThan(RUN_LIMIT_MS);
      if (!existsSync(dbPath)) {
        expect(seen.size, `${label}: the database file disappeared`).toBe(0);
        log.push(`${label}: no database yet`);
        continue;
      }
      const snap = checkDatabase(dbPath, label);
      const lost = [...seen].filter(([id, key]) => snap.items.get(id) !== key);
      expect(lost, `${label}: items stored before this kill and lost (or changed identity)`).toEqual([]);
      expect([...tried].filter((id) => !snap.extracted.has(id)), `${label}: extraction results lost`).toEqual([]);
      const stored = snap.items.size;
      const progressed = stored > seen.size || snap.extracted.size > tried.size;
      const unfinished = stored < FEEDS * ITEMS_PER_FEED || (fullText && snap.extracted.size < stored);
      if (run.signal === 'SIGKILL' && progressed && unfinished) midIngestKills++;
      log.push(`${label}: ${run.signal ?? `exit ${run.code}`} after ${run.ms} ms, ${stored} items, ${snap.extracted.size} pages tried`);
      seen = snap.items;
      tried = snap.extracted;
    }
    // The kills must have landed while there was work in progress, or this test proves nothing.
    expect(midIngestKills, log.join('\n')).toBeGreaterThanOrEqual(2);

    writeConfig(false);
    const final = await runOnce();
    expect(final.code, final.stderr).toBe(0);
    expect(final.stdout).toMatch(new RegExp(`^cycle: ${FEEDS} sources in [\\d.]+ s — ${FEEDS} ok, 0 not modified, 0 failed`, 'm'));
    const snap = checkDatabase(dbPath, 'final run');
    expect([...seen].filter(([id, key]) => snap.items.get(id) !== key), 'items lost by the final run').toEqual([]);
    expect(snap.perSource).toEqual(Array.from({ length: FEEDS }, () => ITEMS_PER_FEED));
    const db = new Database(dbPath, { readonly: true });
    try {
      const guids = rows<{ guid: string }>(db, 'SELECT guid FROM items ORDER BY guid').map((r) => r.guid);
      const expected = Array.from({ length: FEEDS }, (_, f) => Array.from({ length: ITEMS_PER_FEED }, (_, i) => guidOf(f, i))).flat().sort();
      expect(guids).toEqual(expected);
      expect(count(db, `SELECT count(*) AS n FROM sources WHERE status = 'ok'`)).toBe(FEEDS);
    } finally {
      db.close();
    }
  }, 120_000);
});
