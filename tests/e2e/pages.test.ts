// The HTML pages in a real browser (Debian's headless Chromium, driven by playwright-core), end to end:
// a local feed server on 127.0.0.1 serving the seed pair (two outlets' reports of one event, as article
// pages) among other feeds, a failing, a gone and a disabled source; real ingest cycles into a real
// SQLite file; the real `storyfeed serve` over it (read-only). Then: the stories page shows each story
// with its sources, the story page the reasons, the sources page the failing source with its error; no
// CSP violation or console error anywhere; it all works with JavaScript off; a phone-sized viewport has
// no horizontal scroll; axe-core finds no accessibility violation (light and dark). Screenshots of each
// page go to test-output/screenshots/.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { runCycle } from '../../src/scheduler/index.js';
import { Store } from '../../src/storage/index.js';
import { axe, horizontalOverflow, launchBrowser, outline, readmeShot, screenshot, watchProblems } from '../helpers/browser.js';
import { atom, rss, type TestItem } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const BIN = new URL('../../bin/storyfeed.js', import.meta.url).pathname;
const SEEDS = new URL('../../../shared/seeds/', import.meta.url);
const HTML = { 'Content-Type': 'text/html; charset=utf-8' };
const HOUR = 3_600_000;
const ago = (h: number) => new Date(Date.now() - h * HOUR).toISOString();
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

let srv: TestServer;
let dir: string;
let serve: ChildProcess;
let base: string;
let browser: Browser;
/** The seed story's page. */
let storyPath: string;

/** Seed 000 as the blog page it came from: section, headline, a "Download IPFS" link, the article, a comment form, a price ticker. */
function seedBlogPage(): { title: string; html: string } {
  const blocks = readFileSync(new URL('000_2129cc06a290e765.txt', SEEDS), 'utf8').split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  const comment = blocks.indexOf('Leave a Comment');
  const [section, title] = blocks;
  const article = blocks.slice(3, comment);
  return { title: title as string, html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title as string)}</title></head><body>
<header><nav><a href="/">Home</a> <a href="/defence">${esc(section as string)}</a></nav></header>
<main><article><h1>${esc(title as string)}</h1><p><a href="/ipfs">Download IPFS</a></p>
${article.map((p) => `<p>${esc(p)}</p>`).join('\n')}</article>
<section class="comments"><h3>Leave a Comment</h3><form><p>${esc(blocks[comment + 1] ?? '')}</p><textarea></textarea></form></section></main>
<aside class="price-ticker">${blocks.slice(comment + 2).map((p) => `<span>${esc(p)}</span>`).join(' ')}</aside>
</body></html>` };
}

/** Seed 001: a date line, then the report; it has no headline, so its feed item gets one written here. */
function seedReportPage(): { title: string; html: string } {
  const text = readFileSync(new URL('001_2470a1d99b2f447f.txt', SEEDS), 'utf8').replace(/^\s*date \d{4}-\d{2}-\d{2}\s*/, '');
  const title = 'COAS receives Libyan commander Haftar at GHQ, agree on defence industrial cooperation';
  return { title, html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body>
<main><article><h1>${esc(title)}</h1><p class="dateline">18 July 2025</p>
${text.split(/\n\s*\n/).map((p) => `<p>${esc(p.trim())}</p>`).join('\n')}</article></main></body></html>` };
}

const METRO = 'Lisbon’s metro operator will keep four lines running until 2am on Fridays and Saturdays from August, the city ' +
  'council announced on Friday, after a pilot last summer carried more than 180,000 late-night passengers. The extension covers ' +
  'the Blue, Yellow, Green and Red lines.';
