// All SQL lives here. better-sqlite3, WAL journal, ordered migrations.
import Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Enclosure, SourceConfig, SourceState, SourceStatus, Story, StorySource } from '../model/index.js';
import { MIGRATIONS } from './migrations.js';

export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`storage: ${message}`, options);
    this.name = 'StorageError';
  }
}

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
 * saveItems' transaction, so an article and its story assignment are written together.
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

export interface FetchSuccess {
  url?: string;
  etag?: string;
  lastModified?: string;
  title?: string;
  siteLink?: string;
  nextAttemptAt: string;
}

export interface FetchFailure {
  error: string;
  status: Extract<SourceStatus, 'failing' | 'gone'>;
  nextAttemptAt?: string;
}

export interface Stats {
  sources: number;
  items: number;
  articles: number;
  stories: number;
  failingSources: number;
  lastFetchAt?: string;
}

interface SourceRow {
  id: number; config_url: string; url: string; name: string | null; title: string | null;
  site_link: string | null; etag: string | null; last_modified: string | null; status: SourceStatus;
  last_fetch_at: string | null; last_success_at: string | null; last_error: string | null;
  consecutive_failures: number; next_attempt_at: string | null; item_count: number;
}

interface ItemRow {
  id: number; source_id: number; guid: string | null; url: string | null; link: string | null; title: string;
  summary: string | null; content: string | null; author: string | null; published_at: string;
  updated_at: string | null; enclosures: string; categories: string; article_id: number;
}

interface MemberRow extends ItemRow {
  story_id: number; source_name: string | null; source_title: string | null; source_url: string;
  source_site: string | null; article_html: string | null; article_text: string | null; article_byline: string | null;
}

/** An article page waiting for full-text extraction. */
export interface PendingPage {
  articleId: number;
  /** The URL to fetch: the item's link as the feed gave it (the canonical URL when there is none). */
  pageUrl: string;
}

export interface WorkerIdentity {
  pid: number;
  host: string;
  command: string;
}

export type LockResult =
  | { ok: true }
  | { ok: false; holder: { pid: number; host: string; command: string; since: string; heartbeat: string } };

/** Thrown inside the write probe's transaction to roll it back. */
class RollbackProbe extends Error {}

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

/** What the extractor found, ready to store (HTML already sanitized). */
export interface ExtractionRecord {
  title?: string;
  byline?: string;
  siteName?: string;
  lang?: string;
  excerpt?: string;
  published?: string;
  text: string;
  html: string;
  wordCount: number;
}

interface StoryRow {
  id: number; guid: string; created_at: string; published_at: string; updated_at: string;
}

const u = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function toSourceState(r: SourceRow): SourceState {
  return {
    id: r.id, configUrl: r.config_url, url: r.url, name: u(r.name), title: u(r.title), siteLink: u(r.site_link),
    etag: u(r.etag), lastModified: u(r.last_modified), status: r.status, lastFetchAt: u(r.last_fetch_at),
    lastSuccessAt: u(r.last_success_at), lastError: u(r.last_error), consecutiveFailures: r.consecutive_failures,
    nextAttemptAt: u(r.next_attempt_at), itemCount: r.item_count,
  };
}

/** Identity of an item inside its source: guid, else canonical URL, else a hash of its content. */
export function itemKey(item: Pick<ItemInput, 'guid' | 'url' | 'title' | 'summary' | 'content'>): string {
  if (item.guid) return `guid:${item.guid}`;
  if (item.url) return `url:${item.url}`;
  const h = createHash('sha256').update(item.title).update('\0').update(item.summary ?? item.content ?? '');
  return `hash:${h.digest('hex').slice(0, 32)}`;
}

const SOURCE_COLUMNS = `s.id, s.config_url, s.url, s.name, s.title, s.site_link, s.etag, s.last_modified, s.status,
  s.last_fetch_at, s.last_success_at, s.last_error, s.consecutive_failures, s.next_attempt_at,
  (SELECT count(*) FROM items i WHERE i.source_id = s.id) AS item_count`;

