// Where the merged feeds live and what they are called: no heavy imports, so OPML and the CLI can use it.
import type { Config } from '../model/index.js';

export type FeedKind = 'rss' | 'atom' | 'json';

export const FEED_FILES: Readonly<Record<FeedKind, string>> = { rss: 'feed.xml', atom: 'atom.xml', json: 'feed.json' };

/** The merged feeds' paths. */
export const FEED_PATHS: Readonly<Record<FeedKind, string>> = { rss: '/feed.xml', atom: '/atom.xml', json: '/feed.json' };

export const FEED_CONTENT_TYPES: Readonly<Record<FeedKind, string>> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

/** Path of a feed: the merged one, or a tag's (`/tags/<tag>/feed.xml`). */
export function feedPath(kind: FeedKind, tag?: string): string {
  return tag === undefined ? FEED_PATHS[kind] : `/tags/${encodeURIComponent(tag)}/${FEED_FILES[kind]}`;
}

/** The tags of the configured (enabled) sources, in config order: each has its feeds. */
export function configTags(config: Config): string[] {
  return [...new Set(config.sources.filter((s) => s.enabled).flatMap((s) => s.tags))];
}
