// Composition root and commands. The only place that reads the config from disk.
import { Command, CommanderError, Option } from 'commander';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Metrics } from './metrics/index.js';
import { DEFAULTS, loadConfig, parseConfig, ConfigError } from './config/index.js';
import { extractArticle, ExtractError, type DomImpl } from './extractor/index.js';
import { ExtractorPool } from './extractor/pool.js';
import { decodeBody, fetchUrl, FetchError, HostLimiter } from './fetcher/index.js';
import { clusterDocs, type ClusterDoc } from './cluster/index.js';
import { loadClusterer, toClusterDoc } from './ingest/cluster.js';
import { extractPages } from './ingest/extract.js';
import { canonicalUrl } from './urlcleaner/index.js';
import { z } from 'zod';
import { createLogger, type Logger } from './log/index.js';
import type { Config, SourceState } from './model/index.js';
import { addSourcesToYaml, parseOpml, renderOpml } from './opml/index.js';
import { detectFormat, parseFeed, ParseError } from './parser/index.js';
import { runCycle, Worker, type CycleSummary } from './scheduler/index.js';
import { closeServer, createApp, startServer } from './server/index.js';
import { Store, StorageError } from './storage/index.js';
import { runDemo } from './demo/index.js';

/** A command used the wrong way: exit status 2, like commander's own usage errors. */
class UsageError extends Error {}

export const DEFAULT_CONFIG = 'config/sources.yaml';
export const DEFAULT_DB = 'data/storyfeed.db';
/** Exit status for a configuration error (sysexits EX_CONFIG); the systemd unit does not restart on it. */
export const EXIT_CONFIG = 78;

interface CommonOptions {
  config: string;
  db: string;
  logFormat?: 'json' | 'pretty';
  logLevel?: string;
}

function withCommon(cmd: Command, db = true): Command {
  cmd.option('-c, --config <path>', 'config file', DEFAULT_CONFIG);
  if (db) cmd.option('-d, --db <path>', 'SQLite database file', DEFAULT_DB);
  cmd.addOption(new Option('--log-format <format>', 'log format').choices(['json', 'pretty']));
  cmd.option('--log-level <level>', 'log level (trace, debug, info, warn, error, silent)');
  return cmd;
}

function logger(opts: CommonOptions, fallback: 'json' | 'pretty' = 'json'): Logger {
  return createLogger({ format: opts.logFormat ?? (process.env.STORYFEED_LOG_FORMAT as 'json' | 'pretty' | undefined) ?? fallback, level: opts.logLevel });
}

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function openStore(opts: CommonOptions, config?: Config): Store {
  const store = Store.open(opts.db);
  if (config) store.syncSources(config.sources, new Date().toISOString());
  return store;
}

/** Heartbeat period of the worker lock, and the age at which another host's lock counts as abandoned. */
const LOCK_HEARTBEAT_MS = 30_000;
const LOCK_STALE_MS = 5 * 60_000;

class WorkerBusyError extends Error {}

/** The HTTP server could not start (port in use, address not available). */
class ServerError extends Error {}

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
function openWorkerStore(opts: CommonOptions, command: string, config?: Config): { store: Store; close: () => void } {
  const store = Store.open(opts.db);
  const me = { pid: process.pid, host: hostname(), command };
  const lock = store.acquireWorkerLock(me, new Date(), LOCK_STALE_MS, processAlive);
  if (!lock.ok) {
    store.close();
    const h = lock.holder;
    throw new WorkerBusyError(`${opts.db} is in use by another storyfeed worker (\`${h.command}\`, pid ${h.pid} on ${h.host}, ` +
      `since ${h.since}); stop it first, or use \`storyfeed serve\` to only serve the feed`);
  }
  const beat = setInterval(() => {
    try {
      store.heartbeat(me, new Date());
    } catch {
      // a read-only database shows in /health; the lock simply ages
    }
  }, LOCK_HEARTBEAT_MS);
  beat.unref();
  if (config) store.syncSources(config.sources, new Date().toISOString());
  return {
    store,
    close: () => {
      clearInterval(beat);
      try {
        store.releaseWorkerLock(me);
      } catch {
        // read-only: the next worker takes over the dead pid's lock anyway
      }
      store.close();
    },
  };
}

