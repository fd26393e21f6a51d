// The merged feed proved valid by real tools, and faithful in real readers (issue 9): Atom against RFC 4287's
// RELAX NG schema (jing), RSS 2.0 against a schema of its rules (jing) and xmllint, JSON Feed 1.1 against a
// JSON Schema (ajv); RSS and Atom read by Python feedparser (bozo false) and by rss-parser with the same
// entries as the JSON Feed. The sources carry "&", "<", quotes, entity-encoded markup, emoji and
// right-to-left text in every field; every literal text must survive, and no markup may come alive.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parseDocument } from 'htmlparser2';
import { DomUtils } from 'htmlparser2';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { Config } from '../../src/model/index.js';
import { parseFeed } from '../../src/parser/index.js';
import { runCycle } from '../../src/scheduler/index.js';
import { closeServer, createApp, startServer } from '../../src/server/index.js';
import { Store } from '../../src/storage/index.js';
import { feedparser, jing, SCHEMAS, xmllintWellFormed, xpathBoolean, type ReaderFeed } from '../helpers/feed-tools.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// ---- hostile sources: every field carries what breaks naive writers ---------------------------------

const RSS_SOURCE = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Desk &amp; Co &lt;Wire&gt; "Q" 🚀</title><link>{{BASE}}/</link><description>d</description>
<item>
  <title>Q&amp;A: Why &quot;AT&amp;T&quot; &lt;and&gt; Verizon</title>
  <link>{{BASE}}/r/1?utm_source=rss&amp;b=2&amp;a=1</link><guid isPermaLink="false">r1</guid>
  <dc:creator>O'Brien &amp; "Sons" &lt;Desk&gt;</dc:creator>
  <category>Defence &amp; Security</category><category>Q&amp;A &lt;and&gt; "more"</category>
  <pubDate>Fri, 18 Jul 2025 10:00:00 GMT</pubDate>
  <description>&lt;p&gt;Carriers &amp;amp; regulators &lt;b&gt;argue&lt;/b&gt; &lt;img src=x onerror=alert(1)&gt;&lt;/p&gt;</description>
  <content:encoded><![CDATA[<p>Telecom body with <script>alert(1)</script> &amp; an <a href="javascript:alert(1)">evil link</a>,
   the text &lt;img src=x onerror=alert(2)&gt; shown as text, and 😀 ]]]]><![CDATA[> the end.</p>]]></content:encoded>
</item>
<item>
  <title>&amp;lt;img src=x onerror=alert(1)&amp;gt; Markets rally 🚀</title>
  <link>{{BASE}}/r/2</link><guid isPermaLink="false">r2</guid>
  <pubDate>Fri, 18 Jul 2025 11:00:00 GMT</pubDate>
  <description>Stock exchanges climbed after the central bank decision.</description>
</item>
</channel></rss>
`;

const ATOM_SOURCE = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar"><title>مكتب الأخبار</title><id>urn:test:atom-desk</id>
<link rel="alternate" href="{{BASE}}/"/><updated>2025-07-18T12:00:00Z</updated>
<entry>
  <title type="text">تقرير: الأسعار &amp; الأجور &lt;ترتفع&gt;</title><id>urn:a1</id>
  <link rel="alternate" href="{{BASE}}/a/1?fbclid=zz&amp;page=2"/>
  <published>2025-07-18T12:00:00Z</published><updated>2025-07-18T12:00:00Z</updated>
  <author><name>מחבר "ראשי" &amp; שות'</name></author>
  <category term="עולם &amp; &lt;חדשות&gt;"/>
  <summary type="html">&lt;p&gt;سلع &amp;amp; &lt;em&gt;أجور&lt;/em&gt;&lt;/p&gt;</summary>
  <content type="html">&lt;p&gt;ارتفعت أسعار السلع الغذائية &lt;img src="x" onerror="alert(3)"&gt; في الأسواق.&lt;/p&gt;</content>
</entry>
<entry>
  <title type="html">Harvest &lt;b&gt;festival&lt;/b&gt; &amp;amp; parade</title><id>urn:a2</id>
  <link rel="alternate" href="{{BASE}}/a/2"/>
  <published>2025-07-18T13:00:00Z</published><updated>2025-07-18T13:00:00Z</updated>
  <content type="html">&lt;p&gt;The village held its annual harvest parade.&lt;/p&gt;</content>
</entry>
</feed>
`;

const JSON_SOURCE = JSON.stringify({
  version: 'https://jsonfeed.org/version/1.1',
  title: 'JSON <Desk> 🎉',
  home_page_url: '{{BASE}}/',
  items: [{
    id: 'j1', url: '{{BASE}}/j/1', title: 'Emoji 🎉 & "quotes" <and> RTL مرحبا',
    summary: '<p>Space probe &amp; <b>comet</b></p>',
    content_html: '<p>The probe reached the comet <img src="x" onerror="alert(4)"> on schedule.</p>',
    date_published: '2025-07-18T14:00:00Z', authors: [{ name: 'Zoë <zoe@example.com> & co' }], tags: ['Tech & <Science>', '🚀'],
  }],
});

