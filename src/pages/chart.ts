// A source's recent fetches as a small inline SVG: one bar per fetch, oldest on the left. No script:
// each bar has a <title> (its time and outcome, the error for failures), the chart an accessible name
// that says the counts, and outcomes differ by height as well as colour (legend below it).
import type { FetchOutcome, FetchRecord } from '../storage/index.js';
import { html, utc, type Html } from './html.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Fetches drawn per source (the newest). */
export const CHART_FETCHES = 30;
/** Bar geometry in SVG units (the chart scales down on narrow screens). */
const BAR_WIDTH = 8;
const BAR_GAP = 2;
const HEIGHT = 32;
/** Bar heights per outcome, as a share of HEIGHT: a failure stands out even in grey. */
const HEIGHTS: Readonly<Record<FetchOutcome, number>> = { ok: 0.75, not_modified: 0.45, failed: 1, gone: 1 };
// ---------------------------------------------------------------------------------------------------

export const OUTCOME_LABELS: Readonly<Record<FetchOutcome, string>> = {
  ok: 'fetched', not_modified: 'not modified (304)', failed: 'failed', gone: 'gone (410)',
};

const ORDER: readonly FetchOutcome[] = ['ok', 'not_modified', 'failed', 'gone'];

/** "30 recent fetches, oldest first: 26 fetched, 3 not modified (304), 1 failed". */
export function chartSummary(fetches: readonly FetchRecord[]): string {
  const counts = new Map<FetchOutcome, number>();
  for (const f of fetches) counts.set(f.outcome, (counts.get(f.outcome) ?? 0) + 1);
  const parts = ORDER.filter((o) => counts.has(o)).map((o) => `${counts.get(o)} ${OUTCOME_LABELS[o]}`);
  return `${fetches.length} recent ${fetches.length === 1 ? 'fetch' : 'fetches'}, oldest first: ${parts.join(', ')}`;
}

/** The chart of the newest CHART_FETCHES fetches; a line of text when there are none yet. */
export function fetchChart(all: readonly FetchRecord[], id: string): Html {
  const fetches = all.slice(-CHART_FETCHES);
  if (fetches.length === 0) return html`<p class="muted">No fetches recorded yet.</p>`;
  const width = CHART_FETCHES * (BAR_WIDTH + BAR_GAP);
  const summary = chartSummary(fetches);
  const offset = (CHART_FETCHES - fetches.length) * (BAR_WIDTH + BAR_GAP);
  const bars = fetches.map((f, i) => {
    const h = Math.round(HEIGHTS[f.outcome] * HEIGHT);
    const tip = `${utc(f.at)}: ${OUTCOME_LABELS[f.outcome]}${f.error ? ` — ${f.error}` : ''}`;
    return html`<rect class="${f.outcome}" x="${offset + i * (BAR_WIDTH + BAR_GAP)}" y="${HEIGHT - h}" width="${BAR_WIDTH}" height="${h}"><title>${tip}</title></rect>`;
  });
  return html`<svg class="chart" role="img" aria-labelledby="${id}" viewBox="0 0 ${width} ${HEIGHT + 1}" width="${width * 1.2}" height="${(HEIGHT + 1) * 1.2}" xmlns="http://www.w3.org/2000/svg">
<title id="${id}">${summary}</title>
<line class="base" x1="0" y1="${HEIGHT + 0.5}" x2="${width}" y2="${HEIGHT + 0.5}"/>
${bars}
</svg>`;
}

/** The legend shared by every chart of a page. */
export function chartLegend(): Html {
  return html`<ul class="legend" aria-label="Chart legend">${ORDER.map((o) => html`<li><svg width="10" height="12" viewBox="0 0 10 12" aria-hidden="true"><rect class="${o}" x="0" y="${12 - Math.round(HEIGHTS[o] * 12)}" width="10" height="${Math.round(HEIGHTS[o] * 12)}"/></svg>${OUTCOME_LABELS[o]}</li>`)}</ul>`;
}
