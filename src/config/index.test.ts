import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Config } from '../model/index.js';
import { SERVER_LIMITS } from '../server/index.js';
import { ConfigError, DEFAULTS, loadConfig, parseConfig, parseDuration, parseSize } from './index.js';

const EXAMPLE = fileURLToPath(new URL('../../config/sources.example.yaml', import.meta.url));
const FILE = 'config/sources.yaml';
const UNKNOWN = 'unknown key (see config/sources.example.yaml)';

/** The ConfigError message parseConfig throws for `text` (fails the test if it does not throw one). */
function errorOf(text: string, file = FILE): string {
  try {
    parseConfig(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error(`expected parseConfig to throw a ConfigError for:\n${text}`);
}

/** Every key path of a YAML text ("http.timeout", "sources[].url"), to compare documents' coverage. */
function keyPaths(text: string): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, prefix: string): void => {
    if (Array.isArray(v)) {
      for (const item of v) walk(item, `${prefix}[]`);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const p = prefix ? `${prefix}.${k}` : k;
        out.add(p);
        walk(child, p);
      }
    }
  };
  walk(parseYaml(text) as unknown, '');
  return [...out].sort();
}

const DEFAULT_CONFIG: Omit<Config, 'file' | 'sources'> = {
  schedule: '*/15 * * * *',
  http: {
    timeoutMs: 20_000,
    maxBytes: 5 * 1024 * 1024,
    userAgent: DEFAULTS.userAgent,
    concurrency: 8,
    perHostConcurrency: 2,
    maxRedirects: 5,
    allowPrivateNetworks: false,
  },
  output: {
    title: 'storyfeed',
    link: 'http://127.0.0.1:8080/',
    description: 'One entry per story, merged from every source that covered it',
    language: 'en',
    host: '127.0.0.1',
    port: 8080,
    maxStories: 100,
    server: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 60_000, maxConnections: 1024 },
  },
  retention: { days: 30 },
  limits: { maxItemsPerFeed: 1000 },
};

// Every key set to a value different from its default, so a key mapped to the wrong field shows.
const ALL_KEYS = `schedule: "0 */2 * * *"
defaults:
  interval: 2h
  full_text: false
http:
  timeout: 1.5s
  max_bytes: 512KB
  user_agent: test-agent/1.0
  concurrency: 3
  per_host_concurrency: 1
  max_redirects: 0
  allow_private_networks: true
output:
  title: My merged feed
  link: https://feeds.example.org/merged/
  description: Everything, once
  language: de
  host: 0.0.0.0
  port: 9090
  max_stories: 25
  header_timeout: 5s
  request_timeout: 2m
  idle_timeout: 90s
  max_connections: 64
retention:
  days: 0
limits:
  max_items_per_feed: 50
rules:
  block:
    - title: "(?i)sponsored"
      url: "/ads/"
    - author: "^PR Newswire$"
  keep:
    - content: "climate|energy"
sources:
  - https://plain.example/rss
  - url: https://map.example/atom
    name: Map source
    tags: [a, b]
    interval: 90
    enabled: false
    full_text: true
    rules:
      block:
        - title: "^Podcast:"
`;

describe('parseConfig defaults', () => {
  it.each([
    ['an empty file', ''],
    ['a file with only comments', '# nothing configured yet\n'],
    ['an empty document marker', '---\n'],
    ['an empty sources list', 'sources: []\n'],
  ])('applies every default to %s', (_name, text) => {
    expect(parseConfig(text, FILE)).toEqual({ ...DEFAULT_CONFIG, file: FILE, sources: [] });
  });

  it('applies the defaults to a file with only sources, and the source defaults to each source', () => {
    const config = parseConfig('sources:\n  - https://a.example/feed\n  - url: https://b.example/atom\n', FILE);
    expect(config).toEqual({
      ...DEFAULT_CONFIG,
      file: FILE,
      sources: [
        { url: 'https://a.example/feed', tags: [], intervalSeconds: 1800, enabled: true, fullText: true, line: 2 },
        { url: 'https://b.example/atom', tags: [], intervalSeconds: 1800, enabled: true, fullText: true, line: 3 },
      ],
    });
    expect(config.sources[0]?.name).toBeUndefined();
  });

  it('gives the server the same limits with no output keys as startServer has without a config', () => {
    const { headersTimeoutMs, requestTimeoutMs, idleTimeoutMs, maxConnections } = SERVER_LIMITS;
    expect(parseConfig('', FILE).output.server).toEqual({ headersTimeoutMs, requestTimeoutMs, idleTimeoutMs, maxConnections });
  });

  it('derives output.link from host and port when no link is given', () => {
    const cases: [yaml: string, link: string][] = [
      ['output:\n  port: 9000\n', 'http://127.0.0.1:9000/'],
      ['output:\n  host: feeds.lan\n', 'http://feeds.lan:8080/'],
      ['output:\n  host: "::1"\n  port: 9000\n', 'http://[::1]:9000/'],
      ['output:\n  host: 0.0.0.0\n  link: https://public.example/feed/\n', 'https://public.example/feed/'],
    ];
    for (const [yaml, link] of cases) expect(parseConfig(yaml, FILE).output.link, yaml).toBe(link);
  });
});

