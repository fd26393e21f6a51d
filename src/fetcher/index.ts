// HTTP GET for feeds and pages: total time and size limits (enforced while streaming, after
// decompression), conditional GET, redirects followed by hand (with a limit and loop detection),
// Retry-After, Cache-Control max-age, an SSRF guard on the resolved address at connect time, and
// charset decoding (charset.ts: BOM > HTTP header > XML prolog / HTML meta > UTF-16/32 shape > UTF-8,
// windows-1252 for undeclared non-UTF-8 bytes).
import { channel } from 'node:diagnostics_channel';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import pLimit, { type LimitFunction } from 'p-limit';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';

export { decodeBody, repairDoubleEncoded } from './charset.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Statuses whose Retry-After header we honour (RFC 9110 §10.2.3). */
const RETRY_AFTER_STATUSES = new Set([429, 503]);
/** Redirect statuses; 301 and 308 are permanent (the stored URL is updated), 302/303/307 are not. */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const PERMANENT_REDIRECTS = new Set([301, 308]);
/** Encodings we ask for; undici decompresses them and the size cap applies to the decompressed bytes. */
const ACCEPT_ENCODING = 'gzip, deflate, br';
/**
 * Errors of a kept-alive connection that the server closed while it sat idle: the request went out on
 * a dead socket and failed before any response byte. A GET is idempotent, so it is sent once more, at
 * once, on a new connection. UND_ERR_SOCKET counts only on a socket that had carried a response before
 * (a new connection closed without an answer is a real failure); a reset or broken pipe says nothing
 * about the socket's past, so it is retried as well (one extra request at most).
 */
const STALE_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
/** diagnostics_channel on which each such retry is published ({ url, code }); metrics count them. */
export const FETCH_RETRY_CHANNEL = 'storyfeed:fetcher:retry';
// ---------------------------------------------------------------------------------------------------

export type FetchErrorKind = 'http' | 'timeout' | 'aborted' | 'too-large' | 'refused' | 'redirect' | 'network' | 'invalid-url';

/** The fetcher's one error type: `fetcher: [GET] "url": 404 Not Found`. */
export class FetchError extends Error {
  readonly kind: FetchErrorKind;
  readonly url: string;
  readonly status?: number;
  /** For 429/503: how long the server asked us to wait. */
  readonly retryAfterMs?: number;

  constructor(kind: FetchErrorKind, url: string, detail: string,
    extra: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(`fetcher: [GET] "${url}": ${detail}`, { cause: extra.cause });
    this.name = 'FetchError';
    this.kind = kind;
    this.url = url;
    this.status = extra.status;
    this.retryAfterMs = extra.retryAfterMs;
  }
}

/** Limits requests in flight to one host (the overall limit is the scheduler's). */
export class HostLimiter {
  private readonly limits = new Map<string, LimitFunction>();

  constructor(private readonly perHost: number) {}

  run<T>(url: string, fn: () => Promise<T>): Promise<T> {
    let host: string;
    try {
      host = new URL(url).host;
    } catch {
      host = url;
    }
    let limit = this.limits.get(host);
    if (!limit) {
      limit = pLimit(this.perHost);
      this.limits.set(host, limit);
    }
    return limit(fn);
  }
}

export type FetchFn = typeof undiciFetch;

export interface FetchOptions {
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
  maxRedirects: number;
  allowPrivateNetworks: boolean;
  accept?: string;
  /** Validators from the previous fetch, for a conditional GET. */
  etag?: string;
  lastModified?: string;
  signal?: AbortSignal;
  limiter?: HostLimiter;
  /** The fetch implementation (undici's by default); tests may pass their own. */
  fetch?: FetchFn;
}

export interface FetchResult {
  /** Final URL after redirects. */
  url: string;
  status: number;
  notModified: boolean;
  body: Buffer;
  contentType?: string;
  /** Charset from the Content-Type header, if any. */
  charset?: string;
  etag?: string;
  lastModified?: string;
  maxAgeSeconds?: number;
  /** Set when every redirect on the way was permanent (301/308): the URL to use from now on. */
  permanentUrl?: string;
}

