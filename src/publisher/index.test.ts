// The publisher alone: what an entry shows, the caps on bodies and on a feed, the text forms per format.
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { OutputConfig, Story } from '../model/index.js';
import { cutHtml, ENTRY_BODY_CHARS, feedPath, renderFeed, renderFeeds } from './index.js';

const OUTPUT: OutputConfig = { title: 'Merged', link: 'http://127.0.0.1:8080/', description: 'All', language: 'en',
  host: '127.0.0.1', port: 8080, maxStories: 100,
  server: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 60_000, maxConnections: 1024 } };

const story = (over: Partial<Story> = {}): Story => ({
  id: 1, guid: 'urn:uuid:00000000-0000-4000-8000-000000000001', title: 'A title', url: 'https://news.example/a',
  link: 'https://news.example/a?ref=rss', contentHtml: '<p>Body.</p>', firstSeen: '2025-07-18T10:00:00.000Z',
  updated: '2025-07-18T11:00:00.000Z', published: '2025-07-18T09:00:00.000Z', categories: [], enclosures: [],
  sources: [{ sourceName: 'News', sourceUrl: 'https://news.example/', itemUrl: 'https://news.example/a?ref=rss', title: 'A title',
    published: '2025-07-18T09:00:00.000Z' }],
  ...over,
});

interface JsonItem { id: string; url: string; title: string; content_html: string; summary?: string }
const jsonItems = (stories: Story[]) => (JSON.parse(renderFeed('json', stories, OUTPUT)) as { items: JsonItem[] }).items;

describe('cutHtml: a long body cut on a boundary', () => {
  const paragraphs = Array.from({ length: 50 }, (_, i) => `<p>Paragraph ${i} ${'word '.repeat(30)}</p>`).join('');

  it('keeps whole blocks up to the limit', () => {
    const cut = cutHtml(paragraphs, 1000);
    expect(cut.length).toBeLessThanOrEqual(1000);
    expect(cut.endsWith('</p>')).toBe(true);
    expect(cut).not.toMatch(/<p>[^<]*$/);
  });

  it('without a block boundary, cuts at a space outside a tag and closes what was open', () => {
    const one = `<p><a href="https://x.example/">${'word '.repeat(400)}</a></p>`;
    const cut = cutHtml(one, 500);
    expect(cut.length).toBeLessThanOrEqual(560); // the cut, then </a></p> and the link's rel added by the sanitizer
    expect(cut).toMatch(/word<\/a><\/p>$/);
    expect(XMLValidator.validate(`<div>${cut}</div>`)).toBe(true);
  });

  it('never splits a tag or an entity', () => {
    const html = `<p>${'a&amp;b '.repeat(100)}<img src="https://x.example/very/long/path/to/image.png" alt="x"> tail</p>`;
    for (const max of [50, 101, 333, 801, 805]) {
      const cut = cutHtml(html, max);
      expect(cut, String(max)).not.toMatch(/&am?p?$|&amp[^;]|<img[^>]*$/);
      expect(XMLValidator.validate(`<div>${cut.replaceAll('&', '&amp;')}</div>`)).toBe(true);
    }
  });

  it('returns a body within the limit unchanged', () => {
    expect(cutHtml('<p>short</p>', 100)).toBe('<p>short</p>');
  });
});

