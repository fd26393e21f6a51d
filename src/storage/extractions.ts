// Full-text extraction results, one per article, so no page is fetched twice.
import type Database from 'better-sqlite3';

/** An article page waiting for full-text extraction. */
export interface PendingPage {
  articleId: number;
  /** The URL to fetch: the item's link as the feed gave it (the canonical URL when there is none). */
  pageUrl: string;
}

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

export class ExtractionStore {
  constructor(private readonly db: Database.Database) {}

  /** Articles of this source never tried for extraction, newest first. */
  pending(sourceId: number, limit: number): PendingPage[] {
    const rows = this.db.prepare(`
      SELECT a.id AS article_id, coalesce(min(i.link), a.url) AS page_url
      FROM articles a JOIN items i ON i.article_id = a.id
      WHERE i.source_id = ? AND a.extract_status IS NULL AND a.url IS NOT NULL
      GROUP BY a.id ORDER BY max(i.published_at) DESC, a.id DESC LIMIT ?`).all(sourceId, limit) as
      { article_id: number; page_url: string }[];
    return rows.map((r) => ({ articleId: r.article_id, pageUrl: r.page_url }));
  }

  /** Articles to extract again (`storyfeed extract --refresh`): all of them, or only the failed ones. */
  toRefresh(which: 'all' | 'failed'): PendingPage[] {
    const rows = this.db.prepare(`
      SELECT id AS article_id, coalesce(page_url, url) AS page_url FROM articles
      WHERE url IS NOT NULL AND (? = 'all' OR extract_status = 'failed') ORDER BY id`).all(which) as
      { article_id: number; page_url: string }[];
    return rows.map((r) => ({ articleId: r.article_id, pageUrl: r.page_url }));
  }

  /**
   * Store an extraction. The story's entry is marked updated only when the article's text or HTML changed:
   * extracting an unchanged page again (`extract --refresh`) moves no `updated`, footer time or ETag (issue 9.7).
   * Returns whether the body changed.
   */
  save(articleId: number, pageUrl: string, r: ExtractionRecord, now: string): boolean {
    return this.db.transaction(() => {
      const before = this.db.prepare('SELECT text, html FROM articles WHERE id = ?').get(articleId) as
        { text: string | null; html: string | null } | undefined;
      const changed = before === undefined || before.text !== r.text || before.html !== r.html;
      this.db.prepare(`
        UPDATE articles SET extract_status = 'ok', extract_error = NULL, extracted_at = @now, page_url = @pageUrl,
          verdict = 'article', found_text = NULL,
          title = @title, byline = @byline, site_name = @siteName, lang = @lang, excerpt = @excerpt,
          published_at = @published, text = @text, html = @html, word_count = @wordCount
        WHERE id = @id`).run({
        id: articleId, now, pageUrl, title: r.title ?? null, byline: r.byline ?? null, siteName: r.siteName ?? null,
        lang: r.lang ?? null, excerpt: r.excerpt ?? null, published: r.published ?? null, text: r.text, html: r.html,
        wordCount: r.wordCount,
      });
      if (changed) {
        this.db.prepare('UPDATE stories SET updated_at = ? WHERE id = (SELECT story_id FROM articles WHERE id = ?)')
          .run(now, articleId);
      }
      return changed;
    })();
  }

  /** Record why extraction failed; the feed's own content stays the article body. Earlier text is kept. */
  recordFailure(articleId: number, pageUrl: string, error: string, now: string): void {
    this.db.prepare(`
      UPDATE articles SET extract_status = CASE WHEN html IS NULL THEN 'failed' ELSE extract_status END,
        extract_error = ?, extracted_at = ?, page_url = ? WHERE id = ?`).run(error, now, pageUrl, articleId);
  }

  /**
   * A page that is not an article (short, paywalled, no article): stored as a failure (the feed's content
   * stays the body, earlier text is kept, `extract --refresh --failed` tries again) with its verdict and text.
   */
  recordNonArticle(articleId: number, pageUrl: string, verdict: 'short' | 'paywalled' | 'not-article', reason: string,
    text: string, now: string): void {
    this.db.transaction(() => {
      this.recordFailure(articleId, pageUrl, reason, now);
      this.db.prepare('UPDATE articles SET verdict = ?, found_text = ? WHERE id = ?').run(verdict, text || null, articleId);
    })();
  }

  stats(): { ok: number; failed: number; pending: number } {
    return this.db.prepare(`SELECT
      count(*) FILTER (WHERE extract_status = 'ok') AS ok,
      count(*) FILTER (WHERE extract_status = 'failed') AS failed,
      count(*) FILTER (WHERE extract_status IS NULL AND url IS NOT NULL) AS pending FROM articles`).get() as
      { ok: number; failed: number; pending: number };
  }
}
