// Stories: merging, membership, and the assembly of a story's entry from its members.
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Enclosure, Story, StoryDevelopment, StorySource } from '../model/index.js';
import { publishedUrl } from '../urlcleaner/index.js';
import { u } from './rows.js';

/** A member item with its source and article, without the large columns (bodies are read for representatives only). */
interface MemberRow {
  id: number; source_id: number; article_id: number; story_id: number; title: string; url: string | null;
  link: string | null; author: string | null; published_at: string; first_seen_at: string; categories: string;
  enclosures: string; summary: string | null; content: string | null; content_len: number | null;
  source_name: string | null; source_title: string | null; source_url: string; source_site: string | null;
  source_config_url: string; article_url: string | null; article_text_len: number | null; article_byline: string | null;
}

/** What the publisher asks of list(). */
export interface StoryListOptions {
  /** Only stories that a source with one of these configured URLs carried (a tag's feed). */
  sourceUrls?: readonly string[];
  /** Read bodies (article HTML, feed content) up to this many characters; `contentTruncated` says when cut. */
  maxBodyChars?: number;
  /** Skip this many of the newest stories first (the pages' pagination). */
  offset?: number;
  /** Only these stories (a story's page). */
  ids?: readonly number[];
}

export interface StorySummary {
  id: number;
  guid: string;
  title: string;
  published: string;
  updated: string;
  members: {
    id: number; title: string; url: string | null; source: string; published_at: string;
    /** Full text: 'ok', 'failed' (feed content kept; extract_error says why) or null (not tried / off). */
    extract_status: 'ok' | 'failed' | null; extract_error: string | null;
  }[];
}


/** One line of a story's history. */
export interface StoryEvent {
  id: number;
  storyId: number;
  event: 'created' | 'joined' | 'moved_in' | 'moved_out' | 'merged_in' | 'merged_into';
  articleId: number | null;
  otherStoryId: number | null;
  probability: number | null;
  at: string;
}

/** A re-clustering decision to write: an article moves to another story, or a story merges into another. */
export type StoryChange =
  | { kind: 'move'; article: number; to: number; probability?: number }
  | { kind: 'merge'; keep: number; drop: number; probability?: number };

interface StoryRow {
  id: number; guid: string; created_at: string; published_at: string; updated_at: string;
}

export class StoryStore {
  private changes?: { dataVersion: Database.Statement; total: Database.Statement };

  constructor(private readonly db: Database.Database) {}

  /**
   * A value that changes whenever anything is committed to the database, by this connection
   * (total_changes()) or another one (PRAGMA data_version): a few microseconds, so the HTTP server can ask
   * on every request whether the feeds it keeps may be stale before it asks the dearer feedGeneration().
   */
  changeToken(): string {
    this.changes ??= { dataVersion: this.db.prepare('PRAGMA data_version').pluck(), total: this.db.prepare('SELECT total_changes()').pluck() };
    return `${String(this.changes.dataVersion.get())}:${String(this.changes.total.get())}`;
  }

  /**
   * Merge story `drop` into story `keep`: its articles move, it is marked merged (never published
   * again under its own id), and `keep` is updated. The caller passes the older story as `keep`.
   */
  merge(keep: number, drop: number, now: string): boolean {
    return this.db.transaction(() => this.mergeTx(keep, drop, now))();
  }

  /** merge() inside the caller's transaction; false (nothing done) when either story is gone (pruned) or already merged. */
  mergeTx(keep: number, drop: number, now: string, probability?: number): boolean {
    const live = this.db.prepare('SELECT count(*) AS n FROM stories WHERE id IN (?, ?) AND merged_into IS NULL')
      .get(keep, drop) as { n: number };
    if (keep === drop || live.n !== 2) return false;
    this.db.prepare('UPDATE articles SET story_id = ? WHERE story_id = ?').run(keep, drop);
    this.db.prepare('UPDATE stories SET merged_into = ? WHERE id = ? OR merged_into = ?').run(keep, drop, drop);
    this.db.prepare(`UPDATE stories SET updated_at = @now,
        published_at = min(published_at, (SELECT published_at FROM stories WHERE id = @drop)),
        created_at = min(created_at, (SELECT created_at FROM stories WHERE id = @drop))
      WHERE id = @keep`).run({ keep, drop, now });
    this.recordTx(keep, 'merged_in', now, { other: drop, probability });
    this.recordTx(drop, 'merged_into', now, { other: keep, probability });
    return true;
  }

