// What the clusterer keeps per article: its text analysis (versioned JSON), so a start reads the window
// instead of re-analysing every text in it. Rows go with their article (ON DELETE CASCADE).
import type Database from 'better-sqlite3';

export interface StoredFeatures {
  articleId: number;
  storyId: number;
  published: string;
  sourceId: number | null;
  /** The analysis as stored (JSON text); its version is the one asked for. */
  analysis: string;
}

/** An article's stored term vectors (binary, cluster/features.ts encodeVectors), for a start. */
export interface StoredVectors {
  articleId: number;
  storyId: number;
  published: string;
  sourceId: number | null;
  vectors: Uint8Array;
}

/** A row of the window as a start reads it: its binary vectors, or (stored before vectors were) its JSON analysis. */
export type StoredWindowRow = Omit<StoredVectors, 'vectors'> & { vectors: Uint8Array | null; analysis: string | null };

/** A BLOB for SQLite: a Uint8Array that crossed a thread (structured clone) is no longer a Buffer. */
export function blob(bytes: Uint8Array | undefined): Buffer | null {
  if (!bytes) return null;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class ClusterStore {
  constructor(private readonly db: Database.Database) {}

  /** Analyses of `version` of the articles published or first seen since `since`, oldest first, with their story. */
  window(since: string, version: number, opts: { withoutVectors?: boolean } = {}): StoredFeatures[] {
    return (this.db.prepare(`
      SELECT f.article_id AS articleId, a.story_id AS storyId, f.published_at AS published, f.source_id AS sourceId,
        f.analysis
      FROM cluster_features f JOIN articles a ON a.id = f.article_id
      WHERE (f.published_at >= @since OR a.first_seen_at >= @since) AND f.version = @version
        ${opts.withoutVectors ? 'AND f.vectors IS NULL' : ''}
      ORDER BY f.published_at, f.article_id`).all({ since, version })) as StoredFeatures[];
  }

  /**
   * Binary term vectors of `version` of the window's articles (as window(), only rows that have them):
   * no JSON is read, so a start costs a decode per article. With `orAnalysis`, the rows without vectors
   * too, with their JSON analysis instead (one scan of the window where a start made two).
   */
  windowVectors(since: string, version: number): StoredVectors[];
  windowVectors(since: string, version: number, opts: { orAnalysis: true }): StoredWindowRow[];
  windowVectors(since: string, version: number, opts: { orAnalysis?: boolean } = {}): StoredVectors[] | StoredWindowRow[] {
    return (this.db.prepare(`
      SELECT f.article_id AS articleId, a.story_id AS storyId, f.published_at AS published, f.source_id AS sourceId,
        f.vectors${opts.orAnalysis ? ', CASE WHEN f.vectors IS NULL THEN f.analysis END AS analysis' : ''}
      FROM cluster_features f JOIN articles a ON a.id = f.article_id
      WHERE (f.published_at >= @since OR a.first_seen_at >= @since) AND f.version = @version
        ${opts.orAnalysis ? '' : 'AND f.vectors IS NOT NULL'}
      ORDER BY f.published_at, f.article_id`).all({ since, version })) as StoredVectors[] | StoredWindowRow[];
  }

  /** Store (or replace) an article's analysis, with its binary vectors when given. */
  save(articleId: number, version: number, published: string, sourceId: number | undefined, analysis: string,
    vectors?: Uint8Array): void {
    this.db.prepare(`INSERT OR REPLACE INTO cluster_features (article_id, version, published_at, source_id, analysis, vectors)
      VALUES (?, ?, ?, ?, ?, ?)`).run(articleId, version, published, sourceId ?? null, analysis, blob(vectors));
  }

  /** One article's stored analysis of `version`, if any. */
  get(articleId: number, version: number): string | undefined {
    const r = this.db.prepare('SELECT analysis FROM cluster_features WHERE article_id = ? AND version = ?').get(articleId, version) as
      { analysis: string } | undefined;
    return r?.analysis;
  }

  /** When the recent window was last re-clustered (ingest/cluster.ts: reclusterStories), if ever. */
  reclusteredAt(): string | undefined {
    const r = this.db.prepare("SELECT value FROM meta WHERE key = 'reclustered_at'").get() as { value: string } | undefined;
    return r?.value;
  }

  setReclusteredAt(at: string): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('reclustered_at', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(at);
  }
}
