// Parser stage tests. Fixture folders (Readability style): every folder under tests/fixtures/feeds/<slug>/
// is one case, run by the one loader loop below, so adding a case = adding a folder:
//   input.xml | input.json   the document's bytes exactly as a feed would carry them (BOM, any charset),
//                            decoded by the fetcher's decodeBody as a fetched body is
//   expected.json            the expected ParsedFeed, or a subset of it (see toMatcher for the conventions)
//   expected-error.txt       instead of expected.json: a regex the ParseError message must match
//   case.json                optional: { "baseUrl": "...", "now": "ISO 8601", "maxItems": n }
// A fixed fake base URL and a fixed `now` keep the output repeatable. Below the loader: table-driven units
// for detectFormat, discoverFeedLinks and character-data decoding.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeBody } from '../fetcher/charset.js';
import { detectFormat, discoverFeedLinks, parseFeed, ParseError, type DetectedFormat } from './index.js';
import { cleanText, decodeCharData } from './text.js';
import { MAX_XML_DEPTH, splitAuthor } from './xml.js';

const FIXTURES = new URL('../../tests/fixtures/feeds/', import.meta.url);
const BASE_URL = 'https://feeds.example/feed';
const NOW = '2025-07-20T12:00:00.000Z';
/** An error case must be refused quickly (no entity expansion, no pathological backtracking). */
const ERROR_CASE_BUDGET_MS = 2000;

const caseOptions = z.object({
  baseUrl: z.url().optional(),
  now: z.iso.datetime({ offset: true }).optional(),
  maxItems: z.number().int().positive().optional(),
}).strict();

const expectedFeed = z.object({ items: z.array(z.unknown()).optional() }).loose();

interface FixtureCase {
  slug: string;
  input: string;
  options: z.infer<typeof caseOptions>;
  expected: { kind: 'feed'; feed: z.infer<typeof expectedFeed> } | { kind: 'error'; pattern: RegExp };
}

const fixtureFile = (slug: string, name: string) => new URL(`${slug}/${name}`, FIXTURES);
const readText = (slug: string, name: string) => readFileSync(fixtureFile(slug, name), 'utf8');

/** Read one folder; a folder that is not exactly one input plus one expectation fails loudly. */
function loadCase(slug: string): FixtureCase {
  const inputs = ['input.xml', 'input.json'].filter((n) => existsSync(fixtureFile(slug, n)));
  const expectations = ['expected.json', 'expected-error.txt'].filter((n) => existsSync(fixtureFile(slug, n)));
  if (inputs.length !== 1 || expectations.length !== 1) {
    throw new Error(`fixture ${slug}: needs one input (input.xml|input.json) and one of expected.json|expected-error.txt`);
  }
  const [inputName] = inputs as [string];
  const options = existsSync(fixtureFile(slug, 'case.json')) ? caseOptions.parse(JSON.parse(readText(slug, 'case.json'))) : {};
  const expected: FixtureCase['expected'] = expectations[0] === 'expected.json'
    ? { kind: 'feed', feed: expectedFeed.parse(JSON.parse(readText(slug, 'expected.json'))) }
    : { kind: 'error', pattern: new RegExp(readText(slug, 'expected-error.txt').trim()) };
  // The bytes go through the fetcher's charset decoding, as a fetched feed does (BOMs, UTF-16/32, windows-1252).
  return { slug, input: decodeBody(readFileSync(fixtureFile(slug, inputName))), options, expected };
}

/**
 * expected.json -> a toMatchObject matcher. Objects are subsets (keys left out are not checked); arrays
 * must match in length. `null` means "must be undefined" (the model never uses null; every FeedItem and
 * ParsedFeed key is always present). `{ "$contains": "text" }` matches a string containing text.
 */
function toMatcher(v: unknown): unknown {
  if (v === null) return undefined;
  if (Array.isArray(v)) return v.map(toMatcher);
  if (typeof v === 'object') {
    const entries = Object.entries(v);
    const [only] = entries;
    if (entries.length === 1 && only?.[0] === '$contains' && typeof only[1] === 'string') return expect.stringContaining(only[1]);
    return Object.fromEntries(entries.map(([k, x]) => [k, toMatcher(x)]));
  }
  return v;
}

