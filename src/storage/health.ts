// What /health says about the database comes from here: the outcome of real writes (a write probe
// that rolls back never reaches the disk in WAL mode, so it cannot tell a full disk), a committed
// probe, and whether the file we hold open is still the one at the database's path.
import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * SQLite result codes (and extended codes) that mean the database cannot take writes: a full disk or
 * `max_page_count`, a read-only file or mount, I/O errors, a file gone bad. Constraint violations and
 * busy timeouts are not about the disk and are left out.
 */
const STORAGE_FAILURE = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB|PERM)/;
/** The committed write probe runs at most this often (it writes to the file). */
export const PROBE_INTERVAL_MS = 30_000;
// ---------------------------------------------------------------------------------------------------

export interface WriteFailure {
  /** ISO time of the failure. */
  at: string;
  error: string;
  code?: string;
}

/** Does this error say the database cannot take writes (rather than that one write was wrong)? */
export function isStorageFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_FAILURE.test(code);
}

/** The database file as opened (device and inode), to notice it deleted or replaced under a running process. */
export class FileIdentity {
  private constructor(readonly path: string, private readonly dev: number, private readonly ino: number) {}

  /** The identity of the file at `path` now; undefined for an in-memory database. */
  static of(path: string): FileIdentity | undefined {
    if (path === ':memory:' || path === '') return undefined;
    const st = statSync(path);
    return new FileIdentity(path, st.dev, st.ino);
  }

  /** 'deleted' when nothing is at the path any more, 'replaced' when another file is. */
  check(): 'ok' | 'deleted' | 'replaced' {
    try {
      const st = statSync(this.path);
      return st.dev === this.dev && st.ino === this.ino ? 'ok' : 'replaced';
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'deleted' : 'ok';
    }
  }
}

export interface WriteHooks {
  /** Before a write that starts outside any transaction: throws to refuse it. */
  before: () => void;
  /** A write (statement or whole transaction) failed. */
  failed: (err: unknown) => void;
}

type Params = unknown[];
type Variant = 'default' | 'deferred' | 'immediate' | 'exclusive';

/**
 * Route every write of this connection through `hooks`: statements that change data (run), and
 * transactions (the outermost commit, which is where WAL frames reach the disk). Reads are untouched.
 * Done once on the connection, so the table stores (sources, items, stories, …) need not know.
 */
export function observeWrites(db: Database.Database, hooks: WriteHooks): void {
  const guarded = <T>(fn: () => T): T => {
    if (db.inTransaction) return fn(); // the enclosing transaction reports for the whole
    hooks.before();
    try {
      return fn();
    } catch (err) {
      hooks.failed(err);
      throw err;
    }
  };
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const stmt = prepare(source);
    if (stmt.readonly) return stmt;
    const run = stmt.run.bind(stmt) as (...params: Params) => Database.RunResult;
    Object.defineProperty(stmt, 'run', { value: (...params: Params) => guarded(() => run(...params)) });
    return stmt;
  }) as typeof db.prepare;
  const exec = db.exec.bind(db);
  db.exec = (source: string) => guarded(() => exec(source));
  const transaction = db.transaction.bind(db) as (fn: (...args: Params) => unknown) => Record<Variant, (...args: Params) => unknown>;
  db.transaction = ((fn: (...args: Params) => unknown) => {
    const tx = transaction(fn);
    const wrap = (variant: (...args: Params) => unknown) => (...args: Params): unknown => guarded(() => variant(...args));
    const outer = wrap(tx.default);
    return Object.assign(outer, {
      default: outer, deferred: wrap(tx.deferred), immediate: wrap(tx.immediate), exclusive: wrap(tx.exclusive), database: db,
    });
  }) as typeof db.transaction;
}

export interface DatabaseHealth {
  /** The database answers queries. */
  ok: boolean;
  schemaVersion?: number;
  mode: 'read-write' | 'read-only';
  /** Read-write mode: writes succeed (the committed probe, and no real write failed in the window). */
  writable?: boolean;
  /** Why not ok, or not writable. */
  error?: string;
  /** The file at the database's path is the one open ('memory': no file). */
  file: 'ok' | 'deleted' | 'replaced' | 'memory';
  /** The last real write that failed for a storage reason (disk full, read-only, I/O), if any. */
  lastWriteFailure?: WriteFailure;
  /** Where a copy was saved after the file was deleted or replaced. */
  rescuedTo?: string;
  /** What makes the database less than healthy, in words (empty when all is well). */
  problems: string[];
}
