// The merged feeds as bytes kept in memory: rendered once per change of the stories (or of the config),
// compressed once per encoding on first demand, and answered from there (200, HEAD, 304) without touching
// the stories again. A request costs a change check of a few microseconds (StoryStore.changeToken).
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Config } from '../model/index.js';
import { configTags, ENTRY_BODY_CHARS, FEED_CONTENT_TYPES, FEED_FILES, renderFeeds, type FeedKind } from '../publisher/index.js';
import type { Store } from '../storage/index.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Bytes of rendered feeds (all encodings) kept; the least recently used tag feeds go first. */
const CACHE_MAX_BYTES = 96 * 1024 * 1024;
/** Compression levels: rendering happens once per change, so a good ratio is worth a little time. */
const GZIP_LEVEL = 9;
const BROTLI_QUALITY = 9;
/** Above this size a lower brotli quality (several times faster; the event loop waits for it). */
const LARGE_BYTES = 1024 * 1024;
const BROTLI_QUALITY_LARGE = 5;
/** Smaller bodies are not worth compressing. */
const MIN_COMPRESS_BYTES = 1024;
const CACHE_CONTROL = 'public, max-age=60';
/**
 * The database is asked whether it changed at most once per this many milliseconds: under load many requests
 * share one check (it was 9% of a 304's CPU), and a change is still seen within a millisecond.
 */
const CHANGE_CHECK_MS = 1;
// ---------------------------------------------------------------------------------------------------

export type Encoding = 'br' | 'gzip' | 'identity';

