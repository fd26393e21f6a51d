// The HTML pages in memory (Hono's app.request) over a real SQLite file: what each page shows, that feed
// data is escaped and bodies sanitized whatever was stored, the headers (CSP, ETag/304), redirects of
// merged stories, pagination and tag filters, bounds, and the fetch history behind the sources' charts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Clusterer } from '../cluster/index.js';
import { parseConfig } from '../config/index.js';
import { saveAndCluster } from '../ingest/cluster.js';
import type { Config } from '../model/index.js';
import { createApp } from '../server/index.js';
import { FETCH_HISTORY_PER_SOURCE, Store, type ItemInput } from '../storage/index.js';
import { errorInWords } from './errors.js';
import { STORIES_PER_PAGE } from './front.js';
import { ReasonStats, storyReasons } from './reasons.js';

let dir: string;
let store: Store;
let config: Config;
const A = 'https://a.example/feed.xml';
const B = 'https://b.example/rss';
const C = 'https://c.example/atom';
const T = Date.now();
const NOW = new Date(T).toISOString();
const HOUR = 3_600_000;
const at = (hoursAgo: number) => new Date(T - hoursAgo * HOUR).toISOString();
const item = (over: Partial<ItemInput>): ItemInput => ({ title: 'T', published: at(2), enclosures: [], categories: [], ...over });

const WIRE = 'Shares of Northwind Semiconductor fell 14 percent in early trading on Tuesday after the chipmaker cut its full-year ' +
  'revenue forecast, blaming weaker demand from smartphone makers and a slower recovery in China. The Austin-based company now ' +
  'expects annual sales of between $8.1 billion and $8.4 billion. Chief executive Dana Whitfield told analysts that inventory at ' +
  'handset customers remained elevated. Northwind also announced plans to cut about 1,200 jobs and to close a packaging plant in Penang.';
/** Another outlet's write-up of the same news, in its own words. */
const REWRITE = 'Northwind Semiconductor lowered its revenue outlook for the year and said it would eliminate 1,200 positions and ' +
  'shut its Penang packaging plant, as smartphone makers hold back orders. Chief executive Dana Whitfield said customers were ' +
  'still working through excess inventory in China and elsewhere. Northwind shares dropped sharply on the forecast cut, ' +
  'the steepest fall for the chipmaker in years, and analysts questioned whether demand would recover before next year.';
/** Words no other item uses, so these items never look like one story. */
const lone = (i: number) => `<p>${Array.from({ length: 60 }, (_, k) => `lone${i}word${k % 23}`).join(' ')}.</p>`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-pages-'));
  store = Store.open(join(dir, 'pages.db'));
  config = parseConfig(`output:
  title: Test <News> & "Co"
  link: http://127.0.0.1:8080/
sources:
  - url: ${A}
    name: Outlet <A> & Sons
    tags: [World]
  - url: ${B}
    name: Outlet B
    tags: [tech]
  - url: ${C}
    name: Outlet C
`, 'pages.yaml');
  store.sources.sync(config.sources, NOW);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const idOf = (url: string) => store.sources.get(url)?.id as number;
const app = () => createApp({ store, config: () => config });
const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await app().request(path, { headers });
  return { res, text: await res.text() };
};

