// Stories: merging, membership, and the assembly of a story's entry from its members.
import type Database from 'better-sqlite3';
import type { Enclosure, Story, StorySource } from '../model/index.js';
import { u, type ItemRow } from './rows.js';

interface MemberRow extends ItemRow {
  story_id: number; source_name: string | null; source_title: string | null; source_url: string;
  source_site: string | null; article_html: string | null; article_text: string | null; article_byline: string | null;
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


interface StoryRow {
  id: number; guid: string; created_at: string; published_at: string; updated_at: string;
}

export class StoryStore {
  constructor(private readonly db: Database.Database) {}

  /**
   * Merge story `drop` into story `keep`: its articles move, it is marked merged (never published
   * again under its own id), and `keep` is updated. The caller passes the older story as `keep`.
   */
  merge(keep: number, drop: number, now: string): boolean {
    return this.db.transaction(() => this.mergeTx(keep, drop, now))();
  }

  /** merge() inside the caller's transaction; false (nothing done) when either story is gone (pruned) or already merged. */
  mergeTx(keep: number, drop: number, now: string): boolean {
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
  ofArticle(articleId: number): number | undefined {
    return (this.db.prepare('SELECT story_id FROM articles WHERE id = ?').get(articleId) as { story_id: number } | undefined)?.story_id;
  }

  /** Recent stories with their members (item ids, sources, titles), for `storyfeed stories`. */
  summaries(limit: number): StorySummary[] {
    return this.list(limit).map((s) => ({
      id: s.id, guid: s.guid, title: s.title, published: s.published, updated: s.updated,
      members: this.db.prepare(`
        SELECT i.id, i.title, coalesce(i.url, i.link) AS url, coalesce(src.name, src.title, src.url) AS source, i.published_at,
          a.extract_status, a.extract_error
        FROM items i JOIN articles a ON a.id = i.article_id JOIN sources src ON src.id = i.source_id
        WHERE a.story_id = ? ORDER BY i.published_at, i.id`).all(s.id) as StorySummary['members'],
    }));
  }

  /** The newest stories (by first publication), each with every item that carried it. */
  list(limit: number): Story[] {
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
