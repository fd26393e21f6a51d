import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { addSourcesToYaml, OpmlError, type OpmlSource, parseOpml, renderOpml } from './index.js';

const FIXTURES = new URL('../../tests/fixtures/opml/', import.meta.url);
const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(name, FIXTURES)), 'utf8');
const EXAMPLE_YAML = readFileSync(fileURLToPath(new URL('../../config/sources.example.yaml', import.meta.url)), 'utf8');

/** An OPML 2.0 document around the given <body> content. */
const opml = (body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0"><head><title>t</title></head><body>${body}</body></opml>`;

const byUrl = (list: readonly OpmlSource[]): OpmlSource[] => [...list].sort((a, b) => a.url.localeCompare(b.url));

/** The OpmlError thrown by `fn` (fails the test when it throws nothing or something else). */
function opmlErrorOf(fn: () => unknown): OpmlError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OpmlError);
    return err as OpmlError;
  }
  throw new Error('expected an OpmlError');
}

/** True when `lines` appear in `within` in the same order (other lines may be interleaved). */
function isSubsequence(lines: readonly string[], within: readonly string[]): boolean {
  let i = 0;
  for (const l of within) if (i < lines.length && l === lines[i]) i++;
  return i === lines.length;
}

describe('parseOpml', () => {
  it('reads every feed of a nested export, folder names as tags, non-http(s) feeds skipped', () => {
    expect(parseOpml(fixture('nested-folders.opml'))).toEqual([
      { url: 'https://feeds.bbci.co.uk/news/world/rss.xml', name: 'BBC World', tags: ['News'] },
      { url: 'https://www.lemonde.fr/international/rss_full.xml', name: 'Le Monde', tags: ['News', 'Europe'] },
      { url: 'https://newsfeed.zeit.de/index', name: 'Die Zeit', tags: ['News', 'Europe'] },
      { url: 'https://feeds.arstechnica.com/arstechnica/index?format=xml&lang=en', name: 'Ars', tags: ['Tech & Science'] },
      { url: 'http://unfiled.example/atom.xml', name: 'Unfiled', tags: [] },
    ]);
  });

  it.each<[name: string, body: string, expected: OpmlSource[]]>([
    ['title wins over text', '<outline type="rss" title="The Title" text="the text" xmlUrl="https://a.example/"/>',
      [{ url: 'https://a.example/', name: 'The Title', tags: [] }]],
    ['text when there is no title', '<outline type="rss" text="Only text" xmlUrl="https://a.example/"/>',
      [{ url: 'https://a.example/', name: 'Only text', tags: [] }]],
    ['text when the title is blank', '<outline type="rss" title="  " text="Text" xmlUrl="https://a.example/"/>',
      [{ url: 'https://a.example/', name: 'Text', tags: [] }]],
    ['no name when neither is given', '<outline type="rss" xmlUrl="https://a.example/"/>',
      [{ url: 'https://a.example/', tags: [] }]],
    ['folder named by its title, else its text', '<outline title="By title" text="ignored"><outline xmlUrl="https://a.example/" text="A"/></outline>'
      + '<outline text="By text"><outline xmlUrl="https://b.example/" text="B"/></outline>',
    [{ url: 'https://a.example/', name: 'A', tags: ['By title'] }, { url: 'https://b.example/', name: 'B', tags: ['By text'] }]],
    ['an unnamed folder adds no tag', '<outline><outline xmlUrl="https://a.example/" text="A"/></outline>',
      [{ url: 'https://a.example/', name: 'A', tags: [] }]],
    ['a feed outline is not a folder for outlines inside it', '<outline text="Site" xmlUrl="https://a.example/feed"><outline text="Child" xmlUrl="https://b.example/"/></outline>',
      [{ url: 'https://a.example/feed', name: 'Site', tags: [] }, { url: 'https://b.example/', name: 'Child', tags: [] }]],
    ['whitespace around the URL trimmed', '<outline text="A" xmlUrl="  https://a.example/  "/>',
      [{ url: 'https://a.example/', name: 'A', tags: [] }]],
    ['scheme case ignored', '<outline text="A" xmlUrl="HTTPS://a.example/"/>',
      [{ url: 'HTTPS://a.example/', name: 'A', tags: [] }]],
    ['non-http(s) xmlUrl skipped', '<outline text="f" xmlUrl="ftp://a.example/"/><outline text="j" xmlUrl="javascript:alert(1)"/>'
      + '<outline text="r" xmlUrl="/relative.xml"/><outline text="e" xmlUrl=""/><outline text="ok" xmlUrl="http://b.example/"/>',
    [{ url: 'http://b.example/', name: 'ok', tags: [] }]],
    ['outlines without xmlUrl are not feeds', '<outline type="link" text="Page" url="https://a.example/"/>', []],
    ['an empty body has no feeds', '', []],
  ])('%s', (_name, body, expected) => {
    expect(parseOpml(opml(body))).toEqual(expected);
  });

  it.each<[name: string, attrs: string, expected: OpmlSource]>([
    ['&amp; in a URL', 'text="A" xmlUrl="https://a.example/feed?a=1&amp;b=2"', { url: 'https://a.example/feed?a=1&b=2', name: 'A', tags: [] }],
    ['named entities in a name', 'text="Tom &amp; Jerry &lt;3 &quot;q&quot; &apos;s&apos; &gt;" xmlUrl="https://a.example/"',
      { url: 'https://a.example/', name: 'Tom & Jerry <3 "q" \'s\' >', tags: [] }],
    ['a double-escaped ampersand decoded once', 'text="A" xmlUrl="https://a.example/?a=1&amp;amp;b=2"',
      { url: 'https://a.example/?a=1&amp;b=2', name: 'A', tags: [] }],
    ['decimal character reference in a URL', 'text="A" xmlUrl="https://a.example/?a=1&#38;b=2"', { url: 'https://a.example/?a=1&b=2', name: 'A', tags: [] }],
    ['hex character reference in a URL', 'text="A" xmlUrl="https://a.example/?a=1&#x26;b=2"', { url: 'https://a.example/?a=1&b=2', name: 'A', tags: [] }],
    ['character references in a name', 'text="Caf&#233; &#x2014; Z&#xFC;rich" xmlUrl="https://a.example/"', { url: 'https://a.example/', name: 'Café — Zürich', tags: [] }],
  ])('decodes %s', (_name, attrs, expected) => {
    expect(parseOpml(opml(`<outline ${attrs}/>`))).toEqual([expected]);
  });

  it('refuses a document that declares entities (billion laughs, external entities)', () => {
    const laughs = '<?xml version="1.0"?>\n<!DOCTYPE opml [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;&lol;">\n]>\n'
      + '<opml version="2.0"><body><outline text="&lol2;" xmlUrl="https://a.example/"/></body></opml>';
    expect(opmlErrorOf(() => parseOpml(laughs)).message).toBe('opml: entity declarations (<!ENTITY>) are not allowed');
    const external = '<?xml version="1.0"?><!DOCTYPE opml [<!entity xxe SYSTEM "file:///etc/passwd">]>'
      + '<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://a.example/"/></body></opml>';
    expect(opmlErrorOf(() => parseOpml(external)).message).toBe('opml: entity declarations (<!ENTITY>) are not allowed');
  });

  it.each([
    ['an RSS feed', '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'],
    ['an HTML page', '<html><body><p>hello</p></body></html>'],
    ['opml without a body', '<opml version="2.0"><head><title>x</title></head></opml>'],
  ])('rejects XML that is not OPML: %s', (_name, xml) => {
    expect(opmlErrorOf(() => parseOpml(xml)).message).toBe('opml: not an OPML document (no <opml><body>)');
  });

  it.each([
    ['an unclosed outline', '<opml version="2.0"><body><outline xmlUrl="https://a.example/"></body></opml>'],
    ['mismatched closing tag', '<opml version="2.0"><body><outline xmlUrl="https://a.example/" text="x"/></bodyy></opml>'],
    ['a repeated attribute', '<opml version="2.0"><body><outline text="a" text="b" xmlUrl="https://a.example/"/></body></opml>'],
    ['two root elements', '<opml><body/></opml><opml><body/></opml>'],
    ['plain text', 'not xml at all'],
    ['an empty string', ''],
  ])('rejects malformed XML: %s', (_name, xml) => {
    const err = opmlErrorOf(() => parseOpml(xml));
    expect(err.message).toMatch(/^opml: invalid XML: /);
    expect(err.cause).toBeInstanceOf(Error);
  });
});

