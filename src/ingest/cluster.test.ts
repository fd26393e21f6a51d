import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Clusterer } from '../cluster/index.js';
import { silentLogger } from '../log/index.js';
import { Store, type ItemInput } from '../storage/index.js';
import { ANALYSIS_VERSION } from '../cluster/index.js';
import { readFeed } from './clean.js';
import { ANALYSE_BATCH, itemFeatures, loadClusterer, loadClustererYielding, reassessArticle, reclusterStories, saveAndCluster } from './cluster.js';

const log = silentLogger();
const NOW = '2025-07-18T18:00:00.000Z';

const QUAKE = 'A magnitude 6.4 earthquake struck off the coast of northern Chile late on Sunday, shaking buildings in the port city of Antofagasta and briefly cutting power to thousands of homes, the seismological centre said. Chile\'s disaster agency Senapred said there were no reports of casualties and no tsunami warning. Copper miner Codelco said its nearby mines were operating normally.';
const QUAKE_2 = 'Residents of Antofagasta ran into the streets on Sunday night when a strong earthquake of magnitude 6.4 rattled northern Chile. Senapred, the national disaster service, reported no deaths and ruled out a tsunami. Codelco inspected its mines in the region and said production was not affected.';
const CHIPS = 'Shares of Northwind Semiconductor fell 14 percent on Tuesday after the chipmaker cut its full-year revenue forecast, blaming weaker demand from smartphone makers. Chief executive Dana Whitfield said inventory at handset customers remained elevated. Northwind also plans to cut about 1,200 jobs and close a packaging plant in Penang, Malaysia.';

const item = (guid: string, title: string, content: string | undefined, published: string): ItemInput => ({
  guid, url: `https://news.example/${guid}`, title, content: content && `<p>${content}</p>`, published, enclosures: [], categories: [],
});

