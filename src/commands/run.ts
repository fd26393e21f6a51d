// `storyfeed run`: the service — scheduled ingest cycles and the HTTP server, until SIGTERM.
import { Command } from 'commander';
import { loadConfig, logger, openWorkerStore, ServerError, waitForShutdown, withCommon, type CommonOptions, type SetExit } from './shared.js';

export function runCommand(setExit: SetExit): Command {
  return withCommon(new Command('run'))
    .description('run the service: scheduled ingest (node-cron) + HTTP server for the merged feed')
    .option('--no-initial-cycle', 'do not run a cycle right after start (wait for the schedule)')
    .action(async (opts: CommonOptions & { initialCycle: boolean }) => {
      let config = await loadConfig(opts.config);
      const log = await logger(opts);
      const [{ Metrics }, { Worker }, { closeServer, createApp, startServer }] = await Promise.all([
        import('../metrics/index.js'), import('../scheduler/index.js'), import('../server/index.js')]);
      const { store, close } = await openWorkerStore(opts, 'run');
      const metrics = new Metrics(() => (store.db.open ? store : undefined));
      const worker = new Worker(store, config, log, undefined, metrics);
      worker.start();
      const app = createApp({ store, config: () => config, worker: () => worker.state(), metrics, clusterer: () => worker.liveClusterer() });
      const listening = startServer(app, config.output.host, config.output.port);
      // Signal handlers go in before anything is announced: until Node has a listener, SIGTERM kills at once.
      const stopped = waitForShutdown(log, async () => {
        await closeServer((await listening).server);
        await worker.stop();
        close();
      }, () => {
        void loadConfig(opts.config).then((next) => {
          config = next;
          try {
            worker.reload(next);
          } catch (err) {
            // The database refuses writes (deleted, read-only, full): the sources cannot be synced now.
            // Never a crash: /health says why, and the next reload or restart syncs them.
            log.error({ err: err instanceof Error ? err.message : String(err) }, 'config reloaded, but its sources could not be stored');
          }
        }, (err: unknown) => {
          log.error({ err: err instanceof Error ? err.message : String(err) }, 'config reload rejected; keeping the old config');
        });
      });
      let port: number;
      try {
        ({ port } = await listening);
      } catch (err) {
        await worker.stop();
        close();
        throw new ServerError(`server: cannot listen on ${config.output.host}:${config.output.port}: ${(err as Error).message}`, { cause: err });
      }
      log.info({ host: config.output.host, port, db: opts.db, sources: config.sources.length, schedule: config.schedule },
        'storyfeed running');
      if (opts.initialCycle) void worker.runNow();
      setExit(await stopped);
    });
}
