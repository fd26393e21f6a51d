// `storyfeed parse FILE|URL`: a feed's normalized items as JSON (a debugging aid; no database).
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { fetchOnce, out, withFetchFlags, type FetchFlags } from './shared.js';

export function parseCommand(): Command {
  return withFetchFlags(new Command('parse')
    .description('fetch or read a feed and print its normalized items as JSON')
    .argument('<source>', 'a file path or an http(s) URL')
    .option('--base <url>', 'base URL for relative links when reading a file'))
    .action(async (source: string, opts: FetchFlags & { base?: string }) => {
      const [{ decodeBody }, { detectFormat, parseFeed, ParseError }] = await Promise.all([
        import('../fetcher/index.js'), import('../parser/index.js')]);
      let text: string;
      let baseUrl: string;
      if (/^https?:\/\//i.test(source)) {
        const r = await fetchOnce(source, opts);
        text = decodeBody(r.body, r.charset);
        baseUrl = r.url;
      } else {
        text = decodeBody(readFileSync(source));
        baseUrl = opts.base ?? 'http://localhost/';
      }
      if (detectFormat(text) === 'html') throw new ParseError(`parser: ${source} is an HTML page, not a feed`);
      const feed = await parseFeed(text, { baseUrl });
      out(JSON.stringify(feed, null, 2));
    });
}