/** Text bytes in one encoding (the feeds and the HTML pages). */
export function compress(plain: Buffer, encoding: Encoding): Buffer {
  if (encoding === 'identity') return plain;
  return encoding === 'gzip' ? gzipSync(plain, { level: GZIP_LEVEL })
    : brotliCompressSync(plain, { params: { [zlib.BROTLI_PARAM_QUALITY]: plain.length > LARGE_BYTES ? BROTLI_QUALITY_LARGE : BROTLI_QUALITY,
      [zlib.BROTLI_PARAM_SIZE_HINT]: plain.length,
      [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } });
}

/** One feed in one format: its bytes, and their compressed forms made on first demand. */
class Rendered {
  readonly etag: string;
  private readonly variants = new Map<Encoding, Buffer>();
  /** Response headers per encoding and status, built once (the fast path sends the same object every time). */
  private readonly headerSets = new Map<string, Record<string, string>>();

  constructor(readonly kind: FeedKind, body: Buffer, readonly lastModified: string, private readonly onGrow: (bytes: number) => void) {
    this.variants.set('identity', body);
    this.etag = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  }

  get bytes(): number {
    let n = 0;
    for (const b of this.variants.values()) n += b.length;
    return n;
  }

  body(encoding: Encoding): Buffer {
    let b = this.variants.get(encoding);
    if (!b) {
      b = compress(this.variants.get('identity') as Buffer, encoding);
      this.variants.set(encoding, b);
      this.onGrow(b.length);
    }
    return b;
  }

  /** The strong validator of one encoding: each encoding is its own representation (RFC 9110 §8.8.3). */
  tag(encoding: Encoding): string {
    return encoding === 'identity' ? `"${this.etag}"` : `"${this.etag}-${encoding}"`;
  }

  /**
   * The headers of a 200 (also HEAD) or a 304 in one encoding. A 304 carries the validators and caching
   * headers of the 200 (RFC 9110 §15.4.5), no Content-Type or Content-Length.
   */
  headers(encoding: Encoding, status: 200 | 304, extra: Readonly<Record<string, string>>): Record<string, string> {
    const key = `${encoding}|${status}`;
    let h = this.headerSets.get(key);
    if (!h) {
      h = { ETag: this.tag(encoding), 'Last-Modified': this.lastModified, 'Cache-Control': CACHE_CONTROL, Vary: 'Accept-Encoding' };
      if (status === 200) {
        const body = this.body(encoding);
        h = { ...extra, ...h, 'Access-Control-Allow-Origin': '*', 'Content-Type': FEED_CONTENT_TYPES[this.kind],
          'Content-Length': String(body.length), ...(encoding === 'identity' ? {} : { 'Content-Encoding': encoding }) };
      }
      this.headerSets.set(key, h);
    }
    return h;
  }
}

interface Scope {
  key: string;
  feeds: Record<FeedKind, Rendered>;
}

/** What the client sent that decides the answer. */
export interface FeedRequest {
  method: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  acceptEncoding?: string;
}

export interface FeedResponse {
  status: 200 | 304;
  headers: Record<string, string>;
  /** Undefined for HEAD and 304. */
  body?: Buffer;
}

/** The encoding to send: br, then gzip, by the client's Accept-Encoding q-values; identity otherwise. */
export function negotiateEncoding(accept: string | undefined, size: number): Encoding {
  if (!accept || size < MIN_COMPRESS_BYTES) return 'identity';
  const q = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qp ? Number(qp.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const of = (name: string) => q.get(name) ?? q.get('*') ?? 0;
  const br = of('br');
  const gz = Math.max(of('gzip'), q.get('x-gzip') ?? 0);
  if (br > 0 && br >= gz) return 'br';
  if (gz > 0) return 'gzip';
  return 'identity';
}

/** Does If-None-Match name this feed (in any encoding: the content is the same)? */
function etagMatches(header: string, r: Rendered): boolean {
  return header.split(',').some((raw) => {
    const t = raw.trim().replace(/^W\//, '');
    return t === '*' || t === `"${r.etag}"` || t === `"${r.etag}-gzip"` || t === `"${r.etag}-br"`;
  });
}

/** Has the client's copy (If-None-Match, else If-Modified-Since) got this version? */
function notModified(req: FeedRequest, r: Rendered): boolean {
  if (req.ifNoneMatch !== undefined) return etagMatches(req.ifNoneMatch, r);
  if (req.ifModifiedSince) {
    const since = Date.parse(req.ifModifiedSince);
    return Number.isFinite(since) && Math.floor(Date.parse(r.lastModified) / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

/** A path's feed: the merged one ("/feed.xml") or a tag's ("/tags/world/atom.xml"); undefined otherwise. */
export function parseFeedPath(pathname: string): { kind: FeedKind; tag?: string } | undefined {
  const file = (name: string) => (Object.keys(FEED_FILES) as FeedKind[]).find((k) => FEED_FILES[k] === name);
  const top = /^\/([^/]+)$/.exec(pathname);
  if (top) {
    const kind = file(top[1] as string);
    return kind ? { kind } : undefined;
  }
  const tagged = /^\/tags\/([^/]+)\/([^/]+)$/.exec(pathname);
  if (!tagged) return undefined;
  const kind = file(tagged[2] as string);
  if (!kind) return undefined;
  try {
    return { kind, tag: decodeURIComponent(tagged[1] as string) };
  } catch {
    return undefined;
  }
}

export class FeedService {
  private readonly scopes = new Map<string, Scope>();
  private bytes = 0;
  private token?: string;
  private checkedAt = -Infinity;
  private generation = '';
  private config?: Config;
  private configVersion = 0;

  constructor(private readonly store: Store, private readonly currentConfig: () => Config) {}

  private tagsOf?: { config: Config; tags: string[] };

  /** The tag as configured for a path's tag (case-insensitive), or undefined when no source has it. */
  resolveTag(tag: string): string | undefined {
    const config = this.currentConfig();
    if (this.tagsOf?.config !== config) this.tagsOf = { config, tags: configTags(config) };
    const tags = this.tagsOf.tags;
    return tags.find((t) => t === tag) ?? tags.find((t) => t.toLowerCase() === tag.toLowerCase());
  }

  /** Headers every 200 carries besides the feed's own (the server's security headers). */
  extraHeaders: Readonly<Record<string, string>> = {};

  /**
   * The answer to a request for one feed; undefined when the tag is unknown. The headers object is shared
   * between requests: callers must not change it.
   */
  respond(kind: FeedKind, tag: string | undefined, req: FeedRequest): FeedResponse | undefined {
    const scope = this.scope(tag);
    if (!scope) return undefined;
    const r = scope.feeds[kind];
    const encoding = negotiateEncoding(req.acceptEncoding, r.body('identity').length);
    if (notModified(req, r)) return { status: 304, headers: r.headers(encoding, 304, this.extraHeaders) };
    return { status: 200, headers: r.headers(encoding, 200, this.extraHeaders), body: req.method === 'HEAD' ? undefined : r.body(encoding) };
  }

  /** The rendered feeds of the merged feed or of one tag, rendered again only when something changed. */
  private scope(tagIn: string | undefined): Scope | undefined {
    const tag = tagIn === undefined ? undefined : this.resolveTag(tagIn);
    if (tagIn !== undefined && tag === undefined) return undefined;
    const key = this.key();
    const name = tag === undefined ? '' : `tag:${tag}`;
    const hit = this.scopes.get(name);
    if (hit && hit.key === key) {
      this.scopes.delete(name); // re-insert: most recently used last
      this.scopes.set(name, hit);
      return hit;
    }
    if (hit) this.drop(name);
    const scope = this.render(tag, key);
    this.scopes.set(name, scope);
    this.bytes += Object.values(scope.feeds).reduce((n, r) => n + r.bytes, 0);
    this.evict(name);
    return scope;
  }

  /** Changes only when the stories or the config could have changed the feeds. */
  private key(): string {
    const config = this.currentConfig();
    if (config !== this.config) {
      this.config = config;
      this.configVersion++;
    }
    const now = performance.now();
    if (now - this.checkedAt >= CHANGE_CHECK_MS) {
      this.checkedAt = now;
      const token = this.store.stories.changeToken();
      if (token !== this.token) {
        this.token = token;
        this.generation = this.store.feedGeneration();
      }
    }
    return `${this.configVersion}|${this.generation}`;
  }

  private render(tag: string | undefined, key: string): Scope {
    const config = this.currentConfig();
    const sourceUrls = tag === undefined ? undefined
      : config.sources.filter((s) => s.enabled && s.tags.includes(tag)).map((s) => s.url);
    const stories = this.store.stories.list(config.output.maxStories, { sourceUrls, maxBodyChars: ENTRY_BODY_CHARS });
    const texts = renderFeeds(stories, config.output, { tag, tags: configTags(config) });
    const newest = stories.reduce((m, s) => (s.updated > m ? s.updated : m), '1970-01-01T00:00:00.000Z');
    const lastModified = new Date(newest).toUTCString();
    const grow = (n: number) => {
      this.bytes += n;
      this.evict(tag === undefined ? '' : `tag:${tag}`);
    };
    const feeds = Object.fromEntries((Object.keys(texts) as FeedKind[]).map((k) =>
      [k, new Rendered(k, Buffer.from(texts[k]), lastModified, grow)])) as Record<FeedKind, Rendered>;
    return { key, feeds };
  }

  private drop(name: string): void {
    const s = this.scopes.get(name);
    if (!s) return;
    this.bytes -= Object.values(s.feeds).reduce((n, r) => n + r.bytes, 0);
    this.scopes.delete(name);
  }

  /** Keep the cache within CACHE_MAX_BYTES, least recently used first, never the scope in use. */
  private evict(keep: string): void {
    for (const name of [...this.scopes.keys()]) {
      if (this.bytes <= CACHE_MAX_BYTES) return;
      if (name !== keep) this.drop(name);
    }
  }

  /** Bytes held (for tests and the bench). */
  get heldBytes(): number {
    return this.bytes;
  }
}
