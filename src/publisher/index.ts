// Stories -> RSS 2.0 / Atom 1.0 / JSON Feed 1.1, rendered with the `feed` package.
// Entry ids are the stories' stable guids, so a feed reader never shows a story twice.
import { Feed } from 'feed';
import type { OutputConfig, Story } from '../model/index.js';
import { safeUrl, sanitizeHtml } from '../sanitizer/index.js';

export type FeedKind = 'rss' | 'atom' | 'json';

export const FEED_PATHS: Readonly<Record<FeedKind, string>> = {
  rss: '/feed.xml',
  atom: '/atom.xml',
  json: '/feed.json',
};

export const FEED_CONTENT_TYPES: Readonly<Record<FeedKind, string>> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

// XML 1.0 forbids most C0 controls and U+FFFE/U+FFFF; they would make the feed unparseable.
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/**
 * Text safe for the feed package's XML output: lone surrogates replaced (toWellFormed), forbidden control
 * characters dropped, and "]]>" broken up because the package's CDATA writer escapes only the first one.
 */
function xmlText(text: string): string {
  return text.toWellFormed().replace(XML_INVALID, '').replaceAll(']]>', ']] >');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** "Covered by" block listing every source that carried the story, with links. */
function coverageHtml(story: Story): string {
  const links = story.sources.map((s) => {
    const href = safeUrl(s.itemUrl) ?? safeUrl(s.sourceUrl);
    const name = escapeHtml(s.sourceName);
    return href ? `<li><a href="${escapeHtml(href)}">${name}</a>: ${escapeHtml(s.title)}</li>` : `<li>${name}: ${escapeHtml(s.title)}</li>`;
  });
  const label = story.sources.length > 1 ? `Covered by ${story.sources.length} sources` : 'Source';
  return `<p><strong>${label}:</strong></p><ul>${links.join('')}</ul>` +
    `<p><small>First reported ${utc(story.published)}; first seen ${utc(story.firstSeen)}; updated ${utc(story.updated)}.</small></p>`;
}

/** "2025-07-18 10:00 UTC": the times a reader sees at the foot of an entry. */
function utc(iso: string): string {
  const d = new Date(iso);
  return Number.isFinite(d.getTime()) ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso;
}

function entryLink(story: Story, output: OutputConfig): string {
  return safeUrl(story.url) ?? new URL(`#story-${story.id}`, output.link).href;
}

/** Build the merged feed for the given stories (already ordered newest first). */
export function buildFeed(stories: readonly Story[], output: OutputConfig): Feed {
  const base = output.link;
  const updated = stories.reduce<Date | undefined>((max, s) => {
    const d = new Date(s.updated);
    return !max || d > max ? d : max;
  }, undefined);
  const feed = new Feed({
    id: base,
    title: xmlText(output.title),
    description: xmlText(output.description),
    link: base,
    language: output.language,
    updated: updated ?? new Date(0),
    generator: 'storyfeed',
    copyright: '',
    feedLinks: {
      rss: new URL(FEED_PATHS.rss.slice(1), base).href,
      atom: new URL(FEED_PATHS.atom.slice(1), base).href,
      json: new URL(FEED_PATHS.json.slice(1), base).href,
    },
  });
  for (const story of stories) {
    const body = story.contentHtml || story.summary || '';
    const content = sanitizeHtml(`${body}${coverageHtml(story)}`, story.url);
    const description = story.summary ? sanitizeHtml(story.summary, story.url) : undefined;
    feed.addItem({
      id: story.guid,
      guid: story.guid,
      title: xmlText(story.title),
      link: entryLink(story, output),
      date: new Date(story.updated),
      published: new Date(story.published),
      description: description ? xmlText(description) : undefined,
      content: xmlText(content),
      author: story.author ? [{ name: xmlText(story.author) }] : undefined,
      category: story.categories.slice(0, 20).map((name) => ({ name: xmlText(name) })),
    });
  }
  return feed;
}

export function renderFeed(kind: FeedKind, stories: readonly Story[], output: OutputConfig): string {
  const feed = buildFeed(stories, output);
  switch (kind) {
    case 'rss':
      return feed.rss2();
    case 'atom':
      return feed.atom1();
    case 'json':
      return toJsonFeed11(feed.json1(), output.language);
  }
}

interface JsonFeedDoc {
  version: string;
  language?: string;
  items: { author?: unknown; authors?: unknown[] }[];
}

/**
 * The feed package writes JSON Feed 1.0; 1.1 differs only in `authors` (a list) replacing `author`,
 * and a top-level `language`. Upgrade the document so readers get the current version.
 */
function toJsonFeed11(json1: string, language: string): string {
  const doc = JSON.parse(json1) as JsonFeedDoc;
  doc.version = 'https://jsonfeed.org/version/1.1';
  if (language) doc.language = language;
  for (const item of doc.items) {
    if (item.author) item.authors = [item.author];
    delete item.author;
  }
  return JSON.stringify(doc, null, 2);
}