let dir: string;
let store: Store;
let sources: number[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-ingest-cluster-'));
  store = Store.open(join(dir, 'db.sqlite'));
  store.sources.sync(['a', 'b', 'c'].map((h) => ({ url: `https://${h}.example/feed`, tags: [], intervalSeconds: 1800, enabled: true, fullText: true })), NOW);
  sources = store.sources.list().map((s) => s.id);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const storyOf = (guid: string) => (store.db.prepare('SELECT a.story_id AS s FROM items i JOIN articles a ON a.id = i.article_id WHERE i.guid = ?').get(guid) as { s: number }).s;
const articleOf = (guid: string) => (store.db.prepare('SELECT article_id AS a FROM items WHERE guid = ?').get(guid) as { a: number }).a;

describe('saveAndCluster: the clusterer decides, storage writes items, analyses and decisions together', () => {
  it('places two outlets\' reports of one event in one story and a different event apart, with their history', () => {
    const c = new Clusterer();
    saveAndCluster(store, c, sources[0] as number, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, '2025-07-18T10:00:00Z'),
      item('n1', 'Northwind Semiconductor cuts forecast, shares slide', CHIPS, '2025-07-18T11:00:00Z')], NOW, log);
    const saved = saveAndCluster(store, c, sources[1] as number, [item('q2', 'Strong quake rattles Antofagasta', QUAKE_2, '2025-07-18T12:00:00Z')], NOW, log);
    expect(saved.articles).toEqual([expect.objectContaining({ createdStory: false, storyId: storyOf('q1') })]);
    expect(storyOf('q2')).toBe(storyOf('q1'));
    expect(storyOf('n1')).not.toBe(storyOf('q1'));
    expect(store.stories.history(storyOf('q1')).map((e) => [e.event, e.articleId])).toEqual([['created', articleOf('q1')], ['joined', articleOf('q2')]]);
    expect(store.stories.history(storyOf('q1'))[1]?.probability).toBeGreaterThanOrEqual(0.5);
    // the clusterer holds the stored ids
    expect(c.storyOf(articleOf('q2'))).toBe(storyOf('q1'));
    // every new article's analysis is stored
    expect((store.db.prepare('SELECT count(*) AS n FROM cluster_features').get() as { n: number }).n).toBe(3);
  });

  it('a restart reads the stored analyses: the texts are not read again', () => {
    saveAndCluster(store, new Clusterer(), sources[0] as number, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, '2025-07-18T10:00:00Z')], NOW, log);
    // Were the texts re-read, this story could no longer be found: its item now says nothing.
    store.db.prepare("UPDATE items SET title = 'x', content = NULL").run();
    const c = loadClusterer(store, new Date(NOW));
    expect(c.size.documents).toBe(1);
    saveAndCluster(store, c, sources[1] as number, [item('q2', 'Strong quake rattles Antofagasta', QUAKE_2, '2025-07-18T12:00:00Z')], NOW, log);
    expect(storyOf('q2')).toBe(storyOf('q1'));
  });

  it('a start reads the stored binary vectors (no JSON), and the JSON analysis where a row has no vectors', () => {
    saveAndCluster(store, new Clusterer(), sources[0] as number, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, '2025-07-18T10:00:00Z'),
      item('n1', 'Northwind Semiconductor cuts forecast, shares slide', CHIPS, '2025-07-18T11:00:00Z')], NOW, log);
    expect((store.db.prepare('SELECT count(*) AS n FROM cluster_features WHERE vectors IS NOT NULL').get() as { n: number }).n).toBe(2);
    store.db.prepare("UPDATE items SET title = 'x', content = NULL").run();
    // the quake's JSON is unreadable: only its vectors can place the next report with it
    store.db.prepare("UPDATE cluster_features SET analysis = 'not json' WHERE article_id = ?").run(articleOf('q1'));
    // the chip maker's row lost its vectors: its JSON analysis is read instead
    store.db.prepare('UPDATE cluster_features SET vectors = NULL WHERE article_id = ?').run(articleOf('n1'));
    const c = loadClusterer(store, new Date(NOW));
    expect(c.size.documents).toBe(2);
    saveAndCluster(store, c, sources[1] as number, [item('q2', 'Strong quake rattles Antofagasta', QUAKE_2, '2025-07-18T12:00:00Z'),
      item('n2', 'Northwind to cut 1,200 jobs after forecast cut', CHIPS.replace('Shares of', 'Stock in'), '2025-07-18T12:30:00Z')], NOW, log);
    expect(storyOf('q2')).toBe(storyOf('q1'));
    expect(storyOf('n2')).toBe(storyOf('n1'));
  });

  it('loadClustererYielding fills the same clusterer in steps, letting the event loop run between them', async () => {
    const many = Array.from({ length: 2_500 }, (_, i) => item(`m${i}`, `Report ${i} on matter ${i % 97}`, `Words w${i} x${i % 13} y${i % 29}.`,
      '2025-07-18T10:00:00Z'));
    store.items.save(sources[0] as number, many, NOW);
    const whole = loadClusterer(store, new Date(NOW)); // analyses and stores the vectors of all 2,500
    let ticks = 0;
    let done = false;
    const tick = () => {
      ticks++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const stepped = await loadClustererYielding(store, new Date(NOW));
    done = true;
    expect(stepped.size).toEqual(whole.size);
    expect(ticks).toBeGreaterThanOrEqual(2);
    const probe = { id: 'probe', title: 'Report 5 on matter 5', text: 'Words w5 x5 y5.', published: Date.parse('2025-07-18T11:00:00Z') };
    expect(stepped.decide(probe).story).toBe(whole.decide(probe).story);
  });

  it('articles stored before analyses existed are analysed once at start, and stored', () => {
    store.items.save(sources[0] as number, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, '2025-07-18T10:00:00Z')], NOW);
    expect((store.db.prepare('SELECT count(*) AS n FROM cluster_features').get() as { n: number }).n).toBe(0);
    const c = loadClusterer(store, new Date(NOW));
    expect(c.size.documents).toBe(1);
    expect((store.db.prepare('SELECT count(*) AS n FROM cluster_features').get() as { n: number }).n).toBe(1);
  });

  it('a window of such articles is back-filled in several short transactions, every analysis stored', () => {
    const n = ANALYSE_BATCH * 2 + 50;
    store.items.save(sources[0] as number, Array.from({ length: n }, (_, i) =>
      item(`m${i}`, `Council vote ${i} on harbour plan ${i % 7}`, `Councillors in town ${i} voted on plan ${i} for the harbour.`, '2025-07-18T10:00:00Z')), NOW);
    // Count the write transactions of the back-fill and the analyses each one writes.
    const perTransaction: number[] = [];
    const save = store.cluster.save.bind(store.cluster);
    store.cluster.save = (...args: Parameters<typeof save>) => {
      expect(store.db.inTransaction).toBe(true);
      perTransaction[perTransaction.length - 1]! += 1;
      return save(...args);
    };
    const transaction = store.db.transaction.bind(store.db);
    store.db.transaction = ((fn: (...a: never[]) => unknown) => {
      const t = transaction(fn);
      return Object.assign((...a: never[]) => { perTransaction.push(0); return t(...a); }, t);
    }) as typeof store.db.transaction;
    try {
      const c = loadClusterer(store, new Date(NOW));
      expect(c.size.documents).toBe(n);
    } finally {
      store.cluster.save = save;
      store.db.transaction = transaction;
    }
    expect(perTransaction.filter((k) => k > 0).length).toBeGreaterThan(1);
    expect(Math.max(...perTransaction)).toBeLessThanOrEqual(ANALYSE_BATCH);
    expect(perTransaction.reduce((a, b) => a + b, 0)).toBe(n);
    expect((store.db.prepare('SELECT count(*) AS n FROM cluster_features').get() as { n: number }).n).toBe(n);
  });

  it('a read-only reader (explain, the pages) analyses such articles in memory and writes nothing', () => {
    store.items.save(sources[0] as number, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, '2025-07-18T10:00:00Z')], NOW);
    const reader = Store.open(join(dir, 'db.sqlite'), { readOnly: true });
    try {
      const c = loadClusterer(reader, new Date(NOW));
      expect(c.size.documents).toBe(1);
      const probe = { id: 'probe', title: 'Strong quake rattles Antofagasta', text: QUAKE_2, published: Date.parse('2025-07-18T12:00:00Z') };
      expect(c.decide(probe).story).toBe(storyOf('q1'));
    } finally {
      reader.close();
    }
    expect((store.db.prepare('SELECT count(*) AS n FROM cluster_features').get() as { n: number }).n).toBe(0);
  });

  it('when storage refuses the write, the clusterer forgets the articles it was about to place', () => {
    const c = new Clusterer();
    const save = store.items.save.bind(store.items);
    store.items.save = () => { throw new Error('disk full'); };
    expect(() => saveAndCluster(store, c, sources[0] as number, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, '2025-07-18T10:00:00Z')], NOW, log))
      .toThrow('disk full');
    expect(c.size).toMatchObject({ documents: 0, stories: 0 });
    store.items.save = save;
  });
});

