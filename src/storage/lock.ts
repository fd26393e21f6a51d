// One worker per database: a lock row with the holder's pid, host and heartbeat.
import type Database from 'better-sqlite3';

export interface WorkerIdentity {
  pid: number;
  host: string;
  command: string;
}

export type LockResult =
  | { ok: true }
  | { ok: false; holder: { pid: number; host: string; command: string; since: string; heartbeat: string } };


export class WorkerLock {
  constructor(private readonly db: Database.Database) {}

  /**
   * Take the database for this worker process. Refused while another worker holds it: on this host,
   * as long as its process is alive (a SIGKILLed worker's lock is taken over at once); on another
   * host, until its heartbeat is older than `staleMs`. Serialized by SQLite (BEGIN IMMEDIATE).
   */
  acquire(me: WorkerIdentity, now: Date, staleMs: number, isAlive: (pid: number) => boolean): LockResult {
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

  release(me: WorkerIdentity): void {
    if (!this.db.open) return;
    this.db.prepare('DELETE FROM worker_lock WHERE pid = ? AND host = ?').run(me.pid, me.host);
  }
}
