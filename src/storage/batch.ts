// Small writes coalesced into few transactions (issues 12 and 16). A cycle of 1,000 feeds that all answer
// 304 wrote 1,000 transactions of three statements each (the fetch state, its history), each with its own
// BEGIN, COMMIT and file check: ~26 % of the main thread's time in that cycle. Units given to `add` run
// in the next turn of the event loop, as many as fit in BATCH_MAX_MS, in one transaction, each unit in a
// savepoint of its own: a unit that throws is undone alone (and its caller hears its error), the others
// commit together. A unit is all-or-nothing (a source's items and its fetch state commit together or not
// at all); it is stored when its promise resolves, and nothing already stored depends on a unit waiting.
import type Database from 'better-sqlite3';

// ---- Tunables -------------------------------------------------------------------------------------
/** A batch commits once its units have run this long (ms); the rest wait for the next turn of the event loop. */
export const BATCH_MAX_MS = 4;
/** Most units in one transaction, however fast they run. */
export const BATCH_MAX_UNITS = 256;
// ---------------------------------------------------------------------------------------------------

interface Unit {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class WriteBatcher {
  private readonly queue: Unit[] = [];
  private scheduled = false;

  constructor(private readonly db: Database.Database) {}

  /** Run `unit` (synchronous writes) in a batch soon; resolves with its value once it is committed. */
  add<T>(unit: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: unit, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Units waiting for their batch. */
  get pending(): number {
    return this.queue.length;
  }

  private flush(): void {
    this.scheduled = false;
    const done: { unit: Unit; value: unknown }[] = [];
    const failed: { unit: Unit; err: unknown }[] = [];
    const start = performance.now();
    try {
      this.db.transaction(() => {
        while (this.queue.length && done.length + failed.length < BATCH_MAX_UNITS && performance.now() - start < BATCH_MAX_MS) {
          const unit = this.queue.shift() as Unit;
          try {
            done.push({ unit, value: this.db.transaction(unit.run)() }); // a savepoint: undone alone if it throws
          } catch (err) {
            failed.push({ unit, err });
          }
        }
      })();
    } catch (err) {
      // Nothing of this batch is stored (the commit failed, or the database refused to begin): every unit
      // taken hears it; when none was taken, the database refuses writes and every waiting unit hears it.
      const taken = [...done.map((d) => d.unit), ...failed.map((f) => f.unit)];
      for (const u of taken.length ? taken : this.queue.splice(0)) u.reject(err);
      done.length = 0;
      failed.length = 0;
    }
    for (const d of done) d.unit.resolve(d.value);
    for (const f of failed) f.unit.reject(f.err);
    if (this.queue.length && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }
}
