// config/sources.yaml -> a validated, frozen Config. Read once by the CLI and passed down.
// Every mistake is reported as "file:line:col: field.path: what was expected", all of them at once.
import { readFileSync } from 'node:fs';
import cron from 'node-cron';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { z } from 'zod';
import type { Config, SourceConfig } from '../model/index.js';
import { canonicalUrl } from '../urlcleaner/index.js';
import { rulesSchema } from './rules.js';

export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

// ---- Defaults (documented in config/sources.example.yaml) -----------------------------------------
export const DEFAULTS = {
  schedule: '*/15 * * * *',
  interval: '30m',
  fullText: true,
  timeout: '20s',
  maxBytes: '5MB',
  userAgent: 'storyfeed/0.1 (RSS/Atom aggregator; polite: conditional GET, honours Retry-After)',
  concurrency: 8,
  perHostConcurrency: 2,
  maxRedirects: 5,
  title: 'storyfeed',
  description: 'One entry per story, merged from every source that covered it',
  language: 'en',
  host: '127.0.0.1',
  port: 8080,
  maxStories: 100,
  headerTimeout: '10s',
  requestTimeout: '30s',
  idleTimeout: '60s',
  maxConnections: 1024,
  retentionDays: 30,
  maxItemsPerFeed: 1000,
} as const;
// ---------------------------------------------------------------------------------------------------

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

// ---- Bounds of durations and sizes, and of the YAML itself ------------------------------------------
/** A value outside its range is refused at its file:line:col, never passed on to overflow later. */
const BOUNDS = {
  /** http.timeout, seconds: timers overflow past 24.8 days and fire at once; a request never needs hours. */
  timeout: { min: 1, max: 10 * 60 },
  /** defaults.interval and sources[].interval, seconds: next-fetch dates must stay representable. */
  interval: { min: 1, max: 30 * 86_400 },
  /** http.max_bytes, bytes: the whole response is held in memory. */
  maxBytes: { min: 1024, max: 1024 ** 3 },
  /** output.header_timeout, output.request_timeout, output.idle_timeout, seconds. */
  serverTimeout: { min: 1, max: 3600 },
} as const;
/**
 * Values a config may hold once its YAML aliases are expanded ("billion laughs": a few lines of nested
 * aliases expand to billions). 1,000 sources with every key take about 15,000.
 */
const MAX_YAML_VALUES = 200_000;
// ---------------------------------------------------------------------------------------------------

/** "90s", "30m", "2h", "1d" or a number of seconds -> seconds; undefined when unreadable. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$/i.exec(value);
  if (!m) return undefined;
  const seconds = Number(m[1]) * (DURATION_UNITS[(m[2] as string).toLowerCase()] as number);
  return seconds > 0 ? seconds : undefined;
}

/** "5MB", "512KB", "100B" or a number of bytes -> bytes; undefined when unreadable. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)\s*$/i.exec(value);
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * (SIZE_UNITS[(m[2] as string).toLowerCase()] as number));
  return bytes > 0 ? bytes : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** Seconds as the shortest exact unit: 600 -> "10m", 2592000 -> "30d". */
function formatDuration(seconds: number): string {
  const unit = (['d', 'h', 'm'] as const).find((u) => seconds % (DURATION_UNITS[u] as number) === 0);
  return unit ? `${seconds / (DURATION_UNITS[unit] as number)}${unit}` : `${seconds}s`;
}

/** Bytes as the largest exact unit: 1073741824 -> "1GB". */
function formatSize(bytes: number): string {
  const unit = (['gb', 'mb', 'kb'] as const).find((u) => bytes % (SIZE_UNITS[u] as number) === 0);
  return unit ? `${bytes / (SIZE_UNITS[unit] as number)}${unit.toUpperCase()}` : `${bytes}B`;
}

const duration = (bounds: { min: number; max: number }) => z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 90s, 30m, 2h or 1d, got ${show(v)}` });
    return z.NEVER;
  }
  if (s < bounds.min || s > bounds.max) {
    ctx.addIssue({ code: 'custom',
      message: `expected a duration from ${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}, got ${show(v)}` });
    return z.NEVER;
  }
  return s;
});

const size = (bounds: { min: number; max: number }) => z.union([z.string(), z.number()]).transform((v, ctx) => {
  const b = parseSize(v);
  if (b === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a size like 500KB or 5MB, got ${show(v)}` });
    return z.NEVER;
  }
  if (b < bounds.min || b > bounds.max) {
    ctx.addIssue({ code: 'custom', message: `expected a size from ${formatSize(bounds.min)} to ${formatSize(bounds.max)}, got ${show(v)}` });
    return z.NEVER;
  }
  return b;
});

