// Config values that would overflow later, YAML alias bombs, and duplicate sources that differ only in
// spelling (issue 10, items 4 and 7). Every case names file:line:col.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './index.js';

const FILE = 'config/sources.yaml';

function errorOf(yaml: string): string {
  try {
    parseConfig(yaml, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

/** A "billion laughs": `levels` lists of nine aliases to the level below. */
function aliasBomb(levels: number): string {
  const lines = ['schedule: "*/15 * * * *"', `l0: &l0 [${Array(9).fill('"lol"').join(', ')}]`];
  for (let i = 1; i <= levels; i++) lines.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

describe('durations and sizes are bounded', () => {
  const cases: [name: string, yaml: string, expected: string][] = [
    ['a request timeout of 30 days (a timer would overflow and fire at once)', 'http:\n  timeout: 30d\n',
      `${FILE}:2:12: http.timeout: expected a duration from 1s to 10m, got "30d"`],
    ['a timeout under a second', 'http:\n  timeout: 0.5s\n',
      `${FILE}:2:12: http.timeout: expected a duration from 1s to 10m, got "0.5s"`],
    ['a timeout in seconds as a number', 'http:\n  timeout: 86400\n',
      `${FILE}:2:12: http.timeout: expected a duration from 1s to 10m, got 86400`],
    ['an interval of 999999999 days (an invalid date later)', 'defaults:\n  interval: 999999999d\n',
      `${FILE}:2:13: defaults.interval: expected a duration from 1s to 30d, got "999999999d"`],
    ['a per-source interval past 30 days', 'sources:\n  - url: https://a.example/\n    interval: 31d\n',
      `${FILE}:3:15: sources[0].interval: expected a duration from 1s to 30d, got "31d"`],
    ['digits that overflow to Infinity', `defaults:\n  interval: ${'9'.repeat(400)}s\n`,
      `${FILE}:2:13: defaults.interval: expected a duration from 1s to 30d, got "${'9'.repeat(400)}s"`],
    ['a response cap of 99999999999 GB', 'http:\n  max_bytes: 99999999999GB\n',
      `${FILE}:2:14: http.max_bytes: expected a size from 1KB to 1GB, got "99999999999GB"`],
    ['a response cap of 10 bytes', 'http:\n  max_bytes: 10\n',
      `${FILE}:2:14: http.max_bytes: expected a size from 1KB to 1GB, got 10`],
    ['a server header timeout of 2 hours', 'output:\n  header_timeout: 2h\n',
      `${FILE}:2:19: output.header_timeout: expected a duration from 1s to 1h, got "2h"`],
    ['no connections at all', 'output:\n  max_connections: 0\n',
      `${FILE}:2:20: output.max_connections: expected at least 1`],
  ];
  it.each(cases)('%s', (_name, yaml, expected) => {
    expect(errorOf(yaml)).toBe(expected);
  });

  it('accepts the bounds themselves', () => {
    const c = parseConfig('http:\n  timeout: 10m\n  max_bytes: 1GB\ndefaults:\n  interval: 30d\nsources:\n  - url: https://a.example/\n    interval: 1s\n', FILE);
    expect(c.http).toMatchObject({ timeoutMs: 600_000, maxBytes: 1024 ** 3 });
    expect(c.sources[0]?.intervalSeconds).toBe(1);
    expect(parseConfig('http:\n  timeout: 1s\n  max_bytes: 1KB\n', FILE).http).toMatchObject({ timeoutMs: 1000, maxBytes: 1024 });
  });
});

describe('YAML aliases', () => {
  it('refuses an alias bomb quickly, at the alias where it explodes', () => {
    const message = errorOf(aliasBomb(9)); // 9^10 ≈ 3.5 billion values: expanding it would never finish
    // l0 has 9 values; l(n) expands to 9^(n+1) + …; the running total passes 200,000 inside l5 (line 7).
    expect(message).toMatch(new RegExp(`^${FILE}:7:\\d+: YAML aliases expand to more than 200,000 values here \\(an alias bomb\\?\\); refused$`));
  });

  it('refuses an alias inside its own anchor', () => {
    expect(errorOf('sources: &s\n  - *s\n')).toMatch(new RegExp(`^${FILE}:2:5: YAML aliases expand to endlessly many values here`));
  });

  it('expands shared tag lists (an anchor on the first source, aliases after)', () => {
    const sources = ['  - url: https://s0.example/feed\n    tags: &world [world, news]',
      ...Array.from({ length: 300 }, (_, i) => `  - url: https://s${i + 1}.example/feed\n    tags: *world`)].join('\n');
    const c = parseConfig(`sources:\n${sources}\n`, FILE);
    expect(c.sources).toHaveLength(301);
    expect(c.sources[300]?.tags).toEqual(['world', 'news']);
  });
});

describe('duplicate sources are compared by canonical URL', () => {
  const cases: [name: string, yaml: string, expected: string][] = [
    ['host case', 'sources:\n  - https://news.example/feed\n  - https://NEWS.Example/feed\n',
      `${FILE}:3:5: sources[1].url: duplicate of sources[0] (https://NEWS.Example/feed and https://news.example/feed are the same feed: https://news.example/feed)`],
    ['a #fragment', 'sources:\n  - https://news.example/feed\n  - url: https://news.example/feed#top\n',
      `${FILE}:3:10: sources[1].url: duplicate of sources[0] (https://news.example/feed#top and https://news.example/feed are the same feed: https://news.example/feed)`],
    ['a default port and a tracking parameter', 'sources:\n  - https://news.example/feed?utm_source=x\n  - https://news.example:443/feed\n',
      `${FILE}:3:5: sources[1].url: duplicate of sources[0] (https://news.example:443/feed and https://news.example/feed?utm_source=x are the same feed: https://news.example/feed)`],
  ];
  it.each(cases)('%s', (_name, yaml, expected) => {
    expect(errorOf(yaml)).toBe(expected);
  });

  it('keeps feeds that differ in path, query or scheme apart', () => {
    const c = parseConfig('sources:\n  - https://news.example/feed\n  - https://news.example/Feed\n  - https://news.example/feed?cat=2\n  - http://news.example/feed\n', FILE);
    expect(c.sources).toHaveLength(4);
  });
});
