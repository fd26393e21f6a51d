// The `storyfeed` command as users run it: real processes, real files, a real HTTP server on 127.0.0.1.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Parser from 'rss-parser';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { configYaml, rss, atom } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let dir: string;

const cli = (args: string[], opts: { cwd?: string } = {}) => runCli(args, opts.cwd ?? dir);

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-cli-'));
  srv.route('/f/one.xml', { body: rss('One', [{ id: '1', title: 'Story one', link: '{{BASE}}/s/1', published: '2025-07-18T10:00:00Z' }]) });
  srv.route('/f/two.atom', { body: atom('Two', [{ id: 'urn:2', title: 'Story two', link: '{{BASE}}/s/2', published: '2025-07-18T11:00:00Z' }]) });
  srv.route('/f/broken.xml', { status: 500, body: 'boom' });
  writeFileSync(join(dir, 'sources.yaml'), configYaml([srv.url('/f/one.xml'), srv.url('/f/two.atom'), srv.url('/f/broken.xml')]));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('storyfeed CLI', () => {
  it('--help works on every command', async () => {
    for (const cmd of ['run', 'once', 'serve', 'check', 'sources', 'import-opml', 'export-opml', 'parse', 'extract', 'stories',
      'explain', 'cluster', 'demo']) {
      const r = await cli([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toContain(`Usage: storyfeed ${cmd}`);
    }
  });

  it('--help loads no dependency but commander: a light command loads only what it uses (issue 12)', async () => {
    // A module-resolution hook in the child prints every file it loads.
    const hook = join(dir, 'loaded-hook.mjs');
    writeFileSync(hook, "import { writeSync } from 'node:fs';\n" +
      "export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith('file:')) writeSync(2, 'LOADED ' + r.url + '\\n'); return r; }\n");
    const register = join(dir, 'loaded-register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', register, BIN, '--help'], { cwd: dir, timeout: 60_000 });
      let err = '';
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      child.on('error', reject);
      child.on('close', () => resolve(err));
    });
    const loaded = stderr.split('\n').filter((l) => l.startsWith('LOADED '));
    expect(loaded.some((l) => l.includes('/dist/cli.js'))).toBe(true); // the hook saw the command itself
    const packages = new Set(loaded.flatMap((l) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(l)?.[1] ?? []));
    expect([...packages]).toEqual(['commander']);
  });

  it('check prints what it found in a valid config', async () => {
    const r = await cli(['check', '--config', 'sources.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sources.yaml: OK');
    expect(r.stdout).toContain('sources: 3 (3 enabled)');
    expect(r.stdout).toContain(srv.url('/f/two.atom'));
  });

  it('check names the file, line and field of a config error and exits 78', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'schedule: "*/5 * * * *"\nsources:\n  - url: https://ok.example/feed\n  - url: ftp://nope.example/feed\n    interval: 10 parsecs\n');
    const r = await cli(['check', '--config', 'bad.yaml']);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/bad\.yaml:4:\d+: sources\[1\]\.url/);
    expect(r.stderr).toMatch(/bad\.yaml:5:\d+: sources\[1\]\.interval/);
  });

  it('check reports a missing config file clearly', async () => {
    const r = await cli(['check', '--config', 'missing.yaml']);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('missing.yaml');
  });

  it('once runs a cycle and prints a summary; sources shows each source state', async () => {
    const r = await cli(['once', '--config', 'sources.yaml', '--db', 'data/once.db']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cycle: 3 sources .* 2 ok, 0 not modified, 1 failed; 2 new items/);
    expect(r.stdout).toContain(`failed: ${srv.url('/f/broken.xml')}: fetcher: [GET]`);
    const s = await cli(['sources', '--config', 'sources.yaml', '--db', 'data/once.db', '--json']);
    expect(s.code).toBe(0);
    const list = JSON.parse(s.stdout) as { configUrl: string; status: string; itemCount: number; consecutiveFailures: number }[];
    expect(list.map((x) => [x.status, x.itemCount, x.consecutiveFailures])).toEqual([['ok', 1, 0], ['ok', 1, 0], ['failing', 0, 1]]);
    const table = await cli(['sources', '--config', 'sources.yaml', '--db', 'data/once.db']);
    expect(table.stdout.split('\n')[0]).toMatch(/^STATUS\s+LAST FETCH\s+ERRORS\s+ITEMS/);
    const db = new Database(join(dir, 'data/once.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('parse prints normalized items as JSON, from a file and from a URL', async () => {
    writeFileSync(join(dir, 'feed.xml'), rss('File feed', [{ id: 'x1', title: 'From a file', link: '/rel/1?utm_medium=x' }]));
    const f = await cli(['parse', 'feed.xml', '--base', 'https://site.example/feed']);
    expect(f.code).toBe(0);
    const parsed = JSON.parse(f.stdout) as { format: string; items: { title: string; url: string; guid: string }[] };
    expect(parsed.format).toBe('rss');
    expect(parsed.items[0]).toMatchObject({ title: 'From a file', guid: 'x1', url: 'https://site.example/rel/1' });
    const u = await cli(['parse', srv.url('/f/two.atom'), '--allow-private']);
    expect(u.code).toBe(0);
    expect((JSON.parse(u.stdout) as { items: { title: string }[] }).items[0]?.title).toBe('Story two');
    const refused = await cli(['parse', srv.url('/f/two.atom')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/private|loopback|refused/i);
    const bad = await cli(['parse', 'sources.yaml']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^storyfeed: parser: /);
  });

  it('parse FILE…: one JSON line per file, in order, a {file,error} line for each that fails, exit 1 if any did', async () => {
    writeFileSync(join(dir, 'a.xml'), rss('Feed A', [{ id: 'a1', title: 'A one', link: 'https://a.example/1' }]));
    writeFileSync(join(dir, 'b.atom'), atom('Feed B', [{ id: 'urn:b1', title: 'B one', link: 'https://b.example/1' }]));
    writeFileSync(join(dir, 'cut.xml'), '<rss version="2.0"><channel><title>Cut</title><item><title>half');
    const ok = await cli(['parse', 'a.xml', 'b.atom']);
    expect(ok.code).toBe(0);
    const lines = ok.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => Object.keys(l))).toEqual([
      ['file', 'format', 'title', 'link', 'description', 'items'], ['file', 'format', 'title', 'link', 'description', 'items']]);
    expect(lines.map((l) => [l.file, l.format, l.title])).toEqual([['a.xml', 'rss', 'Feed A'], ['b.atom', 'atom', 'Feed B']]);
    expect((lines[1]?.items as { title: string }[])[0]?.title).toBe('B one');

    const mixed = await cli(['parse', 'cut.xml', 'a.xml', 'missing.xml']);
    expect(mixed.code).toBe(1);
    const out = mixed.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { file: string; error?: string; title?: string });
    expect(out.map((l) => l.file)).toEqual(['cut.xml', 'a.xml', 'missing.xml']);
    expect(out[0]?.error).toMatch(/^parser: invalid XML feed: the document ends inside <title> opened at line 1, column \d+ \(cut off\?\)/);
    expect(out[1]).toMatchObject({ title: 'Feed A' });
    expect(out[2]?.error).toBe('cannot read missing.xml: ENOENT');
    expect(mixed.stderr).toBe('storyfeed: parser: 2 of 3 documents could not be read (see their "error" lines)\n');
  });

  it('parse of an HTML page: a URL follows its feed link and says so; a file lists its feed links', async () => {
    const page = '<!DOCTYPE html><html><head><title>Site</title>' +
      `<link rel="alternate" type="application/atom+xml" href="${srv.url('/f/two.atom')}">` +
      `<link rel="alternate" type="application/rss+xml" href="${srv.url('/f/one.xml')}"></head><body>hi</body></html>`;
    srv.route('/site/', { headers: { 'Content-Type': 'text/html' }, body: page });
    const u = await cli(['parse', srv.url('/site/'), '--allow-private']);
    expect(u.code).toBe(0);
    expect((JSON.parse(u.stdout) as { items: { title: string }[] }).items[0]?.title).toBe('Story two');
    expect(u.stderr).toContain(`storyfeed: ${srv.url('/site/')} is an HTML page; following its first feed link, as sources do: ${srv.url('/f/two.atom')}`);
    expect(u.stderr).toContain(`(it also announces ${srv.url('/f/one.xml')})`);
    expect(u.stderr).not.toMatch(/not a feed/);
    writeFileSync(join(dir, 'page.html'), page);
    const f = await cli(['parse', 'page.html']);
    expect(f.code).toBe(1);
    expect(f.stderr).toBe(`storyfeed: parser: page.html is an HTML page; it announces these feeds: ${srv.url('/f/two.atom')}, ` +
      `${srv.url('/f/one.xml')} (parse one of them)\n`);
  });

  it('parse refusing a private address names --allow-private; parser errors end in a position, not an empty "Char:"', async () => {
    const refused = await cli(['parse', srv.url('/f/two.atom')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\(pass --allow-private to allow\)\n$/);
    expect(refused.stderr).not.toMatch(/allow_private_networks/);
    writeFileSync(join(dir, 'mismatch.xml'), '<rss version="2.0"><channel><item><title>x</title>');
    const bad = await cli(['parse', 'mismatch.xml']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^storyfeed: parser: invalid XML feed: .*line 1, column \d+/);
    expect(bad.stderr).not.toMatch(/Char:\s*$/);
  });

  it('stories lists stories with their items; explain says why two items are or are not one story', async () => {
    const st = await cli(['stories', '--config', 'sources.yaml', '--db', 'data/once.db', '--json']);
    expect(st.code).toBe(0);
    const stories = JSON.parse(st.stdout) as { id: number; guid: string; members: { id: number; title: string }[] }[];
    expect(stories.map((x) => x.members.map((m) => m.title))).toEqual([['Story two'], ['Story one']]);
    const [two, one] = stories.map((x) => x.members[0]?.id) as [number, number];
    const text = await cli(['stories', '--config', 'sources.yaml', '--db', 'data/once.db']);
    expect(text.stdout).toMatch(new RegExp(`^story \\d+  urn:uuid:\\S+  \\(1 item,`, 'm'));
    expect(text.stdout).toContain(`item ${one}`);
    const ex = await cli(['explain', String(one), String(two), '--config', 'sources.yaml', '--db', 'data/once.db']);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toContain('same story now: no');
    // every signal with its value and contribution, the bias, and their sum (the log-odds)
    expect(ex.stdout).toMatch(/^titleTitle\s+\d\.\d{3}\s+[+−]\d\.\d{3}$/m);
    expect(ex.stdout).toMatch(/^bias\s+[+−]\d+\.\d{3}$/m);
    expect(ex.stdout).toMatch(/^sum\s+[+−]\d+\.\d{3}  → probability \d\.\d{3}$/m);
    expect(ex.stdout).toMatch(/verdict: (probability \d\.\d{3} < join threshold 0\.5|no words in common)/);
    const missing = await cli(['explain', String(one), '999999', '--config', 'sources.yaml', '--db', 'data/once.db']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no item with id 999999');
  });

  it('cluster --input prints id<TAB>story_id per item, offline, and names a bad line', async () => {
    const seeds = ['000_2129cc06a290e765.txt', '001_2470a1d99b2f447f.txt']
      .map((f) => readFileSync(new URL(`../../../shared/seeds/${f}`, import.meta.url), 'utf8'));
    const lines = [
      { id: 'seed-a', title: 'Pakistan and Libya Strengthen Defense Industry Ties After High-Level Military Talks', text: seeds[0], published: '2025-07-18T16:00:00Z' },
      { id: 'tea', title: 'Kenyan tea prices climb for a third week at Mombasa auction', text: 'Prices at the weekly Mombasa tea auction rose for a third straight week as dry weather in Kenya cut supply of top grades, brokers said.', published: '2025-07-18T11:00:00Z' },
      { id: 'seed-b', title: 'COAS receives Libyan commander Haftar at GHQ', text: seeds[1], published: '2025-07-18T15:00:00Z' },
      { id: 'syndicated', title: 'Tea prices up again', url: 'https://wire.example/tea?utm_source=x', published: '2025-07-18T12:00:00Z' },
      { id: 'syndicated-2', title: 'A different headline, same link', url: 'https://wire.example/tea', published: '2025-07-18T13:00:00Z' },
    ];
    writeFileSync(join(dir, 'items.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n'));
    const r = await cli(['cluster', '--input', 'items.jsonl']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.map((x) => x[0])).toEqual(lines.map((l) => l.id)); // input order
    const story = Object.fromEntries(rows) as Record<string, string>;
    expect(story['seed-a']).toBe(story['seed-b']);
    expect(story['seed-a']).toBe('seed-b'); // the story is named after its earliest item
    expect(story.tea).not.toBe(story['seed-a']);
    expect(story.syndicated).toBe(story['syndicated-2']);
    writeFileSync(join(dir, 'bad.jsonl'), `${JSON.stringify(lines[0])}\n\n{"id": "x"}\n`);
    const bad = await cli(['cluster', '--input', 'bad.jsonl']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.jsonl:3: title: /);
    expect(bad.stdout).toBe('');
  });

  it('extract prints the article of an HTML file as JSON and fails clearly on unreadable input', async () => {
    const pagePath = new URL('../../demo/pages/pakistan-libya-defence-ties.html', import.meta.url).pathname;
    const r = await cli(['extract', '--url', 'https://defence.example/2025/07/pak-libya', pagePath]);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout) as { title: string; byline: string; text: string; html: string };
    expect(a.byline).toBe('Defence Notes Staff');
    expect(a.text).toContain('Field Marshal Syed Asim Munir');
    for (const junk of ['Download IPFS', 'Leave a Comment', 'Bitcoin', 'Subscribe to Blog']) expect(a.text).not.toContain(junk);
    expect(a.html).toMatch(/^<(div|p|article|section)/);
    const missing = await cli(['extract', '--url', 'https://x.example/', 'nope.html']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^storyfeed: extractor: cannot read nope\.html/);
    writeFileSync(join(dir, 'empty.html'), '<html><body><p>Nothing much.</p></body></html>');
    const empty = await cli(['extract', '--url', 'https://x.example/', 'empty.html']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^storyfeed: extractor: /);
    const noUrl = await cli(['extract', 'empty.html']);
    expect(noUrl.code).toBe(2);
  });

  it('export-opml and import-opml round-trip the sources', async () => {
    const exported = await cli(['export-opml', '--config', 'sources.yaml']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('<opml version="2.0"');
    writeFileSync(join(dir, 'subs.opml'), `<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
      <outline text="News"><outline text="New one" type="rss" xmlUrl="https://new.example/feed.xml"/></outline>
      <outline text="Dup" type="rss" xmlUrl="${srv.url('/f/one.xml')}"/></body></opml>`);
    writeFileSync(join(dir, 'import.yaml'), `# my feeds\n${readFileSync(join(dir, 'sources.yaml'), 'utf8')}`);
    const imported = await cli(['import-opml', 'subs.opml', '--config', 'import.yaml']);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('added 1 sources, skipped 1');
    const text = readFileSync(join(dir, 'import.yaml'), 'utf8');
    expect(text.startsWith('# my feeds')).toBe(true);
    expect((await cli(['check', '--config', 'import.yaml'])).stdout).toContain('https://new.example/feed.xml');
  });

  it('demo --once ingests the bundled feeds and prints a valid merged feed', async () => {
    const r = await cli(['demo', '--once', '--port', '0', '--db', join(dir, 'demo.db')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const feed = await new Parser().parseString(r.stdout);
    const titles = feed.items.map((i) => i.title);
    expect(titles).toContain('Pakistan and Libya Strengthen Defense Industry Ties After High-Level Military Talks');
    // The two seed reports (different outlets, different words) are one entry listing both sources.
    const seed = feed.items.filter((i) => /Haftar/.test(String((i as Record<string, unknown>)['content:encoded'])));
    expect(seed).toHaveLength(1);
    const seedBody = String((seed[0] as Record<string, unknown>)['content:encoded']);
    expect(seedBody).toContain('Covered by 2 sources');
    expect(seedBody).toMatch(/>Defence Notes<\/a>: Pakistan and Libya Strengthen/);
    expect(seedBody).toMatch(/>Frontier Post Desk<\/a>: COAS Asim Munir receives/);
    expect(seedBody).not.toContain('Bitcoin');
    expect(new Set(titles).size).toBe(titles.length);
    const wind = feed.items.filter((i) => /wind farm/i.test(i.title ?? ''));
    expect(wind).toHaveLength(1); // syndicated under the same URL by two feeds: one entry
    expect((wind[0] as Record<string, unknown>)['content:encoded']).toContain('Covered by 2 sources');
  });
});

describe('storyfeed run (the service)', () => {
  it('serves the merged feed and health, reloads on SIGHUP, and exits 0 on SIGTERM', async () => {
    writeFileSync(join(dir, 'svc.yaml'), configYaml([srv.url('/f/one.xml'), srv.url('/f/two.atom')]));
    const child = spawn(process.execPath, [BIN, 'run', '--config', 'svc.yaml', '--db', 'data/svc.db'], { cwd: dir,
      env: { ...process.env, STORYFEED_LOG_LEVEL: 'info', STORYFEED_LOG_FORMAT: 'json' } });
    let logs = '';
    child.stderr.on('data', (d: Buffer) => {
      logs += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(logs); i++) await new Promise((r) => setTimeout(r, 50));
      expect(logs).toMatch(re);
    };
    await waitFor(/"msg":"storyfeed running"/);
    const port = Number(/"port":(\d+)/.exec(logs.split('\n').find((l) => l.includes('storyfeed running')) ?? '')?.[1]);
    await waitFor(/"msg":"cycle finished"/);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status: string; scheduler: { cycles: number; schedule: string } };
    expect(health.status).toBe('ok');
    expect(health.scheduler).toMatchObject({ cycles: 1, schedule: '*/15 * * * *' });
    const feed = await new Parser().parseString(await (await fetch(`http://127.0.0.1:${port}/atom.xml`)).text());
    expect(feed.items.map((i) => i.title).sort()).toEqual(['Story one', 'Story two']);
    expect((await fetch(`http://127.0.0.1:${port}/feed.xml`, { method: 'POST' })).status).toBe(405);

    writeFileSync(join(dir, 'svc.yaml'), 'sources: [ {url: ');
    child.kill('SIGHUP');
    await waitFor(/config reload rejected/);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs).toContain('stopped cleanly');
    const db = new Database(join(dir, 'data/svc.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n).toBe(2);
    db.close();
  });
});
