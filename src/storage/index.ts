// All SQL lives in this folder: better-sqlite3, WAL journal, ordered migrations. One connection, one file
// per table family (sources, items and articles, stories, extractions, the worker lock).
import Database from 'better-sqlite3';
import { accessSync, constants as fsConstants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { WriteBatcher } from './batch.js';
import { AUTOCHECKPOINT_PAGES, Checkpointer } from './checkpoint.js';
import { ClusterStore } from './cluster.js';
import { ExtractionStore } from './extractions.js';
import { errorText, StorageError } from './errors.js';
import { HealthMonitor, observeWrites, rescuedCopies, type DatabaseHealth } from './health.js';
import { ItemStore } from './items.js';
import { WorkerLock } from './lock.js';
import { MIGRATIONS } from './migrations.js';
import { PageQueries } from './pages.js';
import { SourceStore } from './sources.js';
import { StoryStore } from './stories.js';
import { u } from './rows.js';

export type { ExtractionRecord, PendingPage } from './extractions.js';
export { StorageError } from './errors.js';
export type { DatabaseHealth, WriteFailure } from './health.js';
export type { StoredFeatures } from './cluster.js';
export { itemKey, type ClusterFeatures, type ClusterInput, type ItemInput, type Placement, type SavedArticle, type SaveOutcome, type SaveResult } from './items.js';
export type { LockResult, WorkerIdentity } from './lock.js';
export type { MergedStory, SourceActivity, StoryHead, StoryItem } from './pages.js';
export { FETCH_HISTORY_PER_SOURCE, type FetchFailure, type FetchOutcome, type FetchRecord, type FetchSuccess, type SourceFetchState } from './sources.js';
export type { StoryChange, StoryEvent, StorySummary } from './stories.js';

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * How long a statement waits for another process's lock (SQLite busy_timeout). Given to the
 * constructor, so it holds from the first statement on, the switch to WAL included.
 */
const BUSY_TIMEOUT_MS = 5_000;
/**
 * Largest database read into memory for a read-only command when SQLite cannot open it in place: a
 * WAL-mode file on a read-only filesystem without its -shm (it would need `immutable=1`, and
 * better-sqlite3 is built without URI filenames).
 */
const MAX_SNAPSHOT_BYTES = 1024 ** 3;
/** Pause between tries of a database's set-up that SQLite refused at once as busy (see untilNotBusy). */
const BUSY_RETRY_MS = 25;
/**
 * Items, or merge leftovers, that one transaction of retention deletes (Store.prune): a few ms each, so
 * that the other connection's writes never wait long for the lock.
 */
export const PRUNE_STEP = 200;
// ---------------------------------------------------------------------------------------------------

/** A story without articles, and without leftovers of merges pointing to it (SQL, on `stories`). */
const EMPTY_STORY = `NOT EXISTS (SELECT 1 FROM articles WHERE story_id = stories.id)
  AND NOT EXISTS (SELECT 1 FROM stories s2 WHERE s2.merged_into = stories.id)`;

export interface Stats {
  sources: number;
  items: number;
  articles: number;
  stories: number;
  failingSources: number;
  lastFetchAt?: string;
}

export interface OpenOptions {
  /**
   * Open read-only (serve, sources, stories, explain, backup): never creates, migrates or writes the
   * file, so it works on a read-only filesystem and beside a running worker. Default: read-write.
   */
  readOnly?: boolean;
  /** Told once about each fault found while running (the file deleted or replaced, where its copy went). */
  onFault?: (message: string) => void;
  /**
   * Save a copy of what the connection holds when the file is deleted or replaced under it (default
   * true). A second connection of the same process (the cluster thread's) only refuses its writes: the
   * main connection saves the one copy.
   */
  rescue?: boolean;
}

/** Can this process write the file (or create it in its directory)? EROFS and EACCES say no. */
function writableFile(path: string): boolean {
  try {
    accessSync(existsSync(path) ? path : dirname(path), fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a database's set-up (the switch to WAL, the migrations), trying again while SQLite answers
 * SQLITE_BUSY, for up to BUSY_TIMEOUT_MS. The busy timeout alone does not cover it: while another
 * process holds the write lock of a file still in rollback mode (two workers opening a new file at
 * once), the switch to WAL, having read the file, is refused at once rather than made to wait, since
 * waiting with a read lock held could deadlock. Every step is idempotent: retrying from the start is safe.
 */
function untilNotBusy(setUp: () => void): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      setUp();
      return;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BUSY_RETRY_MS);
    }
  }
}