/** What each entry's title must read in every format and reader: the literal text. */
const TITLES = [
  'Q&A: Why "AT&T" <and> Verizon',
  '<img src=x onerror=alert(1)> Markets rally 🚀',
  'تقرير: الأسعار & الأجور <ترتفع>',
  'Harvest festival & parade',
  'Emoji 🎉 & "quotes" <and> RTL مرحبا',
];
const AUTHORS = [`O'Brien & "Sons" <Desk>`, `מחבר "ראשי" & שות'`, 'Zoë <zoe@example.com> & co'];
const CATEGORIES = ['Defence & Security', 'Q&A <and> "more"', 'עולם & <חדשות>', 'Tech & <Science>', '🚀'];
const TAG = 'World & <Politics>';

let srv: TestServer;
let dir: string;
let store: Store;
let config: Config;
let server: Awaited<ReturnType<typeof startServer>>;
let base: string;

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-validity-'));
  srv.route('/src/rss.xml', { body: RSS_SOURCE });
  srv.route('/src/atom.xml', { body: ATOM_SOURCE });
  srv.route('/src/feed.json', { body: JSON_SOURCE });
  config = parseConfig(`http:
  allow_private_networks: true
defaults:
  full_text: false
output:
  title: 'Merged & <Co> "Feed" 🚀 أخبار'
  description: "Everything & <more>, once"
  link: http://127.0.0.1:8080/
  port: 0
retention:
  days: 0
sources:
  - url: ${srv.url('/src/rss.xml')}
    name: 'Desk & "Co" <Wire>'
    tags: ['${TAG}']
  - url: ${srv.url('/src/atom.xml')}
    name: مكتب الأخبار
    tags: ['${TAG}', 'عربي 🚀']
  - url: ${srv.url('/src/feed.json')}
    name: JSON <Desk> 🎉
    tags: [tech]
`, 'validity.yaml');
  store = Store.open(join(dir, 'validity.db'));
  store.sources.sync(config.sources, new Date().toISOString());
  const summary = await runCycle({ store, config, log: silentLogger(), force: true });
  expect(summary.failed).toBe(0);
  server = await startServer(createApp({ store, config: () => config }), '127.0.0.1', 0);
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await closeServer(server.server);
  store.close();
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<string> {
  const res = await fetch(`${base}${path}`);
  expect(res.status, path).toBe(200);
  return res.text();
}

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(ajv);
const validateJsonFeed = ajv.compile(JSON.parse(readFileSync(SCHEMAS.jsonFeed, 'utf8')) as object);

interface JsonFeedDoc {
  title: string;
  items: { id: string; url: string; title: string; summary?: string; content_html: string; authors?: { name: string }[]; tags?: string[] }[];
}

/** Elements and attributes that would run or load something, in an HTML fragment. */
function liveMarkup(html: string): string[] {
  const found: string[] = [];
  for (const el of DomUtils.findAll(() => true, parseDocument(html).children)) {
    if (['script', 'style', 'iframe', 'object', 'embed', 'svg'].includes(el.name)) found.push(`<${el.name}>`);
    for (const [name, value] of Object.entries(el.attribs)) {
      if (/^on/i.test(name)) found.push(`${el.name}[${name}]`);
      if (/^\s*(javascript|vbscript|data):/i.test(value)) found.push(`${el.name}[${name}=${value}]`);
    }
    if (el.name === 'img' && !/^https?:/.test(el.attribs.src ?? '')) found.push(`img[src=${el.attribs.src}]`);
  }
  return found;
}

const entryKey = (e: { id: string; title: string; link: string }) => `${e.id} | ${e.title} | ${e.link}`;

