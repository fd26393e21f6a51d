// `storyfeed stories`: recent stories with every item that carried them.
import { Command } from 'commander';
import type { StorySummary } from '../storage/index.js';
import { openStore, out, withCommon, type CommonOptions } from './shared.js';

export function formatStories(list: readonly StorySummary[]): string {
  if (list.length === 0) return 'no stories stored yet (run `storyfeed once`)';
  return list.map((st) => [
    `story ${st.id}  ${st.guid}  (${st.members.length} item${st.members.length === 1 ? '' : 's'}, published ${st.published}, updated ${st.updated})`,
    `  ${st.title}`,
    ...st.members.map((m) => `    item ${m.id}  ${m.source}: ${m.title}${m.url ? `  <${m.url}>` : ''}` +
      (m.extract_status === 'ok' ? '  [full text]' : m.extract_status === 'failed' ? `  [feed content: ${m.extract_error}]` : '')),
  ].join('\n')).join('\n\n');
}

export function storiesCommand(): Command {
  return withCommon(new Command('stories'))
    .description('list recent stories (as in the merged feed) with every item that carried them')
    .option('-n, --limit <n>', 'how many stories', (v) => Number.parseInt(v, 10), 20)
    .option('--json', 'print as JSON')
    .action(async (opts: CommonOptions & { limit: number; json?: boolean }) => {
      const store = await openStore(opts);
      try {
        const list = store.stories.summaries(opts.limit);
        out(opts.json ? JSON.stringify(list, null, 2) : formatStories(list));
      } finally {
        store.close();
      }
    });
}