describe('parseConfig with the documented example (config/sources.example.yaml)', () => {
  const config = loadConfig(EXAMPLE);

  it('loads, and every documented value is the default it claims to be', () => {
    // Keep/block rules have no default (none): the example shows rules as one would write them.
    const { file, sources, rules, ...settings } = config;
    expect(file).toBe(EXAMPLE);
    expect(settings).toEqual(DEFAULT_CONFIG);
    expect(rules).toEqual({ block: [{ title: '(?i)sponsored', url: '/ads/' }, { author: '^PR Newswire$' }], keep: [{ content: 'climate|energy' }] });
    expect(sources).toEqual([
      { url: 'https://feeds.bbci.co.uk/news/world/rss.xml', tags: [], intervalSeconds: 1800, enabled: true, fullText: true, line: 59 },
      {
        url: 'https://www.theguardian.com/world/rss',
        name: 'The Guardian — World',
        tags: ['world', 'uk'],
        intervalSeconds: 3600,
        enabled: true,
        fullText: false,
        line: 60,
        rules: { block: [{ title: '^Podcast:' }], keep: [] },
      },
    ]);
  });

  it('documents exactly the keys the mapping test below sets', () => {
    expect(keyPaths(readFileSync(EXAMPLE, 'utf8'))).toEqual(keyPaths(ALL_KEYS));
  });

  it('maps every key to its Config field (durations to seconds/ms, sizes to bytes)', () => {
    expect(parseConfig(ALL_KEYS, FILE)).toEqual({
      file: FILE,
      schedule: '0 */2 * * *',
      http: {
        timeoutMs: 1500,
        maxBytes: 512 * 1024,
        userAgent: 'test-agent/1.0',
        concurrency: 3,
        perHostConcurrency: 1,
        maxRedirects: 0,
        allowPrivateNetworks: true,
      },
      output: {
        title: 'My merged feed',
        link: 'https://feeds.example.org/merged/',
        description: 'Everything, once',
        language: 'de',
        host: '0.0.0.0',
        port: 9090,
        maxStories: 25,
        server: { headersTimeoutMs: 5000, requestTimeoutMs: 120_000, idleTimeoutMs: 90_000, maxConnections: 64 },
      },
      retention: { days: 0 },
      limits: { maxItemsPerFeed: 50 },
      rules: { block: [{ title: '(?i)sponsored', url: '/ads/' }, { author: '^PR Newswire$' }], keep: [{ content: 'climate|energy' }] },
      sources: [
        // plain string: takes defaults.interval and defaults.full_text
        { url: 'https://plain.example/rss', tags: [], intervalSeconds: 7200, enabled: true, fullText: false, line: 37 },
        // map: its own settings override the defaults
        { url: 'https://map.example/atom', name: 'Map source', tags: ['a', 'b'], intervalSeconds: 90, enabled: false, fullText: true, line: 38,
          rules: { block: [{ title: '^Podcast:' }], keep: [] } },
      ],
    });
  });
});

