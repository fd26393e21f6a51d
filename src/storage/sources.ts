// Sources and their fetch state: what the config lists and what the worker learned fetching them.
import type Database from 'better-sqlite3';
import type { SourceConfig, SourceState, SourceStatus } from '../model/index.js';
import { u } from './rows.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Fetch outcomes kept per source (fetch_history): the newest, older ones deleted as new ones come. */
export const FETCH_HISTORY_PER_SOURCE = 60;
// ---------------------------------------------------------------------------------------------------

/** What one fetch of a source came to, as fetch_history keeps it. */
export type FetchOutcome = 'ok' | 'not_modified' | 'failed' | 'gone';

/** One fetch of a source: when, how it went, and (failures) the message. */
export interface FetchRecord {
  sourceId: number;
  at: string;
  outcome: FetchOutcome;
  error?: string;
}

export interface FetchSuccess {
  /** The server answered 304 Not Modified (nothing new to parse). */
  notModified?: boolean;
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

interface SourceRow {
  id: number; config_url: string; url: string; name: string | null; title: string | null;
  site_link: string | null; etag: string | null; last_modified: string | null; status: SourceStatus;
  last_fetch_at: string | null; last_success_at: string | null; last_error: string | null;
  consecutive_failures: number; next_attempt_at: string | null; item_count: number;
}

/** A source's fetch state: what a cycle reads (its stored items are not counted). */
export type SourceFetchState = Omit<SourceState, 'itemCount'>;

function toFetchState(r: Omit<SourceRow, 'item_count'>): SourceFetchState {
  return {
    id: r.id, configUrl: r.config_url, url: r.url, name: u(r.name), title: u(r.title), siteLink: u(r.site_link),
    etag: u(r.etag), lastModified: u(r.last_modified), status: r.status, lastFetchAt: u(r.last_fetch_at),
    lastSuccessAt: u(r.last_success_at), lastError: u(r.last_error), consecutiveFailures: r.consecutive_failures,
    nextAttemptAt: u(r.next_attempt_at),
  };
}

function toSourceState(r: SourceRow): SourceState {
  return { ...toFetchState(r), itemCount: r.item_count };
}

const STATE_COLUMNS = `s.id, s.config_url, s.url, s.name, s.title, s.site_link, s.etag, s.last_modified, s.status,
  s.last_fetch_at, s.last_success_at, s.last_error, s.consecutive_failures, s.next_attempt_at`;
const SOURCE_COLUMNS = `${STATE_COLUMNS}, (SELECT count(*) FROM items i WHERE i.source_id = s.id) AS item_count`;

export class SourceStore {
  constructor(private readonly db: Database.Database) {}

