// The HTML pages: GET / (stories), /stories/<id> (one story, why, history), /sources (every source's
// health), and their stylesheet and icon under /assets/. Server-rendered, read-only, no script: they work
// with JavaScript off. Each answer carries a strict Content-Security-Policy (no script at all, style only
// from the stylesheet), an ETag (304 when it matches), and is rendered once per change of the data.
import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { Clusterer } from '../cluster/index.js';
import type { Config, SourceStatus } from '../model/index.js';
import { ALLOWED_IFRAME_HOSTS } from '../sanitizer/index.js';
import { compress, negotiateEncoding, type Encoding } from '../server/feeds.js';
import type { Store } from '../storage/index.js';
import { frontAlternates, frontTitle, frontView, MAX_PAGE, renderFront } from './front.js';
import type { Html } from './html.js';
import { ICON, layout, messagePage, STYLE, type Shell } from './layout.js';
import { ReasonStats } from './reasons.js';
import { isStatus, renderSources, sourcesView } from './sources.js';
import { renderStory, storyView } from './story.js';

export { errorInWords } from './errors.js';
export { storyReasons, type StoryReasons } from './reasons.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Rendered pages kept (by page and query), and their bytes in all. */
const CACHE_ENTRIES = 256;
const CACHE_BYTES = 32 * 1024 * 1024;
/** A page is rendered again at most this often when it shows times relative to now (the sources page). */
const CLOCK_PAGE_MS = 60_000;
/** Pages are revalidated on every view (ETag, 304): they change whenever a cycle brings news. */
const CACHE_CONTROL = 'no-cache';
// ---------------------------------------------------------------------------------------------------

/**
 * The pages' Content-Security-Policy: nothing but the stylesheet and the icon from here. A story's body may
 * show the article's own images, audio and video (http/https, as sanitized) and the embeds the sanitizer
 * keeps; no script runs anywhere, no inline style applies, no form goes elsewhere.
 */
const CSP_BASE = ["default-src 'none'", "style-src 'self'", "img-src 'self'", "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'"];
const CSP: Readonly<Record<'plain' | 'story', string>> = {
  plain: CSP_BASE.join('; '),
  story: [...CSP_BASE.filter((d) => !d.startsWith('img-src')), "img-src 'self' https: http:", 'media-src https: http:',
    `frame-src ${ALLOWED_IFRAME_HOSTS.map((h) => `https://${h}`).join(' ')}`].join('; '),
};

export interface PageDeps {
  store: Store;
  config: () => Config;
  /**
   * The clusterer a worker in this process keeps (`storyfeed run`): the story pages read it, always
   * current and at no cost. Without one (`serve`, and `run` whose clusterer lives in its thread), they load
   * their own from the window now and then, in steps (ingest/cluster.ts loadClustererYielding).
   */
  clusterer?: () => Clusterer | undefined;
}

interface Rendered {
  version: string;
  status: 200 | 404;
  body: Buffer;
  /** The body compressed, per encoding, made on first demand. */
  variants: Map<Encoding, Buffer>;
  /** Without quotes; an encoding's validator is `"<etag>-<encoding>"` (each encoding is its own representation). */
  etag: string;
  csp: string;
}

const tagOf = (page: Rendered, encoding: Encoding) => encoding === 'identity' ? `"${page.etag}"` : `"${page.etag}-${encoding}"`;

type Result = { status: 200 | 404; html: Html; csp?: keyof typeof CSP } | { redirect: string };

/** Does If-None-Match name one of these ETags? */
function matches(header: string | undefined, ...etags: string[]): boolean {
  return header !== undefined && header.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '');
    return v === '*' || etags.includes(v);
  });
}

/** Rendered pages by key, least recently used dropped first, bounded by entries and bytes. */
class PageCache {
  private readonly pages = new Map<string, Rendered>();
  private bytes = 0;

  get(key: string, version: string): Rendered | undefined {
    const hit = this.pages.get(key);
    if (!hit || hit.version !== version) return undefined;
    this.pages.delete(key);
    this.pages.set(key, hit);
    return hit;
  }

  /** A page of the cache got a compressed variant of this many bytes. */
  grew(bytes: number): void {
    this.bytes += bytes;
  }

  set(key: string, page: Rendered): void {
    this.drop(key);
    this.pages.set(key, page);
    this.bytes += page.body.length;
    for (const k of this.pages.keys()) {
      if (this.pages.size <= CACHE_ENTRIES && this.bytes <= CACHE_BYTES) break;
      if (k !== key) this.drop(k);
    }
  }

  private drop(key: string): void {
    const old = this.pages.get(key);
    if (old) {
      this.bytes -= old.body.length;
      for (const v of old.variants.values()) this.bytes -= v.length;
      this.pages.delete(key);
    }
  }
}

/** A positive integer query parameter (pages), undefined when absent, NaN when not one. */
function pageNumber(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  return /^[1-9][0-9]{0,5}$/.test(raw) ? Number(raw) : Number.NaN;
}

export interface Pages {
  /** GET / as HTML. */
  front: (c: Context) => Promise<Response>;
}