const httpUrl = z.string({ error: 'expected an http(s) URL' }).trim().refine(isHttpUrl, {
  error: (issue) => `expected an http(s) URL, got ${show(issue.input)}`,
});

const int = (min: number, max: number) => z.number({ error: (i) => `expected a whole number, got ${show(i.input)}` })
  .int({ error: (i) => `expected a whole number, got ${show(i.input)}` })
  .min(min, { error: `expected at least ${min}` }).max(max, { error: `expected at most ${max}` });

const bool = z.boolean({ error: (i) => `expected true or false, got ${show(i.input)}` });
const text = z.string({ error: (i) => `expected text, got ${show(i.input)}` });

const sourceSchema = z.preprocess((v) => (typeof v === 'string' ? { url: v } : v), z.strictObject({
  url: httpUrl,
  name: text.optional(),
  tags: z.array(text).optional(),
  interval: duration(BOUNDS.interval).optional(),
  enabled: bool.optional(),
  full_text: bool.optional(),
  rules: rulesSchema.optional(),
}, { error: (i) => (i.code === 'invalid_type' ? 'expected a URL or a map with at least `url`' : undefined) }));

const schema = z.strictObject({
  schedule: text.refine((s) => cron.validate(s), {
    error: (i) => `expected a cron expression (5 or 6 fields, e.g. "*/15 * * * *"), got ${show(i.input)}`,
  }).optional(),
  defaults: z.strictObject({ interval: duration(BOUNDS.interval).optional(), full_text: bool.optional() }).optional(),
  http: z.strictObject({
    timeout: duration(BOUNDS.timeout).optional(),
    max_bytes: size(BOUNDS.maxBytes).optional(),
    user_agent: text.min(1).optional(),
    concurrency: int(1, 256).optional(),
    per_host_concurrency: int(1, 64).optional(),
    max_redirects: int(0, 20).optional(),
    allow_private_networks: bool.optional(),
  }).optional(),
  output: z.strictObject({
    title: text.optional(),
    link: httpUrl.optional(),
    description: text.optional(),
    language: text.optional(),
    host: text.min(1).optional(),
    port: int(0, 65_535).optional(),
    max_stories: int(1, 10_000).optional(),
    header_timeout: duration(BOUNDS.serverTimeout).optional(),
    request_timeout: duration(BOUNDS.serverTimeout).optional(),
    idle_timeout: duration(BOUNDS.serverTimeout).optional(),
    max_connections: int(1, 100_000).optional(),
  }).optional(),
  retention: z.strictObject({ days: int(0, 36_500).optional() }).optional(),
  limits: z.strictObject({ max_items_per_feed: int(1, 100_000).optional() }).optional(),
  rules: rulesSchema.optional(),
  sources: z.array(sourceSchema, { error: 'expected a list of sources' }).optional(),
}, { error: (i) => (i.code === 'invalid_type' ? 'expected a map of settings at the top level' : undefined) });

type RawConfig = z.output<typeof schema>;

