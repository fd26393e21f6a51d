// GET /sources: every source at a glance. Status (ok, failing, gone, disabled, or new: not fetched yet),
// last fetch, next attempt, consecutive failures, the last error in words, items published in the last
// day and week, the full-text success rate, and a chart of its recent fetches (chart.ts). Problems first.
import type { Config, SourceStatus } from '../model/index.js';
import type { FetchRecord, Store } from '../storage/index.js';
import { chartLegend, fetchChart } from './chart.js';
import { errorInWords } from './errors.js';
import { href, html, plural, relative, time, type Html } from './html.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Sources per page (each carries its chart: about 4 KB of HTML). */
export const SOURCES_PER_PAGE = 100;
/** Characters of an error message shown (they are bounded when stored, but a page must be). */
const ERROR_CHARS = 1_000;
// ---------------------------------------------------------------------------------------------------

/** Problems first: the order sources are listed in. */
const STATUS_ORDER: readonly SourceStatus[] = ['failing', 'gone', 'new', 'ok', 'disabled'];

const STATUS_WORDS: Readonly<Record<SourceStatus, string>> = {
  ok: 'ok', failing: 'failing', gone: 'gone', disabled: 'disabled', new: 'new (not fetched yet)',
};

export interface SourceRow {
  /** Anchor id of its entry on the page. */
  anchor: string;
  name: string;
  /** The URL as configured, and the one fetched now (after permanent redirects or discovery) when it differs. */
  configUrl: string;
  fetchUrl?: string;
  siteLink?: string;
  tags: readonly string[];
  status: SourceStatus;
  /** Listed in the config the server runs with (else stored only, from an earlier config). */
  inConfig: boolean;
  lastFetch?: string;
  lastSuccess?: string;
  nextAttempt?: string;
  failures: number;
  lastError?: string;
  errorWords?: string;
  itemsDay: number;
  itemsWeek: number;
  itemsStored: number;
  fullText: { on: boolean; ok: number; failed: number; pending: number };
  history: FetchRecord[];
}

export interface SourcesView {
  now: number;
  counts: Partial<Record<SourceStatus, number>>;
  total: number;
  status?: SourceStatus;
  page: number;
  pages: number;
  sources: SourceRow[];
}

export function isStatus(s: string): s is SourceStatus {
  return (STATUS_ORDER as readonly string[]).includes(s);
}

/** The page's data; a string says why there is no such page. */
export function sourcesView(store: Store, config: Config, query: { status?: SourceStatus; page: number }, now: number): SourcesView | string {
  const day = new Date(now - 86_400_000).toISOString();
  const week = new Date(now - 7 * 86_400_000).toISOString();
  const activity = store.pages.sourceActivity(day, week);
  const history = new Map<number, FetchRecord[]>();
  for (const h of store.sources.fetchHistory()) history.set(h.sourceId, [...(history.get(h.sourceId) ?? []), h]);
  const configured = new Map(config.sources.map((s) => [s.url, s]));
  const stored = store.sources.list();
  const rows: SourceRow[] = stored.map((s) => {
    const cfg = configured.get(s.configUrl);
    const a = activity.get(s.id);
    const failingNow = s.status === 'failing' || s.status === 'gone';
    const err = failingNow && s.lastError ? s.lastError.slice(0, ERROR_CHARS) : undefined;
    return {
      anchor: `source-${s.id}`, name: cfg?.name ?? s.name ?? s.title ?? hostOf(s.configUrl), configUrl: s.configUrl,
      fetchUrl: s.url !== s.configUrl ? s.url : undefined, siteLink: s.siteLink, tags: cfg?.tags ?? [],
      status: cfg && !cfg.enabled ? 'disabled' : s.status, inConfig: cfg !== undefined,
      lastFetch: s.lastFetchAt, lastSuccess: s.lastSuccessAt, nextAttempt: s.nextAttemptAt, failures: s.consecutiveFailures,
      lastError: err, errorWords: errorInWords(err), itemsDay: a?.itemsDay ?? 0, itemsWeek: a?.itemsWeek ?? 0, itemsStored: s.itemCount,
      fullText: { on: cfg?.fullText ?? a?.fullText ?? false, ok: a?.extractOk ?? 0, failed: a?.extractFailed ?? 0, pending: a?.extractPending ?? 0 },
      history: history.get(s.id) ?? [],
    };
  });
  const storedUrls = new Set(stored.map((s) => s.configUrl));
  config.sources.filter((c) => !storedUrls.has(c.url)).forEach((c, i) => rows.push({
    anchor: `configured-${i}`, name: c.name ?? hostOf(c.url), configUrl: c.url, tags: c.tags, status: c.enabled ? 'new' : 'disabled',
    inConfig: true, failures: 0, itemsDay: 0, itemsWeek: 0, itemsStored: 0, fullText: { on: c.fullText, ok: 0, failed: 0, pending: 0 }, history: [],
  }));
  const counts: Partial<Record<SourceStatus, number>> = {};
  for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const shown = rows.filter((r) => query.status === undefined || r.status === query.status)
    .sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || a.name.localeCompare(b.name, 'en') ||
      a.configUrl.localeCompare(b.configUrl));
  const pages = Math.max(1, Math.ceil(shown.length / SOURCES_PER_PAGE));
  if (query.page > pages) return `There is no page ${query.page} of sources: ${pages === 1 ? 'there is one page' : `there are ${pages} pages`}.`;
  return { now, counts, total: rows.length, status: query.status, page: query.page, pages,
    sources: shown.slice((query.page - 1) * SOURCES_PER_PAGE, query.page * SOURCES_PER_PAGE) };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

