// Items and articles: what each source published, and the article (canonical URL) they are copies of.
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { Enclosure } from '../model/index.js';
import { u, type ItemRow } from './rows.js';
import type { StoryStore } from './stories.js';
import { blob } from './cluster.js';

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * How precisely an unchanged item's last sighting is kept (ms): a fetch that finds it unchanged writes
 * "seen now" only when the stored time is at least this old. Retention counts in days, so an hour loses
 * nothing, and a feed polled every 15 minutes costs one write per item an hour instead of four.
 */
export const SEEN_RESOLUTION_MS = 3_600_000;
// ---------------------------------------------------------------------------------------------------

/** An item ready to store: parsed, cleaned and sanitized by the orchestrator. */
/** What storage keeps of an article for the clusterer: its analysis (JSON) and term vectors (binary; absent in rows stored before them). */
export interface ClusterFeatures {
  version: number;
  analysis: string;
  vectors?: Uint8Array;
}

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
  /**
   * Fingerprint of what the feed said about the item (ingest/clean.ts), stored with it: the next fetch
   * that finds it again recognises the item unchanged by this alone.
   */
  hash?: string;
  /**
   * The source already stores an item with this `hash`: only its last-seen time is written, and no other
   * field is read (an unchanged entry carries its guid, URL and hash, nothing cleaned).
   */
  unchanged?: boolean;
  /**
   * The clusterer's analysis and term vectors of a new item, made where it was cleaned (ingest/clean.ts);
   * not written with the item (a placement's `features` are), only read by the clusterer's glue.
   */
  features?: ClusterFeatures;
}

/**
 * Where a new article goes, decided by the clusterer (through the ingest orchestrator) before the write,
 * and written with the article in the same transaction.
 */
export interface Placement {
  /** An existing story's id, or a name for a story this save creates (articles naming the same one share it). */
  story: { id: number } | { create: string };
  /** The model's probability behind the decision (kept in the story's history). */
  probability?: number;
  /** The clusterer's analysis of the article, stored so that a restart never recomputes it. */
  features?: ClusterFeatures;
}

/** A new article written by save(): which input item, its id and story, and whether the story is new. */
export interface SavedArticle {
  index: number;
  articleId: number;
  storyId: number;
  createdStory: boolean;
}

export interface SaveResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface SaveOutcome extends SaveResult {
  /** The new articles, in input order. */
  articles: SavedArticle[];
  /** Story names of the placements -> the stories created for them. */
  createdStories: Map<string, number>;
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
  /** The source of its first item. */
  sourceId: number;
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

  /** The item already stored for this source that `item` is (same guid, else canonical URL, else content key). */
  private existing(sourceId: number, item: ItemInput, batchGuids: ReadonlySet<string>): ItemRow | undefined {
    const q = this.queries();
    // By guid; else by canonical URL (a feed that changed its guid scheme) unless that row's guid is
    // another item of this same feed (two entries sharing one link: both kept, one article).
    const byLink = item.url ? q.byUrl.all(sourceId, item.url) as ItemRow[] : [];
    const sameLink = byLink.find((r) => !r.guid || !batchGuids.has(r.guid) || r.guid === item.guid);
    return ((item.guid && q.byGuid.get(sourceId, item.guid)) || sameLink || q.byKey.get(sourceId, itemKey(item))) as ItemRow | undefined;
  }

  private cached?: ReturnType<ItemStore['prepare']>;
  private queries() {
    this.cached ??= this.prepare();
    return this.cached;
  }

