// `storyfeed demo`: the offline demo (bundled feeds served on 127.0.0.1, ingested, merged feed served).
import { Command } from 'commander';
import { out, waitForShutdown, type SetExit } from './shared.js';

export function demoCommand(setExit: SetExit): Command {
  return new Command('demo')
    .description('offline demo: serve bundled sample feeds on 127.0.0.1, ingest them, serve the merged feed')
    .option('-p, --port <port>', 'port for the merged feed', (v) => Number.parseInt(v, 10), 8080)
    .option('-d, --db <path>', 'database file for the demo', 'data/demo.db')
    .option('--once', 'ingest, print the merged RSS feed to stdout and exit')
    .action(async (opts: { port: number; db: string; once?: boolean }) => {
      const { runDemo } = await import('../demo/index.js');
      setExit(await runDemo({ port: opts.port, db: opts.db, once: opts.once ?? false, print: out, waitForShutdown }));
    });
}