  /** A new story (its public id is a fresh urn:uuid), inside the caller's transaction. */
  createTx(now: string, published: string): number {
    return Number(this.db.prepare('INSERT INTO stories (guid, created_at, published_at, updated_at) VALUES (?, ?, ?, ?)')
      .run(`urn:uuid:${randomUUID()}`, now, published, now).lastInsertRowid);
  }

  /** Append to a story's history, inside the caller's transaction. */
  recordTx(story: number, event: StoryEvent['event'], at: string,
    more: { article?: number; other?: number; probability?: number } = {}): void {
    this.db.prepare(`INSERT INTO story_events (story_id, event, article_id, other_story_id, probability, at)
      VALUES (?, ?, ?, ?, ?, ?)`).run(story, event, more.article ?? null, more.other ?? null, more.probability ?? null, at);
  }

  /** A story's history, oldest first: created, joined, moved in/out, merged in/into. */
  history(story: number): StoryEvent[] {
    return this.db.prepare(`SELECT id, story_id AS storyId, event, article_id AS articleId, other_story_id AS otherStoryId,
      probability, at FROM story_events WHERE story_id = ? ORDER BY id`).all(story) as StoryEvent[];
  }

  /**
   * Move an article to another live story, inside the caller's transaction: both stories are updated and
   * both histories record it. A story left without articles is marked merged into the destination (its
   * entry is gone, its articles are published in the destination's). False when either is gone.
   */
  moveTx(article: number, to: number, now: string, probability?: number): boolean {
    const from = this.ofArticle(article);
    const live = this.db.prepare('SELECT 1 FROM stories WHERE id = ? AND merged_into IS NULL');
    if (from === undefined || from === to || !live.get(to)) return false;
    this.db.prepare('UPDATE articles SET story_id = ? WHERE id = ?').run(to, article);
    this.db.prepare(`UPDATE stories SET updated_at = @now, published_at = min(published_at,
        (SELECT min(i.published_at) FROM items i WHERE i.article_id = @article)) WHERE id = @to`).run({ now, article, to });
    this.recordTx(from, 'moved_out', now, { article, other: to, probability });
    this.recordTx(to, 'moved_in', now, { article, other: from, probability });
    const left = this.db.prepare('SELECT count(*) AS n FROM articles WHERE story_id = ?').get(from) as { n: number };
    if (left.n === 0) {
      this.db.prepare('UPDATE stories SET merged_into = ?, updated_at = ? WHERE id = ? OR merged_into = ?').run(to, now, from, from);
      this.recordTx(from, 'merged_into', now, { other: to });
      this.recordTx(to, 'merged_in', now, { other: from });
    } else {
      this.db.prepare(`UPDATE stories SET updated_at = @now, published_at = coalesce((SELECT min(i.published_at) FROM items i
          JOIN articles a ON a.id = i.article_id WHERE a.story_id = @from), published_at) WHERE id = @from`).run({ now, from });
    }
    return true;
  }

  /** Write re-clustering decisions in one transaction, in order. Returns how many could not apply (a story or article gone). */
  apply(changes: readonly StoryChange[], now: string): { skipped: number } {
    return this.db.transaction(() => {
      let skipped = 0;
      for (const c of changes) {
        const done = c.kind === 'merge' ? this.mergeTx(c.keep, c.drop, now, c.probability) : this.moveTx(c.article, c.to, now, c.probability);
        if (!done) skipped++;
      }
      return { skipped };
    })();
  }

  /** The story an article belongs to now. */
  ofArticle(articleId: number): number | undefined {
    return (this.db.prepare('SELECT story_id FROM articles WHERE id = ?').get(articleId) as { story_id: number } | undefined)?.story_id;
  }

  /** Recent stories with their members (item ids, sources, titles), for `storyfeed stories`. */
  summaries(limit: number): StorySummary[] {
    return this.list(limit).map((s) => ({
      id: s.id, guid: s.guid, title: s.title, published: s.published, updated: s.updated,
      members: this.db.prepare(`
        SELECT i.id, i.title, coalesce(i.url, i.link) AS url, coalesce(src.name, src.title, src.url) AS source, i.published_at,
          a.extract_status, a.extract_error
        FROM items i JOIN articles a ON a.id = i.article_id JOIN sources src ON src.id = i.source_id
        WHERE a.story_id = ? ORDER BY i.published_at, i.id`).all(s.id) as StorySummary['members'],
    }));
  }