// ---- SSRF guard -----------------------------------------------------------------------------------

/**
 * IPv6 ranges that embed an IPv4 address and that ipaddr.js calls plain unicast. IPv4-compatible
 * addresses (::a.b.c.d, RFC 4291 §2.5.5.1) are deprecated and never routed on the Internet, while
 * some stacks and tunnels deliver ::127.0.0.1 to 127.0.0.1: refused whatever the IPv4 inside.
 */
const EMBEDDED_IPV4_RANGES: readonly [ipaddr.IPv6, number][] = [ipaddr.IPv6.parseCIDR('::/96')];

/**
 * Only globally routable unicast addresses are allowed. ipaddr.js classifies loopback, private,
 * link-local (incl. 169.254.169.254), unique-local, CGNAT, multicast, reserved …; IPv4-mapped IPv6 is
 * unwrapped first so ::ffff:127.0.0.1 counts as loopback; the IPv4-compatible range ::/96 is refused.
 */
export function isPublicAddress(address: string): boolean {
  try {
    const ip = ipaddr.process(address);
    if (ip.kind() === 'ipv6' && EMBEDDED_IPV4_RANGES.some((r) => (ip as ipaddr.IPv6).match(r))) return false;
    return ip.range() === 'unicast';
  } catch {
    return false;
  }
}

/** " (IPv4 a.b.c.d inside)" for an address of the IPv4-compatible range, so a refusal says what it hid. */
function embeddedIpv4(address: string): string {
  try {
    const ip = ipaddr.parse(address);
    if (ip.kind() !== 'ipv6' || !EMBEDDED_IPV4_RANGES.some((r) => (ip as ipaddr.IPv6).match(r))) return '';
    const bytes = ip.toByteArray().slice(12);
    return bytes.every((b) => b === 0) ? '' : ` (IPv4 ${bytes.join('.')} inside)`;
  } catch {
    return '';
  }
}

class RefusedAddressError extends Error {
  constructor(readonly host: string, readonly address: string) {
    super(`refused: ${host} resolves to ${address}${embeddedIpv4(address)}, a private/loopback/reserved address (set http.allow_private_networks to allow)`);
    this.name = 'RefusedAddressError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that refuses non-public addresses: runs at connect time, so redirects and rebinding can't dodge it. */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad) return callback(new RefusedAddressError(hostname, bad.address) as NodeJS.ErrnoException, []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0] as LookupAddress;
    return callback(null, first.address, first.family);
  });
}

const agentOptions = (allowPrivate: boolean): Agent.Options =>
  (allowPrivate ? { connections: 64 } : { connections: 64, connect: { lookup: guardedLookup } });
let guardedAgent: Agent | undefined;
let openAgent: Agent | undefined;
function dispatcherFor(allowPrivate: boolean): Dispatcher {
  if (allowPrivate) return (openAgent ??= new Agent(agentOptions(true)));
  return (guardedAgent ??= new Agent(agentOptions(false)));
}

