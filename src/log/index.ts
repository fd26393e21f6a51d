// Structured logging: JSON lines (pino) by default, a human-friendly mode for terminals.
import { format } from 'node:util';
import { pino, destination, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: string;
  /** 'json' (default when not a TTY) or 'pretty'. */
  format?: 'json' | 'pretty';
  /** Where JSON lines go (default: stderr, so stdout stays clean for command output). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? process.env.STORYFEED_LOG_LEVEL ?? 'info';
  const format = opts.format ?? (process.env.STORYFEED_LOG_FORMAT === 'pretty' ? 'pretty' : 'json');
  if (format === 'pretty') {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: process.stderr.isTTY, translateTime: 'SYS:standard', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, base: { service: 'storyfeed' }, timestamp: stdTimeFunctions.isoTime },
    (opts.destination ?? destination({ fd: 2, sync: true })) as DestinationStream);
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * What dependencies print with console.* becomes log records (`from: "console"`): chatter
 * (log/info/debug) at debug level, warnings and errors at theirs. Never on stdout, which belongs to the
 * command's output (see stdout.ts).
 */
export function routeConsoleTo(log: Logger): void {
  const as = (level: 'debug' | 'warn' | 'error') => (...args: unknown[]) => {
    log[level]({ from: 'console' }, format(...args));
  };
  console.log = as('debug');
  console.info = as('debug');
  console.debug = as('debug');
  console.warn = as('warn');
  console.error = as('error');
}
