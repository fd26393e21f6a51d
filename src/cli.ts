// Composition root: assembles the commands (one file each under commands/) and maps errors to exit
// statuses. Commands import their heavy modules when they run, so `--help` loads almost nothing.
import { Command, CommanderError } from 'commander';
import { backupCommand } from './commands/backup.js';
import { checkCommand } from './commands/check.js';
import { clusterCommand } from './commands/cluster.js';
import { demoCommand } from './commands/demo.js';
import { explainCommand } from './commands/explain.js';
import { extractCommand } from './commands/extract.js';
import { onceCommand } from './commands/once.js';
import { exportOpmlCommand, importOpmlCommand } from './commands/opml.js';
import { parseCommand } from './commands/parse.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { EXIT_CONFIG, guardStdout, writeOut, type SetExit } from './commands/shared.js';
import { sourcesCommand } from './commands/sources.js';
import { storiesCommand } from './commands/stories.js';

export { DEFAULT_CONFIG, DEFAULT_DB, EXIT_CONFIG } from './commands/shared.js';

/** Errors whose message is meant for the user as it is (a stage prefix, a file:line, a reason). */
const KNOWN_ERRORS = new Set(['StorageError', 'FetchError', 'RefusedAddressError', 'ParseError', 'ExtractError',
  'WorkerBusyError', 'ServerError', 'OpmlError', 'IngestError']);

function buildProgram(setExit: SetExit): Command {
  const program = new Command('storyfeed')
    .description('RSS/Atom/JSON Feed aggregator that merges duplicate coverage into one clean feed')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  const commands = [
    runCommand(setExit), onceCommand(), serveCommand(setExit), checkCommand(), sourcesCommand(),
    importOpmlCommand(), exportOpmlCommand(), parseCommand(), extractCommand(), backupCommand(),
    storiesCommand(), explainCommand(), clusterCommand(), demoCommand(setExit),
  ];
  // Help and version are command output: through the guarded stdout (shared.ts guardStdout).
  program.configureOutput({ writeOut });
  for (const cmd of commands) {
    cmd.showHelpAfterError().exitOverride().configureOutput({ writeOut });
    program.addCommand(cmd);
  }
  return program;
}

/** Entry point; returns the process exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  guardStdout();
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const name = err instanceof Error ? err.name : '';
    const message = err instanceof Error ? err.message : String(err);
    if (name === 'UsageError') {
      process.stderr.write(`storyfeed: ${message}\n`);
      return 2;
    }
    if (name === 'ConfigError') {
      process.stderr.write(`${message}\n`);
      return EXIT_CONFIG;
    }
    const known = KNOWN_ERRORS.has(name);
    process.stderr.write(`storyfeed: ${known ? message : `error: ${message}`}\n`);
    if (!known && process.env.STORYFEED_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
