// `storyfeed serve`: the HTTP server alone (no fetching), over an existing database.
import { Command } from 'commander';
import type { Config } from '../model/index.js';
import { loadConfig, logger, openStore, ServerError, waitForShutdown, withCommon, type CommonOptions, type SetExit } from './shared.js';

/** The link config/index.ts derives when `output.link` is not set (port 0 names the default port there). */
function derivedLink(host: string, port: number, defaultPort: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port || defaultPort}/`;
}

/**
 * The config as served on `port`: when `output.link` was not set (so it names the configured port), the
 * feeds' self links name the port actually listened on (issue 9.8); an explicit `output.link` (a reverse
 * proxy's address) is kept.
 */
export function servedOn(config: Config, port: number, defaultPort: number): Config {
  const out = config.output;
  if (out.port === port || out.link !== derivedLink(out.host, out.port, defaultPort)) return config;
  return Object.freeze({ ...config, output: Object.freeze({ ...out, port, link: derivedLink(out.host, port, defaultPort) }) });
}

export function serveCommand(setExit: SetExit): Command {
  return withCommon(new Command('serve'))
    .description('serve the merged feed over HTTP without fetching')
    .option('-p, --port <port>', 'port (overrides output.port)', (v) => Number.parseInt(v, 10))
    .action(async (opts: CommonOptions & { port?: number }) => {
      let config = await loadConfig(opts.config);
      const log = await logger(opts);
      const { closeServer, createApp, startServer } = await import('../server/index.js');
      const store = await openStore(opts);
      const app = createApp({ store, config: () => config });
      const wanted = opts.port ?? config.output.port;
      const listening = startServer(app, config.output.host, wanted, config.output.server);
      const stopped = waitForShutdown(log, async () => {
        await closeServer((await listening).server);
        store.close();
      });
      let port: number;
      try {
        ({ port } = await listening);
      } catch (err) {
        store.close();
        throw new ServerError(`server: cannot listen on ${config.output.host}:${wanted}: ${(err as Error).message}`, { cause: err });
      }
      const { DEFAULTS } = await import('../config/index.js');
      config = servedOn(config, port, DEFAULTS.port);
      log.info({ host: config.output.host, port, link: config.output.link }, 'serving merged feed');
      setExit(await stopped);
    });
}
