// The offline demo as a subscriber meets it (issue 9.5): valid feeds (the bundled "Defence & Security"
// category included), entry ids that survive a restart, and links that answer whenever the demo runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedparser, jing, SCHEMAS } from '../helpers/feed-tools.js';

const BIN = new URL('../../bin/storyfeed.js', import.meta.url).pathname;
let dir: string;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-demo-'));
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Start `storyfeed demo` and wait until it says where to subscribe. */
async function startDemo(): Promise<{ child: ChildProcess; stdout: () => string }> {
  const child = spawn(process.execPath, [BIN, 'demo', '--port', String(port), '--db', join(dir, 'demo.db')], { cwd: dir,
    env: { ...process.env, STORYFEED_LOG_LEVEL: 'warn' } });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  for (let i = 0; i < 600 && !out.includes('press Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 50));
  expect(out).toContain('Subscribe to the merged feed');
  return { child, stdout: () => out };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

const text = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).text();

describe('storyfeed demo', () => {
  it('serves valid feeds whose ids survive a restart and whose links answer while it runs', async () => {
    const first = await startDemo();
    let ids: string[];
    try {
      const atom = await text('/atom.xml');
      expect(atom).toContain('term="Defence &amp; Security"');
      expect(jing(SCHEMAS.atom, atom).messages).toBe('');
      expect(jing(SCHEMAS.rss, await text('/feed.xml')).messages).toBe('');
      expect(jing(SCHEMAS.atom, await text('/tags/defence/atom.xml')).messages).toBe('');
      const read = feedparser(atom);
      expect(read.bozo).toBe(false);
      ids = read.entries.map((e) => e.id).sort();
      expect(ids.length).toBeGreaterThanOrEqual(5);
      for (const e of read.entries) {
        expect(e.link, e.title).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/demo/pages/`));
        expect((await fetch(e.link)).status, e.link).toBe(200);
      }
      expect(first.stdout()).toContain(`http://127.0.0.1:${port}/tags/defence/atom.xml`);
    } finally {
      expect(await stop(first.child)).toBe(0);
    }
    const second = await startDemo();
    try {
      const again = feedparser(await text('/atom.xml'));
      expect(again.entries.map((e) => e.id).sort()).toEqual(ids);
      for (const e of again.entries) expect((await fetch(e.link)).status, e.link).toBe(200);
      const rss = await new Parser().parseString(await text('/feed.xml'));
      expect(new Set(rss.items.map((i) => i.guid)).size).toBe(rss.items.length);
    } finally {
      expect(await stop(second.child)).toBe(0);
    }
  });
});
