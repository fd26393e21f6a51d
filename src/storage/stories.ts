// Stories: merging, membership, and the assembly of a story's entry from its members.
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
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


/** One line of a story's history. */
export interface StoryEvent {
  id: number;
  storyId: number;
  event: 'created' | 'joined' | 'moved_in' | 'moved_out' | 'merged_in' | 'merged_into';
  articleId: number | null;
  otherStoryId: number | null;
  probability: number | null;
  at: string;
}

/** A re-clustering decision to write: an article moves to another story, or a story merges into another. */
export type StoryChange =
  | { kind: 'move'; article: number; to: number; probability?: number }
  | { kind: 'merge'; keep: number; drop: number; probability?: number };

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
  mergeTx(keep: number, drop: number, now: string, probability?: number): boolean {
    const live = this.db.prepare('SELECT count(*) AS n FROM stories WHERE id IN (?, ?) AND merged_into IS NULL')
      .get(keep, drop) as { n: number };
    if (keep === drop || live.n !== 2) return false;
    this.db.prepare('UPDATE articles SET story_id = ? WHERE story_id = ?').run(keep, drop);
    this.db.prepare('UPDATE stories SET merged_into = ? WHERE id = ? OR merged_into = ?').run(keep, drop, drop);
    this.db.prepare(`UPDATE stories SET updated_at = @now,
        published_at = min(published_at, (SELECT published_at FROM stories WHERE id = @drop)),
        created_at = min(created_at, (SELECT created_at FROM stories WHERE id = @drop))
      WHERE id = @keep`).run({ keep, drop, now });
    this.recordTx(keep, 'merged_in', now, { other: drop, probability });
    this.recordTx(drop, 'merged_into', now, { other: keep, probability });
    return true;
  }

  /** A new story (its public id is a fresh urn:uuid), inside the caller's transaction. */
  createTx(now: string, published: string): number {
    return Number(this.db.prepare('INSERT INTO stories (guid, created_at, published_at, updated_at) VALUES (?, ?, ?, ?)')
      .run(`urn:uuid:${randomUUID()}`, now, published, now).lastInsertRowid);
  }

  /** Append to a story's history, inside the caller's transaction. */
  recordTx(story: number, event: StoryEvent['event'], at: string,
    more: { article?: number; other?: number; probability?: number } = {}): void {
    this.db.prepare(`INSERT INTO story_events (story_id, event, article_id, other_story_id, probability, at)
      VALUES (?, ?, ?, ?, ?, ?)`).run(story, event, more.article ?? null, more.other ?? null, more.probability ?? null, at);
  }

  /** A story's history, oldest first: created, joined, moved in/out, merged in/into. */
  history(story: number): StoryEvent[] {
    return this.db.prepare(`SELECT id, story_id AS storyId, event, article_id AS articleId, other_story_id AS otherStoryId,
      probability, at FROM story_events WHERE story_id = ? ORDER BY id`).all(story) as StoryEvent[];
  }

  /**
   * Move an article to another live story, inside the caller's transaction: both stories are updated and
   * both histories record it. A story left without articles is marked merged into the destination (its
   * entry is gone, its articles are published in the destination's). False when either is gone.
   */
  moveTx(article: number, to: number, now: string, probability?: number): boolean {
    const from = this.ofArticle(article);
    const live = this.db.prepare('SELECT 1 FROM stories WHERE id = ? AND merged_into IS NULL');
    if (from === undefined || from === to || !live.get(to)) return false;
    this.db.prepare('UPDATE articles SET story_id = ? WHERE id = ?').run(to, article);
    this.db.prepare(`UPDATE stories SET updated_at = @now, published_at = min(published_at,
        (SELECT min(i.published_at) FROM items i WHERE i.article_id = @article)) WHERE id = @to`).run({ now, article, to });
    this.recordTx(from, 'moved_out', now, { article, other: to, probability });
    this.recordTx(to, 'moved_in', now, { article, other: from, probability });
    const left = this.db.prepare('SELECT count(*) AS n FROM articles WHERE story_id = ?').get(from) as { n: number };
    if (left.n === 0) {
      this.db.prepare('UPDATE stories SET merged_into = ?, updated_at = ? WHERE id = ? OR merged_into = ?').run(to, now, from, from);
      this.recordTx(from, 'merged_into', now, { other: to });
      this.recordTx(to, 'merged_in', now, { other: from });
    } else {
      this.db.prepare(`UPDATE stories SET updated_at = @now, published_at = coalesce((SELECT min(i.published_at) FROM items i
          JOIN articles a ON a.id = i.article_id WHERE a.story_id = @from), published_at) WHERE id = @from`).run({ now, from });
    }
    return true;
  }

  /** Write re-clustering decisions in one transaction, in order. Returns how many could not apply (a story or article gone). */
  apply(changes: readonly StoryChange[], now: string): { skipped: number } {
    return this.db.transaction(() => {
      let skipped = 0;
      for (const c of changes) {
        const done = c.kind === 'merge' ? this.mergeTx(c.keep, c.drop, now, c.probability) : this.moveTx(c.article, c.to, now, c.probability);
        if (!done) skipped++;
      }
      return { skipped };
    })();
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