function when(iso: string | undefined, now: number, none: string): Html {
  if (!iso) return html`${none}`;
  return html`${time(iso)} <span class="muted">(${relative(iso, now)})</span>`;
}

function nextAttempt(r: SourceRow, now: number): Html {
  if (r.status === 'gone') return html`never: the feed is gone (410); it is polled again only after it leaves and re-enters the config`;
  if (r.status === 'disabled') return html`not polled (disabled)`;
  if (!r.nextAttempt) return html`at the next cycle`;
  if (Date.parse(r.nextAttempt) <= now) return html`${time(r.nextAttempt)} <span class="muted">(due: at the next cycle)</span>`;
  return when(r.nextAttempt, now, '');
}

function fullText(r: SourceRow): string {
  const { on, ok, failed, pending } = r.fullText;
  const tried = ok + failed;
  const waiting = pending ? `, ${pending} waiting` : '';
  if (tried === 0) return on ? `no article page tried yet${waiting}` : 'off for this source (feed text only)';
  return `${ok} of ${plural(tried, 'article')} extracted (${Math.round((ok / tried) * 100)} %)${waiting}${on ? '' : '; now off for this source'}`;
}

export function badge(status: SourceStatus): Html {
  return html`<span class="badge ${status}">${STATUS_WORDS[status]}</span>`;
}

function sourceHtml(r: SourceRow, now: number): Html {
  const site = href(r.siteLink);
  return html`<article class="source" id="${r.anchor}" aria-labelledby="${r.anchor}-name">
<h2 id="${r.anchor}-name">${r.name} ${badge(r.status)}</h2>
<p class="url">${r.configUrl}${r.fetchUrl ? html` → fetched at ${r.fetchUrl}` : ''}${site ? html` · <a href="${site}">site</a>` : ''}${
  r.inConfig ? '' : html` · <strong>not in the config served</strong>`}</p>
${r.lastError ? html`<div class="error"><p><strong>Last error:</strong> ${r.errorWords ?? r.lastError}</p>${
  r.errorWords ? html`<p><code>${r.lastError}</code></p>` : ''}</div>` : ''}
<dl class="facts">
<dt>Last fetch</dt><dd>${when(r.lastFetch, now, 'never')}</dd>
<dt>Last success</dt><dd>${when(r.lastSuccess, now, 'never')}</dd>
<dt>Next attempt</dt><dd>${nextAttempt(r, now)}</dd>
<dt>Consecutive failures</dt><dd>${r.failures}</dd>
<dt>Items</dt><dd>${r.itemsDay} published in the last day, ${r.itemsWeek} in the last week; ${r.itemsStored} stored</dd>
<dt>Full text</dt><dd>${fullText(r)}</dd>
${r.tags.length ? html`<dt>Tags</dt><dd>${r.tags.map((t, i) => html`${i ? ', ' : ''}<a href="/?tag=${encodeURIComponent(t)}">${t}</a>`)}</dd>` : ''}
</dl>
<p class="meta">Recent fetches, oldest on the left:</p>
${fetchChart(r.history, `${r.anchor}-chart`)}
</article>
`;
}

function summaryHtml(v: SourcesView): Html {
  const link = (status: SourceStatus | undefined, label: Html | string, n: number) => {
    const target = status === undefined ? '/sources' : `/sources?status=${status}`;
    return html`<li><a href="${target}"${v.status === status ? html` aria-current="page"` : ''}>${label} <span class="n">${n}</span></a></li>`;
  };
  return html`<ul class="summary" aria-label="Sources by status">
${link(undefined, 'All', v.total)}
${STATUS_ORDER.filter((s) => v.counts[s]).map((s) => link(s, badge(s), v.counts[s] ?? 0))}
</ul>`;
}

function pager(v: SourcesView): Html {
  if (v.pages <= 1) return html``;
  const at = (page: number) => {
    const q = new URLSearchParams();
    if (v.status) q.set('status', v.status);
    if (page > 1) q.set('page', String(page));
    const qs = q.toString();
    return qs ? `/sources?${qs}` : '/sources';
  };
  return html`<nav class="pager" aria-label="Pages">
${v.page > 1 ? html`<a href="${at(v.page - 1)}" rel="prev">← Previous</a>` : html`<span></span>`}
<span>Page ${v.page} of ${v.pages}</span>
${v.page < v.pages ? html`<a href="${at(v.page + 1)}" rel="next">Next →</a>` : html`<span></span>`}
</nav>`;
}

export function renderSources(v: SourcesView): Html {
  const problems = (v.counts.failing ?? 0) + (v.counts.gone ?? 0);
  return html`<h1>Sources${v.status ? html`: ${STATUS_WORDS[v.status]}` : ''}</h1>
<p class="meta">${plural(v.total, 'source')}${problems ? `, ${problems} with problems (listed first)` : ', none failing'}.</p>
${summaryHtml(v)}
${chartLegend()}
${v.sources.length ? v.sources.map((s) => sourceHtml(s, v.now)) : html`<p>No sources${v.status ? ' with this status' : ''}.</p>`}
${pager(v)}`;
}