describe('features made where an item is cleaned (the feed threads), used by the clusterer without reading the text again', () => {
  const rss = (items: { guid: string; title: string; body: string; date: string }[]) => '<?xml version="1.0"?><rss version="2.0"><channel>' +
    '<title>Wire</title><link>https://news.example/</link>' + items.map((i) => `<item><guid>${i.guid}</guid><title>${i.title}</title>` +
      `<link>https://news.example/${i.guid}</link><description><![CDATA[<p>${i.body}</p>]]></description><pubDate>${i.date}</pubDate></item>`).join('') +
    '</channel></rss>';
  const feed = rss([{ guid: 'q1', title: 'Magnitude 6.4 earthquake shakes northern Chile', body: QUAKE, date: 'Fri, 18 Jul 2025 10:00:00 GMT' },
    { guid: 'n1', title: 'Northwind Semiconductor cuts forecast, shares slide', body: CHIPS, date: 'Fri, 18 Jul 2025 11:00:00 GMT' }]);
  const rows = (s: Store) => s.db.prepare('SELECT i.guid, f.version, f.analysis, hex(f.vectors) AS v FROM cluster_features f JOIN items i ON i.article_id = f.article_id ORDER BY i.guid').all();

  it('readFeed with analyse gives each cleaned item the features the clusterer would make, and storage keeps the same rows', async () => {
    const read = await readFeed(feed, { baseUrl: 'https://news.example/feed' }, [], true);
    const inputs = read.entries.map((e) => e.input as ItemInput);
    expect(inputs.map((i) => i.features?.version)).toEqual([ANALYSIS_VERSION, ANALYSIS_VERSION]);
    expect(inputs[0]?.features).toEqual(itemFeatures(inputs[0]?.title as string, inputs[0]?.content ?? inputs[0]?.summary));
    // Without analyse nothing is added (the main thread's own reads, with no feed threads).
    expect((await readFeed(feed, { baseUrl: 'https://news.example/feed' }, [])).entries.every((e) => e.input?.features === undefined)).toBe(true);
    // The same items saved with their features, and without (analysed by the clusterer): the same stored rows and placements.
    saveAndCluster(store, new Clusterer(), sources[0] as number, inputs, NOW, log);
    const other = Store.open(join(dir, 'other.sqlite'));
    try {
      other.sources.sync([{ url: 'https://a.example/feed', tags: [], intervalSeconds: 1800, enabled: true, fullText: true }], NOW);
      saveAndCluster(other, new Clusterer(), other.sources.list()[0]?.id as number, inputs.map(({ features: _, ...rest }) => rest), NOW, log);
      expect(rows(store)).toEqual(rows(other));
    } finally {
      other.close();
    }
  });

  it('given features decide where the article goes (its text is not analysed again); features of another version are not trusted', () => {
    const c = new Clusterer();
    saveAndCluster(store, c, sources[0] as number, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, '2025-07-18T10:00:00Z'),
      item('n1', 'Northwind Semiconductor cuts forecast, shares slide', CHIPS, '2025-07-18T11:00:00Z')], NOW, log);
    // A report whose stored text says nothing, carrying the features of the second quake report: placed by them.
    const quake = itemFeatures('Strong quake rattles Antofagasta', `<p>${QUAKE_2}</p>`);
    saveAndCluster(store, c, sources[1] as number, [{ ...item('q2', 'Update', undefined, '2025-07-18T12:00:00Z'), features: quake }], NOW, log);
    expect(storyOf('q2')).toBe(storyOf('q1'));
    // The same features marked with another analysis version: ignored, the (empty) item analysed as it is.
    saveAndCluster(store, c, sources[2] as number, [{ ...item('q3', 'Update', undefined, '2025-07-18T12:30:00Z'),
      features: { ...quake, version: ANALYSIS_VERSION + 1 } }], NOW, log);
    expect(storyOf('q3')).not.toBe(storyOf('q1'));
    const stored = store.db.prepare('SELECT f.version FROM cluster_features f WHERE f.article_id = ?').get(articleOf('q3')) as { version: number };
    expect(stored.version).toBe(ANALYSIS_VERSION);
  });
});