describe('parseConfig sources', () => {
  it('overrides interval and full_text per source, both ways round', () => {
    const config = parseConfig(`defaults:
  interval: 10m
  full_text: true
sources:
  - url: https://a.example/
    interval: 90s
  - url: https://b.example/
    full_text: false
  - url: https://c.example/
    interval: 1d
    full_text: true
  - https://d.example/
`, FILE);
    expect(config.sources.map((s) => [s.url, s.intervalSeconds, s.fullText])).toEqual([
      ['https://a.example/', 90, true],
      ['https://b.example/', 600, false],
      ['https://c.example/', 86_400, true],
      ['https://d.example/', 600, true],
    ]);
  });

  it('trims whitespace around a URL', () => {
    expect(parseConfig('sources:\n  - "  https://a.example/feed  "\n', FILE).sources[0]?.url).toBe('https://a.example/feed');
  });

  it('records the 1-based line of each source, across comments, blank lines and layouts', () => {
    const config = parseConfig(`# header comment
schedule: "*/5 * * * *"

sources:

  # first one
  - https://a.example/
  - url: https://b.example/
    name: B

  -   url: https://c.example/   # extra spaces after the dash
  - >-
    https://d.example/folded
`, FILE);
    expect(config.sources.map((s) => [s.url, s.line])).toEqual([
      ['https://a.example/', 7],
      ['https://b.example/', 8],
      ['https://c.example/', 11],
      ['https://d.example/folded', 12],
    ]);
  });

  it('gives each source of a flow-style list the line it is on', () => {
    const config = parseConfig('limits:\n  max_items_per_feed: 5\nsources: [https://a.example/, {url: https://b.example/}]\n', FILE);
    expect(config.sources.map((s) => s.line)).toEqual([3, 3]);
  });
});