for (const [label, prefix] of [['the merged feed', ''], [`the tag feed "${TAG}"`, `/tags/${encodeURIComponent(TAG)}`]] as const) {
  describe(`${label}: valid in every format`, () => {
    const expectedTitles = prefix ? TITLES.slice(0, 4) : TITLES;
    let json: JsonFeedDoc;
    let jsonKeys: string[];

    beforeAll(async () => {
      json = JSON.parse(await get(`${prefix}/feed.json`)) as JsonFeedDoc;
      jsonKeys = json.items.map((i) => entryKey({ id: i.id, title: i.title, link: i.url })).sort();
    });

    it('JSON Feed 1.1: valid against the JSON Schema (ajv); summaries are plain text; literal text survives', () => {
      const ok = validateJsonFeed(json);
      expect(ajv.errorsText(validateJsonFeed.errors), 'JSON Schema').toBe('No errors');
      expect(ok).toBe(true);
      expect(json.items.map((i) => i.title).sort()).toEqual([...expectedTitles].sort());
      expect(json.title).toBe(prefix ? `Merged & <Co> "Feed" 🚀 أخبار: ${TAG}` : 'Merged & <Co> "Feed" 🚀 أخبار');
      const summaries = json.items.map((i) => i.summary).filter(Boolean);
      expect(summaries).toContain('Carriers & regulators argue');
      for (const s of summaries) expect(s).not.toMatch(/<\/?[a-z][^>]*>|&(amp|lt|gt|#\d+);/i);
      for (const item of json.items) expect(liveMarkup(item.content_html), item.title).toEqual([]);
      expect(json.items.flatMap((i) => i.authors ?? []).map((a) => a.name).sort())
        .toEqual(AUTHORS.filter((a) => !prefix || !a.startsWith('Zoë')).sort());
    });

    it('JSON Feed: our own parser reads it back with the same entries', async () => {
      const back = await parseFeed(JSON.stringify(json), { baseUrl: base });
      expect(back.items.map((i) => `${i.guid} | ${i.title} | ${i.link}`).sort()).toEqual(jsonKeys);
    });

    it('Atom: valid against RFC 4287\'s RELAX NG schema (jing) and its Schematron rules; read by feedparser and rss-parser', async () => {
      const xml = await get(`${prefix}/atom.xml`);
      const v = jing(SCHEMAS.atom, xml);
      expect(v.messages, 'jing').toBe('');
      expect(v.ok).toBe(true);
      // The two s:rule assertions of Appendix B, which jing does not run.
      const atom = (n: string) => `*[local-name()='${n}' and namespace-uri()='http://www.w3.org/2005/Atom']`;
      expect(xpathBoolean(xml, `/${atom('feed')}/${atom('author')} or not(/${atom('feed')}/${atom('entry')}[not(${atom('author')})])`)).toBe(true);
      expect(xpathBoolean(xml, `not(//${atom('entry')}[not(${atom('link')}[@rel='alternate' or not(@rel)] or ${atom('content')})])`)).toBe(true);
      // Titles are text constructs of type text: no reader may take them for markup.
      expect(xpathBoolean(xml, `not(//${atom('title')}[not(@type='text')])`)).toBe(true);

      const fp = feedparser(xml);
      expect(fp.bozo, fp.bozoException).toBe(false);
      expect(fp.version).toBe('atom10');
      expectReader(fp, expectedTitles, jsonKeys, prefix);
      const rp = await new Parser().parseString(xml);
      expect(rp.items.map((i) => entryKey({ id: String(i.id), title: String(i.title), link: String(i.link) })).sort()).toEqual(jsonKeys);
    });

    it('RSS 2.0: valid against the RSS 2.0 schema (jing) and well-formed (xmllint); read by feedparser and rss-parser', async () => {
      const xml = await get(`${prefix}/feed.xml`);
      const v = jing(SCHEMAS.rss, xml);
      expect(v.messages, 'jing').toBe('');
      expect(v.ok).toBe(true);
      expect(xmllintWellFormed(xml)).toEqual({ ok: true, messages: '' });
      // Names are dc:creator (RSS <author> must be an e-mail address); plain text uses hex character references.
      expect(xml).not.toContain('<author>');
      expect(xml).toContain('Q&#x26;A: Why &quot;AT&#x26;T&quot; &#x3C;and&#x3E; Verizon');

      const fp = feedparser(xml);
      expect(fp.bozo, fp.bozoException).toBe(false);
      expect(fp.version).toBe('rss20');
      expectReader(fp, expectedTitles, jsonKeys, prefix);
      const rp = await new Parser().parseString(xml);
      expect(rp.items.map((i) => entryKey({ id: String(i.guid), title: String(i.title), link: String(i.link) })).sort()).toEqual(jsonKeys);
      for (const i of rp.items) expect(liveMarkup(String((i as Record<string, unknown>)['content:encoded'])), i.title).toEqual([]);
    });
  });
}

/** A reader's view of a feed: the literal titles as plain text, the authors, categories, links and ids of the JSON Feed. */
function expectReader(fp: ReaderFeed, titles: readonly string[], jsonKeys: readonly string[], prefix: string): void {
  expect(fp.entries.map((e) => e.title).sort()).toEqual([...titles].sort());
  for (const e of fp.entries) expect(e.titleType, e.title).toBe('text/plain');
  expect(fp.entries.map((e) => entryKey(e)).sort()).toEqual(jsonKeys);
  expect(fp.entries.flatMap((e) => (e.author ? [e.author] : [])).sort())
    .toEqual(AUTHORS.filter((a) => !prefix || !a.startsWith('Zoë')).sort());
  const tags = new Set(fp.entries.flatMap((e) => e.tags));
  for (const c of CATEGORIES.filter((c) => !prefix || !['Tech & <Science>', '🚀'].includes(c))) expect(tags, c).toContain(c);
  // The published link is the source's own, tracking parameters removed, the rest in its order.
  expect(fp.entries.map((e) => e.link)).toContain(srv.url('/r/1?b=2&a=1'));
  expect(fp.entries.map((e) => e.link)).toContain(srv.url('/a/1?page=2'));
  // Every feed links the other merged feeds.
  const related = fp.feed.links.filter((l) => l.rel === 'related').map((l) => l.href);
  expect(related.length).toBeGreaterThanOrEqual(2);
  for (const e of fp.entries) for (const c of e.content) expect(liveMarkup(c.value), e.title).toEqual([]);
}