function pathLabel(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

/**
 * Position of the node at `path`, or of its nearest existing parent. With `atKey`, the position of the
 * key itself (an unknown key is named where it is written, not where its value starts).
 */
function position(doc: Document, lines: LineCounter, path: readonly PropertyKey[], atKey = false): { line: number; col: number } {
  const parent = atKey ? doc.getIn(path.slice(0, -1) as unknown[], true) : undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]);
    const offset = (pair?.key as Node | undefined)?.range?.[0];
    if (typeof offset === 'number') return lines.linePos(offset);
  }
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as Node | undefined;
    const offset = node?.range?.[0];
    if (typeof offset === 'number') return lines.linePos(offset);
  }
  return { line: 1, col: 1 };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function buildConfig(raw: RawConfig, file: string, sourceLines: readonly number[]): Config {
  const host = raw.output?.host ?? DEFAULTS.host;
  const port = raw.output?.port ?? DEFAULTS.port;
  const interval = raw.defaults?.interval ?? (parseDuration(DEFAULTS.interval) as number);
  const fullText = raw.defaults?.full_text ?? DEFAULTS.fullText;
  const sources: SourceConfig[] = (raw.sources ?? []).map((s, i) => ({
    url: s.url,
    name: s.name,
    tags: s.tags ?? [],
    intervalSeconds: s.interval ?? interval,
    enabled: s.enabled ?? true,
    fullText: s.full_text ?? fullText,
    line: sourceLines[i],
    ...(s.rules ? { rules: s.rules } : {}),
  }));
  return deepFreeze({
    file,
    schedule: raw.schedule ?? DEFAULTS.schedule,
    http: {
      timeoutMs: Math.round((raw.http?.timeout ?? (parseDuration(DEFAULTS.timeout) as number)) * 1000),
      maxBytes: raw.http?.max_bytes ?? (parseSize(DEFAULTS.maxBytes) as number),
      userAgent: raw.http?.user_agent ?? DEFAULTS.userAgent,
      concurrency: raw.http?.concurrency ?? DEFAULTS.concurrency,
      perHostConcurrency: raw.http?.per_host_concurrency ?? DEFAULTS.perHostConcurrency,
      maxRedirects: raw.http?.max_redirects ?? DEFAULTS.maxRedirects,
      allowPrivateNetworks: raw.http?.allow_private_networks ?? false,
    },
    output: {
      title: raw.output?.title ?? DEFAULTS.title,
      link: raw.output?.link ?? `http://${host.includes(':') ? `[${host}]` : host}:${port || DEFAULTS.port}/`,
      description: raw.output?.description ?? DEFAULTS.description,
      language: raw.output?.language ?? DEFAULTS.language,
      host,
      port,
      maxStories: raw.output?.max_stories ?? DEFAULTS.maxStories,
      server: {
        headersTimeoutMs: Math.round((raw.output?.header_timeout ?? (parseDuration(DEFAULTS.headerTimeout) as number)) * 1000),
        requestTimeoutMs: Math.round((raw.output?.request_timeout ?? (parseDuration(DEFAULTS.requestTimeout) as number)) * 1000),
        idleTimeoutMs: Math.round((raw.output?.idle_timeout ?? (parseDuration(DEFAULTS.idleTimeout) as number)) * 1000),
        maxConnections: raw.output?.max_connections ?? DEFAULTS.maxConnections,
      },
    },
    retention: { days: raw.retention?.days ?? DEFAULTS.retentionDays },
    limits: { maxItemsPerFeed: raw.limits?.max_items_per_feed ?? DEFAULTS.maxItemsPerFeed },
    ...(raw.rules ? { rules: raw.rules } : {}),
    sources,
  });
}

/** Errors that the schema cannot see: the same source listed twice. */
interface Problem {
  path: PropertyKey[];
  message: string;
  /** Report at the key rather than at its value (unknown keys). */
  atKey: boolean;
}

/**
 * The same feed listed twice, compared by canonical URL (urlcleaner): host case, a #fragment, default
 * ports, tracking parameters and parameter order do not make two feeds.
 */
function duplicateSources(raw: RawConfig): Problem[] {
  const seen = new Map<string, { index: number; url: string }>();
  const out: Problem[] = [];
  (raw.sources ?? []).forEach((s, i) => {
    const key = canonicalUrl(s.url) ?? s.url;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, { index: i, url: s.url });
      return;
    }
    const same = first.url === s.url ? s.url : `${s.url} and ${first.url} are the same feed: ${key}`;
    out.push({ path: ['sources', i, 'url'], message: `duplicate of sources[${first.index}] (${same})`, atKey: false });
  });
  return out;
}

/**
 * Where the document's values, with aliases expanded, pass MAX_YAML_VALUES (an alias bomb), or
 * undefined. Walks the nodes in document order, counting each alias as the size of what it names
 * (memoized, so the walk itself stays linear in the file).
 */
