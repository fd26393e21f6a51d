// `storyfeed cluster --input FILE.jsonl`: offline clustering as the worker does it (no database, no network).
import { Command } from 'commander';
import { out, readInput } from './shared.js';

export function clusterCommand(): Command {
  return new Command('cluster')
    .description('cluster items offline as the worker would; prints "id<TAB>story_id" lines (no database, no network)')
    .requiredOption('-i, --input <file>', 'JSON Lines: {"id", "title", "text"?, "url"?, "published"?, "source"?} per line ("-" for stdin)')
    .action(async (opts: { input: string }) => {
      const [{ clusterDocs }, { parseClusterInput }] = await Promise.all([import('../cluster/index.js'), import('./cluster-input.js')]);
      const text = readInput(opts.input);
      const docs = parseClusterInput(text, opts.input === '-' ? '<stdin>' : opts.input);
      const stories = clusterDocs(docs);
      out(docs.map((d) => `${d.id}\t${stories.get(d.id)}`).join('\n'));
    });
}