describe('renderOpml', () => {
  const SOURCES: OpmlSource[] = [
    { url: 'https://a.example/feed?x=1&y=2', name: 'A & B <c> "d"', tags: ['Tech & Science'] },
    { url: 'https://c.example/rss', name: "O'Reilly", tags: ['Tech & Science'] },
    { url: 'https://d.example/atom', name: 'Learn <!ENTITY> tricks', tags: ['<Weird> "folder"'] },
    { url: 'https://e.example/', name: 'Café — Zürich', tags: [] },
    { url: 'http://f.example/rss.xml?utm_source=opml&amp=1', name: 'F', tags: [] },
  ];

  it('parses back with parseOpml to the same sources', () => {
    expect(byUrl(parseOpml(renderOpml(SOURCES, 'My feeds')))).toEqual(byUrl(SOURCES));
  });

  it('parses back an unnamed source without inventing a name for it', () => {
    const sources: OpmlSource[] = [{ url: 'https://b.example/', tags: [] }, { url: 'https://g.example/rss', tags: ['Folder'] }];
    expect(byUrl(parseOpml(renderOpml(sources, 'My feeds')))).toEqual(byUrl(sources));
  });

  it('keeps the first tag of a source as its folder', () => {
    const back = parseOpml(renderOpml([{ url: 'https://a.example/', name: 'A', tags: ['first', 'second'] }], 't'));
    expect(back).toEqual([{ url: 'https://a.example/', name: 'A', tags: ['first'] }]);
  });

  it('escapes & < " in names, folder names, URLs and the title', () => {
    const xml = renderOpml(SOURCES, 'My <feeds> & "more"');
    expect(xml).toContain('<title>My &lt;feeds&gt; &amp; &quot;more&quot;</title>');
    expect(xml).toContain('text="A &amp; B &lt;c&gt; &quot;d&quot;"');
    expect(xml).toContain('xmlUrl="https://a.example/feed?x=1&amp;y=2"');
    expect(xml).toContain('text="Tech &amp; Science"');
    expect(xml).toContain('text="&lt;Weird&gt; &quot;folder&quot;"');
    expect(xml).not.toContain('<!ENTITY');
    // every & in the document starts an entity reference
    expect(xml).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
  });

  it('writes an OPML 2.0 document with a head and one outline per feed, grouped into folders', () => {
    const xml = renderOpml(SOURCES, 'My feeds');
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<opml version="2\.0">/);
    const date = /<dateCreated>([^<]+)<\/dateCreated>/.exec(xml)?.[1];
    expect(Number.isNaN(Date.parse(date ?? ''))).toBe(false);
    expect(xml.match(/xmlUrl=/g)).toHaveLength(SOURCES.length);
    expect(xml.match(/<outline text="Tech &amp; Science" title="Tech &amp; Science">/g)).toHaveLength(1);
  });

  it('writes an empty list as a document parseOpml accepts', () => {
    expect(parseOpml(renderOpml([], 'nothing'))).toEqual([]);
  });
});

