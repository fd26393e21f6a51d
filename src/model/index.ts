// Plain types shared by the pipeline stages. No I/O here.

/** A keep/block rule: RE2 regular expressions on an item's fields; it matches when every field it names matches. */
export interface FilterRule {
  readonly title?: string;
  readonly content?: string;
  readonly author?: string;
  readonly url?: string;
}

/** Block: drop an item any rule matches. Keep (when there are any): drop an item no rule matches. */
export interface FilterRules {
  readonly block: readonly FilterRule[];
  readonly keep: readonly FilterRule[];
}

/** One source as the user configured it (validated, frozen). */
export interface SourceConfig {
  /** The feed URL (or an HTML page whose feed is discovered) exactly as configured. */
  readonly url: string;
  readonly name?: string;
  readonly tags: readonly string[];
  /** Minimum time between two fetches of this source, in seconds. */
  readonly intervalSeconds: number;
  readonly enabled: boolean;
  /** Fetch each item's page and extract the article body (issue 3). */
  readonly fullText: boolean;
  /** 1-based line of this source in the config file, for messages. */
  readonly line?: number;
  /** This source's own keep/block rules (added to the global ones). */
  readonly rules?: FilterRules;
}

export interface HttpConfig {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly userAgent: string;
  /** Sources fetched at the same time, overall. */
  readonly concurrency: number;
  /** Requests in flight to one host at the same time. */
  readonly perHostConcurrency: number;
  readonly maxRedirects: number;
  /** Allow loopback/private/link-local targets (off by default; tests and the demo turn it on). */
  readonly allowPrivateNetworks: boolean;
}

export interface OutputConfig {
  readonly title: string;
  readonly link: string;
  readonly description: string;
  readonly language: string;
  readonly host: string;
  readonly port: number;
  /** How many stories the merged feed carries. */
  readonly maxStories: number;
  /** What a slow or idle client may hold of the HTTP server (see src/server SERVER_LIMITS). */
  readonly server: ServerLimitsConfig;
}

export interface ServerLimitsConfig {
  /** Request headers complete within this, or 408 and closed. */
  readonly headersTimeoutMs: number;
  /** The whole request within this. */
  readonly requestTimeoutMs: number;
  /** A connection with no traffic either way is closed after this. */
  readonly idleTimeoutMs: number;
  /** Connections served at once; more are refused at accept. */
  readonly maxConnections: number;
}

export interface RetentionConfig {
  /** Items and stories older than this many days are pruned (0 = keep forever). */
  readonly days: number;
}

export interface LimitsConfig {
  readonly maxItemsPerFeed: number;
}

export interface Config {
  /** Path of the file this config was read from (for messages). */
  readonly file: string;
  /** Cron expression (node-cron syntax) for ingest cycles. */
  readonly schedule: string;
  readonly http: HttpConfig;
  readonly output: OutputConfig;
  readonly retention: RetentionConfig;
  readonly limits: LimitsConfig;
  /** Keep/block rules for every source. */
  readonly rules?: FilterRules;
  readonly sources: readonly SourceConfig[];
}

export interface Enclosure {
  readonly url: string;
  readonly type?: string;
  readonly length?: number;
}

/** One item of a feed after parsing and normalization (the parser's output). */
export interface FeedItem {
  /** guid (RSS), id (Atom, JSON Feed); undefined when the feed gives none. */
  readonly guid?: string;
  /** Canonical URL: absolute, tracking parameters stripped, normalized. */
  readonly url?: string;
  /** The item's link resolved against the feed URL, otherwise untouched. */
  readonly link?: string;
  readonly title: string;
  /** Short description / teaser (HTML as given by the feed; sanitized later). */
  readonly summary?: string;
  /** Full content if the feed carries it (HTML as given; sanitized later). */
  readonly content?: string;
  /** The author's name (or, when the feed gives only an address, the e-mail address). */
  readonly author?: string;
  /** The author's e-mail address when the feed gives one ("jo@x.example (Jo)" -> author Jo, this). */
  readonly authorEmail?: string;
  /** ISO 8601; never in the future (clamped to the parse time). */
  readonly published?: string;
  readonly updated?: string;
  readonly enclosures: readonly Enclosure[];
  readonly categories: readonly string[];
}

