// Story assembly: which item represents a story, the latest development, per-source filters, body caps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceConfig } from '../model/index.js';
import { Store, type ItemInput } from './index.js';

let dir: string;
let store: Store;
const NOW = '2025-07-19T00:00:00.000Z';
const src = (url: string): SourceConfig => ({ url, tags: [], intervalSeconds: 600, enabled: true, fullText: true });
const item = (over: Partial<ItemInput>): ItemInput =>
  ({ title: 'T', published: '2025-07-18T00:00:00.000Z', enclosures: [], categories: [], ...over });
const FEEDS = ['https://owner.example/feed.xml', 'https://copycat.example/rss', 'https://third.example/atom'];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-stories-'));
  store = Store.open(join(dir, 'test.db'));
  store.sources.sync(FEEDS.map(src), NOW);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const idOf = (url: string) => store.sources.list().find((s) => s.configUrl === url)?.id as number;

describe('the item that represents a story', () => {
  it('a second source claiming another site\'s URL adds itself to the sources, never its title or body (issue 10.9)', () => {
    const [owner, copycat] = [idOf(FEEDS[0] as string), idOf(FEEDS[1] as string)];
    store.items.save(copycat, [item({ guid: 'c1', url: 'https://owner.example/news/1', link: 'https://owner.example/news/1?utm_source=x',
      title: 'Hijacked headline', content: `<p>${'a much longer body from someone else '.repeat(50)}</p>` })], NOW);
    store.items.save(owner, [item({ guid: 'o1', url: 'https://owner.example/news/1', link: 'https://owner.example/news/1',
      title: 'The real headline', content: '<p>The short real body.</p>' })], NOW);
    const [story] = store.stories.list(10);
    expect(story?.title).toBe('The real headline');
    expect(story?.contentHtml).toBe('<p>The short real body.</p>');
    expect(story?.sources.map((s) => [s.sourceUrl, s.title])).toEqual([
      ['https://copycat.example/rss', 'Hijacked headline'], ['https://owner.example/feed.xml', 'The real headline']]);
  });

  it('without an owner, the first source that carried the URL represents it; a longer copy does not take over', () => {
    const [copycat, third] = [idOf(FEEDS[1] as string), idOf(FEEDS[2] as string)];
    store.items.save(third, [item({ guid: 't1', url: 'https://elsewhere.example/a', title: 'First carrier', content: '<p>short</p>' })], NOW);
    store.items.save(copycat, [item({ guid: 'c1', url: 'https://elsewhere.example/a', title: 'Later, longer',
      content: `<p>${'long '.repeat(500)}</p>` })], '2025-07-19T01:00:00.000Z');
    expect(store.stories.list(10)[0]?.title).toBe('First carrier');
  });

  it('between different articles of one story, the most complete body still wins', () => {
    const [owner, third] = [idOf(FEEDS[0] as string), idOf(FEEDS[2] as string)];
    store.items.save(owner, [item({ guid: 'o1', url: 'https://owner.example/1', title: 'Short report', content: '<p>short</p>' })], NOW);
    const story = store.stories.list(10)[0]?.id as number;
    store.items.save(third, [item({ guid: 't1', url: 'https://third.example/1', title: 'Full report',
      content: `<p>${'detail '.repeat(200)}</p>` })], NOW, new Map([[0, { story: { id: story } }]]));
    expect(store.stories.list(10)[0]?.title).toBe('Full report');
  });
});