function aliasBomb(doc: Document): { node: Node; values: number } | undefined {
  const sizes = new Map<unknown, number>();
  let total = 0;
  let found: { node: Node; values: number } | undefined;
  const sizeOf = (node: unknown, depth: number): number => {
    if (depth > 1000) return Number.POSITIVE_INFINITY; // deeper than any config: count it as too big
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) return 1;
      const known = sizes.get(target);
      if (known !== undefined) return known;
      sizes.set(target, Number.POSITIVE_INFINITY); // an alias inside its own anchor never ends
      const n = sizeOf(target, depth + 1);
      sizes.set(target, n);
      return n;
    }
    if (isMap(node) || isSeq(node)) {
      let n = 1;
      for (const item of node.items) n += sizeOf(item, depth + 1);
      return n;
    }
    if (isPair(node)) return sizeOf(node.key, depth + 1) + sizeOf(node.value, depth + 1);
    return 1;
  };
  const walk = (node: unknown, depth: number): void => {
    if (found || depth > 1000) return;
    if (isAlias(node)) {
      total += sizeOf(node, depth);
      if (total > MAX_YAML_VALUES) found = { node, values: total };
      return;
    }
    total += 1;
    if (isMap(node) || isSeq(node)) for (const item of node.items) walk(item, depth + 1);
    else if (isPair(node)) {
      walk(node.key, depth + 1);
      walk(node.value, depth + 1);
    } else if (total > MAX_YAML_VALUES && node && typeof node === 'object') found = { node: node as Node, values: total };
  };
  walk(doc.contents, 0);
  return found;
}

function firstAlias(doc: Document): Node | undefined {
  let alias: Node | undefined;
  visit(doc, { Alias: (_key, node) => {
    alias = node;
    return visit.BREAK;
  } });
  return alias;
}

/** Parse and validate config text. Throws ConfigError listing every problem with file:line:col. */
export function parseConfig(textIn: string, file: string): Config {
  const lines = new LineCounter();
  const doc = parseDocument(textIn, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return `${file}:${pos.line}:${pos.col}: YAML syntax error: ${e.message.split('\n')[0]}`;
    }).join('\n'));
  }
  const bomb = aliasBomb(doc);
  if (bomb) {
    const pos = lines.linePos(bomb.node.range?.[0] ?? 0);
    const what = Number.isFinite(bomb.values) ? `more than ${MAX_YAML_VALUES.toLocaleString('en')}` : 'endlessly many';
    throw new ConfigError(`${file}:${pos.line}:${pos.col}: YAML aliases expand to ${what} values here ` +
      '(an alias bomb?); refused');
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 10_000 }) ?? {};
  } catch (err) {
    // yaml's own guards (unresolved or excessive aliases): name the first alias rather than fail without a position.
    const alias = firstAlias(doc);
    const pos = lines.linePos(alias?.range?.[0] ?? 0);
    throw new ConfigError(`${file}:${pos.line}:${pos.col}: YAML aliases cannot be expanded: ${(err as Error).message}`, { cause: err });
  }
  const result = schema.safeParse(data);
  const problems: Problem[] = result.success
    ? duplicateSources(result.data)
    : result.error.issues.flatMap((issue): Problem[] => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      if (keys.length) {
        return keys.map((k) => ({ path: [...issue.path, k], message: 'unknown key (see config/sources.example.yaml)', atKey: true }));
      }
      return [{ path: issue.path, message: issue.message, atKey: false }];
    });
  if (problems.length) {
    const sorted = problems
      .map((p) => ({ ...p, pos: position(doc, lines, p.path, p.atKey) }))
      .sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
    throw new ConfigError(sorted.map((p) => `${file}:${p.pos.line}:${p.pos.col}: ${pathLabel(p.path)}: ${p.message}`).join('\n'));
  }
  const seq = doc.get('sources', true);
  const sourceLines = isSeq(seq)
    ? seq.items.map((n) => lines.linePos((n as Node | null)?.range?.[0] ?? 0).line)
    : [];
  return buildConfig((result as { data: RawConfig }).data, file, sourceLines);
}

/** Read and validate a config file. Throws ConfigError (missing file, syntax, schema). */
export function loadConfig(path: string): Config {
  let textIn: string;
  try {
    textIn = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found (copy config/sources.example.yaml to start)' : (err as Error).message;
    throw new ConfigError(`${path}: cannot read config: ${why}`, { cause: err });
  }
  return parseConfig(textIn, path);
}
