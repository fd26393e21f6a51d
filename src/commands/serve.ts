// `storyfeed serve`: the HTTP server alone (no fetching), over an existing database.
import { Command } from 'commander';
import { loadConfig, logger, openStore, ServerError, waitForShutdown, withCommon, type CommonOptions, type SetExit } from './shared.js';

export function serveCommand(setExit: SetExit): Command {
  return withCommon(new Command('serve'))
    .description('serve the merged feed over HTTP without fetching')
    .option('-p, --port <port>', 'port (overrides output.port)', (v) => Number.parseInt(v, 10))
    .action(async (opts: CommonOptions & { port?: number }) => {
      const config = await loadConfig(opts.config);
      const log = await logger(opts);
      const { closeServer, createApp, startServer } = await import('../server/index.js');
      const store = await openStore(opts);
      const app = createApp({ store, config: () => config });
      const listening = startServer(app, config.output.host, opts.port ?? config.output.port);
      const stopped = waitForShutdown(log, async () => {
        await closeServer((await listening).server);
        store.close();
      });
      let port: number;
      try {
        ({ port } = await listening);
      } catch (err) {
        store.close();
        throw new ServerError(`server: cannot listen on ${config.output.host}:${opts.port ?? config.output.port}: ${(err as Error).message}`, { cause: err });
      }
      log.info({ host: config.output.host, port }, 'serving merged feed');
      setExit(await stopped);
    });
}
