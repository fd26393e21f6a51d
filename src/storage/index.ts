// All SQL lives in this folder: better-sqlite3, WAL journal, ordered migrations. One connection, one file
// per table family (sources, items and articles, stories, extractions, the worker lock).
import Database from 'better-sqlite3';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ClusterStore } from './cluster.js';
import { ExtractionStore } from './extractions.js';
import { ItemStore } from './items.js';
import { WorkerLock } from './lock.js';
import { MIGRATIONS } from './migrations.js';
import { SourceStore } from './sources.js';
import { StoryStore } from './stories.js';
import { u } from './rows.js';

export type { ExtractionRecord, PendingPage } from './extractions.js';
export type { StoredFeatures } from './cluster.js';
export { itemKey, type ClusterInput, type ItemInput, type Placement, type SavedArticle, type SaveOutcome, type SaveResult } from './items.js';
export type { LockResult, WorkerIdentity } from './lock.js';
export type { FetchFailure, FetchSuccess } from './sources.js';
export type { StoryChange, StoryEvent, StorySummary } from './stories.js';

export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`storage: ${message}`, options);
    this.name = 'StorageError';
  }
}

export interface Stats {
  sources: number;
  items: number;
  articles: number;
  stories: number;
  failingSources: number;
  lastFetchAt?: string;
}

/** Thrown inside the write probe's transaction to roll it back. */
class RollbackProbe extends Error {}

export class Store {
  readonly db: Database.Database;
  readonly sources: SourceStore;
  readonly items: ItemStore;
  readonly stories: StoryStore;
  readonly extractions: ExtractionStore;
  readonly lock: WorkerLock;
  readonly cluster: ClusterStore;

  private constructor(db: Database.Database) {
    this.db = db;
    this.sources = new SourceStore(db);
    this.stories = new StoryStore(db);
    this.items = new ItemStore(db, this.stories);
    this.extractions = new ExtractionStore(db);
    this.lock = new WorkerLock(db);
    this.cluster = new ClusterStore(db);
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