const HOSTILE_TITLE = '<script>window.__pwned = 1</script> Q&A: "AT&T" <and> Verizon';
const LONG_WORD = 'Unbreakable'.repeat(12);

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-pages-e2e-'));
  const blog = seedBlogPage();
  const report = seedReportPage();
  srv.route('/news/pakistan-libya-defence-ties', { body: blog.html, headers: HTML });
  srv.route('/frontier/coas-receives-haftar', { body: report.html, headers: HTML });
  const outletA: TestItem[] = [
    { id: 'a-seed', title: blog.title, link: '{{BASE}}/news/pakistan-libya-defence-ties', published: ago(5),
      summary: 'Pakistan and Libya have agreed to deepen their defense industrial collaboration.' },
    { id: 'a-metro', title: 'Lisbon metro to run until 2am on weekends', link: '{{BASE}}/news/metro', published: ago(3), summary: METRO },
    { id: 'a-long', title: `A headline with one very long word: ${LONG_WORD}`, link: '{{BASE}}/news/long', published: ago(2),
      summary: `${LONG_WORD} ${LONG_WORD}` },
  ];
  const outletB: TestItem[] = [
    { id: 'urn:b-seed', title: report.title, link: '{{BASE}}/frontier/coas-receives-haftar', published: ago(4),
      summary: 'Field Marshal Asim Munir received Lt Gen Saddam Khalifa Haftar in Rawalpindi.' },
    { id: 'urn:b-hostile', title: HOSTILE_TITLE, link: '{{BASE}}/frontier/hostile', published: ago(1),
      summary: 'Plain text <b>as written</b> & more.',
      // HTML content (Atom type="html"): sanitized at ingest, and again on the page.
      content: '<p onclick="window.__pwned = 2">A body <a href="javascript:window.__pwned = 3">with a link</a>.</p>' +
        '<script>window.__pwned = 4</script><img src="javascript:window.__pwned = 5" onerror="window.__pwned = 6">' +
        '<iframe src="https://evil.example/"></iframe><style>body { display: none }</style><p style="color: red">End.</p>' },
  ];
  srv.route('/feeds/outlet-a.xml', { body: rss('Outlet A', outletA), etag: '"a-1"' });
  srv.route('/feeds/outlet-b.atom', { body: atom('Frontier Desk', outletB) });
  srv.route('/feeds/broken.xml', { status: 404, body: 'no such feed' });
  srv.route('/feeds/old.xml', { status: 410, body: 'gone' });
  const configText = `http:
  timeout: 5s
  allow_private_networks: true
output:
  title: storyfeed
  link: http://127.0.0.1:8080/
  port: 0
retention:
  days: 0
sources:
  - url: ${srv.url('/feeds/outlet-a.xml')}
    name: Defence Notes
    tags: [world, defence]
  - url: ${srv.url('/feeds/outlet-b.atom')}
    name: Frontier Post Desk
    tags: [defence]
  - url: ${srv.url('/feeds/broken.xml')}
    name: Broken Wire
    tags: [world]
  - url: ${srv.url('/feeds/old.xml')}
    name: Retired Gazette
  - url: ${srv.url('/feeds/paused.xml')}
    name: Paused Weekly
    enabled: false
`;
  writeFileSync(join(dir, 'sources.yaml'), configText);
  const config = parseConfig(configText, 'sources.yaml');
  const store = Store.open(join(dir, 'pages.db'));
  try {
    store.sources.sync(config.sources, new Date().toISOString());
    // Three cycles: outlet A answers 304 after the first, the broken source fails every time, the gone one once.
    for (let i = 0; i < 3; i++) await runCycle({ store, config, log: silentLogger(), force: true });
  } finally {
    store.close();
  }
  serve = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--config', 'sources.yaml', '--db', 'pages.db'],
    { cwd: dir, env: { ...process.env, STORYFEED_LOG_LEVEL: 'info', STORYFEED_LOG_FORMAT: 'json' } });
  let logs = '';
  serve.stderr?.on('data', (d: Buffer) => { logs += d.toString(); });
  const end = Date.now() + 15_000;
  while (!/"port":(\d+)/.test(logs) && Date.now() < end && serve.exitCode === null) await new Promise((r) => setTimeout(r, 25));
  const port = /"port":(\d+)/.exec(logs)?.[1];
  if (!port) throw new Error(`storyfeed serve did not start: ${logs}`);
  base = `http://127.0.0.1:${port}`;
  const front = await (await fetch(`${base}/`)).text();
  storyPath = /<h2 id="s\d+"><a href="(\/stories\/\d+)">Pakistan and Libya/.exec(front)?.[1] ?? '';
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
  }
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh context and page, with every problem the page reports collected. */
async function open(path: string, options: BrowserContextOptions = {}): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = watchProblems(page);
  const res = await page.goto(`${base}${path}`);
  expect(res?.status(), path).toBe(200);
  return { page, problems, close: () => context.close() };
}

const PAGES = [
  { name: 'stories', path: '/' },
  { name: 'story', path: '' }, // the seed story's page (storyPath)
  { name: 'sources', path: '/sources' },
];

