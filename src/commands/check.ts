// `storyfeed check`: validate the config file and print what it found.
import { Command } from 'commander';
import type { Config, FilterRule, FilterRules } from '../model/index.js';
import { loadConfig, out, withCommon, type CommonOptions } from './shared.js';

/** "2 block, 1 keep" (the same words as config/rules.ts, without loading it for --help). */
function describeRules(r: FilterRules | undefined): string {
  return r && (r.block.length || r.keep.length) ? `${r.block.length} block, ${r.keep.length} keep` : 'none';
}

/** "title ~ /(?i)sponsored/ and url ~ /ads/". */
function describeRule(rule: FilterRule): string {
  return (['title', 'content', 'author', 'url'] as const).filter((f) => rule[f] !== undefined).map((f) => `${f} ~ /${rule[f]}/`).join(' and ');
}

export function formatConfig(c: Config): string {
  const enabled = c.sources.filter((s) => s.enabled).length;
  return [
    `${c.file}: OK`,
    `schedule: ${c.schedule}`,
    `http: timeout ${c.http.timeoutMs} ms, max ${c.http.maxBytes} bytes, concurrency ${c.http.concurrency} (${c.http.perHostConcurrency} per host), private networks ${c.http.allowPrivateNetworks ? 'allowed' : 'refused'}`,
    `output: "${c.output.title}" on http://${c.output.host}:${c.output.port}/ (${c.output.maxStories} stories)`,
    `retention: ${c.retention.days ? `${c.retention.days} days` : 'forever'}`,
    `rules: ${describeRules(c.rules)}`,
    ...[...(c.rules?.block ?? []).map((r) => `  block ${describeRule(r)}`), ...(c.rules?.keep ?? []).map((r) => `  keep ${describeRule(r)}`)],
    `sources: ${c.sources.length} (${enabled} enabled)`,
    ...c.sources.map((s) => `  ${s.enabled ? '+' : '-'} ${s.url}${s.name ? `  "${s.name}"` : ''}  every ${s.intervalSeconds}s` +
      `${s.tags.length ? `  [${s.tags.join(', ')}]` : ''}${s.fullText ? '' : '  (no full text)'}` +
      `${s.rules && (s.rules.block.length || s.rules.keep.length) ? `  (rules: ${describeRules(s.rules)})` : ''}`),
  ].join('\n');
}

export function checkCommand(): Command {
  return withCommon(new Command('check'), false)
    .description('validate the config file and print what it found')
    .action(async (opts: CommonOptions) => {
      out(formatConfig(await loadConfig(opts.config)));
    });
}