  /**
   * The newest stories (by first publication), each with every item that carried it. Bodies are read for
   * the representative items only, and at most `maxBodyChars` of each, so the cost of a feed is bounded by
   * its entries, not by the size of what was stored.
   */
  list(limit: number, opts: StoryListOptions = {}): Story[] {
    const cap = opts.maxBodyChars ?? DEFAULT_MAX_BODY_CHARS;
    const bySource = opts.sourceUrls ? `AND EXISTS (SELECT 1 FROM articles a JOIN items i ON i.article_id = a.id
        JOIN sources s ON s.id = i.source_id WHERE a.story_id = st.id AND s.config_url IN (SELECT value FROM json_each(@urls)))` : '';
    const byId = opts.ids ? 'AND st.id IN (SELECT value FROM json_each(@only))' : '';
    const stories = this.db.prepare(`
      SELECT id, guid, created_at, published_at, updated_at FROM stories st
      WHERE merged_into IS NULL ${bySource} ${byId} ORDER BY published_at DESC, id DESC LIMIT @limit OFFSET @offset`)
      .all({ limit, offset: opts.offset ?? 0, urls: JSON.stringify(opts.sourceUrls ?? []), only: JSON.stringify(opts.ids ?? []) }) as StoryRow[];
    if (stories.length === 0) return [];
    const members = this.db.prepare(`
      SELECT i.id, i.source_id, i.article_id, a.story_id, i.title, i.url, i.link, i.author, i.published_at,
        i.first_seen_at, i.categories, i.enclosures, substr(i.summary, 1, @cap) AS summary, substr(i.content, 1, @cap) AS content,
        length(i.content) AS content_len,
        s.name AS source_name, s.title AS source_title, s.url AS source_url, s.site_link AS source_site,
        s.config_url AS source_config_url, a.url AS article_url, length(a.text) AS article_text_len, a.byline AS article_byline
      FROM items i JOIN articles a ON a.id = i.article_id JOIN sources s ON s.id = i.source_id
      WHERE a.story_id IN (SELECT value FROM json_each(@ids))
      ORDER BY i.published_at, i.id`).all({ ids: JSON.stringify(stories.map((s) => s.id)), cap }) as MemberRow[];
    const byStory = new Map<number, MemberRow[]>();
    for (const m of members) {
      const list = byStory.get(m.story_id) ?? [];
      list.push(m);
      byStory.set(m.story_id, list);
    }
    const reps = new Map<number, MemberRow>();
    for (const [id, list] of byStory) reps.set(id, representative(list));
    const bodies = this.articleBodies([...reps.values()].map((r) => r.article_id), cap);
    return stories.flatMap((s) => {
      const list = byStory.get(s.id);
      const rep = reps.get(s.id);
      return list && rep ? [toStory(s, list, rep, bodies.get(rep.article_id), cap)] : [];
    });
  }

  /** Extracted article HTML (its first `cap` characters) of these articles. */
  private articleBodies(ids: readonly number[], cap: number): Map<number, { html: string; length: number }> {
    const rows = this.db.prepare(`SELECT id, substr(html, 1, @cap) AS html, length(html) AS len FROM articles
      WHERE id IN (SELECT value FROM json_each(@ids)) AND html IS NOT NULL`).all({ ids: JSON.stringify(ids), cap }) as
      { id: number; html: string; len: number }[];
    return new Map(rows.map((r) => [r.id, { html: r.html, length: r.len }]));
  }
}

// ---- story assembly ----------------------------------------------------------------------------------

/** Characters of a body read when the caller does not say (the publisher asks for its own cap). */
const DEFAULT_MAX_BODY_CHARS = 200_000;

function textLength(html: string | null): number {
  return html ? html.replace(/<[^>]*>/g, '').length : 0;
}

/** "www.news.example" -> "news.example". */
function siteHost(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return undefined;
  }
}