describe('addSourcesToYaml', () => {
  const USER_CONFIG = `# storyfeed config for the kitchen tablet
# (leading comment block)

schedule: "*/5 * * * *"   # every five minutes

http:
  timeout: 10s          # slow server at home
  concurrency: 4

sources:
  # the BBC first
  - https://feeds.bbci.co.uk/news/world/rss.xml   # world news
  - url: https://www.theguardian.com/world/rss
    name: The Guardian — World   # shown in lists
    tags: [world, uk]            # labels

output:
  port: 9090
`;
  const NEW: OpmlSource[] = [
    { url: 'https://new.example/feed', name: 'New & <Co>', tags: ['Tech'] },
    { url: 'https://nameless.example/rss', tags: [] },
  ];

  it('appends the new sources, and the result passes parseConfig', () => {
    const { text, added, skipped } = addSourcesToYaml(USER_CONFIG, NEW);
    expect({ added, skipped }).toEqual({ added: 2, skipped: 0 });
    const config = parseConfig(text, 'sources.yaml');
    expect(config.sources.map((s) => ({ url: s.url, name: s.name, tags: s.tags }))).toEqual([
      { url: 'https://feeds.bbci.co.uk/news/world/rss.xml', name: undefined, tags: [] },
      { url: 'https://www.theguardian.com/world/rss', name: 'The Guardian — World', tags: ['world', 'uk'] },
      { url: 'https://new.example/feed', name: 'New & <Co>', tags: ['Tech'] },
      { url: 'https://nameless.example/rss', name: undefined, tags: [] },
    ]);
    expect(config.schedule).toBe('*/5 * * * *');
    expect(config.http.timeoutMs).toBe(10_000);
    expect(config.output.port).toBe(9090);
  });

  it('keeps every leading and inline comment', () => {
    const { text } = addSourcesToYaml(USER_CONFIG, NEW);
    for (const comment of USER_CONFIG.match(/#.*$/gm) ?? []) expect(text).toContain(comment);
  });

  it('keeps every untouched line byte-for-byte, adding lines only', () => {
    const { text } = addSourcesToYaml(USER_CONFIG, NEW);
    const before = USER_CONFIG.split('\n');
    const after = text.split('\n');
    expect(isSubsequence(before, after), `original lines missing or changed in:\n${text}`).toBe(true);
    expect(after.length).toBeGreaterThan(before.length);
  });

  it('keeps the documented example file byte-for-byte and appends after it', () => {
    const { text, added } = addSourcesToYaml(EXAMPLE_YAML, NEW);
    expect(added).toBe(2);
    expect(text.startsWith(EXAMPLE_YAML), `the example file was rewritten:\n${text}`).toBe(true);
    expect(parseConfig(text, 'example.yaml').sources.map((s) => s.url)).toEqual([
      'https://feeds.bbci.co.uk/news/world/rss.xml',
      'https://www.theguardian.com/world/rss',
      'https://new.example/feed',
      'https://nameless.example/rss',
    ]);
  });

  it('skips URLs already present, compared in canonical form, and duplicates within the import', () => {
    const yaml = 'sources:\n  - https://feeds.example/rss\n  - url: https://www.example.org/atom/\n    name: Org\n';
    const { text, added, skipped } = addSourcesToYaml(yaml, [
      { url: 'https://feeds.example/rss?utm_source=opml', tags: [] }, // tracking parameter
      { url: 'HTTPS://FEEDS.EXAMPLE:443/rss#latest', tags: [] }, // case, default port, fragment
      { url: 'https://www.example.org/atom?fbclid=1', name: 'Org again', tags: ['x'] }, // trailing slash + click id
      { url: 'https://new.example/feed', name: 'New', tags: [] },
      { url: 'https://new.example/feed/?utm_medium=email', name: 'New again', tags: [] }, // same as the previous import
      { url: 'https://feeds.example/rss?page=2', tags: [] }, // a content parameter: another feed
    ]);
    expect({ added, skipped }).toEqual({ added: 2, skipped: 4 });
    expect(parseConfig(text, 'sources.yaml').sources.map((s) => [s.url, s.name])).toEqual([
      ['https://feeds.example/rss', undefined],
      ['https://www.example.org/atom/', 'Org'],
      ['https://new.example/feed', 'New'],
      ['https://feeds.example/rss?page=2', undefined],
    ]);
  });

  it('returns the text unchanged when every source is already present', () => {
    const yaml = 'sources:\n  - https://a.example/feed\n';
    expect(addSourcesToYaml(yaml, [{ url: 'https://a.example/feed?utm_source=x', tags: [] }])).toEqual({ text: yaml, added: 0, skipped: 1 });
  });

  it.each([
    ['an empty file', ''],
    ['a file with only a comment', '# nothing yet\n'],
    ['a file with other settings', '# my config\nhttp:\n  timeout: 10s # slow\n'],
    ['an empty sources key', 'http:\n  timeout: 10s\nsources:\n'],
  ])('creates the sources list in %s', (_name, yaml) => {
    const { text, added } = addSourcesToYaml(yaml, NEW);
    expect(added).toBe(2);
    const config = parseConfig(text, 'sources.yaml');
    expect(config.sources.map((s) => [s.url, s.name, s.tags])).toEqual([
      ['https://new.example/feed', 'New & <Co>', ['Tech']],
      ['https://nameless.example/rss', undefined, []],
    ]);
    if (yaml.includes('timeout')) expect(config.http.timeoutMs).toBe(10_000);
    for (const comment of yaml.match(/#.*$/gm) ?? []) expect(text).toContain(comment);
  });

  it('writes names and tags that YAML would misread as strings that parse back unchanged', () => {
    const tricky = ['123', 'true', 'null', '~', 'yes', '#x: y', '- dash', 'a: b', '"q"', '*alias', '&anchor', '!tag', '[x]', '{x}', '0x1F'];
    const { text } = addSourcesToYaml('sources: []\n', tricky.map((n, i) => ({ url: `https://n${i}.example/`, name: n, tags: [n] })));
    expect(parseConfig(text, 'sources.yaml').sources.map((s) => [s.name, s.tags])).toEqual(tricky.map((n) => [n, [n]]));
  });

  it.each([
    ['a list at the top level', '- https://a.example/\n', 'opml: cannot edit the config: the top level is not a map'],
    ['a scalar at the top level', 'just text\n', 'opml: cannot edit the config: the top level is not a map'],
  ])('refuses to edit %s', (_name, yaml, message) => {
    expect(opmlErrorOf(() => addSourcesToYaml(yaml, NEW)).message).toBe(message);
  });

  it('refuses to edit a file with a YAML syntax error', () => {
    expect(opmlErrorOf(() => addSourcesToYaml('http:\n  timeout: [10s\n', NEW)).message).toMatch(/^opml: cannot edit the config: /);
  });
});
