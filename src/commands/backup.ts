// `storyfeed backup FILE`: an online, consistent copy of the database.
import { Command } from 'commander';
import { openStore, out, withCommon, type CommonOptions } from './shared.js';

export function backupCommand(): Command {
  return withCommon(new Command('backup'))
    .description('write an online, consistent copy of the database to FILE (SQLite backup API; safe while the service runs)')
    .argument('<file>', 'the copy to write (replaced if it exists)')
    .action(async (file: string, opts: CommonOptions) => {
      const store = await openStore(opts);
      try {
        const r = await store.backup(file);
        out(`${opts.db} -> ${file}: ${r.pages} pages copied`);
      } finally {
        store.close();
      }
    });
}