describe('reassessArticle: a full text that arrives later moves the article, and the history says so', () => {
  it('a teaser alone in its story whose full text is a wire copy of an older story joins it: a merge, the older id kept', () => {
    const c = new Clusterer();
    saveAndCluster(store, c, sources[0] as number, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, '2025-07-18T10:00:00Z')], NOW, log);
    saveAndCluster(store, c, sources[1] as number, [item('t1', 'Sunday night in the north', 'More soon.', '2025-07-18T12:00:00Z')], NOW, log);
    const older = storyOf('q1');
    const younger = storyOf('t1');
    expect(younger).not.toBe(older);
    store.extractions.save(articleOf('t1'), 'https://news.example/t1', { title: 'Sunday night in the north', text: QUAKE, html: `<p>${QUAKE}</p>`, wordCount: 50 }, NOW);
    reassessArticle(store, c, articleOf('t1'), NOW, log);
    expect(storyOf('t1')).toBe(older);
    expect(store.stories.history(older).map((e) => e.event)).toContain('merged_in');
    expect(store.stories.history(younger).map((e) => [e.event, e.otherStoryId])).toContainEqual(['merged_into', older]);
    expect(store.stories.list(10).map((s) => s.id)).toEqual([older]);
  });

  it('a member of a story whose full text belongs to another story moves there; both stories stay', () => {
    const c = new Clusterer();
    saveAndCluster(store, c, sources[0] as number, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, '2025-07-18T10:00:00Z'),
      item('n1', 'Northwind Semiconductor cuts forecast, shares slide', CHIPS, '2025-07-18T11:00:00Z')], NOW, log);
    saveAndCluster(store, c, sources[1] as number, [item('q2', 'Strong quake rattles Antofagasta', QUAKE_2, '2025-07-18T12:00:00Z')], NOW, log);
    // The third item's headline and teaser say quake; its page turns out to be the Northwind report.
    saveAndCluster(store, c, sources[2] as number, [item('x1', 'Antofagasta earthquake: Codelco mines unaffected', 'Codelco said its mines near Antofagasta were operating normally after the earthquake.', '2025-07-18T13:00:00Z')], NOW, log);
    const quake = storyOf('q1');
    expect(storyOf('x1')).toBe(quake);
    store.extractions.save(articleOf('x1'), 'https://news.example/x1', { title: 'Northwind cuts forecast', text: CHIPS, html: `<p>${CHIPS}</p>`, wordCount: 50 }, NOW);
    reassessArticle(store, c, articleOf('x1'), NOW, log);
    // Its title still says quake, but body, names and figures are Northwind's.
    expect(storyOf('x1')).toBe(storyOf('n1'));
    expect(store.stories.history(quake).map((e) => [e.event, e.articleId])).toContainEqual(['moved_out', articleOf('x1')]);
    expect(store.stories.history(storyOf('n1')).map((e) => [e.event, e.articleId])).toContainEqual(['moved_in', articleOf('x1')]);
    expect(storyOf('q2')).toBe(quake);
    expect(store.stories.list(10)).toHaveLength(2);
  });
});