const slugs = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('parseFeed fixtures (tests/fixtures/feeds/<slug>)', () => {
  it('finds the fixture folders', () => {
    expect(slugs.length).toBeGreaterThanOrEqual(20);
  });

  for (const slug of slugs) {
    it(slug, async () => {
      const c = loadCase(slug);
      const opts = {
        baseUrl: c.options.baseUrl ?? BASE_URL,
        now: new Date(c.options.now ?? NOW),
        ...(c.options.maxItems !== undefined ? { maxItems: c.options.maxItems } : {}),
      };

      if (c.expected.kind === 'error') {
        const started = performance.now();
        const err = await parseFeed(c.input, opts).then(() => undefined, (e: unknown) => e);
        const elapsed = performance.now() - started;
        expect(err, `${slug}: should be refused with a ParseError`).toBeInstanceOf(ParseError);
        expect(err instanceof Error ? err.message : String(err), `${slug}: error message`).toMatch(c.expected.pattern);
        expect(elapsed, `${slug}: refused within ${ERROR_CASE_BUDGET_MS} ms`).toBeLessThan(ERROR_CASE_BUDGET_MS);
        expect(String(err), `${slug}: the message ends in what went wrong, not an empty "Char:"`).not.toMatch(/(Char:|:)\s*$/);
        return;
      }

      const feed = await parseFeed(c.input, opts);
      const { items: expectedItems, ...expectedTop } = c.expected.feed;
      expect.soft(feed, `${slug}: feed fields`).toMatchObject(toMatcher(expectedTop) as object);
      if (expectedItems === undefined) return;
      for (const [i, expectedItem] of expectedItems.entries()) {
        expect.soft(feed.items[i], `${slug}: item ${i}`).toMatchObject(toMatcher(expectedItem) as object);
      }
      expect.soft(feed.items.length, `${slug}: number of items`).toBe(expectedItems.length);
    });
  }
});

describe('detectFormat', () => {
  const cases: [name: string, input: string, expected: DetectedFormat][] = [
    ['RSS with prolog', '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel/></rss>', 'rss'],
    ['RSS behind a BOM and blank lines', '\ufeff\n\n<?xml version="1.0"?>\n<rss version="2.0">', 'rss'],
    ['RSS 0.91 with a public DOCTYPE', '<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"\n "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91">', 'rss'],
    ['RSS after a comment and a stylesheet PI', '<?xml version="1.0"?><!-- generator="x" --><?xml-stylesheet type="text/xsl" href="/feed.xsl"?>\n<rss version="2.0">', 'rss'],
    ['DOCTYPE with an internal subset (refused later, detected here)', '<!DOCTYPE rss [<!ENTITY a "b">]>\n<rss version="2.0">', 'rss'],
    ['RDF (RSS 1.0)', '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">', 'rdf'],
    ['Atom', '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">', 'atom'],
    ['JSON Feed', '{"version":"https://jsonfeed.org/version/1.1","items":[]}', 'json'],
    ['JSON Feed behind a BOM and whitespace', '\ufeff  \n{ "version": "https://jsonfeed.org/version/1" }', 'json'],
    ['HTML5 page', '<!DOCTYPE html>\n<html lang="en"><head>', 'html'],
    ['HTML doctype in lower case', '<!doctype HTML><title>x</title>', 'html'],
    ['legacy HTML 4 doctype', '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n<HTML>', 'html'],
    ['XHTML page with an XML prolog', '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">', 'html'],
    ['HTML fragment starting at <head>', '<head><title>x</title></head>', 'html'],
    ['OPML', '<?xml version="1.0"?><opml version="2.0">', 'unknown'],
    ['RSS behind an XHTML DOCTYPE (the root decides)', '<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://x.example/">\n<rss>', 'rss'],
    ['RSS in a prefixed namespace', '<?xml version="1.0"?><r:rss xmlns:r="http://backend.userland.com/rss2">', 'rss'],
    ['Atom with a prefix', '<atom:feed xmlns:atom="http://www.w3.org/2005/Atom">', 'atom'],
    ['DOCTYPE whose internal subset holds ">"', '<!DOCTYPE rss [<!ELEMENT rss ANY><!ATTLIST rss a CDATA "x">]>\n<rss>', 'rss'],
    ['an unterminated comment before the root', '<?xml version="1.0"?><!-- <rss>', 'unknown'],
    ['an unterminated processing instruction', '<?xml version="1.0"', 'unknown'],
    ['root that only starts with "rss"', '<rssfeed><item/></rssfeed>', 'unknown'],
    ['JSON array', '[{"title":"x"}]', 'unknown'],
    ['plain text', 'Service Unavailable', 'unknown'],
    ['empty', '', 'unknown'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(detectFormat(input)).toBe(expected);
  });
});

