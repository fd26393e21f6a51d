// The clustering development sets as labelled documents, with the group each fold keeps whole:
//   ECB+ (../shared/data/ecbplus): 982 documents, 86 events in 43 topics of two look-alike events, no
//     dates; grouped by topic, so both events of a topic are always in the same fold;
//   UCI News Aggregator headlines (../shared/data/uci-news-headlines): titles only, grouped by story;
//   the full-text set (tests/fixtures/cluster/*.jsonl): grouped by story.
// Plus the seed pair (../shared/seeds), one event in two outlets' words.
import { parse } from 'csv-parse/sync';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { LabelledDoc } from '../src/cluster/train.js';

const SHARED = new URL('../../shared/', import.meta.url);
const FIXTURES = new URL('../tests/fixtures/cluster/', import.meta.url);
/** ECB+ has no dates: every document counts as published at one instant (as `storyfeed cluster` does). */
const UNDATED = Date.parse('2025-01-01T00:00:00Z');

export interface DevSet {
  name: string;
  docs: LabelledDoc[];
  /**
   * Train on these documents' text alone (undated, no outlet): the UCI timestamps are the aggregator's
   * crawl times, identical within a story and hours apart between stories (every story spans 0.0 hours),
   * and a publisher recurs within a story far more than real feeds repeat themselves. Learnt, those
   * artifacts would teach the model that title-only reports of one story are never hours apart and that
   * one outlet's two headlines are one story. The evaluation still clusters the set with its timestamps
   * and publishers, as `storyfeed cluster` would.
   */
  textOnlyTraining?: boolean;
}

export const UNDATED_TIME = UNDATED;

export function ecbPlus(): LabelledDoc[] {
  const dir = new URL('data/ecbplus/', SHARED);
  const gold = new Map(readFileSync(new URL('gold.tsv', dir), 'utf8').split('\n').filter(Boolean)
    .map((l) => l.split('\t') as [string, string]));
  return readFileSync(new URL('items.jsonl', dir), 'utf8').split('\n').filter((l) => l.trim()).map((l) => {
    const o = JSON.parse(l) as { id: string; title: string; text?: string; url?: string; source?: string };
    const story = gold.get(o.id);
    if (!story) throw new Error(`ecbplus: no gold event for ${o.id}`);
    return { id: o.id, title: o.title, text: o.text, url: o.url, source: o.source, published: UNDATED, story,
      group: story.split('_')[0] as string };
  });
}

export function uciHeadlines(): LabelledDoc[] {
  const rows = parse(readFileSync(new URL('data/uci-news-headlines/headlines.csv', SHARED)), { columns: true }) as
    Record<string, string>[];
  return rows.map((r) => ({ id: String(r.ID), title: String(r.TITLE), url: r.URL, source: r.PUBLISHER,
    published: Number(r.TIMESTAMP), story: String(r.STORY), group: String(r.STORY) }));
}

/** Every *.jsonl file of tests/fixtures/cluster/ (lines: id, title, text, url, published, source, story). */
export function fulltextSet(): LabelledDoc[] {
  if (!existsSync(FIXTURES)) return [];
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl')).sort().flatMap((f) =>
    readFileSync(new URL(f, FIXTURES), 'utf8').split('\n').filter((l) => l.trim()).map((l) => {
      const o = JSON.parse(l) as { id: string; title: string; text?: string; url?: string; published: string; source?: string; story: string };
      return { id: o.id, title: o.title, text: o.text, url: o.url, source: o.source, published: Date.parse(o.published),
        story: `${f}:${o.story}`, group: `${f}:${o.story}` };
    }));
}

/** The two seed reports as documents (title: first line / dateline stripped). */
export function seedPair(): LabelledDoc[] {
  const dir = new URL('seeds/', SHARED);
  return readdirSync(dir).filter((f) => f.endsWith('.txt')).sort().map((f, i) => {
    const text = readFileSync(new URL(f, dir), 'utf8');
    const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
    const title = i === 0 ? (lines[1] as string) : (lines[0] as string).replace(/^date \S+ /, '').split('. ')[0] as string;
    return { id: f, title, text, published: Date.parse('2025-07-18T12:00:00Z') + i * 3_600_000, story: 'seed', group: 'seed' };
  });
}

export function devSets(): DevSet[] {
  return [
    { name: 'ECB+', docs: ecbPlus() },
    { name: 'UCI headlines (titles only)', docs: uciHeadlines(), textOnlyTraining: true },
    { name: 'full-text fixtures', docs: fulltextSet() },
  ];
}

/** Groups dealt round-robin to k folds in a fixed pseudo-random order (balanced fold sizes). */
export function folds(docs: readonly LabelledDoc[], k: number): Map<string, number> {
  const groups = [...new Set(docs.map((d) => d.group))];
  const h = (s: string) => {
    let x = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 0x01000193) >>> 0;
    return x;
  };
  groups.sort((a, b) => h(a) - h(b) || (a < b ? -1 : 1));
  return new Map(groups.map((g, i) => [g, i % k]));
}
