import { describe, expect, it } from 'vitest';
import { negotiateEncoding, parseFeedPath } from './feeds.js';

describe('negotiateEncoding', () => {
  it.each<[accept: string | undefined, size: number, expected: string]>([
    [undefined, 10_000, 'identity'],
    ['', 10_000, 'identity'],
    ['gzip, deflate, br', 10_000, 'br'],
    ['gzip', 10_000, 'gzip'],
    ['br;q=0.5, gzip;q=0.9', 10_000, 'gzip'],
    ['br;q=0, gzip;q=0', 10_000, 'identity'],
    ['*', 10_000, 'br'],
    ['*;q=0.3, br;q=0', 10_000, 'gzip'],
    ['identity', 10_000, 'identity'],
    ['x-gzip', 10_000, 'gzip'],
    ['GZIP', 10_000, 'gzip'],
    ['gzip, br', 100, 'identity'], // too small to be worth it
    ['br;q=garbage, gzip', 10_000, 'gzip'],
  ])('%j (%i bytes) -> %s', (accept, size, expected) => {
    expect(negotiateEncoding(accept, size)).toBe(expected);
  });
});

describe('parseFeedPath', () => {
  it.each<[path: string, expected: ReturnType<typeof parseFeedPath>]>([
    ['/feed.xml', { kind: 'rss' }],
    ['/atom.xml', { kind: 'atom' }],
    ['/feed.json', { kind: 'json' }],
    ['/tags/world/feed.xml', { kind: 'rss', tag: 'world' }],
    ['/tags/World%20%26%20more/atom.xml', { kind: 'atom', tag: 'World & more' }],
    ['/tags/%D8%B9%D8%B1%D8%A8%D9%8A/feed.json', { kind: 'json', tag: 'عربي' }],
    ['/tags/%E0%A4%A/feed.xml', undefined], // broken escape
    ['/tags//feed.xml', undefined],
    ['/tags/a/b/feed.xml', undefined],
    ['/tags/world/other.xml', undefined],
    ['/health', undefined],
    ['/feed.xml/', undefined],
  ])('%s', (path, expected) => {
    expect(parseFeedPath(path)).toEqual(expected);
  });
});
