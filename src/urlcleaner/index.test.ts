import { describe, expect, it } from 'vitest';
import { canonicalUrl, publishedUrl, resolveUrl, TRACKING_PARAMETERS } from './index.js';

const BASE = 'https://news.example/section/2024/story.html';

// [what, raw, base, canonical form]
const CANONICAL: [name: string, raw: string | undefined, base: string | undefined, expected: string | undefined][] = [
  // tracking parameters
  ['utm_* parameters removed', 'https://news.example/a?utm_source=rss&utm_medium=feed&utm_campaign=spring&utm_term=x&utm_content=y', undefined, 'https://news.example/a'],
  ['utm_* matched whatever its case', 'https://news.example/a?UTM_Source=rss&Utm_Medium=feed', undefined, 'https://news.example/a'],
  ['ad click ids removed', 'https://news.example/a?fbclid=1&gclid=2&dclid=3&msclkid=4&yclid=5&twclid=6&igshid=7', undefined, 'https://news.example/a'],
  ['newsletter ids removed', 'https://news.example/a?mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4&mkt_tok=5', undefined, 'https://news.example/a'],
  ['referral tags removed', 'https://news.example/a?xtor=RSS-1&ocid=2&smid=3&ref_src=4&cmpid=5', undefined, 'https://news.example/a'],
  ['tracking removed, content kept', 'https://news.example/a?utm_source=x&id=7&fbclid=y', undefined, 'https://news.example/a?id=7'],
  // content-selecting parameters
  ['id, p, page and story kept', 'https://news.example/a?story=9&page=3&p=2&id=7', undefined, 'https://news.example/a?id=7&p=2&page=3&story=9'],
  ['search query kept', 'https://news.example/search?q=rust', undefined, 'https://news.example/search?q=rust'],
  ['a name that only starts like a tracker kept', 'https://news.example/a?utmost=1&gclid_note=2', undefined, 'https://news.example/a?gclid_note=2&utmost=1'],
  ['repeated parameter keeps both values in order', 'https://news.example/a?b=2&a=1&a=0', undefined, 'https://news.example/a?a=1&a=0&b=2'],
  // query order, fragment
  ['query parameters sorted', 'https://news.example/a?z=1&a=2&m=3', undefined, 'https://news.example/a?a=2&m=3&z=1'],
  ['fragment removed', 'https://news.example/a#comments', undefined, 'https://news.example/a'],
  ['fragment that looks like tracking removed with the rest kept', 'https://news.example/a?id=1#utm_source=x', undefined, 'https://news.example/a?id=1'],
  ['empty query removed', 'https://news.example/a?', undefined, 'https://news.example/a'],
  // ports, slashes, case
  ['default https port removed', 'https://news.example:443/a', undefined, 'https://news.example/a'],
  ['default http port removed', 'http://news.example:80/a', undefined, 'http://news.example/a'],
  ['other port kept', 'http://news.example:8080/a', undefined, 'http://news.example:8080/a'],
  ['port 80 kept on https', 'https://news.example:80/a', undefined, 'https://news.example:80/a'],
  ['trailing slash removed from a path', 'https://news.example/a/', undefined, 'https://news.example/a'],
  ['trailing slash removed before the query', 'https://news.example/a/?page=2', undefined, 'https://news.example/a?page=2'],
  ['root slash kept', 'https://news.example/', undefined, 'https://news.example/'],
  ['root slash added', 'https://news.example', undefined, 'https://news.example/'],
  ['scheme and host lowercased, path case kept', 'HTTPS://News.EXAMPLE/Path/Case', undefined, 'https://news.example/Path/Case'],
  ['www. kept', 'https://www.news.example/a', undefined, 'https://www.news.example/a'],
  ['dot segments resolved', 'https://news.example/a/./b/../c', undefined, 'https://news.example/a/c'],
  ['surrounding whitespace ignored', '  https://news.example/a  \n', undefined, 'https://news.example/a'],
  // relative links
  ['relative path resolved against base', '../img/c?utm_source=x#f', BASE, 'https://news.example/section/img/c'],
  ['root-relative path resolved', '/x?utm_medium=rss', BASE, 'https://news.example/x'],
  ['protocol-relative link takes the base scheme', '//cdn.example/x', BASE, 'https://cdn.example/x'],
  ['query-only link replaces the base query', '?page=2', 'https://news.example/list?page=1', 'https://news.example/list?page=2'],
  ['absolute link ignores the base', 'http://other.example/y/', BASE, 'http://other.example/y'],
  ['relative link without a base', 'relative/path', undefined, undefined],
  // not http(s), garbage
  ['mailto:', 'mailto:a@b.example', undefined, undefined],
  ['ftp:', 'ftp://files.example/x', undefined, undefined],
  ['javascript:', 'javascript:alert(1)', undefined, undefined],
  ['javascript: relative to an http base', 'javascript:alert(1)', BASE, undefined],
  ['data:', 'data:text/html,hi', undefined, undefined],
  ['plain words', 'not a url', undefined, undefined],
  ['scheme without host', 'http://', undefined, undefined],
  ['missing scheme', '://news.example/a', undefined, undefined],
  ['empty string', '', undefined, undefined],
  ['undefined', undefined, undefined, undefined],
  // international domain names
  ['IDN host in punycode, path percent-encoded', 'https://bücher.example/straße', undefined, 'https://xn--bcher-kva.example/stra%C3%9Fe'],
  ['IDN host lowercased before punycode', 'https://BÜCHER.example/', undefined, 'https://xn--bcher-kva.example/'],
  ['punycode host kept', 'https://xn--bcher-kva.example/', undefined, 'https://xn--bcher-kva.example/'],
];

