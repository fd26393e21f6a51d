// Wires the pure clusterer (cluster/) to storage: new articles are placed in stories inside items.save()'s
// transaction; an article whose full text arrives later is reassessed (stories may merge, older id kept);
// at start the clusterer is rebuilt from the articles of the recent window only.
import type { Logger } from 'pino';
import { Clusterer, type ClusterDoc, type Thresholds } from '../cluster/index.js';
import { toPlainText } from '../sanitizer/index.js';
import type { ClusterInput, ItemInput, SaveHooks, Store } from '../storage/index.js';

/** A stored article (or a new item) as the clusterer reads it: the longest text we have. */
export function toClusterDoc(id: number, a: Pick<ClusterInput, 'title' | 'articleText' | 'feedHtml' | 'url' | 'published'>): ClusterDoc {
  const text = a.articleText ?? (a.feedHtml ? toPlainText(a.feedHtml) : undefined);
  return { id, title: a.title, text: text || undefined, url: a.url, published: Date.parse(a.published) };
}

function itemDoc(item: ItemInput): ClusterDoc {
  return toClusterDoc(0, { title: item.title, feedHtml: item.content ?? item.summary, url: item.url, published: item.published });
}

/** A clusterer holding the stories of the window before `now` (the cost of a start is the window's, not the database's). */
export function loadClusterer(store: Store, now: Date, thresholds: Partial<Thresholds> = {}): Clusterer {
  const c = new Clusterer(thresholds);
  const since = new Date(now.getTime() - c.thresholds.windowHours * 3_600_000).toISOString();
  for (const a of store.items.clusterInputs(since)) c.add(toClusterDoc(a.articleId, a), a.storyId);
  return c;
}

/** Hooks for Store.items.save: decide each new article's story, then record it in the clusterer. */
export function clusterHooks(c: Clusterer): SaveHooks {
  return {
    decide: (item) => {
      const d = c.decide(itemDoc(item));
      return d.story === undefined ? undefined : { story: Number(d.story), merge: d.merge.map(Number) };
    },
    added: (item, articleId, storyId, merged) => {
      for (const drop of merged) c.merge(storyId, drop);
      c.add({ ...itemDoc(item), id: articleId }, storyId);
    },
  };
}

/** After an article's full text is stored: does it now belong with another story? Merge if so. */
export function reassessArticle(store: Store, c: Clusterer, articleId: number, now: string, log: Logger): void {
  const input = store.items.clusterInputFor(articleId);
  if (!input) return;
  const d = c.reassess(toClusterDoc(articleId, input), input.storyId);
  if (d.story === undefined) return;
  const keep = Number(d.story);
  for (const drop of d.merge.map(Number)) {
    if (!store.stories.merge(keep, drop, now)) continue; // one of them was pruned meanwhile
    c.merge(keep, drop);
    log.info({ keep, drop, article: articleId, score: d.scores?.score }, 'stories merged after full text');
  }
}