function readOnlyFile(path: string, cause?: unknown): StorageError {
  return new StorageError(`cannot open database ${path} for writing: the file or its filesystem is read-only ` +
    '(serve, sources, stories, explain and backup only read, and work there)', { cause });
}

export class Store {
  readonly db: Database.Database;
  readonly sources: SourceStore;
  readonly items: ItemStore;
  readonly stories: StoryStore;
  readonly extractions: ExtractionStore;
  readonly lock: WorkerLock;
  /** Read-only queries of the HTML pages. */
  readonly pages: PageQueries;
  /** Opened read-only (OpenOptions.readOnly). */
  readonly readOnly: boolean;
  /** This open created the database file (it did not exist). */
  created = false;
  private readonly monitor: HealthMonitor;
  readonly cluster: ClusterStore;
  private checkpointer?: Checkpointer;
  private readonly batcher: WriteBatcher;

  private constructor(db: Database.Database, path: string, opts: OpenOptions) {
    this.db = db;
    this.readOnly = opts.readOnly ?? false;
    // Before observeWrites wraps the connection: the monitor's own probe and copy are not "real writes".
    this.monitor = new HealthMonitor(db, path, this.readOnly, opts.onFault ?? (() => undefined), opts.rescue ?? true);
    if (!this.readOnly) {
      observeWrites(db, { before: () => this.monitor.assertFile(), failed: (err) => this.monitor.writeFailed(err) });
    }
    this.sources = new SourceStore(db);
    this.stories = new StoryStore(db);
    this.items = new ItemStore(db, this.stories);
    this.extractions = new ExtractionStore(db);
    this.lock = new WorkerLock(db);
    this.cluster = new ClusterStore(db);
    this.pages = new PageQueries(db);
    this.batcher = new WriteBatcher(db);
  }

  /**
   * Run `unit` (this store's synchronous writes, all-or-nothing) in the next turn of the event loop, in
   * one transaction with the other units asked for meanwhile, each in a savepoint of its own (batch.ts):
   * resolves with its value once committed, rejects with its own error (or the batch's commit error).
   */
  writeSoon<T>(unit: () => T): Promise<T> {
    return this.batcher.add(unit);
  }