describe('the latest development (issue 9.10)', () => {
  it('names the newest report of another article, with its source, link and time; the id stays', () => {
    const [owner, third] = [idOf(FEEDS[0] as string), idOf(FEEDS[2] as string)];
    store.items.save(owner, [item({ guid: 'o1', url: 'https://owner.example/missing', title: 'Two climbers missing on the ridge',
      content: `<p>${'search continues '.repeat(100)}</p>`, published: '2025-07-18T08:00:00.000Z' })], NOW);
    const [before] = store.stories.list(10);
    expect(before?.latest).toBeUndefined();
    store.items.save(third, [item({ guid: 't1', url: 'https://third.example/found', link: 'https://third.example/found?b=2&a=1&fbclid=z',
      title: 'Missing climbers found alive', summary: 'Both are safe.', published: '2025-07-18T16:00:00.000Z' })],
    '2025-07-18T16:05:00.000Z', new Map([[0, { story: { id: before?.id as number } }]]));
    const [after] = store.stories.list(10);
    expect(after?.guid).toBe(before?.guid);
    expect(after?.title).toBe('Two climbers missing on the ridge');
    expect(after?.latest).toEqual({ title: 'Missing climbers found alive', sourceName: 'third.example',
      link: 'https://third.example/found?b=2&a=1', published: '2025-07-18T16:00:00.000Z' });
  });
});

describe('list options', () => {
  it('sourceUrls keeps the stories that one of those sources carried', () => {
    const [owner, third] = [idOf(FEEDS[0] as string), idOf(FEEDS[2] as string)];
    store.items.save(owner, [item({ guid: 'o1', url: 'https://owner.example/1', title: 'Owner story' })], NOW);
    store.items.save(third, [item({ guid: 't1', url: 'https://third.example/1', title: 'Third story' })], NOW);
    expect(store.stories.list(10, { sourceUrls: [FEEDS[2] as string] }).map((s) => s.title)).toEqual(['Third story']);
    expect(store.stories.list(10, { sourceUrls: [] })).toEqual([]);
    expect(store.stories.list(10).map((s) => s.title).sort()).toEqual(['Owner story', 'Third story']);
  });

  it('maxBodyChars reads only that much of a body and says it was cut', () => {
    const owner = idOf(FEEDS[0] as string);
    store.items.save(owner, [item({ guid: 'o1', url: 'https://owner.example/1', content: `<p>${'x'.repeat(5000)}</p>` })], NOW);
    const [cut] = store.stories.list(10, { maxBodyChars: 1000 });
    expect(cut?.contentHtml).toHaveLength(1000);
    expect(cut?.contentTruncated).toBe(true);
    expect(store.stories.list(10, { maxBodyChars: 10_000 })[0]?.contentTruncated).toBe(false);
  });

  it('links are the source\'s own, minus tracking parameters; the canonical URL stays the identity', () => {
    const owner = idOf(FEEDS[0] as string);
    store.items.save(owner, [item({ guid: 'o1', url: 'https://owner.example/a?a=1&z=2', link: 'https://owner.example/a?z=2&utm_medium=rss&a=1' })], NOW);
    const [story] = store.stories.list(10);
    expect(story?.url).toBe('https://owner.example/a?a=1&z=2');
    expect(story?.link).toBe('https://owner.example/a?z=2&a=1');
    expect(story?.sources[0]?.itemUrl).toBe('https://owner.example/a?z=2&a=1');
  });
});

describe('retention counts stories, not merge leftovers (issue 9.11)', () => {
  it('the emptied story of a merge is cleared without being reported as pruned', () => {
    const [owner, third] = [idOf(FEEDS[0] as string), idOf(FEEDS[2] as string)];
    store.items.save(owner, [item({ guid: 'o1', url: 'https://owner.example/1', title: 'One' })], NOW);
    store.items.save(third, [item({ guid: 't1', url: 'https://third.example/1', title: 'Two' })], NOW);
    const [b, a] = store.stories.list(10).map((s) => s.id) as [number, number];
    expect(store.stories.merge(Math.min(a, b), Math.max(a, b), NOW)).toBe(true);
    expect(store.prune('2000-01-01T00:00:00.000Z')).toEqual({ items: 0, stories: 0 });
    expect((store.db.prepare('SELECT count(*) AS n FROM stories').get() as { n: number }).n).toBe(1);
    expect(store.prune('2030-01-01T00:00:00.000Z')).toEqual({ items: 2, stories: 1 });
  });
});
