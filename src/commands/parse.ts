// `storyfeed parse FILE|URL…`: feeds' normalized items as JSON (a debugging aid; no database).
// One FILE or URL: the parsed feed as pretty JSON. Several: one JSON line per document, in order —
// {"file","format","title","link","description","items"} or {"file","error"} — so a large set of feeds
// can be checked in one process; the exit status is 1 when any of them could not be read.
// An HTML page is not "not a feed": for a URL, its first feed link is followed as ingest does (and
// stderr says so); for a file, the feed links it announces are listed.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { ParsedFeed } from '../model/index.js';
import type { ParserPool } from '../parser/pool.js';
import { fetchOnce, out, UsageError, withFetchFlags, type FetchFlags } from './shared.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Base URL for relative links in a file read without --base. */
const FILE_BASE = 'http://localhost/';
/** The fetcher's refusal names the config key; on the command line the switch is --allow-private. */
const CONFIG_HINT = /\(set http\.allow_private_networks to allow\)/;
const FLAG_HINT = '(pass --allow-private to allow)';
// ---------------------------------------------------------------------------------------------------

type Options = FetchFlags & { base?: string };

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** A fetch refused for a private address says which switch allows it here. */
function withFlagHint(err: unknown): unknown {
  if (err instanceof Error && err.name === 'FetchError' && CONFIG_HINT.test(err.message)) {
    err.message = err.message.replace(CONFIG_HINT, FLAG_HINT);
  }
  return err;
}

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Read (or fetch) one document and parse it; an HTML page is followed (URL) or explained (file). */
async function parseOne(source: string, opts: Options, pool: ParserPool, note: (msg: string) => void): Promise<ParsedFeed> {
  const [{ decodeBody }, { detectFormat, discoverFeedLinks, ParseError }] = await Promise.all([
    import('../fetcher/index.js'), import('../parser/index.js')]);
  let text: string;
  let baseUrl: string;
  try {
    if (isUrl(source)) {
      const r = await fetchOnce(source, opts);
      text = decodeBody(r.body, r.charset);
      baseUrl = r.url;
    } else {
      text = decodeBody(readFile(source));
      baseUrl = opts.base ?? FILE_BASE;
    }
    if (detectFormat(text) === 'html') {
      const links = discoverFeedLinks(text, baseUrl);
      const first = links[0];
      if (!first) throw new ParseError(`${source} is an HTML page without a feed link (<link rel="alternate">)`);
      if (!isUrl(source)) {
        throw new ParseError(`${source} is an HTML page; it announces ${links.length === 1 ? 'this feed' : 'these feeds'}: ` +
          `${links.join(', ')} (parse one of them)`);
      }
      note(`${source} is an HTML page; following its first feed link, as sources do: ${first}` +
        (links.length > 1 ? ` (it also announces ${links.slice(1).join(', ')})` : ''));
      const r = await fetchOnce(first, opts);
      text = decodeBody(r.body, r.charset);
      baseUrl = r.url;
    }
  } catch (err) {
    throw withFlagHint(err);
  }
  return pool.parse(text, { baseUrl });
}

export function parseCommand(): Command {
  return withFetchFlags(new Command('parse')
    .description('fetch or read feeds and print their normalized items as JSON (several: one JSON line each)')
    .argument('<sources...>', 'file paths or http(s) URLs')
    .option('--base <url>', 'base URL for relative links when reading a file'))
    .action(async (sources: string[], opts: Options) => {
      const [{ ParserPool }, { ParseError }] = await Promise.all([import('../parser/pool.js'), import('../parser/index.js')]);
      const pool = new ParserPool();
      const note = (msg: string) => process.stderr.write(`storyfeed: ${msg}\n`);
      try {
        if (sources.length === 1) {
          out(JSON.stringify(await parseOne(sources[0] as string, opts, pool, note), null, 2));
          return;
        }
        let failed = 0;
        for (const file of sources) {
          try {
            const feed = await parseOne(file, opts, pool, note);
            out(JSON.stringify({ file, format: feed.format, title: feed.title ?? null, link: feed.link ?? null,
              description: feed.description ?? null, items: feed.items }));
          } catch (err) {
            failed++;
            out(JSON.stringify({ file, error: err instanceof Error ? err.message : String(err) }));
          }
        }
        if (failed) throw new ParseError(`${failed} of ${sources.length} documents could not be read (see their "error" lines)`);
      } finally {
        await pool.close();
      }
    });
}
