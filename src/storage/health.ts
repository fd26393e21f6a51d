// What /health says about the database comes from here: the outcome of real writes (a write probe
// that rolls back never reaches the disk in WAL mode, so it cannot tell a full disk), a committed
// probe, and whether the file we hold open is still the one at the database's path.
import type Database from 'better-sqlite3';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errorText, StorageError } from './errors.js';

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * SQLite result codes (and extended codes) that mean the database cannot take writes: a full disk or
 * `max_page_count`, a read-only file or mount, I/O errors, a file gone bad. Constraint violations and
 * busy timeouts are not about the disk and are left out.
 */
const STORAGE_FAILURE = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB|PERM)/;
/** The committed write probe runs at most this often (it writes to the file). */
const PROBE_INTERVAL_MS = 30_000;
/** Suffix of the copy saved when the database file is deleted under a running process (+ ISO time). */
const RESCUE_SUFFIX = '.rescued-';
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
 * A transaction begins IMMEDIATE (every transaction of ours writes): a process has two writing
 * connections (the cluster thread's and the main thread's), and a deferred one that read before its
 * first write would fail at once with SQLITE_BUSY_SNAPSHOT when the other committed in between, where an
 * immediate one waits for the write lock (busy timeout) before reading anything.
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
    const outer = wrap(tx.immediate);
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

/** Copies saved by an earlier run after the database at `path` was deleted under it, oldest first. */
export function rescuedCopies(path: string): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}${RESCUE_SUFFIX}`;
  try {
    return readdirSync(dir).filter((f) => f.startsWith(prefix) && !/-(wal|shm|journal)$/.test(f)).sort().map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/**
 * Watches one connection for what /health must tell: the last real write that failed for a storage
 * reason, a committed write probe, and whether the file at the path is still the one open. When it was
 * deleted or replaced, writes would go into an unlinked file and vanish at exit: they are refused from
 * then on, and a copy of what the connection holds is saved once beside the path (`<db>.rescued-<time>`).
 */
export class HealthMonitor {
  private readonly file?: FileIdentity;
  private fileState: 'ok' | 'deleted' | 'replaced' = 'ok';
  private rescue?: { to?: string; error?: string };
  private lastWriteFailure?: WriteFailure;
  private probe?: { at: number; ok: boolean; error?: string };
  /** The connection's own prepare, taken before observeWrites wraps it: the probe and the copy are not real writes. */
  private readonly prepare: Database.Database['prepare'];

  constructor(db: Database.Database, private readonly path: string, private readonly readOnly: boolean,
    private readonly onFault: (message: string) => void, private readonly saveCopies = true) {
    this.prepare = db.prepare.bind(db);
    this.file = FileIdentity.of(path);
  }

  /** A write of the connection failed (observeWrites): remembered when the reason is storage. */
  writeFailed(err: unknown): void {
    if (!isStorageFailure(err)) return;
    this.lastWriteFailure = { at: new Date().toISOString(), error: errorText(err), code: (err as { code?: string }).code };
  }

  /** Before a write: refused once the file is no longer the one open. */
  assertFile(): void {
    const state = this.fileCheck();
    if (state !== 'ok') {
      throw new StorageError(`database file ${this.path} was ${state} while storyfeed was running; refusing to write ` +
        `into the unlinked file${this.rescue?.to ? ` (its data was saved to ${this.rescue.to})` : ''}`);
    }
  }

  private fileCheck(): 'ok' | 'deleted' | 'replaced' {
    if (!this.file || this.fileState !== 'ok') return this.fileState;
    const state = this.file.check();
    if (state === 'ok') return state;
    this.fileState = state;
    this.onFault(`database file ${this.path} was ${state} while storyfeed was running; writes are refused from now on`);
    if (!this.saveCopies) return state;
    this.rescue = this.saveCopy();
    this.onFault(this.rescue.to
      ? `saved what the open database holds to ${this.rescue.to}; move it back to ${this.path} and restart`
      : `could not save a copy of the open database: ${this.rescue.error}`);
    return state;
  }

  private saveCopy(): { to?: string; error?: string } {
    const to = `${this.path}${RESCUE_SUFFIX}${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      mkdirSync(dirname(to), { recursive: true });
      this.prepare('VACUUM INTO ?').run(to);
      return { to };
    } catch (err) {
      return { error: errorText(err) };
    }
  }

  /** A committed write (cached for PROBE_INTERVAL_MS): a rolled-back one never reaches the disk in WAL mode. */
  private probeWrite(now: number): { ok: boolean; error?: string } {
    if (this.probe && now - this.probe.at < PROBE_INTERVAL_MS) return this.probe;
    try {
      this.prepare(`INSERT INTO meta (key, value) VALUES ('write_probe', ?)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(new Date(now).toISOString());
      this.probe = { at: now, ok: true };
    } catch (err) {
      this.probe = { at: now, ok: false, error: errorText(err) };
    }
    return this.probe;
  }

  /** See Store.health. */
  health(opts: { failuresSince?: string; now?: number }): DatabaseHealth {
    const now = opts.now ?? Date.now();
    const mode = this.readOnly ? 'read-only' : 'read-write';
    const problems: string[] = [];
    const file = this.file ? this.fileCheck() : 'memory';
    if (file === 'deleted' || file === 'replaced') {
      problems.push(`database file ${this.path} was ${file} while storyfeed was running: nothing more is written; ` +
        (this.rescue?.to ? `its data was saved to ${this.rescue.to}` : `no copy could be saved (${this.rescue?.error ?? 'unknown'})`) +
        '; restore it and restart');
    }
    let ok: boolean;
    let schemaVersion: number;
    try {
      ok = (this.prepare('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
      schemaVersion = this.prepare('PRAGMA user_version').pluck().get() as number;
    } catch (err) {
      return { ok: false, mode, file, error: errorText(err), problems };
    }
    const failure = this.lastWriteFailure;
    if (this.readOnly) return { ok, schemaVersion, mode, file, problems };
    const probe = file === 'ok' ? this.probeWrite(now) : { ok: false, error: 'the database file is gone' };
    const recent = failure && (opts.failuresSince === undefined || failure.at >= opts.failuresSince) ? failure : undefined;
    const writable = probe.ok && !recent;
    const error = writable ? undefined : recent?.error ?? probe.error;
    if (!writable && file === 'ok') problems.push(`database cannot be written (read-only, full or failing): ${error ?? 'unknown'}`);
    return { ok, schemaVersion, mode, writable, error, file, lastWriteFailure: failure, rescuedTo: this.rescue?.to, problems };
  }
}