describe('reclusterStories: the recent window re-examined, what it changes written with the stories\' history', () => {
  it('two stored stories of one event that never competed merge into the older: its id, history and the feed\'s one entry', () => {
    // Each report stored by a clusterer that never saw the other: two stories in storage.
    saveAndCluster(store, new Clusterer(), sources[0] as number, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, '2025-07-18T10:00:00Z'),
      item('n1', 'Northwind Semiconductor cuts forecast, shares slide', CHIPS, '2025-07-18T11:00:00Z')], NOW, log);
    saveAndCluster(store, new Clusterer(), sources[1] as number, [item('q2', 'Strong quake rattles Antofagasta', QUAKE_2, '2025-07-18T12:00:00Z')], NOW, log);
    const older = storyOf('q1');
    const younger = storyOf('q2');
    expect(younger).not.toBe(older);
    // A start places what it loads with certainty: refinement alone has nothing to look at.
    const c = loadClusterer(store, new Date(NOW));
    expect(c.refine()).toEqual([]);
    expect(reclusterStories(store, c, NOW, 48, log)).toEqual({ moves: 0, merges: 1 });
    expect(storyOf('q2')).toBe(older);
    expect(storyOf('n1')).not.toBe(older);
    expect(store.stories.history(older).map((e) => e.event)).toContain('merged_in');
    expect(store.stories.history(younger).map((e) => [e.event, e.otherStoryId])).toContainEqual(['merged_into', older]);
    expect(store.stories.list(10).map((s) => s.id).sort()).toEqual([older, storyOf('n1')].sort());
    // Memory and storage agree, and a second pass (or a restart's) changes nothing.
    expect(c.storyOf(articleOf('q2'))).toBe(older);
    expect(reclusterStories(store, c, NOW, 48, log)).toEqual({ moves: 0, merges: 0 });
    expect(reclusterStories(store, loadClusterer(store, new Date(NOW)), NOW, 48, log)).toEqual({ moves: 0, merges: 0 });
  });

  it('stories older than the hours asked for are left alone', () => {
    saveAndCluster(store, new Clusterer(), sources[0] as number, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, '2025-07-14T10:00:00Z')], NOW, log);
    saveAndCluster(store, new Clusterer(), sources[1] as number, [item('q2', 'Strong quake rattles Antofagasta', QUAKE_2, '2025-07-14T12:00:00Z')], NOW, log);
    saveAndCluster(store, new Clusterer(), sources[2] as number, [item('n1', 'Northwind Semiconductor cuts forecast, shares slide', CHIPS, '2025-07-18T11:00:00Z')], NOW, log);
    const c = loadClusterer(store, new Date(NOW));
    expect(reclusterStories(store, c, NOW, 48, log)).toEqual({ moves: 0, merges: 0 });
    expect(storyOf('q2')).not.toBe(storyOf('q1'));
    expect(reclusterStories(store, c, NOW, 7 * 24, log)).toEqual({ moves: 0, merges: 1 });
    expect(storyOf('q2')).toBe(storyOf('q1'));
  });

  it('when storage refuses the changes, nothing is written and the clusterer is reloaded from storage', () => {
    saveAndCluster(store, new Clusterer(), sources[0] as number, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, '2025-07-18T10:00:00Z')], NOW, log);
    saveAndCluster(store, new Clusterer(), sources[1] as number, [item('q2', 'Strong quake rattles Antofagasta', QUAKE_2, '2025-07-18T12:00:00Z')], NOW, log);
    const c = loadClusterer(store, new Date(NOW));
    const apply = store.stories.apply;
    store.stories.apply = () => { throw new Error('disk full'); };
    try {
      expect(reclusterStories(store, c, NOW, 48, log)).toEqual({ moves: 0, merges: 0 });
    } finally {
      store.stories.apply = apply;
    }
    expect(storyOf('q2')).not.toBe(storyOf('q1'));
    expect(c.storyOf(articleOf('q2'))).toBe(storyOf('q2'));
  });
});
