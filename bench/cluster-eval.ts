// Clustering quality on the development sets, through the same clusterDocs() that `storyfeed cluster`
// and the worker use. Prints pair-counting and B-cubed precision/recall/F1.
//   npx tsx bench/cluster-eval.ts            the figures with the default thresholds
//   npx tsx bench/cluster-eval.ts --grid     a sweep of thresholds on both sets (to choose them)
// Sets: ../shared/data/uci-news-headlines (titles only, 87 Google News stories) and
// tests/fixtures/cluster/fulltext-dev.jsonl (full text, hand-written reports of the same events by
// different outlets, with same-day look-alike stories as traps). Plus the seed pair.
import { parse } from 'csv-parse/sync';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { clusterDocs, DEFAULT_THRESHOLDS, type ClusterDoc, type Thresholds } from '../src/cluster/index.js';
import { quality, type Quality } from '../src/cluster/metrics.js';

const SHARED = new URL('../../shared/', import.meta.url);
const FULLTEXT = new URL('../tests/fixtures/cluster/fulltext-dev.jsonl', import.meta.url);

export interface LabelledDoc extends ClusterDoc {
  story: string;
}

export function uciHeadlines(): LabelledDoc[] {
  const rows = parse(readFileSync(new URL('data/uci-news-headlines/headlines.csv', SHARED)), { columns: true }) as
    Record<string, string>[];
  return rows.map((r) => ({ id: String(r.ID), title: String(r.TITLE), url: r.URL, published: Number(r.TIMESTAMP),
    story: String(r.STORY) }));
}

export function fulltextDev(): LabelledDoc[] {
  if (!existsSync(FULLTEXT)) return [];
  return readFileSync(FULLTEXT, 'utf8').split('\n').filter((l) => l.trim()).map((l) => {
    const o = JSON.parse(l) as { id: string; title: string; text?: string; url?: string; published: string; story: string };
    return { id: o.id, title: o.title, text: o.text, url: o.url, published: Date.parse(o.published), story: o.story };
  });
}

/** The two seed reports as documents (title: first line / dateline stripped). */
export function seedPair(): LabelledDoc[] {
  const dir = new URL('seeds/', SHARED);
  return readdirSync(dir).filter((f) => f.endsWith('.txt')).sort().map((f, i) => {
    const text = readFileSync(new URL(f, dir), 'utf8');
    const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
    const title = i === 0 ? (lines[1] as string) : (lines[0] as string).replace(/^date \S+ /, '').split('. ')[0] as string;
    return { id: f, title, text, published: Date.parse('2025-07-18T12:00:00Z') + i * 3_600_000, story: 'seed' };
  });
}

export function evaluate(docs: readonly LabelledDoc[], t: Partial<Thresholds> = {}): Quality {
  const got = clusterDocs(docs.map(({ story: _s, ...d }) => d), t);
  return quality(docs.map((d) => String(got.get(d.id))), docs.map((d) => d.story));
}

const pct = (x: number) => (x * 100).toFixed(1).padStart(5);
function line(name: string, q: Quality): string {
  return `${name.padEnd(28)} items ${String(q.items).padStart(5)}  stories ${String(q.trueClusters).padStart(4)} → ${String(q.predictedClusters).padStart(4)}  ` +
    `pair P ${pct(q.pairPrecision)} R ${pct(q.pairRecall)} F1 ${pct(q.pairF1)}   B³ P ${pct(q.bcubedPrecision)} R ${pct(q.bcubedRecall)} F1 ${pct(q.bcubedF1)}`;
}

function main(): void {
  const uci = uciHeadlines();
  const full = fulltextDev();
  if (process.argv.includes('--grid')) {
    const rows: { t: Partial<Thresholds>; u: Quality; f?: Quality }[] = [];
    for (const join of [0.2, 0.25, 0.3, 0.35, 0.4, 0.45]) {
      for (const textWeight of [0.5, 0.7, 0.85]) {
        const t = { join, merge: Math.min(0.9, join + 0.25), textWeight };
        rows.push({ t, u: evaluate(uci, t), f: full.length ? evaluate(full, t) : undefined });
      }
    }
    for (const r of rows) {
      console.log(`join ${r.t.join?.toFixed(2)} merge ${r.t.merge?.toFixed(2)} text ${r.t.textWeight?.toFixed(2)} | ` +
        `UCI pairF1 ${pct(r.u.pairF1)} B³F1 ${pct(r.u.bcubedF1)} | full-text pairF1 ${r.f ? pct(r.f.pairF1) : '  n/a'} B³F1 ${r.f ? pct(r.f.bcubedF1) : '  n/a'}`);
    }
    return;
  }
  console.log(`thresholds: ${JSON.stringify(DEFAULT_THRESHOLDS)}`);
  console.log(line('UCI headlines (titles only)', evaluate(uci)));
  if (full.length) console.log(line('full-text dev set', evaluate(full)));
  const seeds = seedPair();
  const seedStories = clusterDocs(seeds);
  console.log(`seed pair in one story: ${new Set(seedStories.values()).size === 1 ? 'yes' : 'NO'}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) main();
