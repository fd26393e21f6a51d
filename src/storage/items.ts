// Items and articles: what each source published, and the article (canonical URL) they are copies of.
import type Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import type { Enclosure } from '../model/index.js';
import { u, type ItemRow } from './rows.js';
import type { StoryStore } from './stories.js';

/** An item ready to store: parsed, cleaned and sanitized by the orchestrator. */
export interface ItemInput {
  guid?: string;
  url?: string;
  link?: string;
  title: string;
  summary?: string;
  content?: string;
  author?: string;
  published: string;
  updated?: string;
  enclosures: readonly Enclosure[];
  categories: readonly string[];
}

/**
 * How new articles find their story (the clusterer, wired by the ingest orchestrator). Called inside
 * the save transaction, so an article and its story assignment are written together.
 */
export interface SaveHooks {
  /** The existing story a new article joins (and stories to merge into it), or undefined for a new story. */
  decide?: (item: ItemInput) => { story?: number; merge: readonly number[] } | undefined;
  /** After the article is stored under `storyId`, with the stories merged into it. */
  added?: (item: ItemInput, articleId: number, storyId: number, merged: readonly number[]) => void;
}

export interface SaveResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** An article as the clusterer reads it. */
export interface ClusterInput {
  articleId: number;
  storyId: number;
  url?: string;
  title: string;
  /** Extracted article text, when extraction succeeded. */
  articleText?: string;
  /** The feed's content or summary (sanitized HTML). */
  feedHtml?: string;
  published: string;
}

/** Identity of an item inside its source: guid, else canonical URL, else a hash of its content. */
export function itemKey(item: Pick<ItemInput, 'guid' | 'url' | 'title' | 'summary' | 'content'>): string {
  if (item.guid) return `guid:${item.guid}`;
  if (item.url) return `url:${item.url}`;
  const h = createHash('sha256').update(item.title).update('\0').update(item.summary ?? item.content ?? '');
  return `hash:${h.digest('hex').slice(0, 32)}`;
}

export class ItemStore {
  constructor(private readonly db: Database.Database, private readonly stories: StoryStore) {}

  /**
   * Store a source's items in one transaction. An item already stored for this source (same guid, or same
   * canonical URL) is updated in place, never duplicated. A canonical URL already stored by another
   * source joins the same article (and so the same story).
   */
  save(sourceId: number, items: readonly ItemInput[], now: string, hooks: SaveHooks = {}): SaveResult {
    const result: SaveResult = { inserted: 0, updated: 0, unchanged: 0 };
    const byGuid = this.db.prepare('SELECT * FROM items WHERE source_id = ? AND guid = ?');
    const byUrl = this.db.prepare('SELECT * FROM items WHERE source_id = ? AND url = ?');
    const byKey = this.db.prepare('SELECT * FROM items WHERE source_id = ? AND item_key = ?');
    const articleByUrl = this.db.prepare('SELECT id, story_id FROM articles WHERE url = ?');
    const insertStory = this.db.prepare(
      'INSERT INTO stories (guid, created_at, published_at, updated_at) VALUES (?, ?, ?, ?)');
    const insertArticle = this.db.prepare('INSERT INTO articles (url, story_id, first_seen_at) VALUES (?, ?, ?)');
    const insertItem = this.db.prepare(`
      INSERT INTO items (source_id, item_key, guid, url, link, title, summary, content, author, published_at,
        updated_at, first_seen_at, last_seen_at, enclosures, categories, article_id)
      VALUES (@sourceId, @key, @guid, @url, @link, @title, @summary, @content, @author, @published,
        @updated, @now, @now, @enclosures, @categories, @articleId)`);
    const updateItem = this.db.prepare(`
      UPDATE items SET guid = @guid, url = @url, link = @link, title = @title, summary = @summary,
        content = @content, author = @author, updated_at = @updated, last_seen_at = @now,
        enclosures = @enclosures, categories = @categories
      WHERE id = @id`);
    const touchItem = this.db.prepare('UPDATE items SET last_seen_at = ? WHERE id = ?');
    const touchStory = this.db.prepare(`
      UPDATE stories SET updated_at = @now, published_at = min(published_at, @published) WHERE id = @id`);
    const storyOfArticle = this.db.prepare('SELECT story_id FROM articles WHERE id = ?');
    const liveStory = this.db.prepare('SELECT 1 FROM stories WHERE id = ? AND merged_into IS NULL');

    const batchGuids = new Set(items.flatMap((i) => (i.guid ? [i.guid] : [])));
    this.db.transaction(() => {
      for (const item of items) {
        const key = itemKey(item);
        // By guid; else by canonical URL (a feed that changed its guid scheme) unless that row's guid is
        // another item of this same feed (two entries sharing one link: both kept, one article).
        const byLink = item.url ? byUrl.all(sourceId, item.url) as ItemRow[] : [];
        const sameLink = byLink.find((r) => !r.guid || !batchGuids.has(r.guid) || r.guid === item.guid);
        const existing = ((item.guid && byGuid.get(sourceId, item.guid)) || sameLink ||
          byKey.get(sourceId, key)) as ItemRow | undefined;
        const fields = {
          guid: item.guid ?? null, url: item.url ?? null, link: item.link ?? null, title: item.title,
          summary: item.summary ?? null, content: item.content ?? null, author: item.author ?? null,
          updated: item.updated ?? null, enclosures: JSON.stringify(item.enclosures),
          categories: JSON.stringify(item.categories), now,
        };
        if (existing) {
          const changed = existing.title !== fields.title || existing.summary !== fields.summary ||
            existing.content !== fields.content || existing.link !== fields.link ||
            existing.author !== fields.author || existing.updated_at !== fields.updated ||
            existing.enclosures !== fields.enclosures || existing.categories !== fields.categories;
          if (changed) {
            updateItem.run({ ...fields, id: existing.id });
            const story = storyOfArticle.get(existing.article_id) as { story_id: number };
            touchStory.run({ id: story.story_id, now, published: existing.published_at });
            result.updated++;
          } else {
            touchItem.run(now, existing.id);
            result.unchanged++;
          }
          continue;
        }
        let article = item.url ? (articleByUrl.get(item.url) as { id: number; story_id: number } | undefined) : undefined;
        if (article) {
          touchStory.run({ id: article.story_id, now, published: item.published });
        } else {
          // A new article: the clusterer may place it in an existing story (and merge others into it).
          const decision = hooks.decide?.(item);
          // The clusterer may remember a story that retention has since removed: then it is a new story.
          let storyId = decision?.story !== undefined && liveStory.get(decision.story) ? decision.story : undefined;
          if (storyId === undefined) {
            storyId = Number(insertStory.run(`urn:uuid:${randomUUID()}`, now, item.published, now).lastInsertRowid);
          } else {
            touchStory.run({ id: storyId, now, published: item.published });
          }
          const sid = storyId;
          const merged = decision?.story === sid ? (decision?.merge ?? []).filter((d) => this.stories.mergeTx(sid, d, now)) : [];
          const articleId = Number(insertArticle.run(item.url ?? null, storyId, now).lastInsertRowid);
          article = { id: articleId, story_id: storyId };
          hooks.added?.(item, articleId, storyId, merged);
        }
        insertItem.run({ ...fields, sourceId, key, published: item.published, articleId: article.id });
        result.inserted++;
      }
    })();
    return result;
  }

