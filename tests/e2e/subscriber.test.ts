// What subscribers and operators see through the real `storyfeed` command (issue 9 and 10.9/10.10):
// keep/block rules, messages that say what happened, OPML in and out, refresh without false updates, a source
// that cannot take over another's story, and bounded feeds from a database of huge articles.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOpml } from '../../src/opml/index.js';
import { Store } from '../../src/storage/index.js';
import { BIN, freePort, runCli } from '../helpers/cli.js';
import { rss } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let dir: string;

const cli = (args: string[]) => runCli(args, dir, { STORYFEED_LOG_FORMAT: 'json' });

const header = `http:
  timeout: 2s
  allow_private_networks: true
defaults:
  full_text: false
output:
  link: http://127.0.0.1:8080/
retention:
  days: 0
`;

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-subscriber-'));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('keep/block rules', () => {
  it('drop matching items before they are stored; once says how many; check lists the rules', async () => {
    srv.route('/rules/a.xml', { body: rss('A', [
      { id: 'a1', title: 'Sponsored: the best mattress of 2025', link: '{{BASE}}/a/1', published: '2025-07-18T10:00:00Z' },
      { id: 'a2', title: 'Glacier retreat measured from orbit', link: '{{BASE}}/a/2', summary: 'Climate scientists report.', published: '2025-07-18T11:00:00Z' },
      { id: 'a3', title: 'League results', link: '{{BASE}}/a/3', summary: 'Football.', published: '2025-07-18T12:00:00Z' },
      { id: 'a4', title: 'Podcast: climate talk', link: '{{BASE}}/podcasts/4', summary: 'Climate.', published: '2025-07-18T13:00:00Z' },
    ]) });
    writeFileSync(join(dir, 'rules.yaml'), `${header}rules:
  block:
    - title: "(?i)^sponsored"
  keep:
    - content: "(?i)climate"
sources:
  - url: ${srv.url('/rules/a.xml')}
    rules:
      block:
        - url: /podcasts/
`);
    const check = await cli(['check', '--config', 'rules.yaml']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('rules: 1 block, 1 keep');
    expect(check.stdout).toContain('  block title ~ /(?i)^sponsored/');
    expect(check.stdout).toContain('(rules: 1 block, 0 keep)');
    const once = await cli(['once', '--all', '--config', 'rules.yaml', '--db', 'rules.db']);
    expect(once.code).toBe(0);
    expect(once.stdout).toContain('rules: 3 items dropped by keep/block rules');
    const db = new Database(join(dir, 'rules.db'), { readonly: true });
    expect((db.prepare('SELECT title FROM items ORDER BY id').all() as { title: string }[]).map((r) => r.title))
      .toEqual(['Glacier retreat measured from orbit']);
    db.close();
  });

  it('a bad pattern fails check with the file, line, column and field, exit 78', async () => {
    writeFileSync(join(dir, 'bad-rules.yaml'), `${header}sources:\n  - url: ${srv.url('/rules/a.xml')}\n    rules:\n      keep:\n        - title: "(?=x)"\n`);
    const r = await cli(['check', '--config', 'bad-rules.yaml']);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('bad-rules.yaml:14:18: sources[0].rules.keep[0].title: invalid regular expression: invalid or unsupported Perl syntax: `(?=`');
  });
});