describe('canonicalUrl', () => {
  it.each(CANONICAL)('%s: %j (base %j) -> %j', (_name, raw, base, expected) => {
    expect(canonicalUrl(raw, base)).toBe(expected);
  });

  it('is idempotent: a canonical URL is its own canonical form', () => {
    for (const [, raw, base] of CANONICAL) {
      const once = canonicalUrl(raw, base);
      if (once !== undefined) expect(canonicalUrl(once), once).toBe(once);
    }
  });

  it('gives one identity to the same article linked two ways', () => {
    const a = canonicalUrl('https://News.example:443/world/story/?utm_source=twitter&id=5#top');
    const b = canonicalUrl('/world/story?id=5&fbclid=abc', 'https://news.example/index.html');
    expect(a).toBe('https://news.example/world/story?id=5');
    expect(b).toBe(a);
  });
});

describe('TRACKING_PARAMETERS', () => {
  const matches = (name: string) => TRACKING_PARAMETERS.some((re) => re.test(name));

  it.each(['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'UTM_SOURCE', 'fbclid', 'gclid', 'msclkid',
    'mc_cid', 'mc_eid', '_hsenc', 'igshid', 'xtor', 'ocid', 'smid', 'ref_src', 'spMailingID'])('%s is a tracking parameter', (name) => {
    expect(matches(name)).toBe(true);
  });

  it.each(['id', 'p', 'page', 'story', 'article', 'q', 's', 'v', 'ref', 'utm', 'utmost', 'sid', 'cid', 'lang'])(
    '%s is never treated as tracking (it can select content)', (name) => {
      expect(matches(name)).toBe(false);
    });
});