  /**
   * Articles seen or published since `since`, as the clusterer reads them (oldest first): its title, its
   * best text (extracted article, else feed content, else summary), publication time and story.
   */
  clusterInputs(since: string): ClusterInput[] {
    return this.queryClusterInputs(
      'EXISTS (SELECT 1 FROM items i WHERE i.article_id = a.id AND (i.first_seen_at >= @p OR i.published_at >= @p))', since);
  }

  clusterInputFor(articleId: number): ClusterInput | undefined {
    return this.queryClusterInputs('a.id = @p', articleId)[0];
  }

  private queryClusterInputs(where: string, param: string | number): ClusterInput[] {
    const rows = this.db.prepare(`
      SELECT a.id AS article_id, a.story_id, a.url, a.text AS article_text,
        (SELECT i.title FROM items i WHERE i.article_id = a.id ORDER BY i.published_at, i.id LIMIT 1) AS title,
        (SELECT coalesce(i.content, i.summary) FROM items i WHERE i.article_id = a.id
           ORDER BY length(coalesce(i.content, i.summary)) DESC LIMIT 1) AS feed_text,
        (SELECT min(i.published_at) FROM items i WHERE i.article_id = a.id) AS published
      FROM articles a
      WHERE ${where}
      ORDER BY published, a.id`).all({ p: param }) as {
      article_id: number; story_id: number; url: string | null; article_text: string | null; title: string;
      feed_text: string | null; published: string;
    }[];
    return rows.map((r) => ({ articleId: r.article_id, storyId: r.story_id, url: u(r.url), title: r.title,
      articleText: u(r.article_text), feedHtml: u(r.feed_text), published: r.published }));
  }

  /** One item with its article and story, for `storyfeed explain`. */
  itemForCluster(itemId: number): (ClusterInput & { itemId: number; source: string }) | undefined {
    const r = this.db.prepare(`
      SELECT i.id, i.title, i.url, coalesce(i.content, i.summary) AS feed_text, i.published_at, a.id AS article_id,
        a.story_id, a.text AS article_text, coalesce(s.name, s.title, s.url) AS source
      FROM items i JOIN articles a ON a.id = i.article_id JOIN sources s ON s.id = i.source_id WHERE i.id = ?`).get(itemId) as {
      id: number; title: string; url: string | null; feed_text: string | null; published_at: string; article_id: number;
      story_id: number; article_text: string | null; source: string;
    } | undefined;
    if (!r) return undefined;
    return { itemId: r.id, articleId: r.article_id, storyId: r.story_id, url: u(r.url), title: r.title,
      articleText: u(r.article_text), feedHtml: u(r.feed_text), published: r.published_at, source: r.source };
  }
}
