// What the clusterer keeps per article: the JSON analysis and, where given, the binary term vectors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyzeBoth, ANALYSIS_VERSION, decodeVectors, encodeVectors } from '../cluster/index.js';
import { Store, type ItemInput, type Placement } from './index.js';

let dir: string;
let store: Store;
const NOW = '2025-07-19T00:00:00.000Z';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-cluster-store-'));
  store = Store.open(join(dir, 'test.db'));
  store.sources.sync([{ url: 'https://a.example/feed', tags: [], intervalSeconds: 600, enabled: true, fullText: false }], NOW);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('stored term vectors', () => {
  it('come back from the window as written, bytes decoded to the same vectors; rows with JSON only are left out', () => {
    const sourceId = store.sources.list()[0]?.id as number;
    const texts = [
      ['Quake strikes off the coast of Chile', 'A magnitude 7.1 earthquake struck off Valparaíso on Tuesday, officials said.'],
      ['Erdbeben vor der Küste Chiles', 'Ein Erdbeben der Stärke 7,1 erschütterte am Dienstag die Küste vor Valparaíso.'],
    ] as const;
    const items: ItemInput[] = texts.map(([title, text], i) => ({ guid: `g${i}`, url: `https://a.example/${i}`, title,
      content: `<p>${text}</p>`, published: '2025-07-18T10:00:00.000Z', enclosures: [], categories: [] }));
    const both = texts.map(([title, text]) => analyzeBoth(title, text));
    const placements = new Map<number, Placement>(both.map(({ analysis, vectors }, i) => [i, {
      story: { create: `s${i}` },
      features: { version: ANALYSIS_VERSION, analysis: JSON.stringify(analysis), vectors: i === 0 ? encodeVectors(vectors) : undefined },
    }]));
    store.items.save(sourceId, items, NOW, placements);

    const rows = store.cluster.windowVectors('2025-07-12T00:00:00.000Z', ANALYSIS_VERSION);
    expect(rows).toHaveLength(1);
    const got = decodeVectors(rows[0]?.vectors as Uint8Array);
    const want = both[0]?.vectors;
    expect(got?.lang).toBe('en');
    expect([...(got?.title ?? [])]).toEqual([...(want?.title ?? [])]);
    expect([...(got?.body ?? [])]).toEqual([...(want?.body ?? [])]);
    expect([...(got?.bodyCounts ?? [])]).toEqual([...(want?.bodyCounts ?? [])]);
    expect([...(got?.ents ?? [])]).toEqual([...(want?.ents ?? [])]);
    expect(got?.simhash).toEqual(want?.simhash);
    // Both JSON analyses are there for the loader that reads them.
    expect(store.cluster.window('2025-07-12T00:00:00.000Z', ANALYSIS_VERSION)).toHaveLength(2);
    // Other versions are not read.
    expect(store.cluster.windowVectors('2025-07-12T00:00:00.000Z', ANALYSIS_VERSION + 1)).toHaveLength(0);
    // One scan for a start: the row with vectors without its JSON, the row without them with its JSON.
    const all = store.cluster.windowVectors('2025-07-12T00:00:00.000Z', ANALYSIS_VERSION, { orAnalysis: true });
    expect(all.map((r) => [r.vectors === null, r.analysis === null])).toEqual([[false, true], [true, false]]);
    expect(JSON.parse(all[1]?.analysis as string)).toEqual(JSON.parse(JSON.stringify(both[1]?.analysis)));
  });

  it('save() replaces an article\'s analysis and vectors together', () => {
    const sourceId = store.sources.list()[0]?.id as number;
    store.items.save(sourceId, [{ guid: 'g', url: 'https://a.example/x', title: 'Short teaser', published: '2025-07-18T10:00:00.000Z',
      enclosures: [], categories: [] }], NOW, new Map([[0, { story: { create: 's' } }]]));
    expect(store.cluster.window('2000-01-01', ANALYSIS_VERSION)).toHaveLength(0); // placed without an analysis
    const { analysis, vectors } = analyzeBoth('Short teaser', 'The full text of the article arrived later with more words in it.');
    const id = (store.db.prepare('SELECT id FROM articles').get() as { id: number }).id;
    store.cluster.save(id, ANALYSIS_VERSION, '2025-07-18T10:00:00.000Z', sourceId, JSON.stringify(analysis), encodeVectors(vectors));
    const [row] = store.cluster.windowVectors('2025-07-12T00:00:00.000Z', ANALYSIS_VERSION);
    expect(row?.articleId).toBe(id);
    expect(decodeVectors(row?.vectors as Uint8Array)?.bodyTokens).toBe(vectors.bodyTokens);
  });
});