describe('the stories page (GET /)', () => {
  it('lists each story with every source (headline, link, time), an excerpt, and the feeds to subscribe to', async () => {
    const c = new Clusterer();
    saveAndCluster(store, c, idOf(A), [item({ guid: 'a1', url: 'https://a.example/nw', link: 'https://a.example/nw?utm_source=rss',
      title: 'Northwind cuts forecast', summary: '<p>The chipmaker cut its forecast.</p>', content: `<p>${WIRE}</p>`, published: at(3) })], NOW);
    saveAndCluster(store, c, idOf(B), [item({ guid: 'b1', url: 'https://b.example/chips', link: 'https://b.example/chips',
      title: 'Chipmaker to shed 1,200 jobs', content: `<p>${WIRE}</p>`, published: at(2) })], NOW);
    const { res, text } = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(text.match(/<li class="story">/g)).toHaveLength(1);
    expect(text).toContain('covered by 2 sources');
    expect(text).toContain('<span class="src">Outlet &lt;A&gt; &amp; Sons</span>: <a href="https://a.example/nw">Northwind cuts forecast</a>');
    expect(text).toContain('<span class="src">Outlet B</span>: <a href="https://b.example/chips">Chipmaker to shed 1,200 jobs</a>');
    expect(text).toContain('The chipmaker cut its forecast.');
    expect(text).toMatch(/<time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
    for (const feed of ['/feed.xml', '/atom.xml', '/feed.json', '/tags/World/feed.xml', '/tags/tech/atom.xml', '/feeds.opml']) {
      expect(text).toContain(`href="${feed}"`);
    }
    expect(text).toContain('<link rel="alternate" type="application/atom+xml"');
    expect(text).toContain('<title>Stories · Test &lt;News&gt; &amp; &quot;Co&quot;</title>');
  });

  it('escapes every text from feeds and links only http(s) URLs; the page has no script at all', async () => {
    store.items.save(idOf(A), [item({ guid: 'x', url: 'https://a.example/x', link: 'javascript:alert(1)',
      title: '<script>alert("t")</script> Q&A: "AT&T" <and> Verizon', author: '<img src=x onerror=alert(2)>',
      summary: '<img src=x onerror=alert(3)><script>alert(4)</script>Teaser &amp; more' })], NOW);
    const { text } = await get('/');
    expect(text).toContain('&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; Q&amp;A: &quot;AT&amp;T&quot; &lt;and&gt; Verizon');
    expect(text).not.toMatch(/<script|onerror=|javascript:/i);
    expect(text).toContain('Teaser &amp; more');
  });

  it('answers with a strict CSP, an ETag and 304; a change of the stories changes the page', async () => {
    store.items.save(idOf(A), [item({ guid: 'a1', url: 'https://a.example/1', title: 'First story', content: lone(1) })], NOW);
    const first = await get('/');
    const csp = first.res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
    const etag = first.res.headers.get('etag') as string;
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await get('/', { 'If-None-Match': etag });
    expect(again.res.status).toBe(304);
    expect(again.text).toBe('');
    store.items.save(idOf(B), [item({ guid: 'b1', url: 'https://b.example/2', title: 'Second story', content: lone(2) })], NOW);
    const changed = await get('/', { 'If-None-Match': etag });
    expect(changed.res.status).toBe(200);
    expect(changed.res.headers.get('etag')).not.toBe(etag);
    expect(changed.text).toContain('Second story');
  });

  it('compresses by Accept-Encoding (br, gzip), with a validator per encoding and 304 across them', async () => {
    for (let i = 0; i < 8; i++) {
      store.items.save(idOf(A), [item({ guid: `z${i}`, url: `https://a.example/z${i}`, title: `Story number ${i}`, content: lone(i) })], NOW);
    }
    const plain = await get('/');
    expect(plain.res.headers.get('content-encoding')).toBeNull();
    expect(plain.res.headers.get('vary')).toBe('Accept-Encoding');
    const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());
    for (const [accept, encoding, decode] of [['gzip', 'gzip', gunzipSync], ['br, gzip', 'br', brotliDecompressSync]] as const) {
      const res = await app().request('/', { headers: { 'Accept-Encoding': accept } });
      expect(res.headers.get('content-encoding')).toBe(encoding);
      expect(res.headers.get('content-security-policy')).toBe(plain.res.headers.get('content-security-policy'));
      const body = await bytesOf(res);
      expect(body.length).toBeLessThan(Buffer.byteLength(plain.text) / 2);
      expect(decode(body).toString()).toBe(plain.text);
      const etag = res.headers.get('etag') as string;
      expect(etag).toBe((plain.res.headers.get('etag') as string).replace(/"$/, `-${encoding}"`));
      // a copy validated in one encoding is current in every other
      expect((await app().request('/', { headers: { 'Accept-Encoding': 'identity', 'If-None-Match': etag } })).status).toBe(304);
    }
  });

  it('pages through the stories, newest first, and refuses a page past the end', async () => {
    const n = STORIES_PER_PAGE * 2 + 5;
    store.items.save(idOf(A), Array.from({ length: n }, (_, i) => item({ guid: `s${i}`, url: `https://a.example/s${i}`,
      title: `Story number ${i}`, content: lone(i), published: at(n - i) })), NOW);
    const one = await get('/');
    expect(one.text).toContain(`Story number ${n - 1}<`);
    expect(one.text).toContain('Page 1 of 3');
    expect(one.text).toContain('href="/?page=2" rel="next"');
    const three = await get('/?page=3');
    expect(three.text.match(/<li class="story">/g)).toHaveLength(5);
    expect(three.text).toContain('Story number 0<');
    expect(three.text).toContain('href="/?page=2" rel="prev"');
    expect((await get('/?page=4')).res.status).toBe(404);
    expect((await get('/?page=0')).res.status).toBe(404);
    expect((await get('/?page=abc')).res.status).toBe(404);
  });

  it('filters by tag (matched whatever its case), with that tag\'s feeds; an unknown tag is a 404 page', async () => {
    store.items.save(idOf(A), [item({ guid: 'a', url: 'https://a.example/w', title: 'World story', content: lone(1) })], NOW);
    store.items.save(idOf(B), [item({ guid: 'b', url: 'https://b.example/t', title: 'Tech story', content: lone(2) })], NOW);
    const { text } = await get('/?tag=TECH');
    expect(text).toContain('<h1>Stories tagged “tech”</h1>');
    expect(text).toContain('Tech story');
    expect(text).not.toContain('World story');
    expect(text).toContain('<option value="tech" selected>tech</option>');
    expect(text).toContain('<link rel="alternate" type="application/rss+xml" title="Tag tech (RSS 2.0)" href="/tags/tech/feed.xml">');
    const unknown = await get('/?tag=nope');
    expect(unknown.res.status).toBe(404);
    expect(unknown.text).toContain('No source has the tag “nope”.');
  });

  it('still answers the JSON index to a client that asks for JSON', async () => {
    const res = await app().request('/', { headers: { Accept: 'application/json' } });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ name: 'storyfeed', feeds: { rss: '/feed.xml' }, opml: '/feeds.opml' });
  });

  it('serves the stylesheet at a fingerprinted URL, cacheable for good, with its own ETag', async () => {
    const { text } = await get('/');
    const path = /<link rel="stylesheet" href="(\/assets\/style\.[\w-]{12}\.css)">/.exec(text)?.[1] as string;
    const css = await app().request(path);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toContain('immutable');
    expect(await css.text()).toContain('prefers-color-scheme: dark');
    expect((await app().request(path, { headers: { 'If-None-Match': css.headers.get('etag') as string } })).status).toBe(304);
    expect((await app().request('/assets/style.old.css')).status).toBe(404);
  });
});