/**
 * Is `url` on the site of this member's source: the host of the feed URL the user configured, or a
 * subdomain of it? Only the configured URL counts: a feed's own <link> and its redirects are the feed's
 * say, and a copycat could claim any site with them.
 */
function ownsUrl(m: MemberRow, url: string | null): boolean {
  const host = siteHost(url);
  const own = siteHost(m.source_config_url);
  return host !== undefined && own !== undefined && (host === own || host.endsWith(`.${own}`));
}

/**
 * The items that may speak for each article: those from sources whose site the article's URL is on,
 * else the first that carried it. Another source claiming the same URL adds itself to the source list,
 * never its title or body (issue 10.9).
 */
function articleOwners(items: readonly MemberRow[]): MemberRow[] {
  const byArticle = new Map<number, MemberRow[]>();
  for (const it of items) byArticle.set(it.article_id, [...(byArticle.get(it.article_id) ?? []), it]);
  const firstSeen = (a: MemberRow, b: MemberRow) => a.first_seen_at.localeCompare(b.first_seen_at) || a.id - b.id;
  return [...byArticle.values()].flatMap((list) => {
    const owners = list.filter((m) => ownsUrl(m, m.article_url));
    return owners.length ? owners : [[...list].sort(firstSeen)[0] as MemberRow];
  });
}

/** The representative item: among the articles' own items, the most complete body, then the earliest. */
function representative(items: readonly MemberRow[]): MemberRow {
  let best = items[0] as MemberRow;
  let bestScore = -1;
  for (const it of articleOwners(items)) {
    const body = Math.max(it.article_text_len ?? 0, textLength(it.content));
    const score = body * 2 + textLength(it.summary);
    if (score > bestScore || (score === bestScore && it.published_at < best.published_at)) {
      best = it;
      bestScore = score;
    }
  }
  return best;
}

/** The newest report from another article than the representative's, when it is newer than it. */
function latestDevelopment(items: readonly MemberRow[], rep: MemberRow): StoryDevelopment | undefined {
  const newer = articleOwners(items)
    .filter((m) => m.article_id !== rep.article_id && m.published_at > rep.published_at && m.title !== rep.title)
    .sort((a, b) => b.published_at.localeCompare(a.published_at) || b.id - a.id)[0];
  if (!newer) return undefined;
  return { title: newer.title, sourceName: sourceName(newer), link: publishedUrl(newer.link ?? undefined) ?? u(newer.url),
    published: newer.published_at };
}

function sourceName(m: MemberRow): string {
  return m.source_name ?? m.source_title ?? new URL(m.source_url).hostname;
}

function parseJsonArray<T>(text: string): T[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

function toStory(s: StoryRow, items: readonly MemberRow[], rep: MemberRow, article: { html: string; length: number } | undefined,
  cap: number): Story {
  const seen = new Set<number>();
  const sources: StorySource[] = [];
  for (const it of items) {
    if (seen.has(it.source_id)) continue;
    seen.add(it.source_id);
    sources.push({
      sourceName: sourceName(it),
      sourceUrl: it.source_site ?? it.source_url,
      itemUrl: publishedUrl(it.link ?? undefined) ?? it.url ?? undefined,
      title: it.title,
      published: it.published_at,
    });
  }
  // The extracted article when it is at least as complete as the feed's own content.
  const useArticle = article !== undefined && (rep.article_text_len ?? 0) >= textLength(rep.content);
  const body = useArticle ? article.html : u(rep.content) ?? article?.html;
  const bodyLength = useArticle ? article.length : rep.content !== null ? rep.content_len ?? 0 : article?.length ?? 0;
  return {
    id: s.id,
    guid: s.guid,
    title: rep.title,
    url: rep.url ?? rep.link ?? undefined,
    link: publishedUrl(rep.link ?? undefined) ?? u(rep.url),
    summary: u(rep.summary),
    contentHtml: body,
    contentTruncated: body !== undefined && bodyLength > cap,
    latest: latestDevelopment(items, rep),
    author: u(rep.author) ?? u(rep.article_byline),
    firstSeen: s.created_at,
    published: s.published_at,
    updated: s.updated_at,
    categories: [...new Set(items.flatMap((i) => parseJsonArray<string>(i.categories)))],
    enclosures: parseJsonArray<Enclosure>(rep.enclosures),
    sources,
  };
}
