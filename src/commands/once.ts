// `storyfeed once`: one ingest cycle over the due sources, then a summary.
import { Command } from 'commander';
import type { CycleSummary } from '../scheduler/index.js';
import { loadConfig, logger, openWorkerStore, out, withCommon, type CommonOptions } from './shared.js';

export function formatSummary(s: CycleSummary): string {
  const lines = [
    `cycle: ${s.sources} sources in ${(s.durationMs / 1000).toFixed(1)} s — ${s.ok} ok, ${s.notModified} not modified, ` +
    `${s.failed} failed${s.aborted ? `, ${s.aborted} aborted` : ''}; ${s.inserted} new items, ${s.updated} updated`,
  ];
  if (s.extracted || s.extractFailed) {
    lines.push(`  full text: ${s.extracted} articles extracted, ${s.extractFailed} failed (feed content kept)`);
  }
  for (const r of s.results.filter((r) => r.outcome === 'failed')) lines.push(`  failed: ${r.source}: ${r.error}`);
  if (s.pruned.items || s.pruned.stories) lines.push(`  retention: pruned ${s.pruned.items} items, ${s.pruned.stories} stories`);
  return lines.join('\n');
}

export function onceCommand(): Command {
  return withCommon(new Command('once'))
    .description('run one full ingest cycle, print a summary and exit')
    .option('--all', 'fetch every enabled source, even those not due yet')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: CommonOptions & { all?: boolean; json?: boolean }) => {
      const config = await loadConfig(opts.config);
      const log = await logger(opts, 'pretty');
      const { runCycle } = await import('../scheduler/index.js');
      const { store, close } = await openWorkerStore(opts, 'once', config);
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const summary = await runCycle({ store, config, log, force: opts.all, signal: abort.signal,
          onProgress: (done, total) => {
            if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total} sources`);
          } });
        if (process.stderr.isTTY) process.stderr.write('\n');
        out(opts.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        close();
      }
    });
}
