// A cycle that adds articles ends with the re-clustering pass of the recent window, in the clusterer's
// own thread: two stored stories of one event that the single pass kept apart become one, under the
// older story's id (its entry stays, the younger's merges into it). Real parts: a feed served from
// 127.0.0.1, a real SQLite file, the real cycle with its cluster thread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clusterer } from '../../src/cluster/index.js';
import { parseConfig } from '../../src/config/index.js';
import { RECLUSTER_EVERY_HOURS, saveAndCluster } from '../../src/ingest/cluster.js';
import { silentLogger } from '../../src/log/index.js';
import { runCycle } from '../../src/scheduler/index.js';
import { Store, type ItemInput } from '../../src/storage/index.js';
import { configYaml, rss } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const QUAKE = 'A magnitude 6.4 earthquake struck off the coast of northern Chile late on Sunday, shaking buildings in the port city of Antofagasta and briefly cutting power to thousands of homes, the seismological centre said. Chile\'s disaster agency Senapred said there were no reports of casualties and no tsunami warning. Copper miner Codelco said its nearby mines were operating normally.';
const QUAKE_2 = 'Residents of Antofagasta ran into the streets on Sunday night when a strong earthquake of magnitude 6.4 rattled northern Chile. Senapred, the national disaster service, reported no deaths and ruled out a tsunami. Codelco inspected its mines in the region and said production was not affected.';
const CHIPS = 'Shares of Northwind Semiconductor fell 14 percent on Tuesday after the chipmaker cut its full-year revenue forecast, blaming weaker demand from smartphone makers. Chief executive Dana Whitfield said inventory at handset customers remained elevated. Northwind also plans to cut about 1,200 jobs and close a packaging plant in Penang, Malaysia.';

let srv: TestServer;
let dir: string;
beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-recluster-'));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const item = (guid: string, title: string, content: string, published: string): ItemInput => ({
  guid, url: `https://news.example/${guid}`, title, content: `<p>${content}</p>`, published, enclosures: [], categories: [],
});

describe('the cycle\'s re-clustering pass', () => {
  it('merges two stored stories of one event into the older when a cycle adds articles and the last pass is an interval old', async () => {
    srv.route('/r/feed.xml', { body: rss('Chips', [
      { id: 'n1', title: 'Northwind Semiconductor cuts forecast, shares slide', summary: CHIPS, published: hoursAgo(1) },
    ]) });
    const config = parseConfig(configYaml([srv.url('/r/feed.xml')], 'defaults:\n  full_text: false\n'), 'r.yaml');
    const store = Store.open(join(dir, 'r.db'));
    try {
      store.sources.sync([...config.sources, ...['a', 'b'].map((h) => ({ url: `https://${h}.example/feed`, tags: [], intervalSeconds: 1800,
        enabled: false, fullText: false }))], new Date().toISOString());
      const [, a, b] = store.sources.list().map((s) => s.id) as [number, number, number];
      // Each report stored by a clusterer that never saw the other (as two workers' single passes might).
      saveAndCluster(store, new Clusterer(), a, [item('q1', 'Magnitude 6.4 earthquake shakes northern Chile', QUAKE, hoursAgo(5))], new Date().toISOString(), silentLogger());
      saveAndCluster(store, new Clusterer(), b, [item('q2', 'Strong quake rattles Antofagasta', QUAKE_2, hoursAgo(4))], new Date().toISOString(), silentLogger());
      const storyOf = (guid: string) => (store.db.prepare('SELECT a.story_id AS s FROM items i JOIN articles a ON a.id = i.article_id WHERE i.guid = ?')
        .get(guid) as { s: number }).s;
      const older = storyOf('q1');
      expect(storyOf('q2')).not.toBe(older);
      store.cluster.setReclusteredAt(hoursAgo(RECLUSTER_EVERY_HOURS + 0.1));

      const first = await runCycle({ store, config, log: silentLogger(), force: true });
      expect(first).toMatchObject({ inserted: 1, failed: 0, reclustered: { moves: 0, merges: 1 } });
      expect(storyOf('q2')).toBe(older);
      expect(storyOf('n1')).not.toBe(older);
      expect(store.stories.list(10).map((s) => s.id).sort()).toEqual([older, storyOf('n1')].sort());

      // Nothing new: no pass.
      const second = await runCycle({ store, config, log: silentLogger(), force: true });
      expect(second.inserted).toBe(0);
      expect(second.reclustered).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('a fresh database starts counting at its first cycle; within the interval a cycle with new articles runs no pass', async () => {
    const chips = (n: number) => ({ body: rss('Chips', Array.from({ length: n }, (_, i) =>
      ({ id: `c${i}`, title: `Northwind Semiconductor cuts forecast, report ${i}`, summary: CHIPS, published: hoursAgo(1) }))) });
    srv.route('/f/feed.xml', chips(1));
    const config = parseConfig(configYaml([srv.url('/f/feed.xml')], 'defaults:\n  full_text: false\n'), 'f.yaml');
    const store = Store.open(join(dir, 'f.db'));
    try {
      store.sources.sync(config.sources, new Date().toISOString());
      expect(store.cluster.reclusteredAt()).toBeUndefined();
      const before = Date.now();
      const first = await runCycle({ store, config, log: silentLogger(), force: true });
      expect(first.inserted).toBe(1);
      expect(first.reclustered).toBeUndefined();
      expect(Date.parse(store.cluster.reclusteredAt() as string)).toBeGreaterThanOrEqual(before);
      srv.route('/f/feed.xml', chips(2));
      const second = await runCycle({ store, config, log: silentLogger(), force: true });
      expect(second.inserted).toBe(1);
      expect(second.reclustered).toBeUndefined();
    } finally {
      store.close();
    }
  });
});