function formatSummary(s: CycleSummary): string {
  const lines = [
    `cycle: ${s.sources} sources in ${(s.durationMs / 1000).toFixed(1)} s — ${s.ok} ok, ${s.notModified} not modified, ` +
    `${s.failed} failed${s.aborted ? `, ${s.aborted} aborted` : ''}; ${s.inserted} new items, ${s.updated} updated`,
  ];
  if (s.extracted || s.extractFailed) {
    lines.push(`  full text: ${s.extracted} articles extracted, ${s.extractFailed} failed (feed content kept)`);
  }
  for (const r of s.results.filter((r) => r.outcome === 'failed')) lines.push(`  failed: ${r.source}: ${r.error}`);
  if (s.pruned.items || s.pruned.stories) lines.push(`  retention: pruned ${s.pruned.items} items, ${s.pruned.stories} stories`);
  return lines.join('\n');
}

function formatSources(sources: readonly SourceState[]): string {
  if (sources.length === 0) return 'no sources stored yet (run `storyfeed once`)';
  const rows = sources.map((s) => [
    s.status, s.lastFetchAt ? s.lastFetchAt.replace(/\.\d+Z$/, 'Z') : 'never', String(s.consecutiveFailures),
    String(s.itemCount), s.name ?? s.title ?? '', s.url + (s.url !== s.configUrl ? ` (configured: ${s.configUrl})` : ''),
    s.lastError ?? '',
  ]);
  const head = ['STATUS', 'LAST FETCH', 'ERRORS', 'ITEMS', 'NAME', 'URL', 'LAST ERROR'];
  const widths = head.slice(0, 5).map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) => r.map((c, i) => (i < 5 ? c.padEnd(widths[i] as number) : c)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** Run until SIGTERM/SIGINT; SIGHUP reloads the config (a broken one is rejected, the old one stays). */
function waitForShutdown(log: Logger, onStop: () => Promise<void>, onReload?: () => void): Promise<number> {
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

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('storyfeed')
    .description('RSS/Atom/JSON Feed aggregator that merges duplicate coverage into one clean feed')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();

  withCommon(program.command('run'))
    .description('run the service: scheduled ingest (node-cron) + HTTP server for the merged feed')
    .option('--no-initial-cycle', 'do not run a cycle right after start (wait for the schedule)')
    .action(async (opts: CommonOptions & { initialCycle: boolean }) => {
      let config = loadConfig(opts.config);
      const log = logger(opts);
      const { store, close } = openWorkerStore(opts, 'run');
      const metrics = new Metrics(() => (store.db.open ? store : undefined));
      const worker = new Worker(store, config, log, undefined, metrics);
      worker.start();
      const app = createApp({ store, config: () => config, worker: () => worker.state(), metrics });
      const listening = startServer(app, config.output.host, config.output.port);
      // Signal handlers go in before anything is announced: until Node has a listener, SIGTERM kills at once.
      const stopped = waitForShutdown(log, async () => {
        await closeServer((await listening).server);
        await worker.stop();
        close();
      }, () => {
        try {
          const next = loadConfig(opts.config);
          worker.reload(next);
          config = next;
        } catch (err) {
          log.error({ err: err instanceof Error ? err.message : String(err) }, 'config reload rejected; keeping the old config');
        }
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

  withCommon(program.command('once'))
    .description('run one full ingest cycle, print a summary and exit')
    .option('--all', 'fetch every enabled source, even those not due yet')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: CommonOptions & { all?: boolean; json?: boolean }) => {
      const config = loadConfig(opts.config);
      const log = logger(opts, 'pretty');
      const { store, close } = openWorkerStore(opts, 'once', config);
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const summary = await runCycle({ store, config, log, force: opts.all, signal: abort.signal,
          onProgress: (done, total) => {
            if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total} sources`);
          } });
        if (process.stderr.isTTY) process.stderr.write('\n');
        out(opts.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        close();
      }
    });

  withCommon(program.command('serve'))
    .description('serve the merged feed over HTTP without fetching')
    .option('-p, --port <port>', 'port (overrides output.port)', (v) => Number.parseInt(v, 10))
    .action(async (opts: CommonOptions & { port?: number }) => {
      const config = loadConfig(opts.config);
      const log = logger(opts);
      const store = openStore(opts);
      const app = createApp({ store, config: () => config });
      const listening = startServer(app, config.output.host, opts.port ?? config.output.port);
      const stopped = waitForShutdown(log, async () => {
        await closeServer((await listening).server);
        store.close();
      });
      let port: number;
      try {
        ({ port } = await listening);
      } catch (err) {
        store.close();
        throw new ServerError(`server: cannot listen on ${config.output.host}:${opts.port ?? config.output.port}: ${(err as Error).message}`, { cause: err });
      }
      log.info({ host: config.output.host, port }, 'serving merged feed');
      setExit(await stopped);
    });

  withCommon(program.command('check'), false)
    .description('validate the config file and print what it found')
    .action((opts: CommonOptions) => {
      const c = loadConfig(opts.config);
      const enabled = c.sources.filter((s) => s.enabled).length;
      const lines = [
        `${c.file}: OK`,
        `schedule: ${c.schedule}`,
        `http: timeout ${c.http.timeoutMs} ms, max ${c.http.maxBytes} bytes, concurrency ${c.http.concurrency} (${c.http.perHostConcurrency} per host), private networks ${c.http.allowPrivateNetworks ? 'allowed' : 'refused'}`,
        `output: "${c.output.title}" on http://${c.output.host}:${c.output.port}/ (${c.output.maxStories} stories)`,
        `retention: ${c.retention.days ? `${c.retention.days} days` : 'forever'}`,
        `sources: ${c.sources.length} (${enabled} enabled)`,
        ...c.sources.map((s) => `  ${s.enabled ? '+' : '-'} ${s.url}${s.name ? `  "${s.name}"` : ''}  every ${s.intervalSeconds}s` +
          `${s.tags.length ? `  [${s.tags.join(', ')}]` : ''}${s.fullText ? '' : '  (no full text)'}`),
      ];
      out(lines.join('\n'));
    });

  withCommon(program.command('sources'))
    .description('list sources with last fetch, status, error count and items')
    .option('--json', 'print as JSON')
    .action((opts: CommonOptions & { json?: boolean }) => {
      const config = loadConfig(opts.config);
      const store = openStore(opts, config);
      try {
        const list = store.listSources();
        out(opts.json ? JSON.stringify(list, null, 2) : formatSources(list));
      } finally {
        store.close();
      }
    });

  withCommon(program.command('import-opml'), false)
    .description('add the feeds of an OPML file to the config file (comments and existing sources kept)')
    .argument('<file>', 'OPML file')
    .action((file: string, opts: CommonOptions) => {
      const sources = parseOpml(readFileSync(file, 'utf8'));
      const current = readFileSync(opts.config, 'utf8');
      const { text, added, skipped } = addSourcesToYaml(current, sources);
      parseConfig(text, opts.config); // never write a config that would not load
      const tmp = `${opts.config}.tmp-${process.pid}`;
      writeFileSync(tmp, text);
      renameSync(tmp, opts.config);
      out(`${opts.config}: added ${added} sources, skipped ${skipped} already present`);
    });

  withCommon(program.command('export-opml'), false)
    .description('print the configured sources as OPML 2.0')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action((opts: CommonOptions & { output?: string }) => {
      const config = loadConfig(opts.config);
      const xml = renderOpml(config.sources.map((s) => ({ url: s.url, name: s.name, tags: [...s.tags] })), config.output.title);
      if (opts.output) writeFileSync(opts.output, xml);
      else out(xml);
    });

  program.command('parse')
    .description('fetch or read a feed and print its normalized items as JSON')
    .argument('<source>', 'a file path or an http(s) URL')
    .option('--base <url>', 'base URL for relative links when reading a file')
    .option('--allow-private', 'allow fetching from loopback/private addresses')
    .option('--max-bytes <n>', 'response size cap', (v) => Number.parseInt(v, 10), 5 * 1024 * 1024)
    .option('--timeout <ms>', 'request timeout in ms', (v) => Number.parseInt(v, 10), 20_000)
    .action(async (source: string, opts: { base?: string; allowPrivate?: boolean; maxBytes: number; timeout: number }) => {
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

  withCommon(program.command('extract'))
    .description('extract the article of a page (URL, or FILE.html with --url) and print it as JSON; ' +
      'or, with --refresh, extract the stored articles again')
    .argument('[input]', 'an http(s) URL, or an HTML file (then --url gives its address)')
    .option('--url <url>', 'the page address, used as base URL, when reading a file')
    .option('--refresh', 'fetch and extract every stored article again (with --failed: only those that failed)')
    .option('--failed', 'with --refresh: only articles whose extraction failed')
    .option('--allow-private', 'allow fetching from loopback/private addresses')
    .option('--max-bytes <n>', 'response size cap', (v) => Number.parseInt(v, 10), 5 * 1024 * 1024)
    .option('--timeout <ms>', 'request timeout in ms', (v) => Number.parseInt(v, 10), 20_000)
    .addOption(new Option('--dom <impl>', 'DOM implementation for Readability').choices(['linkedom', 'jsdom']).default('linkedom'))
    .action(async (input: string | undefined, opts: CommonOptions & { url?: string; refresh?: boolean; failed?: boolean;
      allowPrivate?: boolean; maxBytes: number; timeout: number; dom: DomImpl }) => {
      if (opts.refresh) {
        if (input) throw new UsageError('extract --refresh takes no input (it works on the stored articles)');
        const config = loadConfig(opts.config);
        const { store, close } = openWorkerStore(opts, 'extract --refresh');
        try {
          const pages = store.extractedArticles(opts.failed ? 'failed' : 'all');
          const abort = new AbortController();
          process.once('SIGINT', () => abort.abort());
          const pool = new ExtractorPool();
          const r = await extractPages(pages, { store, config, log: logger(opts, 'pretty'), signal: abort.signal,
            limiter: new HostLimiter(config.http.perHostConcurrency), clusterer: loadClusterer(store, new Date()), pool })
            .finally(() => pool.close());
          out(`extract --refresh: ${pages.length} articles: ${r.ok} extracted, ${r.failed} failed${r.aborted ? `, ${r.aborted} aborted` : ''}`);
        } finally {
          close();
        }
        return;
      }
      if (!input) throw new UsageError('extract needs a URL or an HTML file (or --refresh)');
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

  withCommon(program.command('backup'))
    .description('write an online, consistent copy of the database to FILE (SQLite backup API; safe while the service runs)')
    .argument('<file>', 'the copy to write (replaced if it exists)')
    .action(async (file: string, opts: CommonOptions) => {
      const store = openStore(opts);
      try {
        const r = await store.backup(file);
        out(`${opts.db} -> ${file}: ${r.pages} pages copied`);
      } finally {
        store.close();
      }
    });

  withCommon(program.command('stories'))
    .description('list recent stories (as in the merged feed) with every item that carried them')
    .option('-n, --limit <n>', 'how many stories', (v) => Number.parseInt(v, 10), 20)
    .option('--json', 'print as JSON')
    .action((opts: CommonOptions & { limit: number; json?: boolean }) => {
      const store = openStore(opts);
      try {
        const list = store.storySummaries(opts.limit);
        if (opts.json) return out(JSON.stringify(list, null, 2));
        if (list.length === 0) return out('no stories stored yet (run `storyfeed once`)');
        out(list.map((st) => [
          `story ${st.id}  ${st.guid}  (${st.members.length} item${st.members.length === 1 ? '' : 's'}, published ${st.published}, updated ${st.updated})`,
          `  ${st.title}`,
          ...st.members.map((m) => `    item ${m.id}  ${m.source}: ${m.title}${m.url ? `  <${m.url}>` : ''}` +
            (m.extract_status === 'ok' ? '  [full text]' : m.extract_status === 'failed' ? `  [feed content: ${m.extract_error}]` : '')),
        ].join('\n')).join('\n\n'));
      } finally {
        store.close();
      }
    });

  withCommon(program.command('explain'))
    .description('say why two stored items are or are not in one story: the scores that decided')
    .argument('<item1>', 'item id (see `storyfeed stories`)')
    .argument('<item2>', 'item id')
    .option('--json', 'print as JSON')
    .action((id1: string, id2: string, opts: CommonOptions & { json?: boolean }) => {
      const store = openStore(opts);
      try {
        const items = [id1, id2].map((raw) => {
          const id = Number(raw);
          const it = Number.isInteger(id) ? store.itemForCluster(id) : undefined;
          if (!it) throw new UsageError(`no item with id ${raw} (see \`storyfeed stories\`)`);
          return it;
        }) as [NonNullable<ReturnType<Store['itemForCluster']>>, NonNullable<ReturnType<Store['itemForCluster']>>];
        const clusterer = loadClusterer(store, new Date());
        const [a, b] = items;
        const scores = clusterer.compare(toClusterDoc(a.articleId, a), toClusterDoc(b.articleId, b));
        const t = clusterer.thresholds;
        const same = a.storyId === b.storyId;
        const verdict = a.articleId === b.articleId ? 'the same article (same canonical URL): always one story'
          : scores.nearDuplicate ? `near-identical copies (${scores.hammingBits} of 64 SimHash bits differ, at most ${t.nearDuplicateBits})`
            : scores.score >= t.join ? `score ${scores.score.toFixed(3)} ≥ join threshold ${t.join}: one story`
              : `score ${scores.score.toFixed(3)} < join threshold ${t.join}: not one story on their own` +
                (same ? ' (they share a story through other items)' : '');
        if (opts.json) return out(JSON.stringify({ items, sameStory: same, scores, thresholds: t, verdict }, null, 2));
        out([
          ...items.map((it) => `item ${it.itemId}  story ${it.storyId}  ${it.source}: ${it.title}  (${it.published})`),
          `same story now: ${same ? 'yes' : 'no'}`,
          `text similarity (TF-IDF cosine): ${scores.text.toFixed(3)}   shared terms: ${scores.sharedTerms.slice(0, 12).join(', ') || '—'}`,
          `named entities (rarity-weighted overlap): ${scores.entities.toFixed(3)}   shared: ${scores.sharedEntities.join(', ') || '—'}`,
          `time proximity factor: ${scores.time.toFixed(3)}`,
          `body fingerprints: ${scores.hammingBits === undefined ? 'n/a (a body is too short)' : `${scores.hammingBits} of 64 bits differ`}`,
          `combined: (${t.textWeight} × text + ${(1 - t.textWeight).toFixed(2)} × entities) × time = ${scores.score.toFixed(3)}`,
          `verdict: ${verdict}`,
        ].join('\n'));
      } finally {
        store.close();
      }
    });

  program.command('cluster')
    .description('cluster items offline as the worker would; prints "id<TAB>story_id" lines (no database, no network)')
    .requiredOption('-i, --input <file>', 'JSON Lines: {"id", "title", "text"?, "url"?, "published"?, "source"?} per line ("-" for stdin)')
    .action((opts: { input: string }) => {
      const text = readInput(opts.input);
      const docs = parseClusterInput(text, opts.input === '-' ? '<stdin>' : opts.input);
      const stories = clusterDocs(docs);
      out(docs.map((d) => `${d.id}\t${stories.get(d.id)}`).join('\n'));
    });

  program.command('demo')
    .description('offline demo: serve bundled sample feeds on 127.0.0.1, ingest them, serve the merged feed')
    .option('-p, --port <port>', 'port for the merged feed', (v) => Number.parseInt(v, 10), 8080)
    .option('-d, --db <path>', 'database file for the demo', 'data/demo.db')
    .option('--once', 'ingest, print the merged RSS feed to stdout and exit')
    .action(async (opts: { port: number; db: string; once?: boolean }) => {
      setExit(await runDemo({ port: opts.port, db: opts.db, once: opts.once ?? false, print: out, waitForShutdown }));
    });

  return program;
}

/** One request for the debugging commands (parse, extract): the fetcher's guards, limits from flags. */
function fetchOnce(url: string, opts: { allowPrivate?: boolean; maxBytes: number; timeout: number }, accept?: string) {
  return fetchUrl(url, { timeoutMs: opts.timeout, maxBytes: opts.maxBytes, userAgent: DEFAULTS.userAgent, maxRedirects: 5,
    allowPrivateNetworks: opts.allowPrivate ?? false, accept });
}

function readInput(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

const clusterLine = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  title: z.string(),
  text: z.string().optional(),
  url: z.string().optional(),
  published: z.string().refine((v) => Number.isFinite(Date.parse(v)), { error: 'expected an ISO 8601 date' }).optional(),
  source: z.string().optional(),
});

/** JSON Lines -> documents; a bad line is named with its number. Undated items count as the newest. */
export function parseClusterInput(text: string, file: string): ClusterDoc[] {
  const rows: { id: string; title: string; text?: string; url?: string; published?: number }[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (err) {
      throw new UsageError(`${file}:${i + 1}: not valid JSON: ${(err as Error).message}`);
    }
    const r = clusterLine.safeParse(data);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new UsageError(`${file}:${i + 1}: ${issue?.path.join('.') || 'line'}: ${issue?.message}`);
    }
    if (seen.has(r.data.id)) throw new UsageError(`${file}:${i + 1}: id ${JSON.stringify(r.data.id)} appears twice`);
    seen.add(r.data.id);
    rows.push({ ...r.data, url: canonicalUrl(r.data.url) ?? r.data.url, published: r.data.published ? Date.parse(r.data.published) : undefined });
  });
  const latest = rows.reduce((m, r) => Math.max(m, r.published ?? -Infinity), -Infinity);
  const undated = Number.isFinite(latest) ? latest : Date.now();
  return rows.map((r) => ({ id: r.id, title: r.title, text: r.text, url: r.url, published: r.published ?? undated }));
}

/** Entry point; returns the process exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      process.stderr.write(`storyfeed: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT_CONFIG;
    }
    const known = err instanceof StorageError || err instanceof FetchError || err instanceof ParseError ||
      err instanceof ExtractError || err instanceof WorkerBusyError || err instanceof ServerError;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`storyfeed: ${known ? message : `error: ${message}`}\n`);
    if (!known && process.env.STORYFEED_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