/** Register /stories/:id, /sources and /assets/* on the app; the caller routes / (it also answers JSON there). */
export function mountPages(app: Hono, deps: PageDeps): Pages {
  const cache = new PageCache();
  const stats = new ReasonStats(deps.store, deps.clusterer);
  const configVersions = new WeakMap<Config, number>();
  let configs = 0;
  const configVersion = (config: Config) => {
    let v = configVersions.get(config);
    if (v === undefined) configVersions.set(config, (v = ++configs));
    return v;
  };

  const shell = (config: Config, title: string, section: Shell['section'], alternates?: Shell['alternates']): Shell =>
    ({ site: config.output.title, lang: config.output.language, title, section, alternates });

  const notFound = (config: Config, text: string): Result =>
    ({ status: 404, html: messagePage(shell(config, 'Not found', 'none'), 'Not found', text) });

  /** Answer from the cache or render; 304 when the client has this version. */
  const answer = async (c: Context, key: string, opts: { clock?: boolean }, render: (config: Config) => Promise<Result> | Result) => {
    const config = deps.config();
    const now = Date.now();
    const version = `${configVersion(config)}|${deps.store.stories.changeToken()}${opts.clock ? `|${Math.floor(now / CLOCK_PAGE_MS)}` : ''}`;
    let page = cache.get(key, version);
    if (!page) {
      const r = await render(config);
      if ('redirect' in r) return c.redirect(r.redirect, 301);
      const body = Buffer.from(r.html.toString());
      const etag = createHash('sha256').update(body).digest('base64url').slice(0, 27);
      page = { version, status: r.status, body, variants: new Map(), etag, csp: CSP[r.csp ?? 'plain'] };
      cache.set(key, page);
    }
    const encoding = negotiateEncoding(c.req.header('accept-encoding'), page.body.length);
    const headers = { ETag: tagOf(page, encoding), 'Cache-Control': CACHE_CONTROL, 'Content-Security-Policy': page.csp, Vary: 'Accept-Encoding' };
    // The content is the same in every encoding: a copy validated in one is current in all.
    if (page.status === 200 && matches(c.req.header('if-none-match'), tagOf(page, 'identity'), tagOf(page, 'gzip'), tagOf(page, 'br'))) {
      return c.body(null, 304, headers);
    }
    let body = page.variants.get(encoding) ?? (encoding === 'identity' ? page.body : undefined);
    if (!body) {
      body = compress(page.body, encoding);
      page.variants.set(encoding, body);
      cache.grew(body.length);
    }
    return c.body(new Uint8Array(body), page.status,
      { ...headers, 'Content-Type': 'text/html; charset=utf-8', ...(encoding === 'identity' ? {} : { 'Content-Encoding': encoding }) });
  };

  const front = (c: Context) => {
    const tag = c.req.query('tag') || undefined;
    const page = pageNumber(c.req.query('page'));
    return answer(c, `front|${tag ?? ''}|${page}`, {}, (config) => {
      if (!Number.isInteger(page) || page > MAX_PAGE) return notFound(config, 'Pages are numbered from 1.');
      const view = frontView(deps.store, config, { tag, page });
      if (typeof view === 'string') return notFound(config, view);
      return { status: 200, html: layout(shell(config, frontTitle(view), 'stories', frontAlternates(view)), renderFront(view)) };
    });
  };

  app.get('/stories/:id', (c) => {
    const raw = c.req.param('id');
    return answer(c, `story|${raw}`, {}, async (config) => {
      if (!/^[1-9][0-9]{0,15}$/.test(raw)) return notFound(config, 'A story is named by its number, as on the stories page.');
      const found = await storyView(deps.store, stats, Number(raw));
      if ('redirect' in found) return { redirect: `/stories/${found.redirect}` };
      if ('missing' in found) return notFound(config, found.missing);
      return { status: 200, csp: 'story', html: layout(shell(config, found.view.story.title, 'stories'), renderStory(found.view)) };
    });
  });

  app.get('/sources', (c) => {
    const status = c.req.query('status') || undefined;
    const page = pageNumber(c.req.query('page'));
    return answer(c, `sources|${status ?? ''}|${page}`, { clock: true }, (config) => {
      if (status !== undefined && !isStatus(status)) return notFound(config, `There is no status “${status}”: sources are ok, failing, gone, disabled or new.`);
      if (!Number.isInteger(page)) return notFound(config, 'Pages are numbered from 1.');
      const view = sourcesView(deps.store, config, { status: status as SourceStatus | undefined, page }, Date.now());
      if (typeof view === 'string') return notFound(config, view);
      return { status: 200, html: layout(shell(config, 'Sources', 'sources'), renderSources(view)) };
    });
  });

  for (const asset of [{ ...STYLE, type: 'text/css; charset=utf-8', immutable: true }, { ...ICON, type: 'image/svg+xml', immutable: false }]) {
    app.get(asset.path, (c) => {
      const headers = { ETag: asset.etag, 'Cache-Control': asset.immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=86400' };
      if (matches(c.req.header('if-none-match'), asset.etag)) return c.body(null, 304, headers);
      return c.body(new Uint8Array(asset.body), 200, { ...headers, 'Content-Type': asset.type });
    });
  }

  return { front };
}
