// `storyfeed sources`: each stored source with its status, last fetch, errors and items.
import { Command } from 'commander';
import type { SourceState } from '../model/index.js';
import { loadConfig, openStore, out, withCommon, type CommonOptions } from './shared.js';

export function formatSources(sources: readonly SourceState[]): string {
  if (sources.length === 0) return 'no sources stored yet (run `storyfeed once`)';
  const rows = sources.map((s) => [
    s.status, s.lastFetchAt ? s.lastFetchAt.replace(/\.\d+Z$/, 'Z') : 'never', String(s.consecutiveFailures),
    String(s.itemCount), s.name ?? s.title ?? '', s.url + (s.url !== s.configUrl ? ` (configured: ${s.configUrl})` : ''),
    s.lastError ?? '',
  ]);
  const head = ['STATUS', 'LAST FETCH', 'ERRORS', 'ITEMS', 'NAME', 'URL', 'LAST ERROR'];
  const widths = head.slice(0, 5).map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) => r.map((c, i) => (i < 5 ? c.padEnd(widths[i] as number) : c)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export function sourcesCommand(): Command {
  return withCommon(new Command('sources'))
    .description('list sources with last fetch, status, error count and items')
    .option('--json', 'print as JSON')
    .action(async (opts: CommonOptions & { json?: boolean }) => {
      const config = await loadConfig(opts.config);
      const store = await openStore(opts, config);
      try {
        const list = store.sources.list();
        out(opts.json ? JSON.stringify(list, null, 2) : formatSources(list));
      } finally {
        store.close();
      }
    });
}
