// `storyfeed extract URL | --url URL FILE.html | --refresh [--failed]`: article extraction on demand.
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import type { DomImpl } from '../extractor/index.js';
import { fetchOnce, loadConfig, logger, openWorkerStore, out, UsageError, withCommon, withFetchFlags,
  type CommonOptions, type FetchFlags } from './shared.js';

type ExtractOptions = CommonOptions & FetchFlags & { url?: string; refresh?: boolean; failed?: boolean; dom: DomImpl };

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

export function extractCommand(): Command {
  return withFetchFlags(withCommon(new Command('extract'))
    .description('extract the article of a page (URL, or FILE.html with --url) and print it as JSON; ' +
      'or, with --refresh, extract the stored articles again')
    .argument('[input]', 'an http(s) URL, or an HTML file (then --url gives its address)')
    .option('--url <url>', 'the page address, used as base URL, when reading a file')
    .option('--refresh', 'fetch and extract every stored article again (with --failed: only those that failed)')
    .option('--failed', 'with --refresh: only articles whose extraction failed'))
    .addOption(new Option('--dom <impl>', 'DOM implementation for Readability').choices(['linkedom', 'jsdom']).default('linkedom'))
    .action(async (input: string | undefined, opts: ExtractOptions) => {
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
