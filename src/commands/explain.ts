// `storyfeed explain ITEM1 ITEM2`: why two stored items are or are not one story.
import { Command } from 'commander';
import type { Store } from '../storage/index.js';
import { openStore, out, UsageError, withCommon, type CommonOptions } from './shared.js';

type ExplainItem = NonNullable<ReturnType<Store['items']['itemForCluster']>>;

export function explainCommand(): Command {
  return withCommon(new Command('explain'))
    .description('say why two stored items are or are not in one story: the scores that decided')
    .argument('<item1>', 'item id (see `storyfeed stories`)')
    .argument('<item2>', 'item id')
    .option('--json', 'print as JSON')
    .action(async (id1: string, id2: string, opts: CommonOptions & { json?: boolean }) => {
      const { loadClusterer, toClusterDoc } = await import('../ingest/cluster.js');
      const store = await openStore(opts);
      try {
        const items = [id1, id2].map((raw) => {
          const id = Number(raw);
          const it = Number.isInteger(id) ? store.items.itemForCluster(id) : undefined;
          if (!it) throw new UsageError(`no item with id ${raw} (see \`storyfeed stories\`)`);
          return it;
        }) as [ExplainItem, ExplainItem];
        const clusterer = loadClusterer(store, new Date());
        const [a, b] = items;
        const scores = clusterer.compare(toClusterDoc(a.articleId, a), toClusterDoc(b.articleId, b));
        const t = clusterer.thresholds;
        const same = a.storyId === b.storyId;
        const verdict = a.articleId === b.articleId ? 'the same article (same canonical URL): always one story'
          : scores.nearDuplicate ? `near-identical copies (${scores.hammingBits} of 64 SimHash bits differ, at most ${t.nearDuplicateBits})`
            : scores.score >= t.join ? `score ${scores.score.toFixed(3)} ≥ join threshold ${t.join}: one story`
              : `score ${scores.score.toFixed(3)} < join threshold ${t.join}: not one story on their own` +
                (same ? ' (they share a story through other items)' : '');
        if (opts.json) return out(JSON.stringify({ items, sameStory: same, scores, thresholds: t, verdict }, null, 2));
        out([
          ...items.map((it) => `item ${it.itemId}  story ${it.storyId}  ${it.source}: ${it.title}  (${it.published})`),
          `same story now: ${same ? 'yes' : 'no'}`,
          `text similarity (TF-IDF cosine): ${scores.text.toFixed(3)}   shared terms: ${scores.sharedTerms.slice(0, 12).join(', ') || '—'}`,
          `named entities (rarity-weighted overlap): ${scores.entities.toFixed(3)}   shared: ${scores.sharedEntities.join(', ') || '—'}`,
          `time proximity factor: ${scores.time.toFixed(3)}`,
          `body fingerprints: ${scores.hammingBits === undefined ? 'n/a (a body is too short)' : `${scores.hammingBits} of 64 bits differ`}`,
          `combined: (${t.textWeight} × text + ${(1 - t.textWeight).toFixed(2)} × entities) × time = ${scores.score.toFixed(3)}`,
          `verdict: ${verdict}`,
        ].join('\n'));
      } finally {
        store.close();
      }
    });
}