export class Store {
  readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /** Open (creating if needed) the database file and bring its schema up to date. */
  static open(path: string): Store {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    } catch (err) {
      throw new StorageError(`cannot open database ${path}: ${(err as Error).message}`, { cause: err });
    }
    const store = new Store(db);
    store.migrate();
    return store;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const current = this.schemaVersion;
    if (current > MIGRATIONS.length) {
      throw new StorageError(
        `database schema version ${current} is newer than this storyfeed (${MIGRATIONS.length}); upgrade storyfeed`,
      );
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      const sql = MIGRATIONS[v] as string;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  // ---- sources -----------------------------------------------------------------------------------

  /** Make the sources table match the config: add new ones, update settings, disable removed ones. */
  syncSources(sources: readonly SourceConfig[], now: string): void {
    const upsert = this.db.prepare(`
      INSERT INTO sources (config_url, url, name, status, interval_seconds, full_text, created_at)
      VALUES (@url, @url, @name, CASE WHEN @enabled THEN 'new' ELSE 'disabled' END, @interval, @fullText, @now)
      ON CONFLICT (config_url) DO UPDATE SET
        name = excluded.name,
        interval_seconds = excluded.interval_seconds,
        full_text = excluded.full_text,
        status = CASE
          WHEN NOT @enabled THEN 'disabled'
          WHEN sources.status = 'disabled' THEN 'new'
          ELSE sources.status END`);
    this.db.transaction(() => {
      for (const s of sources) {
        upsert.run({ url: s.url, name: s.name ?? null, enabled: s.enabled ? 1 : 0, interval: s.intervalSeconds,
          fullText: s.fullText ? 1 : 0, now });
      }
      const keep = new Set(sources.map((s) => s.url));
      const all = this.db.prepare('SELECT id, config_url FROM sources').all() as { id: number; config_url: string }[];
      const disable = this.db.prepare(`UPDATE sources SET status = 'disabled' WHERE id = ?`);
      for (const row of all) if (!keep.has(row.config_url)) disable.run(row.id);
    })();
  }

  listSources(): SourceState[] {
    const rows = this.db.prepare(`SELECT ${SOURCE_COLUMNS} FROM sources s ORDER BY s.id`).all() as SourceRow[];
    return rows.map(toSourceState);
  }

  getSource(configUrl: string): SourceState | undefined {
    const row = this.db.prepare(`SELECT ${SOURCE_COLUMNS} FROM sources s WHERE s.config_url = ?`).get(configUrl) as
      | SourceRow | undefined;
    return row ? toSourceState(row) : undefined;
  }

  recordFetchSuccess(sourceId: number, now: string, r: FetchSuccess): void {
    this.db.prepare(`
      UPDATE sources SET
        url = coalesce(@url, url), etag = @etag, last_modified = @lastModified,
        title = coalesce(@title, title), site_link = coalesce(@siteLink, site_link),
        status = 'ok', last_fetch_at = @now, last_success_at = @now, last_error = NULL,
        consecutive_failures = 0, next_attempt_at = @next
      WHERE id = @id`).run({
      id: sourceId, now, url: r.url ?? null, etag: r.etag ?? null, lastModified: r.lastModified ?? null,
      title: r.title ?? null, siteLink: r.siteLink ?? null, next: r.nextAttemptAt,
    });
  }

  recordFetchFailure(sourceId: number, now: string, r: FetchFailure): void {
    this.db.prepare(`
      UPDATE sources SET status = @status, last_fetch_at = @now, last_error = @error,
        consecutive_failures = consecutive_failures + 1, next_attempt_at = @next
      WHERE id = @id`).run({ id: sourceId, now, status: r.status, error: r.error, next: r.nextAttemptAt ?? null });
  }

  // ---- items, articles, stories --------------------------------------------------------------------

  /**
   * Store a source's items in one transaction. An item already stored for this source (same guid, or same
   * canonical URL) is updated in place, never duplicated. A canonical URL already stored by another
   * source joins the same article (and so the same story).
   */
  saveItems(sourceId: number, items: readonly ItemInput[], now: string, hooks: SaveHooks = {}): SaveResult {
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
          const merged = decision?.story === sid ? (decision?.merge ?? []).filter((d) => this.mergeStoriesTx(sid, d, now)) : [];
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

  // ---- one worker at a time -------------------------------------------------------------------------

  /**
   * Take the database for this worker process. Refused while another worker holds it: on this host,
   * as long as its process is alive (a SIGKILLed worker's lock is taken over at once); on another
   * host, until its heartbeat is older than `staleMs`. Serialized by SQLite (BEGIN IMMEDIATE).
   */
  acquireWorkerLock(me: WorkerIdentity, now: Date, staleMs: number, isAlive: (pid: number) => boolean): LockResult {
    return this.db.transaction((): LockResult => {
      const row = this.db.prepare('SELECT pid, host, command, started_at, heartbeat_at FROM worker_lock WHERE id = 1').get() as
        { pid: number; host: string; command: string; started_at: string; heartbeat_at: string } | undefined;
      if (row && !(row.pid === me.pid && row.host === me.host)) {
        const alive = row.host === me.host ? isAlive(row.pid)
          : now.getTime() - Date.parse(row.heartbeat_at) < staleMs;
        if (alive) {
          return { ok: false, holder: { pid: row.pid, host: row.host, command: row.command, since: row.started_at, heartbeat: row.heartbeat_at } };
        }
      }
      this.db.prepare(`INSERT INTO worker_lock (id, pid, host, command, started_at, heartbeat_at)
        VALUES (1, @pid, @host, @command, @now, @now)
        ON CONFLICT (id) DO UPDATE SET pid = @pid, host = @host, command = @command, started_at = @now, heartbeat_at = @now`)
        .run({ ...me, now: now.toISOString() });
      return { ok: true };
    }).immediate();
  }

  heartbeat(me: WorkerIdentity, now: Date): void {
    this.db.prepare('UPDATE worker_lock SET heartbeat_at = ? WHERE pid = ? AND host = ?').run(now.toISOString(), me.pid, me.host);
  }

  releaseWorkerLock(me: WorkerIdentity): void {
    if (!this.db.open) return;
    this.db.prepare('DELETE FROM worker_lock WHERE pid = ? AND host = ?').run(me.pid, me.host);
  }

  /** Can the database take a write now? (read-only file, full disk, …) A tiny write, rolled back. */
  writable(): { ok: boolean; error?: string } {
    try {
      this.db.transaction(() => {
        this.db.prepare(`INSERT INTO meta (key, value) VALUES ('write_probe', ?)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(new Date().toISOString());
        throw new RollbackProbe();
      })();
      return { ok: true };
    } catch (err) {
      if (err instanceof RollbackProbe) return { ok: true };
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** An online, consistent copy of the database (SQLite backup API), written next to `path` then renamed. */
  async backup(path: string): Promise<{ pages: number }> {
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      const r = await this.db.backup(tmp);
      renameSync(tmp, path);
      return { pages: r.totalPages };
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new StorageError(`backup to ${path} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  // ---- stories ------------------------------------------------------------------------------------

  /**
   * Merge story `drop` into story `keep`: its articles move, it is marked merged (never published
   * again under its own id), and `keep` is updated. The caller passes the older story as `keep`.
   */
  mergeStories(keep: number, drop: number, now: string): boolean {
    return this.db.transaction(() => this.mergeStoriesTx(keep, drop, now))();
  }

  /** false (nothing done) when either story is gone (pruned) or already merged. */
  private mergeStoriesTx(keep: number, drop: number, now: string): boolean {
    const live = this.db.prepare('SELECT count(*) AS n FROM stories WHERE id IN (?, ?) AND merged_into IS NULL')
      .get(keep, drop) as { n: number };
    if (keep === drop || live.n !== 2) return false;
    this.db.prepare('UPDATE articles SET story_id = ? WHERE story_id = ?').run(keep, drop);
    this.db.prepare('UPDATE stories SET merged_into = ? WHERE id = ? OR merged_into = ?').run(keep, drop, drop);
    this.db.prepare(`UPDATE stories SET updated_at = @now,
        published_at = min(published_at, (SELECT published_at FROM stories WHERE id = @drop)),
        created_at = min(created_at, (SELECT created_at FROM stories WHERE id = @drop))
      WHERE id = @keep`).run({ keep, drop, now });
    return true;
  }

  /** The story an article belongs to now. */
  storyOfArticle(articleId: number): number | undefined {
    return (this.db.prepare('SELECT story_id FROM articles WHERE id = ?').get(articleId) as { story_id: number } | undefined)?.story_id;
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

  /** Recent stories with their members (item ids, sources, titles), for `storyfeed stories`. */
  storySummaries(limit: number): StorySummary[] {
    return this.listStories(limit).map((s) => ({
      id: s.id, guid: s.guid, title: s.title, published: s.published, updated: s.updated,
      members: this.db.prepare(`
        SELECT i.id, i.title, coalesce(i.url, i.link) AS url, coalesce(src.name, src.title, src.url) AS source, i.published_at,
          a.extract_status, a.extract_error
        FROM items i JOIN articles a ON a.id = i.article_id JOIN sources src ON src.id = i.source_id
        WHERE a.story_id = ? ORDER BY i.published_at, i.id`).all(s.id) as StorySummary['members'],
    }));
  }

  // ---- full-text extraction ------------------------------------------------------------------------

  /** Articles of this source never tried for extraction, newest first. */
  pendingExtractions(sourceId: number, limit: number): PendingPage[] {
    const rows = this.db.prepare(`
      SELECT a.id AS article_id, coalesce(min(i.link), a.url) AS page_url
      FROM articles a JOIN items i ON i.article_id = a.id
      WHERE i.source_id = ? AND a.extract_status IS NULL AND a.url IS NOT NULL
      GROUP BY a.id ORDER BY max(i.published_at) DESC, a.id DESC LIMIT ?`).all(sourceId, limit) as
      { article_id: number; page_url: string }[];
    return rows.map((r) => ({ articleId: r.article_id, pageUrl: r.page_url }));
  }

  /** Articles to extract again (`storyfeed extract --refresh`): all of them, or only the failed ones. */
  extractedArticles(which: 'all' | 'failed'): PendingPage[] {
    const rows = this.db.prepare(`
      SELECT id AS article_id, coalesce(page_url, url) AS page_url FROM articles
      WHERE url IS NOT NULL AND (? = 'all' OR extract_status = 'failed') ORDER BY id`).all(which) as
      { article_id: number; page_url: string }[];
    return rows.map((r) => ({ articleId: r.article_id, pageUrl: r.page_url }));
  }

  /** Store an extraction; the story's entry is marked updated because its body changed. */
  saveExtraction(articleId: number, pageUrl: string, r: ExtractionRecord, now: string): void {
    this.db.transaction(() => {
      this.db.prepare(`
        UPDATE articles SET extract_status = 'ok', extract_error = NULL, extracted_at = @now, page_url = @pageUrl,
          title = @title, byline = @byline, site_name = @siteName, lang = @lang, excerpt = @excerpt,
          published_at = @published, text = @text, html = @html, word_count = @wordCount
        WHERE id = @id`).run({
        id: articleId, now, pageUrl, title: r.title ?? null, byline: r.byline ?? null, siteName: r.siteName ?? null,
        lang: r.lang ?? null, excerpt: r.excerpt ?? null, published: r.published ?? null, text: r.text, html: r.html,
        wordCount: r.wordCount,
      });
      this.db.prepare('UPDATE stories SET updated_at = ? WHERE id = (SELECT story_id FROM articles WHERE id = ?)')
        .run(now, articleId);
    })();
  }

  /** Record why extraction failed; the feed's own content stays the article body. Earlier text is kept. */
  recordExtractionFailure(articleId: number, pageUrl: string, error: string, now: string): void {
    this.db.prepare(`
      UPDATE articles SET extract_status = CASE WHEN html IS NULL THEN 'failed' ELSE extract_status END,
        extract_error = ?, extracted_at = ?, page_url = ? WHERE id = ?`).run(error, now, pageUrl, articleId);
  }

  extractionStats(): { ok: number; failed: number; pending: number } {
    return this.db.prepare(`SELECT
      count(*) FILTER (WHERE extract_status = 'ok') AS ok,
      count(*) FILTER (WHERE extract_status = 'failed') AS failed,
      count(*) FILTER (WHERE extract_status IS NULL AND url IS NOT NULL) AS pending FROM articles`).get() as
      { ok: number; failed: number; pending: number };
  }

  /** The newest stories (by first publication), each with every item that carried it. */
  listStories(limit: number): Story[] {
    const stories = this.db.prepare(`
      SELECT id, guid, created_at, published_at, updated_at FROM stories
      WHERE merged_into IS NULL ORDER BY published_at DESC, id DESC LIMIT ?`).all(limit) as StoryRow[];
    if (stories.length === 0) return [];
    const members = this.db.prepare(`
      SELECT i.*, a.story_id, s.name AS source_name, s.title AS source_title, s.url AS source_url,
        s.site_link AS source_site, a.html AS article_html, a.text AS article_text, a.byline AS article_byline
      FROM items i JOIN articles a ON a.id = i.article_id JOIN sources s ON s.id = i.source_id
      WHERE a.story_id IN (SELECT value FROM json_each(?))
      ORDER BY i.published_at, i.id`).all(JSON.stringify(stories.map((s) => s.id))) as MemberRow[];
    const byStory = new Map<number, MemberRow[]>();
    for (const m of members) {
      const list = byStory.get(m.story_id) ?? [];
      list.push(m);
      byStory.set(m.story_id, list);
    }
    return stories.flatMap((s) => {
      const list = byStory.get(s.id);
      return list && list.length ? [toStory(s, list)] : [];
    });
  }

  /** A cheap value that changes whenever the merged feed could change (for caching and ETags). */
  feedGeneration(): string {
    const row = this.db.prepare(
      'SELECT count(*) AS n, max(updated_at) AS u, (SELECT max(id) FROM items) AS m FROM stories').get() as {
      n: number; u: string | null; m: number | null;
    };
    return `${row.n}-${row.u ?? ''}-${row.m ?? 0}`;
  }

  stats(): Stats {
    const row = this.db.prepare(`SELECT
      (SELECT count(*) FROM sources WHERE status != 'disabled') AS sources,
      (SELECT count(*) FROM items) AS items,
      (SELECT count(*) FROM articles) AS articles,
      (SELECT count(*) FROM stories WHERE merged_into IS NULL) AS stories,
      (SELECT count(*) FROM sources WHERE status IN ('failing','gone')) AS failing,
      (SELECT max(last_fetch_at) FROM sources) AS last_fetch`).get() as {
      sources: number; items: number; articles: number; stories: number; failing: number; last_fetch: string | null;
    };
    return { sources: row.sources, items: row.items, articles: row.articles, stories: row.stories,
      failingSources: row.failing, lastFetchAt: u(row.last_fetch) };
  }

  /** Cheap liveness probe of the database. */
  ping(): boolean {
    return (this.db.prepare('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
  }

  /**
   * Retention: delete items neither published nor seen since `cutoff`, then articles and stories left
   * without items. Stories that still have a recent item keep their id and their older items.
   */
  prune(cutoff: string): { items: number; stories: number } {
    return this.db.transaction(() => {
      const items = this.db.prepare(`
        DELETE FROM items WHERE last_seen_at < @cutoff AND published_at < @cutoff
          AND article_id IN (
            SELECT a.id FROM articles a WHERE NOT EXISTS (
              SELECT 1 FROM articles a2 JOIN items i2 ON i2.article_id = a2.id
              WHERE a2.story_id = a.story_id AND (i2.last_seen_at >= @cutoff OR i2.published_at >= @cutoff)))`)
        .run({ cutoff }).changes;
      this.db.prepare('DELETE FROM articles WHERE id NOT IN (SELECT article_id FROM items)').run();
      const stories = this.db.prepare(`DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM articles)
        AND id NOT IN (SELECT merged_into FROM stories WHERE merged_into IS NOT NULL)`).run().changes;
      return { items, stories };
    })();
  }
}

// ---- story assembly ----------------------------------------------------------------------------------

function textLength(html: string | null): number {
  return html ? html.replace(/<[^>]*>/g, '').length : 0;
}

/** The representative item: the most complete body (extracted article or feed content), then the earliest. */
function representative(items: readonly MemberRow[]): MemberRow {
  let best = items[0] as MemberRow;
  let bestScore = -1;
  for (const it of items) {
    const body = Math.max(it.article_text?.length ?? 0, textLength(it.content));
    const score = body * 2 + textLength(it.summary);
    if (score > bestScore) {
      best = it;
      bestScore = score;
    }
  }
  return best;
}

/** The extracted article when it is at least as complete as the feed's own content. */
function bestBody(rep: MemberRow): string | undefined {
  if (rep.article_html && (rep.article_text?.length ?? 0) >= textLength(rep.content)) return rep.article_html;
  return u(rep.content) ?? u(rep.article_html);
}

function parseJsonArray<T>(text: string): T[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

function toStory(s: StoryRow, items: readonly MemberRow[]): Story {
  const rep = representative(items);
  const seen = new Set<number>();
  const sources: StorySource[] = [];
  for (const it of items) {
    if (seen.has(it.source_id)) continue;
    seen.add(it.source_id);
    sources.push({
      sourceName: it.source_name ?? it.source_title ?? new URL(it.source_url).hostname,
      sourceUrl: it.source_site ?? it.source_url,
      itemUrl: it.url ?? it.link ?? undefined,
      title: it.title,
      published: it.published_at,
    });
  }
  return {
    id: s.id,
    guid: s.guid,
    title: rep.title,
    url: rep.url ?? rep.link ?? undefined,
    summary: u(rep.summary),
    contentHtml: bestBody(rep),
    author: u(rep.author) ?? u(rep.article_byline),
    firstSeen: s.created_at,
    published: s.published_at,
    updated: s.updated_at,
    categories: [...new Set(items.flatMap((i) => parseJsonArray<string>(i.categories)))],
    enclosures: parseJsonArray<Enclosure>(rep.enclosures),
    sources,
  };
}
