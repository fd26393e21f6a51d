// `storyfeed once`: one ingest cycle over the due sources, then a summary.
import { Command } from 'commander';
import type { SourceState } from '../model/index.js';
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
  const blocked = s.results.reduce((n, r) => n + (r.blocked ?? 0), 0);
  if (blocked) lines.push(`  rules: ${blocked} items dropped by keep/block rules`);
  for (const r of s.results.filter((r) => r.outcome === 'failed')) lines.push(`  failed: ${r.source}: ${r.error}`);
  if (s.pruned.items || s.pruned.stories) lines.push(`  retention: pruned ${s.pruned.items} items, ${s.pruned.stories} stories`);
  return lines.join('\n');
}

/** "in 12 min" / "in 3 h 5 min" / "in 2 d 4 h". */
function inTime(ms: number): string {
  const min = Math.max(1, Math.ceil(ms / 60_000));
  if (min < 60) return `in ${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `in ${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  return `in ${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ''}`;
}

/**
 * When a cycle found nothing due: when each waiting source is due and which are backing off after errors,
 * so "0 sources" is never the whole answer (issue 9.11).
 */
export function formatNothingDue(sources: readonly SourceState[], configured: ReadonlySet<string>, now: Date): string {
  const mine = sources.filter((s) => configured.has(s.configUrl));
  const waiting = mine.filter((s) => s.status !== 'disabled' && s.status !== 'gone' && s.nextAttemptAt)
    .sort((a, b) => (a.nextAttemptAt as string).localeCompare(b.nextAttemptAt as string));
  const name = (s: SourceState) => s.name ?? s.title ?? s.configUrl;
  const at = (s: SourceState) => `${(s.nextAttemptAt as string).replace(/\.\d+Z$/, 'Z')} (${inTime(Date.parse(s.nextAttemptAt as string) - now.getTime())})`;
  if (mine.length === 0) return '  no sources configured';
  const lines = [`  nothing due: ${waiting.length} of ${mine.length} sources wait for their next fetch`];
  const next = waiting.find((s) => s.status !== 'failing');
  if (next) lines.push(`  next due: ${name(next)} at ${at(next)}`);
  for (const s of waiting.filter((w) => w.status === 'failing')) {
    lines.push(`  backing off: ${name(s)} after ${s.consecutiveFailures} failure${s.consecutiveFailures === 1 ? '' : 's'}, ` +
      `next try at ${at(s)}${s.lastError ? `; last error: ${s.lastError}` : ''}`);
  }
  const gone = mine.filter((s) => s.status === 'gone');
  if (gone.length) lines.push(`  gone (410, not polled): ${gone.map(name).join(', ')}`);
  const disabled = mine.filter((s) => s.status === 'disabled');
  if (disabled.length) lines.push(`  disabled: ${disabled.map(name).join(', ')}`);
  lines.push('  `storyfeed once --all` fetches every enabled source now');
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
        const nothingDue = summary.sources === 0 && !opts.json
          ? `\n${formatNothingDue(store.sources.list(), new Set(config.sources.map((s) => s.url)), new Date())}` : '';
        out(opts.json ? JSON.stringify(summary, null, 2) : formatSummary(summary) + nothingDue);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        close();
      }
    });
}