describe('messages that say what happened (issue 9.11)', () => {
  it('once with nothing due names when sources are due and which back off, with the refused connection in words', async () => {
    const closed = await freePort();
    srv.route('/msg/ok.xml', { body: rss('OK desk', [{ id: 'm1', title: 'Harbour opens', link: '{{BASE}}/m/1' }]) });
    writeFileSync(join(dir, 'msg.yaml'), `${header}sources:
  - url: ${srv.url('/msg/ok.xml')}
    name: OK desk
    interval: 2h
  - url: http://127.0.0.1:${closed}/feed.xml
    name: Down desk
`);
    const first = await cli(['once', '--config', 'msg.yaml', '--db', 'msg.db']);
    expect(first.stdout).toMatch(new RegExp(`failed: http://127\\.0\\.0\\.1:${closed}/feed\\.xml: fetcher: \\[GET\\] .*: network error: ` +
      `connection refused \\(nothing listens there, or a firewall rejects it\\) at 127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)`));
    const second = await cli(['once', '--config', 'msg.yaml', '--db', 'msg.db']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('cycle: 0 sources');
    expect(second.stdout).toContain('nothing due: 2 of 2 sources wait for their next fetch');
    expect(second.stdout).toMatch(/next due: OK desk at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in (1 h 5\d min|2 h)\)/);
    expect(second.stdout).toMatch(/backing off: Down desk after 1 failure, next try at .* \(in \d+ min\); last error: fetcher: .*connection refused/);
    expect(second.stdout).toContain('`storyfeed once --all` fetches every enabled source now');
  });

  it('import-opml reports every outline it did not import, and why', async () => {
    writeFileSync(join(dir, 'import.yaml'), `sources:\n  - https://kept.example/feed.xml\n`);
    writeFileSync(join(dir, 'subs.opml'), `<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
<outline text="News"><outline text="Kept" xmlUrl="https://kept.example/feed.xml"/><outline text="New" xmlUrl="https://new.example/rss"/></outline>
<outline text="Old FTP" xmlUrl="ftp://files.example/feed.xml"/>
<outline text="A blog, no feed" htmlUrl="https://blog.example/"/>
</body></opml>`);
    const r = await cli(['import-opml', 'subs.opml', '--config', 'import.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(['import.yaml: added 1 sources, skipped 1 already present; 2 outlines not imported:',
      '  skipped "Old FTP" (ftp://files.example/feed.xml): xmlUrl is not an http(s) URL',
      '  skipped "A blog, no feed" (https://blog.example/): no xmlUrl: not a feed (and not a folder of feeds)', ''].join('\n'));
    expect(readFileSync(join(dir, 'import.yaml'), 'utf8')).toContain('https://new.example/rss');
  });

  it('export-opml --merged lists the merged feed and each tag feed', async () => {
    writeFileSync(join(dir, 'tags.yaml'), `${header}sources:\n  - url: https://a.example/f\n    tags: [world, tech]\n  - url: https://b.example/f\n    tags: [world]\n`);
    const r = await cli(['export-opml', '--merged', '--config', 'tags.yaml']);
    expect(r.code).toBe(0);
    expect(readOpml(r.stdout).sources.map((s) => s.url)).toEqual(['http://127.0.0.1:8080/atom.xml',
      'http://127.0.0.1:8080/tags/world/atom.xml', 'http://127.0.0.1:8080/tags/tech/atom.xml']);
  });
});

describe('extract --refresh (issue 9.7)', () => {
  it('leaves an unchanged story as it was (updated time, ETag), and moves it when the page changed', async () => {
    const page = (text: string) => `<!doctype html><html><head><title>Glacier</title></head><body><article><h1>Glacier retreat</h1>
${Array.from({ length: 8 }, (_, i) => `<p>${text} Paragraph ${i} explains how the measurements were made over twenty years of flights.</p>`).join('\n')}
</article></body></html>`;
    srv.route('/ref/page', { body: page('Scientists measured the glacier.'), headers: { 'Content-Type': 'text/html' } });
    srv.route('/ref/feed.xml', { body: rss('Ref', [{ id: 'r1', title: 'Glacier retreat', link: '{{BASE}}/ref/page', summary: 'Short.' }]) });
    writeFileSync(join(dir, 'ref.yaml'), `${header.replace('full_text: false', 'full_text: true')}sources:\n  - ${srv.url('/ref/feed.xml')}\n`);
    expect((await cli(['once', '--all', '--config', 'ref.yaml', '--db', 'ref.db'])).stdout).toContain('1 articles extracted');
    const state = () => {
      const store = Store.open(join(dir, 'ref.db'));
      const [s] = store.stories.list(10);
      store.close();
      return { updated: s?.updated, body: s?.contentHtml };
    };
    const before = state();
    expect(before.body).toContain('Scientists measured the glacier.');
    const refresh = await cli(['extract', '--refresh', '--config', 'ref.yaml', '--db', 'ref.db']);
    expect(refresh.stdout).toContain('1 articles: 1 extracted');
    expect(state()).toEqual(before);
    srv.route('/ref/page', { body: page('Scientists measured the glacier again, with a correction.'), headers: { 'Content-Type': 'text/html' } });
    await cli(['extract', '--refresh', '--config', 'ref.yaml', '--db', 'ref.db']);
    const after = state();
    expect(after.body).toContain('with a correction');
    expect(after.updated).not.toBe(before.updated);
  });
});