describe('discoverFeedLinks', () => {
  const PAGE = 'https://site.example/blog/post.html';
  const page = (head: string, body = '<p>hi</p>') => `<!DOCTYPE html><html><head><title>t</title>${head}</head><body>${body}</body></html>`;
  const cases: [name: string, html: string, expected: string[]][] = [
    ['RSS link, root-relative', page('<link rel="alternate" type="application/rss+xml" href="/feed.xml">'), ['https://site.example/feed.xml']],
    ['Atom link, document-relative', page('<link rel="alternate" type="application/atom+xml" href="atom.xml">'), ['https://site.example/blog/atom.xml']],
    ['document order among XML feeds', page('<link rel="alternate" type="application/rss+xml" href="/rss"><link rel="alternate" type="application/atom+xml" href="/atom">'),
      ['https://site.example/rss', 'https://site.example/atom']],
    ['XML feeds before JSON feeds', page('<link rel="alternate" type="application/feed+json" href="/feed.json"><link rel="alternate" type="application/json" href="/j"><link rel="alternate" type="application/rss+xml" href="/rss">'),
      ['https://site.example/rss', 'https://site.example/feed.json', 'https://site.example/j']],
    ['RDF link', page('<link rel="alternate" type="application/rdf+xml" href="/index.rdf">'), ['https://site.example/index.rdf']],
    ['type with parameters, upper-case names', page('<LINK REL="Alternate" TYPE="Application/RSS+XML; charset=utf-8" HREF="/feed">'), ['https://site.example/feed']],
    ['several rel values', page('<link rel="feed alternate" type="application/atom+xml" href="/a">'), ['https://site.example/a']],
    ['<base href> wins over the page URL', page('<base href="https://cdn.example/sub/"><link rel="alternate" type="application/rss+xml" href="feed.xml">'), ['https://cdn.example/sub/feed.xml']],
    ['entities in href decoded', page('<link rel="alternate" type="application/rss+xml" href="/feed?cat=1&amp;lang=en">'), ['https://site.example/feed?cat=1&lang=en']],
    ['duplicates listed once', page('<link rel="alternate" type="application/rss+xml" href="/feed"><link rel="alternate" type="application/rss+xml" href="https://site.example/feed">'), ['https://site.example/feed']],
    ['non-feed alternates and other rels ignored', page('<link rel="alternate" type="text/html" hreflang="de" href="/de/"><link rel="stylesheet" href="/s.css"><link rel="alternate" href="/no-type"><link rel="home" type="application/rss+xml" href="/not-alternate">'), []],
    ['javascript: href dropped', page('<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'), []],
    ['a link without href ignored', page('<link rel="alternate" type="application/rss+xml">'), []],
    ['no links at all', page(''), []],
  ];
  it.each(cases)('%s', (_name, html, expected) => {
    expect(discoverFeedLinks(html, PAGE)).toEqual(expected);
  });
});

describe('decodeCharData + cleanText (character data -> text, one pass)', () => {
  const decode = (raw: string) => cleanText(decodeCharData(raw));
  const cases: [name: string, input: string, expected: string][] = [
    ['&nbsp; is read as HTML does', 'a&nbsp;b', 'a\u00a0b'],
    ['accented letters', 'Caf&eacute; cr&egrave;me', 'Café crème'],
    ['typographic entities', '&mdash;&hellip;&rsquo;&euro;', '—…’€'],
    ['astral-plane entity', '&Afr;', '\u{1d504}'],
    ['entity decoding to two code points', '&NotEqualTilde;', '\u2242\u0338'],
    ['XML predefined entities', '&amp; &lt; &gt; &quot; &apos;', '& < > " \''],
    ['numeric references', '&#8217; &#x2019; &#x1F600;', '’ ’ 😀'],
    ['windows-1252 numeric references are demoronized', '&#145;a&#146; &#147;b&#148; &#150; &#133; &#128;', '‘a’ “b” – … €'],
    ['raw C1 controls are demoronized too', 'it\u0092s', 'it’s'],
    ['invalid numeric references become U+FFFD', '&#0; &#xD800; &#x110000; &#1;', '\ufffd \ufffd \ufffd \ufffd'],
    ['bare ampersand kept', 'Tom & Jerry', 'Tom & Jerry'],
    ['ampersands in a query string', 'https://x.example/?a=1&b=2&c', 'https://x.example/?a=1&b=2&c'],
    ['unknown entity kept as text', 'x &bogus; y', 'x &bogus; y'],
    ['legacy entity without semicolon kept as text', '&copy 2025', '&copy 2025'],
    ['empty numeric references kept as text', '&#; &#x;', '&#; &#x;'],
    ['trailing and doubled ampersands', 'a && b &', 'a && b &'],
    ['forbidden control characters become U+FFFD', 'a\u0000b\u0007c\td\ne', 'a\ufffdb\ufffdc\td\ne'],
    ['double-encoded UTF-8 repaired', 'It\u00e2\u20ac\u2122s caf\u00c3\u00a9', 'It’s café'],
    ['nothing to decode', 'plain', 'plain'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(decode(input)).toBe(expected);
  });
});

describe('splitAuthor (RSS authors written with an e-mail address)', () => {
  const cases: [input: string, expected: { name?: string; email?: string }][] = [
    ['editor@example.com (Bo Editor)', { name: 'Bo Editor', email: 'editor@example.com' }],
    ['Ann Lee (ann@example.org)', { name: 'Ann Lee', email: 'ann@example.org' }],
    ['Cy Dee <cy@example.net>', { name: 'Cy Dee', email: 'cy@example.net' }],
    ['mailto:desk@example.com', { name: undefined, email: 'desk@example.com' }],
    ['desk@example.com', { name: undefined, email: 'desk@example.com' }],
    ['Dana Fox', { name: 'Dana Fox' }],
    ['The Staff, staff@example.co.uk', { name: 'The Staff', email: 'staff@example.co.uk' }],
    ['  ', {}],
  ];
  it.each(cases)('%j', (input, expected) => {
    expect(splitAuthor(input)).toEqual(expected);
  });
});

describe('fixture sanity', () => {
  it('the too-deep fixture really is deeper than MAX_XML_DEPTH', () => {
    const input = readText('error-too-deep', 'input.xml');
    expect(input.split('<d>').length - 1).toBeGreaterThan(MAX_XML_DEPTH);
  });
});