describe('parseConfig returns a deeply frozen Config', () => {
  const config = parseConfig(ALL_KEYS, FILE);

  it('freezes every object and array in it', () => {
    const source = config.sources[1];
    expect(source).toBeDefined();
    for (const part of [config, config.http, config.output, config.retention, config.limits, config.sources, source, source?.tags]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
  });

  it('throws on mutation instead of changing the config', () => {
    expect(() => { (config.http as { timeoutMs: number }).timeoutMs = 1; }).toThrow(TypeError);
    expect(() => { (config.sources as unknown as SourceList).push({ url: 'https://x.example/' }); }).toThrow(TypeError);
    expect(() => { (config.sources[1]?.tags as unknown as string[]).push('c'); }).toThrow(TypeError);
    expect(config.http.timeoutMs).toBe(1500);
    expect(config.sources).toHaveLength(2);
    expect(config.sources[1]?.tags).toEqual(['a', 'b']);
  });
});
type SourceList = { url: string }[];

describe('parseConfig errors: file:line:col: path: message', () => {
  // [what, yaml, the one expected error line]
  const cases: [name: string, yaml: string, expected: string][] = [
    // URLs
    ['ftp:// source', 'sources:\n  - ftp://x.example/feed\n',
      `${FILE}:2:5: sources[0].url: expected an http(s) URL, got "ftp://x.example/feed"`],
    ['source that is not a URL', 'sources:\n  - not a url\n',
      `${FILE}:2:5: sources[0].url: expected an http(s) URL, got "not a url"`],
    ['map source without url key', 'sources:\n  - https://ok.example/\n  - name: Nameless\n    tags: [x]\n',
      `${FILE}:3:5: sources[1].url: expected an http(s) URL`],
    ['url given as a map value with ftp', 'sources:\n  - url: ftp://x.example/\n',
      `${FILE}:2:10: sources[0].url: expected an http(s) URL, got "ftp://x.example/"`],
    ['output.link not http(s)', 'output:\n  link: ftp://x.example/\n',
      `${FILE}:2:9: output.link: expected an http(s) URL, got "ftp://x.example/"`],
    // durations
    ['interval in parsecs', 'defaults:\n  interval: 10 parsecs\n',
      `${FILE}:2:13: defaults.interval: expected a duration like 90s, 30m, 2h or 1d, got "10 parsecs"`],
    ['negative interval', 'defaults:\n  interval: -5m\n',
      `${FILE}:2:13: defaults.interval: expected a duration like 90s, 30m, 2h or 1d, got "-5m"`],
    ['negative number interval', 'defaults:\n  interval: -5\n',
      `${FILE}:2:13: defaults.interval: expected a duration like 90s, 30m, 2h or 1d, got -5`],
    ['zero interval', 'defaults:\n  interval: 0\n',
      `${FILE}:2:13: defaults.interval: expected a duration like 90s, 30m, 2h or 1d, got 0`],
    ['zero per-source interval', 'sources:\n  - url: https://a.example/\n    interval: 0s\n',
      `${FILE}:3:15: sources[0].interval: expected a duration like 90s, 30m, 2h or 1d, got "0s"`],
    ['bad http.timeout', 'http:\n  timeout: soon\n',
      `${FILE}:2:12: http.timeout: expected a duration like 90s, 30m, 2h or 1d, got "soon"`],
    // sizes
    ['size in lightyears', 'http:\n  max_bytes: 5 lightyears\n',
      `${FILE}:2:14: http.max_bytes: expected a size like 500KB or 5MB, got "5 lightyears"`],
    ['zero size', 'http:\n  max_bytes: 0\n',
      `${FILE}:2:14: http.max_bytes: expected a size like 500KB or 5MB, got 0`],
    ['fractional byte count', 'http:\n  max_bytes: 1.5\n',
      `${FILE}:2:14: http.max_bytes: expected a size like 500KB or 5MB, got 1.5`],
    // cron
    ['schedule in words', 'schedule: "every minute"\n',
      `${FILE}:1:11: schedule: expected a cron expression (5 or 6 fields, e.g. "*/15 * * * *"), got "every minute"`],
    ['schedule with too few fields', 'schedule: "* * *"\n',
      `${FILE}:1:11: schedule: expected a cron expression (5 or 6 fields, e.g. "*/15 * * * *"), got "* * *"`],
    ['schedule with a minute out of range', 'schedule: "61 * * * *"\n',
      `${FILE}:1:11: schedule: expected a cron expression (5 or 6 fields, e.g. "*/15 * * * *"), got "61 * * * *"`],
    // types
    ['port in words', 'output:\n  port: eighty\n', `${FILE}:2:9: output.port: expected a whole number, got "eighty"`],
    ['enabled as a quoted "yes"', 'sources:\n  - url: https://a.example/\n    enabled: "yes"\n',
      `${FILE}:3:14: sources[0].enabled: expected true or false, got "yes"`],
    ['full_text as YAML 1.1 "no"', 'defaults:\n  full_text: no\n',
      `${FILE}:2:14: defaults.full_text: expected true or false, got "no"`],
    ['name as a number', 'sources:\n  - url: https://a.example/\n    name: 5\n', `${FILE}:3:11: sources[0].name: expected text, got 5`],
    ['schedule as a number', 'schedule: 5\n', `${FILE}:1:11: schedule: expected text, got 5`],
    ['sources as a single URL', 'sources: https://a.example/\n', `${FILE}:1:10: sources: expected a list of sources`],
    ['sources key with nothing under it', 'sources:\n', `${FILE}:1:9: sources: expected a list of sources`],
    ['a source that is a number', 'sources:\n  - 42\n', `${FILE}:2:5: sources[0]: expected a URL or a map with at least \`url\``],
    ['a list at the top level', '- https://a.example/\n', `${FILE}:1:1: (top level): expected a map of settings at the top level`],
    ['fractional concurrency', 'http:\n  concurrency: 1.5\n', `${FILE}:2:16: http.concurrency: expected a whole number, got 1.5`],
    // ranges
    ['port above 65535', 'output:\n  port: 70000\n', `${FILE}:2:9: output.port: expected at most 65535`],
    ['negative port', 'output:\n  port: -1\n', `${FILE}:2:9: output.port: expected at least 0`],
    ['zero concurrency', 'http:\n  concurrency: 0\n', `${FILE}:2:16: http.concurrency: expected at least 1`],
    ['concurrency above 256', 'http:\n  concurrency: 257\n', `${FILE}:2:16: http.concurrency: expected at most 256`],
    ['per-host concurrency above 64', 'http:\n  per_host_concurrency: 65\n', `${FILE}:2:25: http.per_host_concurrency: expected at most 64`],
    ['too many redirects', 'http:\n  max_redirects: 21\n', `${FILE}:2:18: http.max_redirects: expected at most 20`],
    ['zero max_stories', 'output:\n  max_stories: 0\n', `${FILE}:2:16: output.max_stories: expected at least 1`],
    ['negative retention', 'retention:\n  days: -1\n', `${FILE}:2:9: retention.days: expected at least 0`],
    ['zero items per feed', 'limits:\n  max_items_per_feed: 0\n', `${FILE}:2:23: limits.max_items_per_feed: expected at least 1`],
    // duplicates
    ['the same source twice', 'sources:\n  - https://a.example/feed\n  - https://b.example/feed\n  - https://a.example/feed\n',
      `${FILE}:4:5: sources[2].url: duplicate of sources[0] (https://a.example/feed)`],
    ['the same source as a string and as a map', 'sources:\n  - https://a.example/feed\n  - url: https://a.example/feed\n    name: again\n',
      `${FILE}:3:10: sources[1].url: duplicate of sources[0] (https://a.example/feed)`],
  ];
  it.each(cases)('%s', (_name, yaml, expected) => {
    expect(errorOf(yaml)).toBe(expected);
  });

  // An unknown key is a mistake in the key itself: the position must be the key's, not its value's.
  const unknownKeys: [name: string, yaml: string, expected: string][] = [
    ['top-level key with a scalar value', 'schedule: "*/5 * * * *"\ncolour: blue\n', `${FILE}:2:1: colour: ${UNKNOWN}`],
    ['top-level key with a map value', 'extras:\n  a: 1\n', `${FILE}:1:1: extras: ${UNKNOWN}`],
    ['top-level key with no value', 'colour:\nhttp:\n  timeout: 5s\n', `${FILE}:1:1: colour: ${UNKNOWN}`],
    ['key inside a section', 'http:\n  timeout: 5s\n  retries: 3\n', `${FILE}:3:3: http.retries: ${UNKNOWN}`],
    ['typo `intervall` inside a source', 'sources:\n  - url: https://a.example/\n    intervall: 1h\n',
      `${FILE}:3:5: sources[0].intervall: ${UNKNOWN}`],
  ];
  it.each(unknownKeys)('unknown key: %s', (_name, yaml, expected) => {
    expect(errorOf(yaml)).toBe(expected);
  });

  it('names the unknown key in the path and the message for every unknown key', () => {
    const message = errorOf('http:\n  timeout: 5s\n  retries: 3\n  proxy: none\n');
    expect(message.split('\n')).toHaveLength(2);
    expect(message).toMatch(new RegExp(`^${FILE}:\\d+:\\d+: http\\.retries: ${UNKNOWN.replace(/[()]/g, '\\$&')}`, 'm'));
    expect(message).toMatch(new RegExp(`^${FILE}:\\d+:\\d+: http\\.proxy: ${UNKNOWN.replace(/[()]/g, '\\$&')}`, 'm'));
  });

  // YAML-level problems: the message must still point at the line (and column) of the mistake.
  const syntax: [name: string, yaml: string, expected: RegExp][] = [
    ['duplicate key in a section', 'http:\n  timeout: 10s\n  timeout: 20s\n',
      /^config\/sources\.yaml:3:3: YAML syntax error: Map keys must be unique/],
    ['duplicate top-level key', 'schedule: "*/5 * * * *"\nhttp:\n  timeout: 5s\nschedule: "*/6 * * * *"\n',
      /^config\/sources\.yaml:4:1: YAML syntax error: Map keys must be unique/],
    ['duplicate url key inside a source', 'sources:\n  - url: https://a.example/\n    url: https://b.example/\n',
      /^config\/sources\.yaml:3:5: YAML syntax error: Map keys must be unique/],
    ['nested mapping on one line', 'schedule: "*/5 * * * *"\nhttp:\n  timeout: 10s\n  concurrency: 8: 9\n',
      /^config\/sources\.yaml:4:16: YAML syntax error: Nested mappings are not allowed/],
    ['tab used as indentation', 'sources:\n\t- https://a.example/\n', /^config\/sources\.yaml:2:1: YAML syntax error: Tabs are not allowed/],
  ];
  it.each(syntax)('YAML error: %s', (_name, yaml, expected) => {
    const message = errorOf(yaml);
    expect(message).toMatch(expected);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('reports every problem at once, sorted by line then column', () => {
    // zod reports these in schema order (output, sources, then unknown keys); the file order differs.
    const message = errorOf(`sources:
  - ftp://a.example/
  - url: https://b.example/
    enabled: "yes"
output:
  port: eighty
http:
  concurrency: 0
colour: blue
`);
    const lines = message.split('\n');
    expect(lines.map((l) => /^[^:]+:(\d+):\d+: (\S+):/.exec(l)?.slice(1, 3))).toEqual([
      ['2', 'sources[0].url'],
      ['4', 'sources[1].enabled'],
      ['6', 'output.port'],
      ['8', 'http.concurrency'],
      ['9', 'colour'],
    ]);
    expect(lines.slice(0, 4)).toEqual([
      `${FILE}:2:5: sources[0].url: expected an http(s) URL, got "ftp://a.example/"`,
      `${FILE}:4:14: sources[1].enabled: expected true or false, got "yes"`,
      `${FILE}:6:9: output.port: expected a whole number, got "eighty"`,
      `${FILE}:8:16: http.concurrency: expected at least 1`,
    ]);
  });

  it('sorts two problems on the same line by column', () => {
    const message = errorOf('sources: [ftp://a.example/, "nope"]\n');
    expect(message.split('\n')).toEqual([
      `${FILE}:1:11: sources[0].url: expected an http(s) URL, got "ftp://a.example/"`,
      `${FILE}:1:29: sources[1].url: expected an http(s) URL, got "nope"`,
    ]);
  });

  it('uses the file name it is given in every message', () => {
    expect(errorOf('output:\n  port: eighty\n', '/etc/storyfeed/feeds.yaml'))
      .toBe('/etc/storyfeed/feeds.yaml:2:9: output.port: expected a whole number, got "eighty"');
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'storyfeed-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('throws a ConfigError naming the path of a missing file, with the fs error as cause', () => {
    const path = join(dir, 'missing.yaml');
    let thrown: unknown;
    try {
      loadConfig(path);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(`${path}: cannot read config: file not found (copy config/sources.example.yaml to start)`);
    expect(((thrown as ConfigError).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('throws a ConfigError naming the path when the path is not a readable file', () => {
    expect(() => loadConfig(dir)).toThrow(ConfigError);
    expect(() => loadConfig(dir)).toThrow(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read config: `));
  });

  it('reads the file and reports problems with its path', () => {
    const path = join(dir, 'sources.yaml');
    writeFileSync(path, 'sources:\n  - https://a.example/feed\n');
    const config = loadConfig(path);
    expect(config.file).toBe(path);
    expect(config.sources.map((s) => s.url)).toEqual(['https://a.example/feed']);

    writeFileSync(path, 'output:\n  port: eighty\n');
    expect(() => loadConfig(path)).toThrow(new ConfigError(`${path}:2:9: output.port: expected a whole number, got "eighty"`));
  });
});

describe('parseDuration', () => {
  it.each<[unknown, number | undefined]>([
    ['90s', 90],
    ['30m', 1800],
    ['2h', 7200],
    ['1d', 86_400],
    ['1.5h', 5400],
    ['0.5s', 0.5],
    [' 10 M ', 600],
    ['2H', 7200],
    [45, 45],
    [0.25, 0.25],
    [0, undefined],
    [-1, undefined],
    ['0s', undefined],
    ['0m', undefined],
    ['-5m', undefined],
    ['10 parsecs', undefined],
    ['1w', undefined],
    ['m', undefined],
    ['', undefined],
    [Number.NaN, undefined],
    [Number.POSITIVE_INFINITY, undefined],
    [null, undefined],
    [undefined, undefined],
    [true, undefined],
    [{}, undefined],
  ])('%j -> %j seconds', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });
});

describe('parseSize', () => {
  it.each<[unknown, number | undefined]>([
    ['5MB', 5 * 1024 * 1024],
    ['512KB', 512 * 1024],
    ['100B', 100],
    ['1GB', 1024 ** 3],
    ['1.5kb', 1536],
    [' 2 mb ', 2 * 1024 * 1024],
    ['0.5KB', 512],
    [1024, 1024],
    [1, 1],
    [1.5, undefined],
    [0, undefined],
    [-1, undefined],
    ['0MB', undefined],
    ['0.1B', undefined],
    ['-5MB', undefined],
    ['5 lightyears', undefined],
    ['5TB', undefined],
    ['MB', undefined],
    ['', undefined],
    [Number.NaN, undefined],
    [null, undefined],
    [undefined, undefined],
    [[], undefined],
  ])('%j -> %j bytes', (input, expected) => {
    expect(parseSize(input)).toBe(expected);
  });
});