export type FeedFormat = 'rss' | 'rdf' | 'atom' | 'json';

export interface ParsedFeed {
  readonly format: FeedFormat;
  readonly title?: string;
  /** Home page of the feed, if given. */
  readonly link?: string;
  readonly description?: string;
  readonly items: readonly FeedItem[];
}

export type SourceStatus = 'new' | 'ok' | 'failing' | 'gone' | 'disabled';

/** A source as stored: config plus what the worker learned. */
export interface SourceState {
  readonly id: number;
  /** URL as configured: the identity of the source. */
  readonly configUrl: string;
  /** URL fetched now (after permanent redirects / feed discovery). */
  readonly url: string;
  readonly name?: string;
  readonly title?: string;
  readonly siteLink?: string;
  readonly etag?: string;
  readonly lastModified?: string;
  readonly status: SourceStatus;
  readonly lastFetchAt?: string;
  readonly lastSuccessAt?: string;
  readonly lastError?: string;
  readonly consecutiveFailures: number;
  readonly nextAttemptAt?: string;
  readonly itemCount: number;
}

/** One source's contribution to a story in the merged feed. */
export interface StorySource {
  readonly sourceName: string;
  readonly sourceUrl: string;
  /** The item's own link (tracking parameters removed), else its canonical URL. */
  readonly itemUrl?: string;
  readonly title: string;
  readonly published: string;
}

/** The newest report of a story from another article than the one representing it (issue 9.10). */
export interface StoryDevelopment {
  readonly title: string;
  readonly sourceName: string;
  /** The source's own link (tracking parameters removed). */
  readonly link?: string;
  readonly published: string;
}

/** A story as the publisher sees it: one merged entry. */
export interface Story {
  /** Internal numeric id. */
  readonly id: number;
  /** Stable public id used as the entry id (never changes). */
  readonly guid: string;
  readonly title: string;
  /** Canonical URL of the representative article (its identity). */
  readonly url?: string;
  /** The link to publish: the representative source's own link, tracking parameters removed. */
  readonly link?: string;
  readonly summary?: string;
  readonly contentHtml?: string;
  /** contentHtml was read only up to the length asked for (the stored body is longer). */
  readonly contentTruncated?: boolean;
  /** A newer report than the representative one, from another article of the story. */
  readonly latest?: StoryDevelopment;
  readonly author?: string;
  readonly firstSeen: string;
  readonly updated: string;
  readonly published: string;
  readonly categories: readonly string[];
  readonly enclosures: readonly Enclosure[];
  readonly sources: readonly StorySource[];
}

/** What one source's ingest did (the scheduler sums these into a CycleSummary). */
export type IngestOutcome = 'ok' | 'not-modified' | 'failed' | 'aborted';

export interface IngestResult {
  source: string;
  outcome: IngestOutcome;
  inserted: number;
  updated: number;
  items: number;
  /** Article pages extracted (full text) / failed (feed content kept) during this ingest. */
  extracted: number;
  extractFailed: number;
  /** New items dropped by keep/block rules (not stored). */
  blocked?: number;
  error?: string;
  durationMs: number;
}

/** One ingest cycle over the due sources. */
export interface CycleSummary {
  startedAt: string;
  durationMs: number;
  sources: number;
  ok: number;
  notModified: number;
  failed: number;
  aborted: number;
  inserted: number;
  updated: number;
  /** Article pages extracted / failed (feed content kept). */
  extracted: number;
  extractFailed: number;
  pruned: { items: number; stories: number };
  /** The re-clustering pass that ends a cycle which added articles: articles moved and stories merged. */
  reclustered?: { moves: number; merges: number };
  results: IngestResult[];
}