describe('the pages in Chromium', () => {
  it('the stories page shows each story with every source that covered it', async () => {
    const { page, problems, close } = await open('/');
    try {
      await expect(page.title()).resolves.toBe('Stories · storyfeed');
      const seed = page.locator('li.story', { hasText: 'Pakistan and Libya' });
      await expect(seed.count()).resolves.toBe(1);
      await expect(seed.locator('.meta').innerText()).resolves.toContain('covered by 2 sources');
      const sources = seed.getByRole('list', { name: 'Sources' }).getByRole('listitem');
      await expect(sources.allInnerTexts()).resolves.toEqual([
        expect.stringMatching(/^Defence Notes: Pakistan and Libya Strengthen Defense Industry Ties/),
        expect.stringMatching(/^Frontier Post Desk: COAS receives Libyan commander Haftar at GHQ/),
      ]);
      await expect(sources.getByRole('link', { name: /COAS receives Libyan commander/ }).getAttribute('href'))
        .resolves.toBe(srv.url('/frontier/coas-receives-haftar'));
      // Feed text is text: the hostile headline reads as written and nothing of it ran.
      await expect(page.getByRole('heading', { name: HOSTILE_TITLE }).count()).resolves.toBe(1);
      await expect(page.locator('li.story', { hasText: 'Verizon' }).locator('.excerpt').innerText()).resolves.toBe('Plain text <b>as written</b> & more.');
      await expect(page.evaluate('window.__pwned === undefined')).resolves.toBe(true);
      await expect(page.locator('li.story').count()).resolves.toBe(4);
      // The story's headline leads to its page.
      await Promise.all([page.waitForURL(`${base}${storyPath}`), seed.getByRole('heading').getByRole('link').click()]);
      await page.goBack();
      await screenshot(page, 'stories');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('the story page shows the timeline, the article and why its articles are one story', async () => {
    const { page, problems, close } = await open(storyPath);
    try {
      await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toMatch(/Pakistan and Libya|COAS receives/);
      const timeline = page.getByRole('region', { name: /^Timeline/ });
      await expect(timeline.innerText()).resolves.toMatch(/Defence Notes[\s\S]*Frontier Post Desk|Frontier Post Desk[\s\S]*Defence Notes/);
      // The representative article's body, extracted from its page (boilerplate gone).
      const article = page.getByRole('region', { name: /^Article/ });
      await expect(article.innerText()).resolves.toMatch(/Field Marshal|Asim Munir/);
      await expect(article.innerText()).resolves.not.toMatch(/Bitcoin|Leave a Comment/);
      const why = page.getByRole('region', { name: 'Why these are one story' });
      const reasons = why.locator('section.reason');
      await expect(reasons.count()).resolves.toBe(2);
      for (const r of await reasons.all()) {
        // Each article against the rest of its story under the model: the signals, the bias, the probability.
        await expect(r.locator('.verdict').innerText()).resolves.toMatch(/^Against the rest of the story \(itself left out\): probability [01]\.\d{3}, at or above the join threshold 0\.\d+\.$/);
        await expect(r.getByRole('rowheader', { name: 'Bias (the model’s constant)' }).count()).resolves.toBe(1);
        await expect(r.getByRole('rowheader').count()).resolves.toBe(11); // 8 largest signals, the others, the bias, the total
        const probability = Number(await r.locator('tfoot td.num').first().innerText());
        const threshold = Number((await r.locator('tfoot td.num').nth(1).innerText()).replace(/^≥\s*/, ''));
        expect(probability).toBeGreaterThanOrEqual(threshold);
        await expect(r.locator('.shared').first().innerText()).resolves.toMatch(/^Shared names: .*(Haftar|Pakistan|Libya)/);
        await expect(r.locator('code').innerText()).resolves.toMatch(/^storyfeed explain \d+ \d+$/);
      }
      const history = page.getByRole('region', { name: 'History' });
      await expect(history.getByRole('listitem').first().innerText()).resolves.toMatch(/Story created with “/);
      await expect(history.innerText()).resolves.toMatch(/joined \(probability [01]\.\d\d\)|merged into this one/);
      await screenshot(page, 'story');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('the sources page shows the failing source with its error, and every status', async () => {
    const { page, problems, close } = await open('/sources');
    try {
      const broken = page.getByRole('article', { name: /Broken Wire/ });
      await expect(broken.locator('.badge').innerText()).resolves.toBe('failing');
      await expect(broken.locator('.error').innerText()).resolves.toContain('The server has no feed at this address (404 Not Found)');
      await expect(broken.locator('.error code').innerText()).resolves.toBe(`fetcher: [GET] "${srv.url('/feeds/broken.xml')}": 404 Not Found`);
      await expect(broken.locator('dd').nth(3).innerText()).resolves.toBe('3'); // consecutive failures
      await expect(broken.getByRole('img').getAttribute('aria-labelledby')).resolves.toBeTruthy();
      await expect(broken.getByRole('img', { name: '3 recent fetches, oldest first: 3 failed' }).count()).resolves.toBe(1);
      const a = page.getByRole('article', { name: /Defence Notes/ });
      await expect(a.getByRole('img', { name: '3 recent fetches, oldest first: 1 fetched, 2 not modified (304)' }).count()).resolves.toBe(1);
      await expect(a.innerText()).resolves.toContain('3 published in the last day');
      await expect(page.getByRole('article', { name: /Retired Gazette/ }).locator('.badge').innerText()).resolves.toBe('gone');
      await expect(page.getByRole('article', { name: /Paused Weekly/ }).locator('.badge').innerText()).resolves.toBe('disabled');
      // Problems first.
      const names = await page.locator('article.source h2').allInnerTexts();
      expect(names[0]).toMatch(/^Broken Wire/);
      await screenshot(page, 'sources');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('a hostile story\'s page shows its body sanitized: nothing runs, loads or restyles', async () => {
    const front = await open('/');
    const path = await front.page.locator('li.story', { hasText: 'Verizon' }).getByRole('heading').getByRole('link').getAttribute('href');
    await front.close();
    const { page, problems, close } = await open(path as string);
    try {
      const body = page.locator('.body');
      await expect(body.innerText()).resolves.toBe('A body with a link.\n\nEnd.');
      await expect(body.locator('script, iframe, style, img, [onclick], [style]').count()).resolves.toBe(0);
      await expect(body.locator('a').getAttribute('href', { timeout: 5_000 })).resolves.toBeNull(); // the javascript: URL is gone
      await page.getByText('End.').click();
      await expect(page.evaluate('window.__pwned === undefined')).resolves.toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('pictures for the README (the top of each page, the reasons of the story page)', async () => {
    for (const { name, path, from } of [{ name: 'stories', path: '/', from: undefined }, { name: 'story', path: storyPath, from: '#why' },
      { name: 'sources', path: '/sources', from: undefined }]) {
      const { page, close } = await open(path, { viewport: { width: 860, height: 900 } });
      try {
        await readmeShot(page, name, { from: from ? `section[aria-labelledby="${from.slice(1)}"]` : undefined, height: 900 });
      } finally {
        await close();
      }
    }
  });

  it('the checks can fail: the watcher sees a CSP violation, axe-core sees a violation', async () => {
    const { page, problems, close } = await open('/sources');
    try {
      await page.evaluate("document.head.appendChild(Object.assign(document.createElement('style'), { textContent: 'body { color: red }' }))");
      await page.evaluate("document.querySelector('main').appendChild(Object.assign(document.createElement('img'), { src: '/assets/icon.svg' }))");
      await page.waitForTimeout(100);
      expect(problems.join('\n')).toMatch(/Content Security Policy/);
      expect((await axe(page)).map((v) => v.id)).toContain('image-alt');
    } finally {
      await close();
    }
  });

  it('works with JavaScript off: every page renders, and the tag filter is a plain form', async () => {
    for (const { name, path } of PAGES) {
      const { page, problems, close } = await open(path || storyPath, { javaScriptEnabled: false });
      try {
        await expect(page.getByRole('heading', { level: 1 }).count(), name).resolves.toBe(1);
        await expect(page.getByRole('main').innerText(), name).resolves.not.toBe('');
        if (name === 'stories') {
          // "world" is outlet A's tag (and the broken source's), not Frontier Post Desk's: its own story drops out.
          await page.getByLabel('Tag', { exact: true }).selectOption('world');
          await Promise.all([page.waitForURL(/\?tag=world$/), page.getByRole('button', { name: 'Show' }).click()]);
          await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Stories tagged “world”');
          const titles = await page.locator('li.story h2').allInnerTexts();
          expect(titles).toHaveLength(3);
          expect(titles.join('\n')).toContain('Lisbon metro');
          expect(titles.join('\n')).not.toContain('Verizon');
        }
        expect(problems, name).toEqual([]);
      } finally {
        await close();
      }
    }
  });

  it('on a phone-sized screen no page scrolls sideways', async () => {
    for (const { name, path } of PAGES) {
      const { page, problems, close } = await open(path || storyPath, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
      try {
        const { scrollWidth, clientWidth } = await horizontalOverflow(page);
        expect(scrollWidth, `${name}: ${scrollWidth} > ${clientWidth}`).toBeLessThanOrEqual(clientWidth);
        await screenshot(page, `phone-${name}`);
        expect(problems, name).toEqual([]);
      } finally {
        await close();
      }
    }
  });

  it('is accessible: landmarks, one h1, a language; axe-core finds no violation, light or dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const { name, path } of PAGES) {
        const { page, problems, close } = await open(path || storyPath, { colorScheme });
        try {
          await expect(outline(page)).resolves.toEqual({ h1: 1, banner: 1, main: 1, nav: expect.any(Number), contentinfo: 1, lang: 'en' });
          expect((await outline(page)).nav).toBeGreaterThanOrEqual(1);
          const violations = await axe(page);
          expect(violations, `${name} (${colorScheme}): ${JSON.stringify(violations, null, 1)}`).toEqual([]);
          if (colorScheme === 'dark' && name !== 'story') await screenshot(page, `dark-${name}`, false);
          expect(problems, name).toEqual([]);
        } finally {
          await close();
        }
      }
    }
  });
});
