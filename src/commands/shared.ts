// What the commands share: common options, output, logging, opening the database, shutdown.
// Heavy modules (SQLite, the fetcher, pino) are imported when a command runs, never at start-up, so
// `--help` and light commands load only what they use.
import { Option, type Command } from 'commander';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Logger } from '../log/index.js';
import { keepStdoutFor } from '../log/stdout.js';
import type { Config } from '../model/index.js';
import type { Store } from '../storage/index.js';

/** A command used the wrong way: exit status 2, like commander's own usage errors. */
export class UsageError extends Error {
  override name = 'UsageError';
}
/** Another worker holds the database. */
export class WorkerBusyError extends Error {
  override name = 'WorkerBusyError';
}
/** The HTTP server could not start (port in use, address not available). */
export class ServerError extends Error {
  override name = 'ServerError';
}

export const DEFAULT_CONFIG = 'config/sources.yaml';
export const DEFAULT_DB = 'data/storyfeed.db';
/** Exit status for a configuration error (sysexits EX_CONFIG); the systemd unit does not restart on it. */
export const EXIT_CONFIG = 78;

/** Sets the process exit status of a long-running command (run, serve, demo) when it ends. */
export type SetExit = (code: number) => void;

export interface CommonOptions {
  config: string;
  db: string;
  logFormat?: 'json' | 'pretty';
  logLevel?: string;
}

export function withCommon(cmd: Command, db = true): Command {
  cmd.option('-c, --config <path>', 'config file', DEFAULT_CONFIG);
  if (db) cmd.option('-d, --db <path>', 'SQLite database file', DEFAULT_DB);
  cmd.addOption(new Option('--log-format <format>', 'log format').choices(['json', 'pretty']));
  cmd.option('--log-level <level>', 'log level (trace, debug, info, warn, error, silent)');
  return cmd;
}

/** The command's logger once made (a process runs one command): storage faults are logged through it. */
let commandLog: Logger | undefined;

export async function logger(opts: CommonOptions, fallback: 'json' | 'pretty' = 'json'): Promise<Logger> {
  const { createLogger, routeConsoleTo } = await import('../log/index.js');
  commandLog = createLogger({ format: opts.logFormat ?? (process.env.STORYFEED_LOG_FORMAT as 'json' | 'pretty' | undefined) ?? fallback, level: opts.logLevel });
  routeConsoleTo(commandLog);
  return commandLog;
}

/** Where the command's output goes: the real stdout, once guardStdout has taken it (cli.ts, at start-up). */
let stdoutWrite = (text: string): boolean => process.stdout.write(text);

/**
 * From here on, stdout carries only what `out` (and commander's help) writes: anything else written
 * there (console.log, process.stdout.write, a worker thread's output) goes to stderr.
 */
export function guardStdout(): void {
  stdoutWrite = keepStdoutFor();
}

/** Command output: stdout, as given (help, usage). */
export function writeOut(text: string): void {
  stdoutWrite(text);
}

/** Command output: stdout, one trailing newline. */
export function out(text: string): void {
  stdoutWrite(text.endsWith('\n') ? text : `${text}\n`);
}

export async function loadConfig(path: string): Promise<Config> {
  const { loadConfig: load } = await import('../config/index.js');
  return load(path);
}

/**
 * Open the database for a command that only reads (serve, sources, stories, explain, backup): read-only,
 * so it works on a read-only filesystem and never changes what a running worker uses.
 */
export async function openStore(opts: CommonOptions): Promise<Store> {
  const { Store } = await import('../storage/index.js');
  return Store.open(opts.db, { readOnly: true, onFault: storageFault });
}

/** A storage fault (the database file deleted under us): an error in the log, or on stderr before there is one. */
function storageFault(message: string): void {
  if (commandLog) commandLog.error({ fault: 'storage' }, `storage: ${message}`);
  else process.stderr.write(`storyfeed: storage: ${message}\n`);
}

/** Heartbeat period of the worker lock, and the age at which another host's lock counts as abandoned. */
const LOCK_HEARTBEAT_MS = 30_000;
const LOCK_STALE_MS = 5 * 60_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Open the database for a command that writes (run, once, extract --refresh): one such worker per
 * database at a time. A second one is refused with the holder named; a killed holder's lock is taken over.
 */
export async function openWorkerStore(opts: CommonOptions, command: string, config?: Config): Promise<{ store: Store; close: () => void }> {
  const { Store } = await import('../storage/index.js');
  const store = Store.open(opts.db, { onFault: storageFault });
  const me = { pid: process.pid, host: hostname(), command };
  const lock = store.lock.acquire(me, new Date(), LOCK_STALE_MS, processAlive);
  if (!lock.ok) {
    store.close();
    const h = lock.holder;
    throw new WorkerBusyError(`${opts.db} is in use by another storyfeed worker (\`${h.command}\`, pid ${h.pid} on ${h.host}, ` +
      `since ${h.since}); stop it first, or use \`storyfeed serve\` to only serve the feed`);
  }
  if (store.created) {
    // Never silent: a worker that expected its data and finds none says so (Store.open refuses outright
    // when a copy rescued from a deleted database waits beside the path).
    const message = `no database at ${opts.db}: created a new, empty one`;
    if (commandLog) commandLog.warn({ db: opts.db }, message);
    else process.stderr.write(`storyfeed: ${message}\n`);
  }
  const beat = setInterval(() => {
    try {
      store.lock.heartbeat(me, new Date());
    } catch {
      // a read-only database shows in /health; the lock simply ages
    }
  }, LOCK_HEARTBEAT_MS);
  beat.unref();
  if (config) store.sources.sync(config.sources, new Date().toISOString());
  return {
    store,
    close: () => {
      clearInterval(beat);
      try {
        store.lock.release(me);
      } catch {
        // read-only: the next worker takes over the dead pid's lock anyway
      }
      store.close();
    },
  };
}

/** Run until SIGTERM/SIGINT; SIGHUP reloads the config (a broken one is rejected, the old one stays). */
export function waitForShutdown(log: Logger, onStop: () => Promise<void>, onReload?: () => void): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      onStop().then(() => {
        log.info('stopped cleanly');
        resolve(0);
      }, (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        resolve(1);
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    if (onReload) process.on('SIGHUP', onReload);
  });
}

/** Options of the debugging commands that fetch one URL (parse, extract). */
export interface FetchFlags {
  allowPrivate?: boolean;
  maxBytes: number;
  timeout: number;
}

export function withFetchFlags(cmd: Command): Command {
  return cmd
    .option('--allow-private', 'allow fetching from loopback/private addresses')
    .option('--max-bytes <n>', 'response size cap', (v) => Number.parseInt(v, 10), 5 * 1024 * 1024)
    .option('--timeout <ms>', 'request timeout in ms', (v) => Number.parseInt(v, 10), 20_000);
}

/** One request for the debugging commands (parse, extract): the fetcher's guards, limits from flags. */
export async function fetchOnce(url: string, opts: FetchFlags, accept?: string) {
  const [{ fetchUrl }, { DEFAULTS }] = await Promise.all([import('../fetcher/index.js'), import('../config/index.js')]);
  return fetchUrl(url, { timeoutMs: opts.timeout, maxBytes: opts.maxBytes, userAgent: DEFAULTS.userAgent, maxRedirects: 5,
    allowPrivateNetworks: opts.allowPrivate ?? false, accept });
}

/** A file's text, or stdin's for "-"; a missing file is a usage error naming it. */
export function readInput(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