describe('a story page (GET /stories/<id>)', () => {
  const twoOutlets = () => {
    const c = new Clusterer();
    saveAndCluster(store, c, idOf(A), [item({ guid: 'a1', url: 'https://a.example/nw', link: 'https://a.example/nw',
      title: 'Northwind cuts forecast, shares slide', content: `<h1>Inner heading</h1><p>${WIRE}</p>`, published: at(5) })], NOW);
    saveAndCluster(store, c, idOf(B), [item({ guid: 'b1', url: 'https://b.example/chips', link: 'https://b.example/chips',
      title: 'Northwind Semiconductor to cut 1,200 jobs', content: `<h1>Inner heading</h1><p>${REWRITE}</p>`,
      published: at(3) }),
    item({ guid: 'b2', url: 'https://a.example/nw', link: 'https://a.example/nw?utm_medium=b', title: 'Via B: Northwind forecast', published: at(2) })], NOW);
    return store.stories.list(10);
  };

  it('shows the timeline, the representative body, and why each article is in the story', async () => {
    const stories = twoOutlets();
    expect(stories).toHaveLength(1);
    const id = stories[0]?.id as number;
    const { res, text } = await get(`/stories/${id}`);
    expect(res.status).toBe(200);
    expect(text.match(/<h1[ >]/g)).toHaveLength(1);
    expect(text).toContain('Timeline: 3 items from 2 sources');
    expect(text).toContain('the same article as above (same link)');
    expect(text).toContain('“Via B: Northwind forecast” (Outlet B) links to the same article as “Northwind cuts forecast, shares slide” (Outlet &lt;A&gt; &amp; Sons)');
    // The body's own h1 sits under the page's sections.
    expect(text).toContain('<h3>Inner heading</h3>');
    expect(text).toContain('Why these are one story');
    // The signals listed are the model's heaviest for this pair (which ones depends on the shipped weights).
    expect(text).toMatch(/<th scope="row">[^<]+<\/th><td class="num">[01]\.\d{3}[^<]*<\/td><td class="num">[+−]\d+\.\d{3}/);
    expect(text).toMatch(/Bias \(the model’s constant\)<\/th><td class="num"><\/td><td class="num">[+−]\d+\.\d{3}/);
    expect(text).toMatch(/Probability: log-odds [+−]\d+\.\d{3} → probability [01]\.\d{3}<\/th><td class="num">[01]\.\d{3}<\/td><td class="num">≥\u00a00\.\d+/);
    expect(text).toMatch(/storyfeed explain \d+ \d+/);
    expect(text).toMatch(/Story created with “Northwind cuts forecast, shares slide” \(Outlet &lt;A&gt; &amp; Sons\)\./);
    expect(text).toMatch(/“Northwind Semiconductor to cut 1,200 jobs” \(Outlet B\) joined \(probability [01]\.\d\d\)\./);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("img-src 'self' https: http:");
    expect(csp).toContain('frame-src https://www.youtube.com');
    expect(csp).not.toContain('script-src');
  });

  it('the reasons add up: the contributions of the signals give the score, judged against the join threshold', async () => {
    const [story] = twoOutlets();
    const id = story?.id as number;
    const head = store.pages.storyHead(id);
    const items = store.pages.storyItems(id, 10).items.filter((i, k, all) => all.findIndex((j) => j.articleId === i.articleId) === k);
    const reasons = await storyReasons(store, new ReasonStats(store), head!, items.map((i) => ({ articleId: i.articleId, itemId: i.itemId,
      title: i.title, source: i.sourceName, published: i.published, firstSeen: i.articleFirstSeen })));
    expect(reasons.articles).toHaveLength(2);
    for (const r of reasons.articles) {
      expect(r.kind).toBe('joined');
      expect(r.against).toBeUndefined(); // judged against the rest of its story, not one article
      // The contributions (listed, the rest summed, the bias) add up to the log-odds of the probability shown.
      const sum = r.signals.reduce((n, s) => n + (s.contribution ?? 0), 0);
      expect(sum).toBeCloseTo(r.total?.sum ?? Number.NaN, 9);
      expect(r.total?.value).toBeCloseTo(1 / (1 + Math.exp(-sum)), 9);
      expect(r.total?.value).toBeGreaterThanOrEqual(r.total?.threshold ?? Infinity);
      expect(r.signals).toHaveLength(10);
      expect(r.shared.find((s) => s.label === 'Shared names')?.values.join(' ')).toMatch(/Northwind/);
      expect(r.command).toMatch(/^storyfeed explain \d+ \d+$/);
    }
    expect(reasons.history.map((h) => h.kind)).toEqual(['created', 'joined']);
    expect(reasons.historyNote).toBeUndefined();
  });

  it('reads the clusterer of a worker in the same process instead of loading the window; else loads one and keeps it', async () => {
    twoOutlets();
    const live = new Clusterer();
    await expect(new ReasonStats(store, () => live).get()).resolves.toEqual({ clusterer: live, loaded: true });
    const own = new ReasonStats(store, () => undefined);
    const first = await own.get();
    expect(first.clusterer).not.toBe(live);
    expect(first.clusterer.size.documents).toBe(2); // the window's two articles
    expect((await own.get()).clusterer).toBe(first.clusterer); // nothing changed: kept
  });

  it('sanitizes the body on output whatever storage holds, and bounds it', async () => {
    const long = `<p>${'A sentence of a long article body. '.repeat(3_000)}</p>`;
    store.items.save(idOf(A), [item({ guid: 'h', url: 'https://a.example/h', link: 'https://a.example/h', title: 'Hostile body',
      content: `<p onclick="alert(1)">Hi</p><script>alert(2)</script><img src="javascript:alert(3)"><a href="javascript:alert(4)">x</a>${long}` })], NOW);
    const [story] = store.stories.list(1);
    const { text } = await get(`/stories/${story?.id}`);
    expect(text).not.toMatch(/<script|onclick|javascript:/i);
    expect(text).toContain('<p>Hi</p>');
    expect(text).toContain('Continue reading at Outlet &lt;A&gt; &amp; Sons');
    expect(text.length).toBeLessThan(60_000);
  });

  it('a merged story\'s id leads to the story it went into, whose history names it', async () => {
    store.items.save(idOf(A), [item({ guid: 'k', url: 'https://a.example/k', title: 'Kept story', content: lone(1), published: at(9) })], NOW);
    store.items.save(idOf(B), [item({ guid: 'd', url: 'https://b.example/d', title: 'Dropped story', content: lone(2), published: at(8) })], NOW);
    const [dropped, kept] = store.stories.list(10);
    expect(store.stories.merge(kept?.id as number, dropped?.id as number, NOW)).toBe(true);
    const res = await app().request(`/stories/${dropped?.id}`);
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`/stories/${kept?.id}`);
    const { text } = await get(`/stories/${kept?.id}`);
    expect(text).toContain(`Story ${dropped?.id} merged into this one; its entry id is no longer published. <a href="/stories/${dropped?.id}">`);
    expect(text).toContain(`In story ${dropped?.id}, since merged into this one: Story created with “Dropped story” (Outlet B).`);
    expect(text).toContain('Timeline: 2 items from 2 sources');
  });

  it('bounds the timeline and says how much is left out', async () => {
    store.items.save(idOf(A), [item({ guid: 'big', url: 'https://a.example/big', title: 'Big story', content: lone(1) })], NOW);
    const article = store.db.prepare('SELECT id FROM articles').pluck().get() as number;
    const insert = store.db.prepare(`INSERT INTO items (source_id, item_key, title, published_at, first_seen_at, last_seen_at, article_id)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    store.db.transaction(() => {
      for (let i = 0; i < 250; i++) insert.run(idOf(B), `k${i}`, `Copy ${i}`, at(1), NOW, NOW, article);
    })();
    const { text } = await get(`/stories/${store.stories.list(1)[0]?.id}`);
    expect(text).toContain('Timeline: 251 items from 2 sources');
    expect(text).toContain('and 51 more items, not shown.');
  });

  it('answers 404 pages for a story that does not exist and an id that is not a number', async () => {
    for (const path of ['/stories/999', '/stories/abc', '/stories/0']) {
      const { res, text } = await get(path);
      expect(res.status, path).toBe(404);
      expect(text).toContain('<h1>Not found</h1>');
    }
  });
});

describe('the sources page (GET /sources)', () => {
  it('shows each source\'s status, fetch times, failures, the last error in words, items and full-text rate, and its chart', async () => {
    for (let i = 0; i < 3; i++) {
      store.sources.recordFetchFailure(idOf(C), at(3 - i), { error: `fetcher: [GET] "${C}": 404 Not Found`, status: 'failing', nextAttemptAt: at(-1.5) });
    }
    store.sources.recordFetchSuccess(idOf(A), at(2), { nextAttemptAt: at(1.5) });
    store.sources.recordFetchSuccess(idOf(A), at(1), { notModified: true, nextAttemptAt: at(0.5) });
    store.items.save(idOf(A), [item({ guid: '1', url: 'https://a.example/1', title: 'One', published: at(2) }),
      item({ guid: '2', url: 'https://a.example/2', title: 'Two', published: at(50) })], NOW);
    const articles = store.db.prepare('SELECT id FROM articles ORDER BY id').pluck().all() as number[];
    store.extractions.save(articles[0] as number, 'https://a.example/1', { text: 'x', html: '<p>x</p>', wordCount: 1 }, NOW);
    store.extractions.recordFailure(articles[1] as number, 'https://a.example/2', 'extractor: not readerable', NOW);
    const { res, text } = await get('/sources');
    expect(res.status).toBe(200);
    // Problems first.
    expect(text.indexOf('Outlet C')).toBeLessThan(text.indexOf('Outlet &lt;A&gt;'));
    expect(text).toContain('<span class="badge failing">failing</span>');
    expect(text).toContain('The server has no feed at this address (404 Not Found).');
    expect(text).toContain(`<code>fetcher: [GET] &quot;${C}&quot;: 404 Not Found</code>`);
    expect(text).toMatch(/<dt>Consecutive failures<\/dt><dd>3<\/dd>/);
    expect(text).toMatch(/<dt>Next attempt<\/dt><dd><time datetime="[^"]+">[^<]+<\/time> <span class="muted">\(in 1 h\)<\/span>/);
    expect(text).toContain('<span class="muted">(due: at the next cycle)</span>'); // A: its next attempt has passed
    expect(text).toContain('<dt>Next attempt</dt><dd>at the next cycle</dd>'); // B: never fetched
    expect(text).toContain('3 recent fetches, oldest first: 3 failed');
    expect(text).toContain('2 recent fetches, oldest first: 1 fetched, 1 not modified (304)');
    expect(text.match(/<rect class="failed"[^>]*><title>/g)).toHaveLength(3);
    expect(text).toContain('1 published in the last day, 2 in the last week; 2 stored');
    expect(text).toContain('1 of 2 articles extracted (50 %)');
    expect(text).toContain('<span class="badge new">new (not fetched yet)</span>'); // Outlet B
    expect(text).toContain('All <span class="n">3</span>');
  });

  it('filters by status; an unknown status is a 404 page', async () => {
    store.sources.recordFetchFailure(idOf(C), NOW, { error: 'fetcher: [GET] "x": 410 Gone', status: 'gone' });
    const { text } = await get('/sources?status=gone');
    expect(text).toContain('<h1>Sources: gone</h1>');
    expect(text).toContain('Outlet C');
    expect(text).not.toContain('Outlet B</');
    expect(text).toContain('The server says the feed is gone for good (410 Gone)');
    expect((await get('/sources?status=broken')).res.status).toBe(404);
  });

  it('keeps the newest fetches of each source only', () => {
    for (let i = 0; i < FETCH_HISTORY_PER_SOURCE + 15; i++) store.sources.recordFetchSuccess(idOf(A), at(100 - i), { nextAttemptAt: NOW });
    store.sources.recordFetchFailure(idOf(A), NOW, { error: 'fetcher: boom', status: 'failing' });
    const rows = store.db.prepare('SELECT outcome, at FROM fetch_history WHERE source_id = ? ORDER BY id').all(idOf(A)) as { outcome: string; at: string }[];
    expect(rows).toHaveLength(FETCH_HISTORY_PER_SOURCE);
    expect(rows.at(-1)).toEqual({ outcome: 'failed', at: NOW });
    expect(rows[0]?.at).toBe(at(100 - 16));
    expect(store.sources.fetchHistory(5).map((h) => h.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'failed']);
  });
});

describe('errors in words', () => {
  it.each([
    ['fetcher: [GET] "https://x.example/feed": 404 Not Found', /no feed at this address \(404 Not Found\)/],
    ['fetcher: [GET] "https://x.example/feed": 410 Gone', /gone for good/],
    ['fetcher: [GET] "https://x.example/feed": 503 Service Unavailable', /\(503 server error\)/],
    ['fetcher: [GET] "https://x.example/feed": 403 Forbidden', /refuses to serve the feed \(403 Forbidden\)/],
    ['fetcher: [GET] "https://x.example/feed": timed out after 20000 ms', /within 20 s/],
    ['fetcher: [GET] "http://127.0.0.1:9/feed": network error: connection refused (ECONNREFUSED) at 127.0.0.1:9', /connection refused/],
    ['fetcher: [GET] "https://nx.example/": network error: getaddrinfo ENOTFOUND nx.example', /host name could not be found/],
    ['fetcher: [GET] "https://x.example/": response larger than 5242880 bytes (cut off)', /larger than the size limit/],
    ['fetcher: [GET] "https://x.example/": redirect loop at https://x.example/a', /redirects in a loop/],
    ['fetcher: [GET] "http://10.0.0.1/": refused: 10.0.0.1 is a private/loopback/reserved address (set http.allow_private_networks to allow)', /private or local network/],
    ['parser: the document ends inside <title> opened at line 7, column 7 (cut off?)', /not a feed storyfeed can read/],
    // The URL never decides: "private" or "404" in a path is not the error.
    ['fetcher: [GET] "https://x.example/private/404/feed": timed out after 5000 ms', /within 5 s/],
  ])('%s', (message, words) => {
    expect(errorInWords(message)).toMatch(words);
  });

  it('says nothing it does not know', () => {
    expect(errorInWords('something odd happened')).toBeUndefined();
    expect(errorInWords(undefined)).toBeUndefined();
  });
});
