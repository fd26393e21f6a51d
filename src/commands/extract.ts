// `storyfeed extract URL | --url URL FILE.html | --refresh [--failed] | --input LIST.jsonl`: article extraction
// on demand, of stored articles again, or of a batch of saved pages (one JSON line out per line in).
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { DomImpl } from '../extractor/index.js';
import { fetchOnce, loadConfig, logger, openWorkerStore, out, UsageError, withCommon, withFetchFlags,
  writeOut, type CommonOptions, type FetchFlags } from './shared.js';

type ExtractOptions = CommonOptions & FetchFlags & { url?: string; refresh?: boolean; failed?: boolean; input?: string; dom: DomImpl };

async function refresh(opts: ExtractOptions): Promise<void> {
  const config = await loadConfig(opts.config);
  const [{ ExtractorPool }, { HostLimiter }, { extractPages }, { loadClusterer }] = await Promise.all([
    import('../extractor/pool.js'), import('../fetcher/index.js'), import('../ingest/extract.js'), import('../ingest/cluster.js')]);
  const log = await logger(opts, 'pretty');
  const { store, close } = await openWorkerStore(opts, 'extract --refresh');
  try {
    const pages = store.extractions.toRefresh(opts.failed ? 'failed' : 'all');
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    const pool = new ExtractorPool();
    const r = await extractPages(pages, { store, config, log, signal: abort.signal,
      limiter: new HostLimiter(config.http.perHostConcurrency), clusterer: loadClusterer(store, new Date()), pool })
      .finally(() => pool.close());
    out(`extract --refresh: ${pages.length} articles: ${r.ok} extracted, ${r.failed} failed${r.aborted ? `, ${r.aborted} aborted` : ''}`);
  } finally {
    close();
  }
}

/**
 * --input LIST.jsonl: each line {"id","url","file"} (file relative to the list's folder; gzip when it ends in
 * .gz; bytes decoded as the fetcher decodes them), one output line per input line on stdout, in order.
 */
async function batch(opts: ExtractOptions): Promise<void> {
  const list = opts.input as string;
  const [{ ExtractorPool, poolThreads }, { extractBatch }, { decodeBody }, { ExtractError }] = await Promise.all([
    import('../extractor/pool.js'), import('../extractor/batch.js'), import('../fetcher/index.js'), import('../extractor/index.js')]);
  const stream = createReadStream(list, 'utf8');
  const opened = new Promise<void>((ok, fail) => {
    stream.once('open', () => ok());
    stream.once('error', (err: NodeJS.ErrnoException) => fail(new ExtractError(`cannot read ${list}: ${err.code ?? err.message}`)));
  });
  await opened;
  const base = dirname(resolve(list));
  const read = async (file: string): Promise<string> => {
    let bytes: Buffer;
    try {
      bytes = await readFile(resolve(base, file));
    } catch (err) {
      throw new ExtractError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (file.endsWith('.gz')) {
      try {
        bytes = gunzipSync(bytes, { maxOutputLength: opts.maxBytes });
      } catch (err) {
        throw new ExtractError(`cannot gunzip ${file}: ${(err as Error).message}`);
      }
    }
    if (bytes.length > opts.maxBytes) throw new ExtractError(`${file} is larger than ${opts.maxBytes} bytes`);
    return decodeBody(bytes);
  };
  const pool = new ExtractorPool();
  try {
    await extractBatch(createInterface({ input: stream, crlfDelay: Infinity }), {
      read, extract: (html, url) => pool.extract(html, url, opts.dom), threads: poolThreads(),
      write: (line) => writeOut(`${JSON.stringify(line)}\n`),
    });
  } finally {
    await pool.close();
  }
}

export function extractCommand(): Command {
  return withFetchFlags(withCommon(new Command('extract'))
    .description('extract the article of a page (URL, or FILE.html with --url) and print it as JSON; ' +
      'or, with --refresh, extract the stored articles again; or, with --input LIST.jsonl, a batch of saved pages')
    .argument('[input]', 'an http(s) URL, or an HTML file (then --url gives its address)')
    .option('--url <url>', 'the page address, used as base URL, when reading a file')
    .option('--refresh', 'fetch and extract every stored article again (with --failed: only those that failed)')
    .option('--failed', 'with --refresh: only articles whose extraction failed')
    .option('--input <list>', 'a JSON-lines list of saved pages {"id","url","file"}: one JSON line out per page, in order'))
    .addOption(new Option('--dom <impl>', 'DOM implementation for Readability').choices(['linkedom', 'jsdom']).default('linkedom'))
    .action(async (input: string | undefined, opts: ExtractOptions) => {
      if (opts.input) {
        if (input || opts.refresh || opts.url) throw new UsageError('extract --input LIST.jsonl takes no other input (no URL, file, --url or --refresh)');
        return batch(opts);
      }
      if (opts.refresh) {
        if (input) throw new UsageError('extract --refresh takes no input (it works on the stored articles)');
        return refresh(opts);
      }
      if (!input) throw new UsageError('extract needs a URL or an HTML file (or --refresh)');
      const [{ decodeBody }, { extractArticle, ExtractError }] = await Promise.all([
        import('../fetcher/index.js'), import('../extractor/index.js')]);
      let html: string;
      let pageUrl: string;
      if (/^https?:\/\//i.test(input)) {
        const r = await fetchOnce(input, opts, 'text/html, */*;q=0.1');
        html = decodeBody(r.body, r.charset);
        pageUrl = r.url;
      } else {
        if (!opts.url) throw new UsageError('extract FILE.html needs --url URL (the page address, used as base for links)');
        let bytes: Buffer;
        try {
          bytes = readFileSync(input);
        } catch (err) {
          throw new ExtractError(`cannot read ${input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        html = decodeBody(bytes);
        pageUrl = opts.url;
      }
      out(JSON.stringify(extractArticle(html, pageUrl, { dom: opts.dom }), null, 2));
    });
}