describe('resolveUrl', () => {
  it.each<[name: string, raw: string | undefined, base: string | undefined, expected: string | undefined]>([
    ['keeps tracking parameters', 'https://news.example/a?utm_source=rss&fbclid=1', undefined, 'https://news.example/a?utm_source=rss&fbclid=1'],
    ['keeps the fragment', 'https://news.example/a#comments', undefined, 'https://news.example/a#comments'],
    ['keeps query order', 'https://news.example/a?z=1&a=2', undefined, 'https://news.example/a?z=1&a=2'],
    ['keeps a trailing slash', 'https://news.example/a/', undefined, 'https://news.example/a/'],
    ['resolves a relative link and keeps its query and fragment', '../img/c?utm_source=x#f', BASE, 'https://news.example/section/img/c?utm_source=x#f'],
    ['resolves a protocol-relative link', '//cdn.example/x', BASE, 'https://cdn.example/x'],
    ['normalizes what WHATWG URL normalizes (scheme, host case, default port)', 'HTTPS://News.Example:443/A', undefined, 'https://news.example/A'],
    ['trims surrounding whitespace', '  https://news.example/a  ', undefined, 'https://news.example/a'],
    ['IDN host to punycode', 'https://bücher.example/', undefined, 'https://xn--bcher-kva.example/'],
    ['relative without base', 'relative/path', undefined, undefined],
    ['mailto:', 'mailto:a@b.example', undefined, undefined],
    ['javascript: with a base', 'javascript:alert(1)', BASE, undefined],
    ['ftp:', 'ftp://files.example/x', undefined, undefined],
    ['garbage', 'not a url', undefined, undefined],
    ['empty', '', undefined, undefined],
    ['undefined', undefined, undefined, undefined],
  ])('%s: %j (base %j) -> %j', (_name, raw, base, expected) => {
    expect(resolveUrl(raw, base)).toBe(expected);
  });
});

describe('publishedUrl (what readers get: the link of the source minus its tracking parameters)', () => {
  it.each<[name: string, raw: string | undefined, base: string | undefined, expected: string | undefined]>([
    ['tracking removed, the other parameters keep their order', 'https://news.example/a?z=1&utm_source=rss&a=2&fbclid=x', undefined, 'https://news.example/a?z=1&a=2'],
    ['only tracking: no query left', 'https://news.example/a?utm_source=rss&utm_medium=feed', undefined, 'https://news.example/a'],
    ['the encoding of kept parameters is untouched', 'https://news.example/s?q=a+b%20c&x=%7E&gclid=1', undefined, 'https://news.example/s?q=a+b%20c&x=%7E'],
    ['repeated and empty-valued parameters kept as written', 'https://news.example/a?t=2&t=1&flag&utm_term=x', undefined, 'https://news.example/a?t=2&t=1&flag'],
    ['a tracking name matched whatever its case', 'https://news.example/a?UTM_Source=x&id=3', undefined, 'https://news.example/a?id=3'],
    ['a name that only starts like a tracker kept', 'https://news.example/a?utmost=1&gclid_note=2', undefined, 'https://news.example/a?utmost=1&gclid_note=2'],
    ['an ordinary fragment kept', 'https://news.example/a?id=1&utm_source=x#section-2', undefined, 'https://news.example/a?id=1#section-2'],
    ['a tracking fragment removed', 'https://news.example/a#xtor=RSS-1', undefined, 'https://news.example/a'],
    ['the trailing slash and the host\'s www. kept', 'https://www.news.example/a/?utm_source=x', undefined, 'https://www.news.example/a/'],
    ['relative link resolved against base', '../b?utm_medium=rss&page=2', BASE, 'https://news.example/section/b?page=2'],
    ['not http(s): nothing', 'javascript:alert(1)', BASE, undefined],
    ['undefined', undefined, undefined, undefined],
  ])('%s: %j (base %j) -> %j', (_name, raw, base, expected) => {
    expect(publishedUrl(raw, base)).toBe(expected);
  });

  it('keeps what canonicalUrl changes, while both agree on the article', () => {
    const link = 'https://News.example/world/story/?z=1&a=2&utm_source=rss#top';
    expect(publishedUrl(link)).toBe('https://news.example/world/story/?z=1&a=2#top');
    expect(canonicalUrl(publishedUrl(link))).toBe(canonicalUrl(link));
  });
});