/** Checks that don't need DNS: scheme, and IP-literal hosts (which never go through lookup). */
function checkTarget(url: URL, allowPrivate: boolean): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError('invalid-url', url.href, `only http and https URLs are fetched, not ${url.protocol}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) && !isPublicAddress(host)) {
    throw new FetchError('refused', url.href,
      `refused: ${host}${embeddedIpv4(host)} is a private/loopback/reserved address (set http.allow_private_networks to allow)`);
  }
}

// ---- helpers --------------------------------------------------------------------------------------

/** Retry-After as delay-seconds or an HTTP date -> milliseconds from now. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/^[a-z]{3,9},? /i.test(v)) return undefined; // an HTTP date starts with a day name; "-5", "1.5" are nothing
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export function parseMaxAge(cacheControl: string | null): number | undefined {
  const m = cacheControl ? /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl) : null;
  return m ? Number(m[1]) : undefined;
}

export function charsetOf(contentType: string | null | undefined): string | undefined {
  const m = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType) : null;
  return m ? (m[1] as string).toLowerCase() : undefined;
}

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = err; e && chain.length < 6; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

/** What a socket or DNS error code means, in words (the code is kept after them). */
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (nothing listens there, or a firewall rejects it)',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host not found (DNS has no address for it)',
  EAI_AGAIN: 'DNS lookup failed for now (try again later)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed by the server while sending',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

interface NetworkFailure extends NodeJS.ErrnoException {
  address?: string;
  port?: number;
}

function networkError(err: unknown, url: string): FetchError {
  const chain = causeChain(err).flatMap((e) => (e instanceof AggregateError ? [e, ...e.errors] : [e]));
  const refused = chain.find((e): e is RefusedAddressError => e instanceof RefusedAddressError);
  if (refused) return new FetchError('refused', url, refused.message, { cause: err });
  const coded = chain.find((e): e is NetworkFailure => typeof (e as NodeJS.ErrnoException)?.code === 'string');
  const where = coded?.address ? ` at ${coded.address.includes(':') ? `[${coded.address}]` : coded.address}${coded.port ? `:${coded.port}` : ''}` : '';
  // The code, and the error's own words when they add to it ("UND_ERR_SOCKET other side closed").
  const code = coded ? `${coded.code}${coded.message && !coded.message.includes(String(coded.code)) ? ` ${coded.message}` : ''}` : '';
  let detail: string;
  if (coded?.code && NETWORK_CODES[coded.code]) detail = `${NETWORK_CODES[coded.code]}${where} (${code})`;
  else if (coded) detail = `${code}${where}`;
  else {
    // undici's own wording ("fetch failed") says nothing: name the innermost cause instead.
    const inner = [...chain].reverse().find((e): e is Error => e instanceof Error && e.message !== 'fetch failed');
    detail = inner?.message === 'bad port' ? `port ${new URL(url).port} is blocked for fetching (a "bad port" of the Fetch standard)`
      : inner?.message ?? (err instanceof Error ? err.message : String(err));
  }
  return new FetchError('network', url, `network error: ${detail}`, { cause: err });
}

/** Did this request fail on a kept-alive connection that the server had closed (see STALE_CONNECTION_CODES)? */
export function isStaleConnectionError(err: unknown): boolean {
  return causeChain(err).some((e) => {
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code !== 'string' || !STALE_CONNECTION_CODES.has(code)) return false;
    if (code !== 'UND_ERR_SOCKET') return true;
    const bytesRead = (e as { socket?: { bytesRead?: unknown } }).socket?.bytesRead;
    return typeof bytesRead === 'number' && bytesRead > 0;
  });
}

const retryChannel = channel(FETCH_RETRY_CHANNEL);

async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number, url: string): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new FetchError('too-large', url, `response larger than ${maxBytes} bytes (cut off)`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

// ---- fetch ----------------------------------------------------------------------------------------

/**
 * GET a URL within the limits. Resolves with the body (or notModified on 304); throws FetchError for
 * HTTP errors, timeouts, refusals, oversize bodies, redirect problems and network failures.
 */
export async function fetchUrl(startUrl: string, opts: FetchOptions): Promise<FetchResult> {
  // The clock starts when the first request is sent, not while it waits for a slot to its host.
  const timeout = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const startClock = () => {
    timer ??= setTimeout(() => timeout.abort(new DOMException('timed out', 'TimeoutError')), opts.timeoutMs);
  };
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal;
  const doFetch = opts.fetch ?? undiciFetch;
  const seen = new Set<string>();
  let url = startUrl;
  let permanent = true;
  try {
    for (let hop = 0; ; hop++) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch (err) {
        throw new FetchError('invalid-url', url, 'invalid URL', { cause: err });
      }
      checkTarget(parsed, opts.allowPrivateNetworks);
      seen.add(parsed.href);
      const headers: Record<string, string> = {
        'User-Agent': opts.userAgent,
        Accept: opts.accept ?? '*/*',
        'Accept-Encoding': ACCEPT_ENCODING,
      };
      // Validators belong to the URL they came from: send them on the first hop only.
      if (hop === 0 && opts.etag) headers['If-None-Match'] = opts.etag;
      if (hop === 0 && opts.lastModified) headers['If-Modified-Since'] = opts.lastModified;
      const send = (dispatcher: Dispatcher) => doFetch(parsed.href, { headers, redirect: 'manual', signal, dispatcher });
      const request = async () => {
        startClock();
        let res: Awaited<ReturnType<FetchFn>>;
        try {
          res = await send(dispatcherFor(opts.allowPrivateNetworks));
        } catch (err) {
          if (signal.aborted) throw err;
          if (!isStaleConnectionError(err)) throw networkError(err, parsed.href);
          // Once, at once, on a connection of its own (a pooled one may be just as stale).
          retryChannel.publish({ url: parsed.href, code: causeChain(err).map((e) => (e as { code?: unknown }).code).find(Boolean) });
          const fresh = new Agent({ ...agentOptions(opts.allowPrivateNetworks), connections: 1 });
          try {
            res = await send(fresh);
          } catch (again) {
            void fresh.destroy().catch(() => undefined);
            if (signal.aborted) throw again;
            throw networkError(again, parsed.href);
          }
          // Closes once this response's body has been read or cancelled below.
          void fresh.close().catch(() => undefined);
        }
        if (REDIRECT_STATUSES.has(res.status)) {
          await res.body?.cancel().catch(() => undefined);
          return { res, body: Buffer.alloc(0) };
        }
        if (res.status === 304 || res.status < 200 || res.status >= 300) {
          await res.body?.cancel().catch(() => undefined);
          return { res, body: Buffer.alloc(0) };
        }
        const length = Number(res.headers.get('content-length'));
        if (Number.isFinite(length) && length > opts.maxBytes && !res.headers.get('content-encoding')) {
          await res.body?.cancel().catch(() => undefined);
          throw new FetchError('too-large', parsed.href, `response of ${length} bytes exceeds the ${opts.maxBytes}-byte limit`);
        }
        return { res, body: await readCapped(res.body as ReadableStream<Uint8Array> | null, opts.maxBytes, parsed.href) };
      };
      const { res, body } = opts.limiter ? await opts.limiter.run(parsed.href, request) : await request();

      if (REDIRECT_STATUSES.has(res.status)) {
        const location = res.headers.get('location');
        if (!location) throw new FetchError('redirect', parsed.href, `${res.status} redirect without a Location header`, { status: res.status });
        if (hop >= opts.maxRedirects) throw new FetchError('redirect', startUrl, `too many redirects (more than ${opts.maxRedirects})`, { status: res.status });
        const next = new URL(location, parsed).href;
        if (seen.has(next)) throw new FetchError('redirect', startUrl, `redirect loop at ${next}`, { status: res.status });
        permanent &&= PERMANENT_REDIRECTS.has(res.status);
        url = next;
        continue;
      }
      const permanentUrl = hop > 0 && permanent ? parsed.href : undefined;
      const common = {
        url: parsed.href, status: res.status, permanentUrl,
        etag: res.headers.get('etag') ?? undefined,
        lastModified: res.headers.get('last-modified') ?? undefined,
        maxAgeSeconds: parseMaxAge(res.headers.get('cache-control')),
      };
      if (res.status === 304) return { ...common, notModified: true, body };
      if (res.status < 200 || res.status >= 300) {
        const retryAfterMs = RETRY_AFTER_STATUSES.has(res.status) ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
        throw new FetchError('http', parsed.href, `${res.status} ${res.statusText || 'HTTP error'}`.trim(),
          { status: res.status, retryAfterMs });
      }
      const contentType = res.headers.get('content-type') ?? undefined;
      return { ...common, notModified: false, body, contentType, charset: charsetOf(contentType) };
    }
  } catch (err) {
    if (err instanceof FetchError) throw err;
    if (timeout.signal.aborted) throw new FetchError('timeout', url, `timed out after ${opts.timeoutMs} ms`, { cause: err });
    if (opts.signal?.aborted) throw new FetchError('aborted', url, 'aborted (shutting down)', { cause: err });
    throw networkError(err, url);
  } finally {
    clearTimeout(timer);
  }
}