  /**
   * Open the database file. Read-write (default): created if needed (unless a copy rescued from a
   * deleted database waits beside it), WAL journal, schema brought up to date. Read-only: the file
   * must exist at this storyfeed's schema version.
   */
  static open(path: string, opts: OpenOptions = {}): Store {
    const memory = path === ':memory:';
    const exists = memory || existsSync(path);
    if (!exists) {
      const rescued = rescuedCopies(path).at(-1);
      if (rescued) {
        throw new StorageError(`${path} does not exist, but ${rescued} does: the database was deleted while storyfeed ` +
          `was running, and this copy was saved then. Move it back (mv '${rescued}' '${path}') to carry on, ` +
          'or delete it to start with a new, empty database');
      }
      if (opts.readOnly) {
        throw new StorageError(`no database at ${path} (\`storyfeed once\` or \`storyfeed run\` creates it)`);
      }
      mkdirSync(dirname(path), { recursive: true });
    }
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: opts.readOnly ?? false, fileMustExist: opts.readOnly ?? false, timeout: BUSY_TIMEOUT_MS });
      if (opts.readOnly) Store.version(db); // the first read opens the WAL index: fails here if it cannot
    } catch (err) {
      if (!opts.readOnly && !writableFile(path)) throw readOnlyFile(path, err);
      const snapshot = opts.readOnly && (err as { code?: unknown }).code === 'SQLITE_CANTOPEN' ? Store.snapshot(path) : undefined;
      if (!snapshot) throw new StorageError(`cannot open database ${path}: ${errorText(err)}`, { cause: err });
      db = snapshot;
    }
    if (!opts.readOnly && db.readonly) {
      // SQLite falls back to reading when the file or its filesystem refuses writes: a worker cannot work so.
      db.close();
      throw readOnlyFile(path);
    }
    try {
      untilNotBusy(() => {
        if (!opts.readOnly) {
          db.pragma('journal_mode = WAL'); // waits for other connections like any statement (busy_timeout above)
          db.pragma('synchronous = NORMAL');
        }
        db.pragma('foreign_keys = ON');
        if (opts.readOnly) Store.checkVersion(db, path);
        else Store.migrate(db);
      });
    } catch (err) {
      db.close();
      if (err instanceof StorageError) throw err;
      if (!opts.readOnly && !writableFile(path)) throw readOnlyFile(path, err);
      throw new StorageError(`cannot open database ${path}: ${errorText(err)}`, { cause: err });
    }
    const store = new Store(db, path, opts);
    store.created = !exists;
    return store;
  }

  /**
   * A WAL-mode database left cleanly (no -wal, no -shm) on a read-only filesystem: SQLite cannot open
   * it there, since a reader must create the -shm file. Its file then holds every committed page, and
   * nobody can change it: read it into memory, marked as a rollback-journal database (header bytes 18
   * and 19, the file format's read/write versions), and open that read-only. Undefined when that does
   * not apply (a -wal file exists: its pages would be missed; too big; not a database).
   */
  private static snapshot(path: string): Database.Database | undefined {
    try {
      if (existsSync(`${path}-wal`) || statSync(path).size > MAX_SNAPSHOT_BYTES) return undefined;
      const bytes = readFileSync(path);
      if (bytes.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0') return undefined;
      if (bytes[18] === 2) bytes[18] = 1;
      if (bytes[19] === 2) bytes[19] = 1;
      return new Database(bytes, { readonly: true });
    } catch {
      return undefined;
    }
  }

  private static version(db: Database.Database): number {
    return db.pragma('user_version', { simple: true }) as number;
  }

  private static newer(path: string, version: number): StorageError {
    return new StorageError(`database ${path} has schema version ${version}, newer than this storyfeed's ` +
      `(${MIGRATIONS.length}); upgrade storyfeed`);
  }

  private static checkVersion(db: Database.Database, path: string): void {
    const v = Store.version(db);
    if (v > MIGRATIONS.length) throw Store.newer(path, v);
    if (v < MIGRATIONS.length) {
      throw new StorageError(`database ${path} has schema version ${v}, older than this storyfeed's (${MIGRATIONS.length}); ` +
        'run a worker (`storyfeed once` or `storyfeed run`) once to upgrade it');
    }
  }

  /**
   * Apply the missing migrations. The version is read again inside an immediate transaction, so two
   * processes starting on a new file never both apply one ("table sources already exists"): the second
   * waits for the first, then finds nothing to do.
   */
  private static migrate(db: Database.Database): void {
    const name = db.name;
    if (Store.version(db) === MIGRATIONS.length) return;
    db.transaction(() => {
      const current = Store.version(db);
      if (current > MIGRATIONS.length) throw Store.newer(name, current);
      for (let v = current; v < MIGRATIONS.length; v++) {
        db.exec(MIGRATIONS[v] as string);
        db.pragma(`user_version = ${v + 1}`);
      }
    }).immediate();
  }

  /**
   * From now on until close(), WAL checkpoints run in a thread of their own instead of inside the
   * commits of this connection (checkpoint.ts): what the ingest asks for with its first new items, so that no write holds
   * its event loop for the checkpoint's ~4 MB of copying and syncing. Once per store; nothing for an
   * in-memory or read-only database. `onError` hears what goes wrong (the connection then checkpoints
   * itself, as before).
   */
  checkpointInBackground(onError: (message: string) => void): void {
    if (this.checkpointer?.running || this.readOnly || this.db.memory) return;
    this.checkpointer = Checkpointer.start(this.db, onError);
  }

  /** Whether a thread checkpoints the WAL for this connection now (checkpointInBackground). */
  get checkpointsInBackground(): boolean {
    return this.checkpointer?.running ?? false;
  }

  /**
   * For another connection of the process (the cluster thread's): leave the WAL checkpoints to the
   * thread that runs them for the main connection (`false`), or checkpoint in its own commits as SQLite
   * does by default (`true`, when no such thread runs).
   */
  checkpointOnCommit(on: boolean): void {
    if (this.readOnly || this.db.memory) return;
    this.db.pragma(`wal_autocheckpoint = ${on ? AUTOCHECKPOINT_PAGES : 0}`);
  }

  close(): void {
    this.checkpointer?.stop();
    this.checkpointer = undefined;
    if (this.db.open) this.db.close();
  }

  get schemaVersion(): number {
    return Store.version(this.db);
  }

  /**
   * The database's part of /health: answers, writable (a committed probe, and no real write failed for
   * a storage reason since `failuresSince`: the worker passes the start of its last finished cycle, so
   * one clean cycle clears a failure), the file still the one open. See health.ts.
   */
  health(opts: { failuresSince?: string; now?: number } = {}): DatabaseHealth {
    return this.monitor.health(opts);
  }

  /**
   * A write of another connection of this process to the same file (the cluster thread's) failed: a
   * storage failure (disk full, read-only, I/O) counts in health() as this connection's own would.
   */
  writeFailedElsewhere(err: unknown): void {
    this.monitor.writeFailed(err);
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

  /**
   * Retention: delete items neither published nor seen since `cutoff`, then articles and stories left
   * without items. Stories that still have a recent item keep their id and their older items. The cost
   * is the old items' (found through the publication-date index) and the merge leftovers', never the
   * whole database's: it runs after every cycle. In transactions of PRUNE_STEP items (with the articles
   * and stories they leave empty) or merge leftovers each, so that no write holds the database long
   * (after a first cycle of 4,000 x 50 the leftovers alone, with their histories, took 0.3-0.5 s in one
   * transaction); a crash between two loses nothing but the rest of the pruning, done next time.
   */
  prune(cutoff: string): { items: number; stories: number } {
    const pruned = { items: 0, stories: 0 };
    for (let more = true; more;) {
      const step = this.pruneItemsStep(cutoff);
      pruned.items += step.items;
      pruned.stories += step.stories;
      more = step.items === PRUNE_STEP;
    }
    for (let more = true; more;) {
      const step = this.pruneLeftoversStep();
      pruned.stories += step.stories;
      more = step.leftovers === PRUNE_STEP;
    }
    return pruned;
  }

  /** Published stories among `candidates` left without articles (and without leftovers merged into them): deleted. */
  private deleteEmptyStories(candidates: readonly number[]): number {
    return candidates.length ? this.db.prepare(`
      DELETE FROM stories WHERE id IN (SELECT value FROM json_each(?)) AND merged_into IS NULL AND ${EMPTY_STORY}`)
      .run(JSON.stringify([...new Set(candidates)])).changes : 0;
  }

  /** Up to PRUNE_STEP old items, the articles they leave without items and the stories those leave empty, in one transaction. */
  private pruneItemsStep(cutoff: string): { items: number; stories: number } {
    return this.db.transaction(() => {
      const gone = this.db.prepare(`
        DELETE FROM items WHERE id IN (SELECT id FROM items WHERE published_at < @cutoff AND last_seen_at < @cutoff
          AND NOT EXISTS (
            SELECT 1 FROM articles a JOIN articles a2 ON a2.story_id = a.story_id JOIN items i2 ON i2.article_id = a2.id
            WHERE a.id = items.article_id AND (i2.last_seen_at >= @cutoff OR i2.published_at >= @cutoff))
          LIMIT @step)
        RETURNING article_id`).pluck().all({ cutoff, step: PRUNE_STEP }) as number[];
      const emptied = gone.length ? this.db.prepare(`
        DELETE FROM articles WHERE id IN (SELECT value FROM json_each(?)) AND NOT EXISTS (SELECT 1 FROM items WHERE article_id = articles.id)
        RETURNING story_id`).pluck().all(JSON.stringify([...new Set(gone)])) as number[] : [];
      return { items: gone.length, stories: this.deleteEmptyStories(emptied) };
    })();
  }

  /**
   * Up to PRUNE_STEP empty leftovers of merges (merged_into set, never published again), cleared without
   * being reported (issue 9.11), and the stories they pointed to when that leaves them empty and unreferenced.
   */
  private pruneLeftoversStep(): { leftovers: number; stories: number } {
    return this.db.transaction(() => {
      const targets = this.db.prepare(`DELETE FROM stories WHERE id IN (SELECT id FROM stories
          WHERE merged_into IS NOT NULL AND ${EMPTY_STORY} LIMIT ?) RETURNING merged_into`)
        .pluck().all(PRUNE_STEP) as number[];
      return { leftovers: targets.length, stories: this.deleteEmptyStories(targets) };
    })();
  }
}
