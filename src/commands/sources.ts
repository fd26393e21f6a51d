// `storyfeed sources`: each stored source with its status, last fetch, errors and items. Read-only: it
// lists what the database holds and never writes the config into it (the worker does that), so it is
// safe against a running service's database with any config. With a config, stored sources it does not
// list are marked, and configured sources not stored yet are named.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import type { Config, SourceState } from '../model/index.js';
import { loadConfig, openStore, out, withCommon, type CommonOptions } from './shared.js';

/** A stored source, and whether the given config lists it (undefined: no config was read). */
export type ListedSource = SourceState & { inConfig?: boolean };

export function formatSources(sources: readonly ListedSource[], configFile?: string, notStored: readonly string[] = []): string {
  const footer = notStored.length
    ? [`${notStored.length} source${notStored.length === 1 ? '' : 's'} in ${configFile} not stored yet ` +
      '(a worker adds them when it starts or reloads):', ...notStored.map((u) => `  ${u}`)]
    : [];
  if (sources.length === 0) return ['no sources stored yet (run `storyfeed once`)', ...footer].join('\n');
  const rows = sources.map((s) => [
    s.status, s.lastFetchAt ? s.lastFetchAt.replace(/\.\d+Z$/, 'Z') : 'never', String(s.consecutiveFailures),
    String(s.itemCount), s.name ?? s.title ?? '',
    s.url + (s.url !== s.configUrl ? ` (configured: ${s.configUrl})` : '') + (s.inConfig === false ? ` (not in ${configFile})` : ''),
    s.lastError ?? '',
  ]);
  const head = ['STATUS', 'LAST FETCH', 'ERRORS', 'ITEMS', 'NAME', 'URL', 'LAST ERROR'];
  const widths = head.slice(0, 5).map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) => r.map((c, i) => (i < 5 ? c.padEnd(widths[i] as number) : c)).join('  ').trimEnd();
  return [line(head), ...rows.map(line), ...(footer.length ? ['', ...footer] : [])].join('\n');
}

/** The config to compare with: the one named by --config, or the default one when it exists. */
async function configToCompare(opts: CommonOptions, cmd: Command): Promise<Config | undefined> {
  if (cmd.getOptionValueSource('config') === 'default' && !existsSync(opts.config)) return undefined;
  return loadConfig(opts.config);
}

export function sourcesCommand(): Command {
  return withCommon(new Command('sources'))
    .description('list the stored sources with last fetch, status, error count and items (read-only; ' +
      'marks sources the config does not list)')
    .option('--json', 'print as JSON (each source has `inConfig` when a config was read)')
    .action(async (opts: CommonOptions & { json?: boolean }, cmd: Command) => {
      const config = await configToCompare(opts, cmd);
      const store = await openStore(opts);
      try {
        const configured = config ? new Set(config.sources.map((s) => s.url)) : undefined;
        const list: ListedSource[] = store.sources.list().map((s) => (configured ? { ...s, inConfig: configured.has(s.configUrl) } : s));
        const stored = new Set(list.map((s) => s.configUrl));
        const notStored = config ? config.sources.map((s) => s.url).filter((u) => !stored.has(u)) : [];
        out(opts.json ? JSON.stringify(list, null, 2) : formatSources(list, config?.file, notStored));
      } finally {
        store.close();
      }
    });
}