  /** Every statement of the save path, prepared once per connection. */
  private prepare() {
    const db = this.db;
    return {
      byGuid: db.prepare('SELECT * FROM items WHERE source_id = ? AND guid = ?'),
      byUrl: db.prepare('SELECT * FROM items WHERE source_id = ? AND url = ?'),
      byKey: db.prepare('SELECT * FROM items WHERE source_id = ? AND item_key = ?'),
      articleByUrl: db.prepare('SELECT id, story_id FROM articles WHERE url = ?'),
      hashes: db.prepare('SELECT content_hash FROM items WHERE source_id = ? AND content_hash IS NOT NULL').pluck(),
      insertArticle: db.prepare('INSERT INTO articles (url, story_id, first_seen_at) VALUES (?, ?, ?)'),
      insertItem: db.prepare(`
        INSERT INTO items (source_id, item_key, guid, url, link, title, summary, content, author, published_at,
          updated_at, first_seen_at, last_seen_at, enclosures, categories, article_id, content_hash)
        VALUES (@sourceId, @key, @guid, @url, @link, @title, @summary, @content, @author, @published,
          @updated, @now, @now, @enclosures, @categories, @articleId, @hash)`),
      updateItem: db.prepare(`
        UPDATE items SET guid = @guid, url = @url, link = @link, title = @title, summary = @summary,
          content = @content, author = @author, updated_at = @updated, last_seen_at = @now,
          enclosures = @enclosures, categories = @categories, content_hash = @hash
        WHERE id = @id`),
      touchItem: db.prepare('UPDATE items SET last_seen_at = ?, content_hash = coalesce(?, content_hash) WHERE id = ?'),
      touchUnchanged: db.prepare(`UPDATE items SET last_seen_at = @now
        WHERE source_id = @sourceId AND content_hash IN (SELECT value FROM json_each(@hashes)) AND last_seen_at <= @stale`),
      touchStory: db.prepare('UPDATE stories SET updated_at = @now, published_at = min(published_at, @published) WHERE id = @id'),
      storyOfArticle: db.prepare('SELECT story_id FROM articles WHERE id = ?'),
      liveStory: db.prepare('SELECT 1 FROM stories WHERE id = ? AND merged_into IS NULL'),
      saveFeatures: db.prepare(`INSERT OR REPLACE INTO cluster_features (article_id, version, published_at, source_id, analysis, vectors)
        VALUES (?, ?, ?, ?, ?, ?)`),
    };
  }

  /**
   * The fingerprints of this source's stored items (ItemInput.hash): what a fetch may find unchanged.
   * Read from an index alone.
   */
  knownHashes(sourceId: number): string[] {
    return this.queries().hashes.all(sourceId) as string[];
  }

  /**
   * Which of these items would become new articles if saved now (no stored item of this source, no
   * stored article with the same canonical URL, not a repeat of an earlier one in the batch): the ones
   * the clusterer must place. Indexes into `items`, in order. Reads only.
   */
  newArticles(sourceId: number, items: readonly ItemInput[]): number[] {
    const batchGuids = new Set(items.flatMap((i) => (i.guid ? [i.guid] : [])));
    const seenUrls = new Set<string>();
    const seenKeys = new Set<string>();
    const out: number[] = [];
    items.forEach((item, index) => {
      if (item.unchanged) return; // stored already, as it is
      const key = itemKey(item);
      const repeat = seenKeys.has(key) || (item.url !== undefined && seenUrls.has(item.url));
      seenKeys.add(key);
      if (item.url) seenUrls.add(item.url);
      if (repeat || this.existing(sourceId, item, batchGuids)) return;
      if (item.url && this.queries().articleByUrl.get(item.url)) return;
      out.push(index);
    });
    return out;
  }

