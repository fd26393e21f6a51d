// `storyfeed import-opml` / `export-opml`: the config's sources to and from OPML.
import { Command } from 'commander';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { loadConfig, out, withCommon, type CommonOptions } from './shared.js';

export function importOpmlCommand(): Command {
  return withCommon(new Command('import-opml'), false)
    .description('add the feeds of an OPML file to the config file (comments and existing sources kept)')
    .argument('<file>', 'OPML file')
    .action(async (file: string, opts: CommonOptions) => {
      const [{ addSourcesToYaml, readOpml }, { parseConfig }] = await Promise.all([import('../opml/index.js'), import('../config/index.js')]);
      const { sources, skipped: outlines } = readOpml(readFileSync(file, 'utf8'));
      const current = readFileSync(opts.config, 'utf8');
      const { text, added, skipped } = addSourcesToYaml(current, sources);
      parseConfig(text, opts.config); // never write a config that would not load
      const tmp = `${opts.config}.tmp-${process.pid}`;
      writeFileSync(tmp, text);
      renameSync(tmp, opts.config);
      out([`${opts.config}: added ${added} sources, skipped ${skipped} already present` +
        (outlines.length ? `; ${outlines.length} outline${outlines.length === 1 ? '' : 's'} not imported:` : ''),
      ...outlines.map((o) => `  skipped ${o.label}: ${o.reason}`)].join('\n'));
    });
}

export function exportOpmlCommand(): Command {
  return withCommon(new Command('export-opml'), false)
    .description('print the configured sources as OPML 2.0 (with --merged: the merged feeds storyfeed publishes)')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--merged', 'the merged feed and one outline per tag feed (what /feeds.opml serves), to subscribe in one step')
    .action(async (opts: CommonOptions & { output?: string; merged?: boolean }) => {
      const config = await loadConfig(opts.config);
      const { renderMergedOpml, renderOpml } = await import('../opml/index.js');
      const { configTags } = await import('../publisher/paths.js');
      const xml = opts.merged ? renderMergedOpml(config.output, configTags(config))
        : renderOpml(config.sources.map((s) => ({ url: s.url, name: s.name, tags: [...s.tags] })), config.output.title);
      if (opts.output) writeFileSync(opts.output, xml);
      else out(xml);
    });
}
