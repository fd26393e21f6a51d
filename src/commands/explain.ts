// `storyfeed explain ITEM1 ITEM2`: why two stored items are or are not one story: every signal's value and
// its contribution under the model, which add up (with the bias) to the log-odds shown.
import { Command } from 'commander';
import type { Store } from '../storage/index.js';
import { openStore, out, UsageError, withCommon, type CommonOptions } from './shared.js';

type ExplainItem = NonNullable<ReturnType<Store['items']['itemForCluster']>>;

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;

export function explainCommand(): Command {
  return withCommon(new Command('explain'))
    .description('say why two stored items are or are not in one story: each signal, its weight in the model, the verdict')
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
        const same = a.storyId === b.storyId;
        const cmp = clusterer.compare(toClusterDoc(a.articleId, a), toClusterDoc(b.articleId, b));
        const joins = cmp.probability >= cmp.threshold;
        const verdict = a.articleId === b.articleId ? 'the same article (same canonical URL): always one story'
          : cmp.override ? `${cmp.override}`
            : `probability ${cmp.probability.toFixed(3)} ${joins ? '≥' : '<'} join threshold ${cmp.threshold}: ` +
              (joins ? 'one story' : 'not one story on their own' + (same ? ' (they share a story through other items)' : ''));
        if (opts.json) {
          return out(JSON.stringify({ items, sameStory: same, ...cmp, verdict }, null, 2));
        }
        const width = Math.max(...cmp.features.map((f) => f.feature.length));
        out([
          ...items.map((it) => `item ${it.itemId}  story ${it.storyId}  ${it.source}: ${it.title}  (${it.published})`),
          `same story now: ${same ? 'yes' : 'no'}    languages: ${cmp.languages.join(' / ')}    model regime: ${cmp.regime}`,
          `shared names: ${cmp.sharedEntities.map((e) => `${e.text} (${e.kind})`).join(', ') || '—'}`,
          `shared figures: ${cmp.sharedNumbers.join(', ') || '—'}`,
          '',
          `${'signal'.padEnd(width)}     value   contribution (log-odds)`,
          ...cmp.features.map((f) => `${f.feature.padEnd(width)}  ${f.value.toFixed(3).padStart(8)}   ${signed(f.contribution)}`),
          `${'bias'.padEnd(width)}  ${''.padStart(8)}   ${signed(cmp.bias)}`,
          `${'sum'.padEnd(width)}  ${''.padStart(8)}   ${signed(cmp.logit)}  → probability ${(1 / (1 + Math.exp(-cmp.logit))).toFixed(3)}`,
          ...(cmp.override ? [`override: ${cmp.override} (probability 0 whatever the sum)`] : []),
          `verdict: ${verdict}`,
        ].join('\n'));
      } finally {
        store.close();
      }
    });
}