  /** Make the sources table match the config: add new ones, update settings, disable removed ones. */
  sync(sources: readonly SourceConfig[], now: string): void {
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

  list(): SourceState[] {
    const rows = this.db.prepare(`SELECT ${SOURCE_COLUMNS} FROM sources s ORDER BY s.id`).all() as SourceRow[];
    return rows.map(toSourceState);
  }

  get(configUrl: string): SourceState | undefined {
    const row = this.db.prepare(`SELECT ${SOURCE_COLUMNS} FROM sources s WHERE s.config_url = ?`).get(configUrl) as
      | SourceRow | undefined;
    return row ? toSourceState(row) : undefined;
  }

  /**
   * The fetch state of every source, without counting items: what a cycle reads to pick the due ones
   * (its cost is the number of sources, not the size of the database).
   */
  fetchStates(): SourceFetchState[] {
    return (this.statements().states.all() as Omit<SourceRow, 'item_count'>[]).map(toFetchState);
  }

  /**
   * fetchStates in steps: the sources after id `afterId`, at most `limit`, in id order (a cycle of
   * thousands of sources reads them a few hundred at a time, the event loop free between reads).
   */
  fetchStatesAfter(afterId: number, limit: number): SourceFetchState[] {
    return (this.statements().statesAfter.all(afterId, limit) as Omit<SourceRow, 'item_count'>[]).map(toFetchState);
  }

  /** The statements a cycle runs for every source, prepared once. */
  private prepared?: { states: Database.Statement; statesAfter: Database.Statement; success: Database.Statement; failure: Database.Statement;
    history: Database.Statement; trim: Database.Statement };
  private statements(): NonNullable<SourceStore['prepared']> {
    this.prepared ??= {
      states: this.db.prepare(`SELECT ${STATE_COLUMNS} FROM sources s ORDER BY s.id`),
      statesAfter: this.db.prepare(`SELECT ${STATE_COLUMNS} FROM sources s WHERE s.id > ? ORDER BY s.id LIMIT ?`),
      success: this.db.prepare(`
        UPDATE sources SET
          url = coalesce(@url, url), etag = @etag, last_modified = @lastModified,
          title = coalesce(@title, title), site_link = coalesce(@siteLink, site_link),
          status = 'ok', last_fetch_at = @now, last_success_at = @now, last_error = NULL,
          consecutive_failures = 0, next_attempt_at = @next
        WHERE id = @id`),
      failure: this.db.prepare(`
        UPDATE sources SET status = @status, last_fetch_at = @now, last_error = @error,
          consecutive_failures = consecutive_failures + 1, next_attempt_at = @next
        WHERE id = @id`),
      history: this.db.prepare('INSERT INTO fetch_history (source_id, at, outcome, error) VALUES (?, ?, ?, ?)'),
      trim: this.db.prepare(`DELETE FROM fetch_history WHERE source_id = @id AND id <= (
          SELECT id FROM fetch_history WHERE source_id = @id ORDER BY id DESC LIMIT 1 OFFSET @keep)`),
    };
    return this.prepared;
  }

  /** A fetch that worked (or answered 304): the source is ok again; the fetch joins its history. */
  recordFetchSuccess(sourceId: number, now: string, r: FetchSuccess): void {
    this.db.transaction(() => {
      this.statements().success.run({
        id: sourceId, now, url: r.url ?? null, etag: r.etag ?? null, lastModified: r.lastModified ?? null,
        title: r.title ?? null, siteLink: r.siteLink ?? null, next: r.nextAttemptAt,
      });
      this.recordOutcome(sourceId, now, r.notModified ? 'not_modified' : 'ok');
    })();
  }

  /** A fetch that failed: status, message and backoff stored; the fetch joins its history. */
  recordFetchFailure(sourceId: number, now: string, r: FetchFailure): void {
    this.db.transaction(() => {
      this.statements().failure.run({ id: sourceId, now, status: r.status, error: r.error, next: r.nextAttemptAt ?? null });
      this.recordOutcome(sourceId, now, r.status === 'gone' ? 'gone' : 'failed', r.error);
    })();
  }

  /** Append a fetch to the source's history and drop what falls past FETCH_HISTORY_PER_SOURCE (same transaction). */
  private recordOutcome(sourceId: number, at: string, outcome: FetchOutcome, error?: string): void {
    this.statements().history.run(sourceId, at, outcome, error ?? null);
    this.statements().trim.run({ id: sourceId, keep: FETCH_HISTORY_PER_SOURCE });
  }

  /** The newest `limit` fetches of every source (at most FETCH_HISTORY_PER_SOURCE each), oldest first per source. */
  fetchHistory(limit = FETCH_HISTORY_PER_SOURCE): FetchRecord[] {
    const rows = this.db.prepare(`
      SELECT source_id, at, outcome, error FROM (
        SELECT h.*, row_number() OVER (PARTITION BY source_id ORDER BY id DESC) AS n FROM fetch_history h)
      WHERE n <= ? ORDER BY source_id, id`).all(limit) as
      { source_id: number; at: string; outcome: FetchOutcome; error: string | null }[];
    return rows.map((r) => ({ sourceId: r.source_id, at: r.at, outcome: r.outcome, error: u(r.error) }));
  }
}
