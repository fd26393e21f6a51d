// Keep/block rules: which items stay, and matching that stays linear whatever the pattern.
import { describe, expect, it } from 'vitest';
import type { FilterRules } from '../model/index.js';
import { compileRule, filterItems, judge, type FilterSubject } from './index.js';

const subject = (over: Partial<FilterSubject>): FilterSubject => ({ title: 'A headline', content: 'Some body text.', author: 'Ann Lee',
  url: 'https://news.example/world/1', ...over });
const rules = (over: Partial<FilterRules>): FilterRules => ({ block: [], keep: [], ...over });

describe('judge', () => {
  it.each<[name: string, s: Partial<FilterSubject>, scopes: FilterRules[], keep: boolean]>([
    ['no rules: kept', {}, [rules({})], true],
    ['a matching block rule drops', { title: 'Sponsored: buy now' }, [rules({ block: [{ title: '^Sponsored' }] })], false],
    ['block rules are case-sensitive unless (?i)', { title: 'SPONSORED post' }, [rules({ block: [{ title: 'sponsored' }] })], true],
    ['(?i) ignores case', { title: 'SPONSORED post' }, [rules({ block: [{ title: '(?i)sponsored' }] })], false],
    ['a rule naming two fields needs both', { title: 'Sponsored', url: 'https://news.example/world/1' },
      [rules({ block: [{ title: 'Sponsored', url: '/ads/' }] })], true],
    ['... and drops when both match', { title: 'Sponsored', url: 'https://news.example/ads/1' },
      [rules({ block: [{ title: 'Sponsored', url: '/ads/' }] })], false],
    ['keep rules: an item none matches is dropped', { content: 'Football results' }, [rules({ keep: [{ content: 'climate|energy' }] })], false],
    ['keep rules: an item one matches stays', { content: 'New energy prices' }, [rules({ keep: [{ content: 'climate|energy' }] })], true],
    ['block wins over keep', { content: 'energy', author: 'PR Newswire' },
      [rules({ keep: [{ content: 'energy' }], block: [{ author: '^PR Newswire$' }] })], false],
    ['a source\'s block rule adds to the global ones', { author: 'Bot' }, [rules({ block: [{ title: 'x^' }] }), rules({ block: [{ author: 'Bot' }] })], false],
    ['keep rules of either scope count', { title: 'Tech news' }, [rules({ keep: [{ title: 'World' }] }), rules({ keep: [{ title: 'Tech' }] })], true],
    ['emoji and right-to-left text match as text', { title: '🚀 الأخبار العاجلة' }, [rules({ block: [{ title: 'العاجلة' }] })], false],
    ['an unanchored pattern finds a match anywhere', { url: 'https://news.example/podcasts/ep1' }, [rules({ block: [{ url: '/podcasts?/' }] })], false],
  ])('%s', (_name, s, scopes, keep) => {
    expect(judge(subject(s), scopes).keep).toBe(keep);
  });

  it('says why an item was dropped', () => {
    expect(judge(subject({ title: 'Sponsored' }), [rules({ block: [{ title: 'Sponsored', author: 'Ann' }] })]))
      .toEqual({ keep: false, why: 'block rule title ~ /Sponsored/ and author ~ /Ann/' });
    expect(judge(subject({}), [rules({ keep: [{ title: 'nothing' }] })])).toEqual({ keep: false, why: 'no keep rule matches' });
  });

  it('filterItems keeps the order of what stays and names what went', () => {
    const items = ['Keep one', 'Sponsored two', 'Keep three'];
    const r = filterItems(items, (t) => subject({ title: t }), [rules({ block: [{ title: '^Sponsored' }] })]);
    expect(r.kept).toEqual(['Keep one', 'Keep three']);
    expect(r.dropped.map((d) => d.item)).toEqual(['Sponsored two']);
  });
});

describe('matching cost', () => {
  it('refuses the constructs that need backtracking, and names why', () => {
    expect(compileRule('(?<=a)b')).toMatch(/invalid regular expression: .*RE2 syntax/);
    expect(compileRule('(a)\\1')).toMatch(/invalid escape sequence/);
    expect(compileRule('(?i)ok|fine')).toBeUndefined();
  });

  it('a pattern that backtracks catastrophically in JavaScript stays linear: time grows with the text, not exponentially', () => {
    // /(a+)+$/ on "aaa…!" takes exponential time in a backtracking engine (30 characters: seconds).
    const rule = rules({ block: [{ content: '(a+)+$' }] });
    const timeOf = (n: number) => {
      const s = subject({ content: `${'a'.repeat(n)}!` });
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) judge(s, [rule]);
      return (performance.now() - t0) / 5;
    };
    timeOf(1_000); // warm-up
    const small = timeOf(2_000);
    const large = timeOf(16_000);
    // 8× the text: linear means about 8× the time; exponential would not finish. Generous for a shared machine.
    expect(large / Math.max(small, 0.05)).toBeLessThan(40);
    expect(large).toBeLessThan(1_000);
  });
});
