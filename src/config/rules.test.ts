// Keep/block rules in the config: what loads, and every mistake named with file:line:col and field.
import { describe, expect, it } from 'vitest';
import { parseConfig } from './index.js';

const FILE = 'config/sources.yaml';
const errorOf = (text: string): string => {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('rules in the config', () => {
  it('loads global and per-source rules as written', () => {
    const c = parseConfig(`rules:
  block:
    - title: "(?i)sponsored"
  keep:
    - content: climate
      url: /science/
sources:
  - url: https://a.example/feed
    rules:
      block:
        - author: ^PR Newswire$
`, FILE);
    expect(c.rules).toEqual({ block: [{ title: '(?i)sponsored' }], keep: [{ content: 'climate', url: '/science/' }] });
    expect(c.sources[0]?.rules).toEqual({ block: [{ author: '^PR Newswire$' }], keep: [] });
    expect(Object.isFrozen(c.rules?.block[0])).toBe(true);
  });

  it.each<[name: string, text: string, expected: string]>([
    ['an unclosed group', 'rules:\n  block:\n    - title: "(sponsored"\n',
      'config/sources.yaml:3:14: rules.block[0].title: invalid regular expression: missing closing ): `(sponsored`'],
    ['a lookahead (not linear; RE2 has none)', 'rules:\n  keep:\n    - content: "foo(?=bar)"\n',
      'config/sources.yaml:3:16: rules.keep[0].content: invalid regular expression: invalid or unsupported Perl syntax: `(?=`'],
    ['a backreference', 'rules:\n  block:\n    - url: "(a)\\\\1"\n',
      'config/sources.yaml:3:12: rules.block[0].url: invalid regular expression: invalid escape sequence: `\\1`'],
    ['a per-source rule, named by its source', 'sources:\n  - url: https://a.example/f\n    rules:\n      block:\n        - author: "["\n',
      'config/sources.yaml:5:19: sources[0].rules.block[0].author: invalid regular expression: missing closing ]: `[`'],
    ['an unknown field', 'rules:\n  block:\n    - body: x\n', 'config/sources.yaml:3:7: rules.block[0].body: unknown key'],
    ['a rule with no field', 'rules:\n  block:\n    - {}\n', 'config/sources.yaml:3:7: rules.block[0]: a rule needs at least one of title, content, author, url'],
    ['a bare string instead of a map', 'rules:\n  block:\n    - sponsored\n', 'config/sources.yaml:3:7: rules.block[0]: expected a map with one of title, content, author, url'],
    ['a pattern that is not text', 'rules:\n  block:\n    - title: [a]\n', 'config/sources.yaml:3:14: rules.block[0].title: expected a regular expression (text)'],
    ['a list where a map is expected', 'rules: [x]\n', 'config/sources.yaml:1:8: rules: expected a map with `block` and/or `keep` lists'],
    ['an unknown list', 'rules:\n  allow: []\n', 'config/sources.yaml:2:3: rules.allow: unknown key'],
  ])('%s', (_name, text, expected) => {
    expect(errorOf(text)).toContain(expected);
  });

  it('refuses more than 100 rules in one list', () => {
    const many = Array.from({ length: 101 }, (_, i) => `    - title: t${i}`).join('\n');
    expect(errorOf(`rules:\n  block:\n${many}\n`)).toMatch(/^config\/sources\.yaml:3:5: rules\.block: expected at most 100 rules/);
  });
});