describe('entries', () => {
  it('a story rendered again shows what changed in it (entries kept between renderings are keyed by all they show)', () => {
    const first = story({ contentHtml: '<p>First version.</p>' });
    expect(jsonItems([first])[0]?.content_html).toContain('First version.');
    expect(jsonItems([first])[0]?.content_html).toContain('First version.');
    for (const [change, shows] of [
      [{ contentHtml: '<p>Second version.</p>' }, 'Second version.'],
      [{ updated: '2025-07-19T08:00:00.000Z' }, 'updated 2025-07-19 08:00 UTC'],
      [{ sources: [...first.sources, { sourceName: 'Other desk', sourceUrl: 'https://other.example/', itemUrl: 'https://other.example/a',
        title: 'Another headline', published: '2025-07-18T10:00:00.000Z' }] }, 'Other desk'],
    ] as const) {
      const html = jsonItems([story({ ...first, ...change })])[0]?.content_html ?? '';
      expect(html, JSON.stringify(change)).toContain(shows);
    }
    // the link an entry without one gets names the configured site
    const bare = story({ link: undefined, url: undefined });
    const other = JSON.parse(renderFeed('json', [bare], { ...OUTPUT, link: 'https://elsewhere.example/' })) as { items: JsonItem[] };
    expect(other.items[0]?.url).toBe('https://elsewhere.example/#story-1');
    expect(jsonItems([bare])[0]?.url).toBe('http://127.0.0.1:8080/#story-1');
  });

  it('a body over the entry cap is cut, ends with "Continue reading" at the source, and keeps the source list', () => {
    const long = Array.from({ length: 2000 }, (_, i) => `<p>Paragraph ${i} of a very long article.</p>`).join('');
    const [item] = jsonItems([story({ contentHtml: long })]);
    expect(item?.content_html.length).toBeLessThan(ENTRY_BODY_CHARS + 2000);
    expect(item?.content_html).toContain('<a href="https://news.example/a?ref=rss" rel="noopener noreferrer nofollow">Continue reading at News …</a>');
    expect(item?.content_html).toContain('<strong>Source:</strong>');
  });

  it('a body the store read only in part (contentTruncated) gets the link too', () => {
    const [item] = jsonItems([story({ contentHtml: '<p>First part.</p>', contentTruncated: true })]);
    expect(item?.content_html).toMatch(/<p>First part\.<\/p><p><a [^>]*>Continue reading at News …<\/a><\/p>/);
  });

  it('past the feed budget, entries get short bodies (every story still listed)', () => {
    const big = `<p>${'x'.repeat(39_000)}</p>`;
    const many = Array.from({ length: 300 }, (_, i) => story({ id: i, guid: `urn:uuid:${i}`, contentHtml: big }));
    const items = jsonItems(many);
    const sizes = items.map((i) => i.content_html.length);
    expect(sizes[0]).toBeGreaterThan(39_000);
    expect(sizes[sizes.length - 1]).toBeLessThan(3_000);
    const total = renderFeed('rss', many, OUTPUT).length;
    expect(total).toBeLessThan(9_000_000);
    expect(items.length).toBe(300); // short bodies still list every story here
  });

  it('past the hard cap (8 M characters), later entries are left out', () => {
    const sources = Array.from({ length: 25 }, (_, i) => ({ sourceName: `Source ${i}`, sourceUrl: `https://s${i}.example/`,
      title: `${'A long headline '.repeat(40)}${i}`, published: '2025-07-18T09:00:00.000Z' }));
    const many = Array.from({ length: 2000 }, (_, i) => story({ id: i, guid: `urn:uuid:${i}`, sources }));
    const items = jsonItems(many);
    expect(items.length).toBeGreaterThan(100);
    expect(items.length).toBeLessThan(2000);
    expect(items.reduce((n, i) => n + i.content_html.length, 0)).toBeLessThan(8_000_000);
  });

  it('the latest development heads the entry: headline, source and time; the id and title stay', () => {
    const [item] = jsonItems([story({ title: 'Two climbers missing', latest: { title: 'Missing climbers found alive', sourceName: 'Mountain <Post>',
      link: 'https://post.example/found', published: '2025-07-18T16:00:00.000Z' } })]);
    expect(item?.title).toBe('Two climbers missing');
    expect(item?.content_html.startsWith('<p><strong>Latest:</strong> <a href="https://post.example/found" rel="noopener noreferrer nofollow">' +
      'Missing climbers found alive</a> (Mountain &lt;Post&gt;, 2025-07-18 16:00 UTC)</p>')).toBe(true);
  });

  it('lists at most 25 sources, then how many more', () => {
    const sources = Array.from({ length: 30 }, (_, i) => ({ sourceName: `S${i}`, sourceUrl: `https://s${i}.example/`, title: `T${i}`,
      published: '2025-07-18T09:00:00.000Z' }));
    const [item] = jsonItems([story({ sources })]);
    expect(item?.content_html).toContain('Covered by 30 sources');
    expect(item?.content_html).toContain('<li>and 5 more</li>');
    expect(item?.content_html).not.toContain('S25');
  });

  it('JSON Feed summaries are plain text, cut on a word', () => {
    const [item] = jsonItems([story({ summary: `<p>Teaser &amp; <b>more</b> ${'word '.repeat(300)}</p>` })]);
    expect(item?.summary?.startsWith('Teaser & more word')).toBe(true);
    expect(item?.summary?.endsWith('word…')).toBe(true);
    expect(item?.summary?.length).toBeLessThanOrEqual(601);
  });

  it('drops characters XML cannot carry and lone surrogates, in every format', () => {
    const feeds = renderFeeds([story({ title: 'bad \u0001 \ud800 \ufffe chars', contentHtml: '<p>\u0008x\uffff</p>' })], OUTPUT);
    for (const kind of ['rss', 'atom'] as const) {
      expect(XMLValidator.validate(feeds[kind]), kind).toBe(true);
      expect(feeds[kind]).not.toMatch(/[\u0001\u0008\ufffe\uffff]|[\ud800-\udfff]/);
    }
    expect((JSON.parse(feeds.json) as { items: JsonItem[] }).items[0]?.title).toBe('bad  \ufffd  chars');
  });
});

describe('the text forms of each format', () => {
  const t = 'Q&A: Why "AT&T" <and> Verizon';

  it('RSS plain text uses hexadecimal character references, HTML goes in CDATA (every "]]>" split)', () => {
    const xml = renderFeed('rss', [story({ title: t, contentHtml: '<p>a ]]> b ]]> c</p>' })], OUTPUT);
    expect(xml).toContain('<title>Q&#x26;A: Why &quot;AT&#x26;T&quot; &#x3C;and&#x3E; Verizon</title>');
    expect(xml).toMatch(/<content:encoded><!\[CDATA\[<p>a \]\]&gt; b \]\]&gt; c<\/p>/);
    expect(XMLValidator.validate(xml)).toBe(true);
  });

  it('Atom titles are type="text", categories have a term, the feed has an author', () => {
    const xml = renderFeed('atom', [story({ title: t, categories: ['Defence & Security'] })], OUTPUT);
    expect(xml).toContain('<title type="text">Q&amp;A: Why &quot;AT&amp;T&quot; &lt;and&gt; Verizon</title>');
    expect(xml).toContain('<category term="Defence &amp; Security" label="Defence &amp; Security"/>');
    expect(xml).toContain('<author><name>Merged</name></author>');
  });

  it('a tag feed is its own feed (id, title, self link) and links the merged one', () => {
    const xml = renderFeed('atom', [story()], OUTPUT, { tag: 'world & more', tags: ['world & more', 'tech'] });
    expect(xml).toContain(`<id>http://127.0.0.1:8080${feedPath('atom', 'world & more')}</id>`);
    expect(xml).toContain('<title type="text">Merged: world &amp; more</title>');
    expect(xml).toContain('href="http://127.0.0.1:8080/tags/world%20%26%20more/atom.xml"');
    expect(xml).toContain('<link rel="related" type="application/atom+xml" href="http://127.0.0.1:8080/atom.xml" title="Merged"/>');
    expect(xml).toContain('href="http://127.0.0.1:8080/tags/tech/atom.xml" title="Merged: tech"');
  });
});
