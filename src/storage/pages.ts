// Read-only queries behind the HTML pages (src/pages/): story counts for pagination, a story's items for
// its timeline, the stories merged into it, and each source's activity. Nothing here writes.
import type Database from 'better-sqlite3';
import { u } from './rows.js';

/** A story's own row (merged ones included: their page points to the story they went into). */
export interface StoryHead {
  id: number;
  guid: string;
  createdAt: string;
  publishedAt: string;
  updatedAt: string;
  mergedInto?: number;
}

/** One item of a story, with its source and its article's full-text state. */
export interface StoryItem {
  itemId: number;
  articleId: number;
  sourceId: number;
  /** The source's configured name, else its feed title, else its host. */
  sourceName: string;
  title: string;
  /** The item's link as the feed gave it (published form: see urlcleaner.publishedUrl). */
  link?: string;
  /** Canonical URL (the article's identity). */
  url?: string;
  author?: string;
  published: string;
  firstSeen: string;
  /** When storyfeed first saw the article (its first item). */
  articleFirstSeen: string;
  extractStatus?: 'ok' | 'failed';
  extractError?: string;
}

/** A story that was merged into another, as its history shows it. */
export interface MergedStory {
  id: number;
  guid: string;
  createdAt: string;
}

/** What a source brought: items by publication time, and how its articles' full text went. */
export interface SourceActivity {
  sourceId: number;
  itemsDay: number;
  itemsWeek: number;
  /** The source's setting (`full_text`), as last synced from the config. */
  fullText: boolean;
  intervalSeconds: number;
  /** Articles of its items whose page was extracted / failed (feed content kept) / not tried yet. */
  extractOk: number;
  extractFailed: number;
  extractPending: number;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

export class PageQueries {
  constructor(private readonly db: Database.Database) {}

  /** Live stories (merged ones excluded), only those a source with one of `sourceUrls` carried when given. */
  countStories(sourceUrls?: readonly string[]): number {
    const bySource = sourceUrls ? `AND EXISTS (SELECT 1 FROM articles a JOIN items i ON i.article_id = a.id
        JOIN sources s ON s.id = i.source_id WHERE a.story_id = st.id AND s.config_url IN (SELECT value FROM json_each(@urls)))` : '';
    return (this.db.prepare(`SELECT count(*) AS n FROM stories st WHERE merged_into IS NULL ${bySource}`)
      .get({ urls: JSON.stringify(sourceUrls ?? []) }) as { n: number }).n;
  }

  storyHead(id: number): StoryHead | undefined {
    const r = this.db.prepare('SELECT id, guid, created_at, published_at, updated_at, merged_into FROM stories WHERE id = ?').get(id) as {
      id: number; guid: string; created_at: string; published_at: string; updated_at: string; merged_into: number | null;
    } | undefined;
    return r && { id: r.id, guid: r.guid, createdAt: r.created_at, publishedAt: r.published_at, updatedAt: r.updated_at,
      mergedInto: u(r.merged_into) };
  }

  /** The first `limit` items of a story by publication time, and how many it has in all. */
  storyItems(storyId: number, limit: number): { items: StoryItem[]; total: number } {
    const rows = this.db.prepare(`
      SELECT i.id, i.article_id, i.source_id, i.title, i.link, i.url, i.author, i.published_at, i.first_seen_at,
        a.first_seen_at AS article_first_seen, a.extract_status, a.extract_error,
        coalesce(s.name, s.title) AS source_name, s.url AS source_url
      FROM items i JOIN articles a ON a.id = i.article_id JOIN sources s ON s.id = i.source_id
      WHERE a.story_id = ? ORDER BY i.published_at, i.id LIMIT ?`).all(storyId, limit) as {
      id: number; article_id: number; source_id: number; title: string; link: string | null; url: string | null;
      author: string | null; published_at: string; first_seen_at: string; article_first_seen: string;
      extract_status: 'ok' | 'failed' | null; extract_error: string | null; source_name: string | null; source_url: string;
    }[];
    const total = (this.db.prepare('SELECT count(*) AS n FROM items i JOIN articles a ON a.id = i.article_id WHERE a.story_id = ?')
      .get(storyId) as { n: number }).n;
    return {
      total,
      items: rows.map((r) => ({
        itemId: r.id, articleId: r.article_id, sourceId: r.source_id, sourceName: r.source_name ?? hostOf(r.source_url),
        title: r.title, link: u(r.link), url: u(r.url), author: u(r.author), published: r.published_at, firstSeen: r.first_seen_at,
        articleFirstSeen: r.article_first_seen, extractStatus: u(r.extract_status), extractError: u(r.extract_error),
      })),
    };
  }

  /** Each article's first item (its headline) and that item's source, for a story's history. */
  articleLabels(articleIds: readonly number[]): Map<number, { title: string; source: string }> {
    const rows = this.db.prepare(`
      SELECT i.article_id, i.title, coalesce(s.name, s.title) AS source_name, s.url AS source_url
      FROM items i JOIN sources s ON s.id = i.source_id
      WHERE i.id IN (SELECT (SELECT i2.id FROM items i2 WHERE i2.article_id = a.value ORDER BY i2.published_at, i2.id LIMIT 1)
        FROM json_each(@ids) a)`).all({ ids: JSON.stringify(articleIds) }) as
      { article_id: number; title: string; source_name: string | null; source_url: string }[];
    return new Map(rows.map((r) => [r.article_id, { title: r.title, source: r.source_name ?? hostOf(r.source_url) }]));
  }

  /** Stories merged into this one (their ids are no longer published), oldest first, at most `limit`. */
  mergedInto(storyId: number, limit: number): MergedStory[] {
    return (this.db.prepare(`SELECT id, guid, created_at FROM stories WHERE merged_into = ? ORDER BY created_at, id LIMIT ?`)
      .all(storyId, limit) as { id: number; guid: string; created_at: string }[])
      .map((r) => ({ id: r.id, guid: r.guid, createdAt: r.created_at }));
  }

  /** Every stored source's activity: items published since `day` / `week`, full-text outcomes of its articles. */
  sourceActivity(day: string, week: string): Map<number, SourceActivity> {
    const rows = this.db.prepare(`
      SELECT s.id, s.full_text, s.interval_seconds,
        (SELECT count(*) FROM items i WHERE i.source_id = s.id AND i.published_at >= @day) AS items_day,
        (SELECT count(*) FROM items i WHERE i.source_id = s.id AND i.published_at >= @week) AS items_week,
        x.ok, x.failed, x.pending
      FROM sources s LEFT JOIN (
        SELECT source_id, count(*) FILTER (WHERE extract_status = 'ok') AS ok,
          count(*) FILTER (WHERE extract_status = 'failed') AS failed,
          count(*) FILTER (WHERE extract_status IS NULL AND url IS NOT NULL) AS pending
        FROM (SELECT DISTINCT i.source_id, a.id, a.extract_status, a.url FROM items i JOIN articles a ON a.id = i.article_id)
        GROUP BY source_id) x ON x.source_id = s.id`).all({ day, week }) as {
      id: number; full_text: number; interval_seconds: number; items_day: number; items_week: number;
      ok: number | null; failed: number | null; pending: number | null;
    }[];
    return new Map(rows.map((r) => [r.id, {
      sourceId: r.id, itemsDay: r.items_day, itemsWeek: r.items_week, fullText: r.full_text === 1, intervalSeconds: r.interval_seconds,
      extractOk: r.ok ?? 0, extractFailed: r.failed ?? 0, extractPending: r.pending ?? 0,
    }]));
  }
}