describe('one source cannot take over another\'s story (issue 10.9)', () => {
  it('an item claiming another site\'s article URL with a longer body joins the source list only', async () => {
    srv.route('/own/feed.xml', { body: rss('Owner Times', [{ id: 'o1', title: 'Port strike ends after talks', link: '{{BASE}}/own/story-1',
      content: '<p>Dock workers returned on Monday after the agreement.</p>', published: '2025-07-18T10:00:00Z' }]) });
    // The copycat's feed is configured on another host name (localhost); its item points at the owner's URL
    // (127.0.0.1) and its channel <link> claims the owner's site too.
    srv.route('/copy/feed.xml', { body: rss('Copycat', [{ id: 'c1', title: 'BUY CHEAP PILLS', link: `${srv.base}/own/story-1?utm_source=x`,
      content: `<p>${'Spam spam spam, a much longer body. '.repeat(80)}</p>`, published: '2025-07-18T09:00:00Z' }]) });
    writeFileSync(join(dir, 'own.yaml'), `${header}sources:
  - url: ${srv.base.replace('127.0.0.1', 'localhost')}/copy/feed.xml
  - url: ${srv.url('/own/feed.xml')}
`);
    expect((await cli(['once', '--all', '--config', 'own.yaml', '--db', 'own.db'])).code).toBe(0);
    const store = Store.open(join(dir, 'own.db'));
    const stories = store.stories.list(10);
    store.close();
    expect(stories).toHaveLength(1);
    expect(stories[0]?.title).toBe('Port strike ends after talks');
    expect(stories[0]?.contentHtml).toContain('Dock workers returned');
    expect(stories[0]?.sources.map((s) => s.title).sort()).toEqual(['BUY CHEAP PILLS', 'Port strike ends after talks']);
  });
});

/** Peak resident memory of a process (Linux), in MiB. */
function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
    }).on('error', reject).end();
  });
}

describe('the size of what is published (issue 10.10)', () => {
  it('100 stored articles of 400,000 characters: each entry cut with "Continue reading", the feed bounded, serve\'s memory bounded', async () => {
    const store = Store.open(join(dir, 'big.db'));
    store.sources.sync([{ url: 'https://big.example/feed', tags: ['big'], intervalSeconds: 600, enabled: true, fullText: false }], new Date().toISOString());
    const source = store.sources.list()[0]?.id as number;
    const body = (i: number) => Array.from({ length: 4000 }, (_, k) => `<p>Article ${i} paragraph ${k}: ${'long text '.repeat(8)}</p>`).join('').slice(0, 400_000);
    store.items.save(source, Array.from({ length: 100 }, (_, i) => ({ guid: `g${i}`, url: `https://big.example/a/${i}`, link: `https://big.example/a/${i}`,
      title: `Big article ${i}`, content: body(i), published: new Date(Date.UTC(2025, 6, 18, 0, i)).toISOString(), enclosures: [], categories: [] })),
    new Date().toISOString());
    store.close();
    const port = await freePort();
    writeFileSync(join(dir, 'big.yaml'), `output:\n  port: ${port}\nsources:\n  - url: https://big.example/feed\n    tags: [big]\n`);
    const child = spawn(process.execPath, [BIN, 'serve', '--config', 'big.yaml', '--db', 'big.db'], { cwd: dir,
      env: { ...process.env, STORYFEED_LOG_LEVEL: 'info', STORYFEED_LOG_FORMAT: 'json' } });
    let logs = '';
    child.stderr.on('data', (d: Buffer) => { logs += d.toString(); });
    try {
      for (let i = 0; i < 200 && !logs.includes('serving merged feed'); i++) await new Promise((r) => setTimeout(r, 50));
      const sizes: number[] = [];
      for (const path of ['/feed.xml', '/atom.xml', '/feed.json', '/tags/big/atom.xml']) {
        for (const enc of path.startsWith('/tags/') ? ['identity'] : ['identity', 'gzip', 'br']) {
          const r = await get(port, path, { 'Accept-Encoding': enc });
          expect(r.status, path).toBe(200);
          if (enc === 'identity') sizes.push(r.bytes);
        }
      }
      // 100 × 400,000 characters stored (40 MB): each feed stays within the 4 M + short bodies budget.
      for (const s of sizes) expect(s).toBeLessThan(6 * 1024 * 1024);
      const feed = await new Parser().parseString(await (await fetch(`http://127.0.0.1:${port}/feed.xml`)).text());
      expect(feed.items).toHaveLength(100);
      const first = String((feed.items[0] as Record<string, unknown>)['content:encoded']);
      expect(first.length).toBeLessThan(45_000);
      expect(first).toMatch(/Continue reading at big\.example …<\/a><\/p>/);
      const last = String((feed.items[99] as Record<string, unknown>)['content:encoded']);
      expect(last.length).toBeLessThan(3_000); // past the feed's budget: a short body, still linked
      expect(peakRssMiB(child.pid as number)).toBeLessThan(400);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
  });
});