  /**
   * Store a source's items in one transaction. An item already stored for this source (same guid, or same
   * canonical URL) is updated in place, never duplicated. A canonical URL already stored by another
   * source joins the same article (and so the same story). A new article goes where its placement says
   * (decided by the clusterer beforehand), else into a story of its own; a placement naming a story that
   * is gone (pruned or merged away) also gets a story of its own. The article's analysis and the story's
   * history are written in the same transaction. Items marked `unchanged` (their fingerprint is stored
   * for this source) are only marked seen, all of them in one statement, and only when their last
   * sighting is older than SEEN_RESOLUTION_MS.
   */
  save(sourceId: number, items: readonly ItemInput[], now: string, placements: ReadonlyMap<number, Placement> = new Map()): SaveOutcome {
    const result: SaveOutcome = { inserted: 0, updated: 0, unchanged: 0, articles: [], createdStories: new Map() };
    const q = this.queries();
    const batchGuids = new Set(items.flatMap((i) => (i.guid ? [i.guid] : [])));
    const unchanged = items.flatMap((i) => (i.unchanged && i.hash ? [i.hash] : []));
    this.db.transaction(() => {
      // Unchanged items (their fingerprint is stored): seen now (to SEEN_RESOLUTION_MS), nothing else read or written.
      if (unchanged.length) {
        const stale = new Date(Date.parse(now) - SEEN_RESOLUTION_MS).toISOString();
        q.touchUnchanged.run({ now, sourceId, hashes: JSON.stringify(unchanged), stale });
        result.unchanged += unchanged.length;
      }
      items.forEach((item, index) => {
        if (item.unchanged) return;
        const key = itemKey(item);
        const existing = this.existing(sourceId, item, batchGuids);
        const fields = {
          guid: item.guid ?? null, url: item.url ?? null, link: item.link ?? null, title: item.title,
          summary: item.summary ?? null, content: item.content ?? null, author: item.author ?? null,
          updated: item.updated ?? null, enclosures: JSON.stringify(item.enclosures),
          categories: JSON.stringify(item.categories), now, hash: item.hash ?? null,
        };
        if (existing) {
          const changed = existing.title !== fields.title || existing.summary !== fields.summary ||
            existing.content !== fields.content || existing.link !== fields.link ||
            existing.author !== fields.author || existing.updated_at !== fields.updated ||
            existing.enclosures !== fields.enclosures || existing.categories !== fields.categories;
          if (changed) {
            q.updateItem.run({ ...fields, id: existing.id });
            const story = q.storyOfArticle.get(existing.article_id) as { story_id: number };
            q.touchStory.run({ id: story.story_id, now, published: existing.published_at });
            result.updated++;
          } else {
            q.touchItem.run(now, fields.hash, existing.id);
            result.unchanged++;
          }
          return;
        }
        let article = item.url ? (q.articleByUrl.get(item.url) as { id: number; story_id: number } | undefined) : undefined;
        if (article) {
          q.touchStory.run({ id: article.story_id, now, published: item.published });
        } else {
          const placement = placements.get(index);
          const where = placement?.story;
          let storyId = where && 'id' in where && q.liveStory.get(where.id) ? where.id : undefined;
          if (storyId === undefined && where && 'create' in where) storyId = result.createdStories.get(where.create);
          const created = storyId === undefined;
          if (storyId === undefined) {
            storyId = this.stories.createTx(now, item.published);
            if (where && 'create' in where) result.createdStories.set(where.create, storyId);
          } else {
            q.touchStory.run({ id: storyId, now, published: item.published });
          }
          const articleId = Number(q.insertArticle.run(item.url ?? null, storyId, now).lastInsertRowid);
          article = { id: articleId, story_id: storyId };
          if (placement?.features) {
            q.saveFeatures.run(articleId, placement.features.version, item.published, sourceId, placement.features.analysis,
              blob(placement.features.vectors));
          }
          this.stories.recordTx(storyId, created ? 'created' : 'joined', now, { article: articleId, probability: placement?.probability });
          result.articles.push({ index, articleId, storyId, createdStory: created });
        }
        q.insertItem.run({ ...fields, sourceId, key, published: item.published, articleId: article.id });
        result.inserted++;
      });
    })();
    return result;
  }

  /**
   * Articles seen or published since `since` whose stored analysis is missing or of another version, as
   * the clusterer reads them (oldest first): title, best text (extracted article, else feed content, else
   * summary), publication time, source and story.
   */
  clusterInputsToAnalyse(since: string, version: number): ClusterInput[] {
    return this.queryClusterInputs(
      `EXISTS (SELECT 1 FROM items i WHERE i.article_id = a.id AND (i.first_seen_at >= @p OR i.published_at >= @p))
       AND NOT EXISTS (SELECT 1 FROM cluster_features f WHERE f.article_id = a.id AND f.version = ${Number(version)})`, since);
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
        (SELECT min(i.published_at) FROM items i WHERE i.article_id = a.id) AS published,
        (SELECT i.source_id FROM items i WHERE i.article_id = a.id ORDER BY i.published_at, i.id LIMIT 1) AS source_id
      FROM articles a
      WHERE ${where}
      ORDER BY published, a.id`).all({ p: param }) as {
      article_id: number; story_id: number; url: string | null; article_text: string | null; title: string;
      feed_text: string | null; published: string; source_id: number;
    }[];
    return rows.map((r) => ({ articleId: r.article_id, storyId: r.story_id, url: u(r.url), title: r.title,
      articleText: u(r.article_text), feedHtml: u(r.feed_text), published: r.published, sourceId: r.source_id }));
  }

  /** One item with its article and story, for `storyfeed explain`. */
  itemForCluster(itemId: number): (ClusterInput & { itemId: number; source: string }) | undefined {
    const r = this.db.prepare(`
      SELECT i.id, i.title, i.url, coalesce(i.content, i.summary) AS feed_text, i.published_at, i.source_id, a.id AS article_id,
        a.story_id, a.text AS article_text, coalesce(s.name, s.title, s.url) AS source
      FROM items i JOIN articles a ON a.id = i.article_id JOIN sources s ON s.id = i.source_id WHERE i.id = ?`).get(itemId) as {
      id: number; title: string; url: string | null; feed_text: string | null; published_at: string; source_id: number; article_id: number;
      story_id: number; article_text: string | null; source: string;
    } | undefined;
    if (!r) return undefined;
    return { itemId: r.id, articleId: r.article_id, storyId: r.story_id, url: u(r.url), title: r.title,
      articleText: u(r.article_text), feedHtml: u(r.feed_text), published: r.published_at, source: r.source, sourceId: r.source_id };
  }
}
