// End to end: three local feeds with overlapping coverage (the seed pair as full pages among them) are
// ingested into a real SQLite file; the merged feed shows each story once with all its sources, and
// entry ids never change: not across cycles, not when a story grows, not when two stories merge.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { loadClusterer } from '../../src/ingest/cluster.js';
import { extractPages } from '../../src/ingest/extract.js';
import { silentLogger } from '../../src/log/index.js';
import type { Config } from '../../src/model/index.js';
import { runCycle } from '../../src/scheduler/index.js';
import { createApp } from '../../src/server/index.js';
import { Store } from '../../src/storage/index.js';
import { atom, configYaml, jsonFeed, rss, type TestItem } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const log = silentLogger();
const SEEDS = new URL('../../../shared/seeds/', import.meta.url);
const DEMO_PAGES = new URL('../../demo/pages/', import.meta.url);
const html = { 'Content-Type': 'text/html; charset=utf-8' };
let srv: TestServer;
let dir: string;

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-stories-'));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

function page(title: string, paragraphs: readonly string[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<main><article><h1>${title}</h1>${paragraphs.map((p) => `<p>${p}</p>`).join('\n')}</article></main>
<aside class="related"><h3>Related</h3><ul><li><a href="/a">Another story</a></li><li><a href="/b">More news</a></li><li><a href="/c">Opinion</a></li></ul></aside>
<footer>© 2025</footer></body></html>`;
}

/** Entries of the merged Atom feed: id, title and the "Covered by" list. */
async function entries(store: Store, config: Config) {
  const res = await createApp({ store, config: () => config }).request('/atom.xml');
  const feed = await new Parser().parseString(await res.text());
  return feed.items.map((i) => ({ id: i.id as string, title: i.title as string, content: (i.content ?? '') as string }));
}

const METRO = [
  'Lisbon’s metro operator will keep four lines running until 2am on Fridays and Saturdays from August, the city council announced on Friday, after a pilot last summer carried more than 180,000 late-night passengers.',
  'The extension covers the Blue, Yellow, Green and Red lines. Metropolitano de Lisboa said it would add 60 staff and run trains every 12 minutes after midnight, at a cost of about €4 million a year shared with the council.',
  'Night-time workers, students and the tourism industry had campaigned for the change. Bus routes that now cover the late hours will be kept but thinned out, the operator said.',
];
const TEA = [
  'Prices at the weekly Mombasa tea auction rose for a third straight week as dry weather in Kenya’s highlands cut the supply of top grades, brokers said on Friday.',
  'The average price of the best black CTC teas climbed to $3.12 a kilo from $2.95 a week earlier, according to the East African Tea Trade Association, while volumes offered fell by about 8 percent.',
  'Buyers from Pakistan and Egypt, the largest importers of Kenyan tea, were the most active, brokers said, and growers expect rains in August to bring prices back down.',
];

describe('one entry per story, with every source', () => {
  it('merges the seed pair, a wire copy and two write-ups of one event; keeps unrelated same-day stories apart', async () => {
    const seedA = readFileSync(new URL('pakistan-libya-defence-ties.html', DEMO_PAGES), 'utf8');
    const seedB = readFileSync(new URL('coas-receives-haftar.html', DEMO_PAGES), 'utf8');
    srv.route('/s/pak-libya', { body: seedA, headers: html });
    srv.route('/s/coas-haftar', { body: seedB, headers: html });
    srv.route('/s/metro', { body: page('Lisbon metro to run until 2am', METRO), headers: html });
    srv.route('/s/metro-wire', { body: page('Night trains for Lisbon', METRO), headers: html });
    srv.route('/s/tea', { body: page('Kenyan tea prices climb', TEA), headers: html });
    srv.route('/s/tea-2', { body: page('Dry weather lifts Mombasa tea auction', [
      'Tea buyers paid more at the Mombasa auction this week, the third weekly rise in a row, as the dry spell in Kenya’s highlands left fewer top-grade teas on offer.',
      'Brokers said the best CTC grades averaged $3.12 a kilo. Pakistani and Egyptian buyers, who take the bulk of Kenyan tea, led the bidding, and the East African Tea Trade Association reported lower volumes.',
    ]), headers: html });
    const a: TestItem[] = [
      { id: 'a1', title: 'Pakistan and Libya Strengthen Defense Industry Ties After High-Level Military Talks', link: '{{BASE}}/s/pak-libya',
        summary: 'Pakistan and Libya have agreed to deepen their defense industrial collaboration.', published: '2025-07-18T16:00:00Z' },
      { id: 'a2', title: 'Lisbon metro to run until 2am on weekends from August', link: '{{BASE}}/s/metro',
        summary: 'Four lines will stay open late on Fridays and Saturdays.', published: '2025-07-18T10:00:00Z' },
    ];
    const b: TestItem[] = [
      { id: 'urn:b1', title: 'COAS Asim Munir receives Libyan commander Haftar at GHQ, agree on defence industrial cooperation',
        link: '{{BASE}}/s/coas-haftar', summary: 'Field Marshal Asim Munir received Lt Gen Saddam Khalifa Haftar in Rawalpindi.', published: '2025-07-18T15:00:00Z' },
      { id: 'urn:b2', title: 'Kenyan tea prices climb for a third week at Mombasa auction', link: '{{BASE}}/s/tea',
        summary: 'Dry weather cut the supply of top grades.', published: '2025-07-18T11:00:00Z' },
    ];
    const c: TestItem[] = [
      { id: 'c1', title: 'Night trains for Lisbon as metro extends hours', link: '{{BASE}}/s/metro-wire',
        summary: 'Wire copy of the metro report.', published: '2025-07-18T12:00:00Z' },
      { id: 'c2', title: 'Dry weather lifts Mombasa tea auction', link: '{{BASE}}/s/tea-2',
        summary: 'Buyers paid more this week.', published: '2025-07-18T13:00:00Z' },
      { id: 'c3', title: 'Same shared link as outlet A', link: '{{BASE}}/s/metro?utm_source=c', published: '2025-07-18T14:00:00Z' },
    ];
    srv.route('/f/a.xml', { body: rss('Outlet A', a) });
    srv.route('/f/b.atom', { body: atom('Outlet B', b) });
    srv.route('/f/c.json', { body: jsonFeed('Outlet C', c) });
    const config = parseConfig(configYaml(['/f/a.xml', '/f/b.atom', '/f/c.json'].map(srv.url)), 'stories.yaml');
    const store = Store.open(join(dir, 'stories.db'));
    store.sources.sync(config.sources, new Date().toISOString());
    const summary = await runCycle({ store, config, log, force: true });
    expect(summary).toMatchObject({ ok: 3, failed: 0, inserted: 7 });

    const list = await entries(store, config);
    const ids = list.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(list).toHaveLength(3); // seed pair, metro (3 items: own, wire copy, same URL), tea (2 write-ups)
    const covered = (re: RegExp) => list.filter((e) => re.test(e.content));
    const seedEntry = covered(/Asim Munir/);
    expect(seedEntry).toHaveLength(1);
    expect(seedEntry[0]?.content).toContain('Covered by 2 sources');
    expect(seedEntry[0]?.content).toContain('Outlet A');
    expect(seedEntry[0]?.content).toContain('Outlet B');
    const metro = covered(/Metropolitano de Lisboa/);
    expect(metro).toHaveLength(1);
    expect(metro[0]?.content).toContain('Covered by 2 sources'); // outlets A and C (C carried it twice)
    const tea = covered(/Mombasa/);
    expect(tea).toHaveLength(1);
    expect(tea[0]?.content).toMatch(/Outlet B[\s\S]*Outlet C|Outlet C[\s\S]*Outlet B/);

    // A second cycle changes nothing; a new report of the metro story joins it under the same id.
    await runCycle({ store, config, log, force: true });
    expect((await entries(store, config)).map((e) => e.id)).toEqual(ids);
    srv.route('/s/metro-3', { body: page('Lisbon extends metro night service', [
      'Lisbon’s metro will run four lines until 2am at weekends from August, Metropolitano de Lisboa and the city council said, after a pilot carried 180,000 late-night passengers.',
      'Trains will run every 12 minutes after midnight on the Blue, Yellow, Green and Red lines; the council shares the €4 million yearly cost.',
    ]), headers: html });
    srv.route('/f/b.atom', { body: atom('Outlet B', [...b, { id: 'urn:b3', title: 'Lisbon extends metro night service',
      link: '{{BASE}}/s/metro-3', summary: 'Four lines until 2am.', published: '2025-07-18T17:00:00Z' }]) });
    await runCycle({ store, config, log, force: true });
    const after = await entries(store, config);
    expect(after.map((e) => e.id)).toEqual(ids);
    expect(after.find((e) => /Metropolitano de Lisboa/.test(e.content))?.content).toContain('Covered by 3 sources');
    store.close();
  });

  it('when full text shows two stories are one, they merge under the older id and the younger is not re-emitted', async () => {
    const PORT = [
      'Dockworkers at the port of Gdańsk ended a four-day strike on Thursday after the Baltic Container Terminal agreed to raise wages by 9 percent and hire 120 more crane operators, the Solidarity union said.',
      'The stoppage had left more than 40 ships waiting in the Gulf of Gdańsk and cost exporters an estimated 30 million złoty a day, according to the Polish chamber of commerce.',
      'Terminal managers said operations would return to normal by Saturday; the union said the deal runs for two years.',
    ];
    srv.route('/m/one', { status: 503, body: 'busy' });
    srv.route('/m/two', { status: 503, body: 'busy' });
    srv.route('/m/feed1.xml', { body: rss('Port Daily', [{ id: 'p1', title: 'Strike over at Baltic terminal', link: '{{BASE}}/m/one',
      summary: 'Crane operators return.', published: '2025-07-17T08:00:00Z' }]) });
    srv.route('/m/feed2.xml', { body: rss('Gdansk Business', [{ id: 'q1', title: 'Polish dockers win 9% raise', link: '{{BASE}}/m/two',
      summary: 'Union deal signed.', published: '2025-07-17T10:00:00Z' }]) });
    const config = parseConfig(configYaml([srv.url('/m/feed1.xml'), srv.url('/m/feed2.xml')]), 'merge.yaml');
    const store = Store.open(join(dir, 'merge.db'));
    store.sources.sync(config.sources, new Date().toISOString());
    await runCycle({ store, config, log, force: true });
    const before = await entries(store, config);
    expect(before).toHaveLength(2); // teasers alone say nothing in common
    const older = store.stories.list(10).sort((x, y) => x.published.localeCompare(y.published))[0];

    srv.route('/m/one', { body: page('Strike over at Baltic terminal', PORT), headers: html });
    srv.route('/m/two', { body: page('Polish dockers win 9% raise', [
      'Port workers in Gdańsk returned to work on Thursday, ending a four-day strike, after the Baltic Container Terminal accepted a 9 percent pay rise and 120 new crane operator jobs, Solidarity said.',
      'More than 40 ships had queued in the Gulf of Gdańsk during the strike; the Polish chamber of commerce put exporters’ losses at about 30 million złoty a day.',
    ]), headers: html });
    const r = await extractPages(store.extractions.toRefresh('failed'), { store, config, log,
      clusterer: loadClusterer(store, new Date()) });
    expect(r).toMatchObject({ ok: 2, failed: 0 });
    const merged = await entries(store, config);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.id).toBe(older?.guid);
    expect(merged[0]?.content).toContain('Covered by 2 sources');
    expect(before.map((e) => e.id)).toContain(merged[0]?.id);
    store.close();
  });
});

describe('seed documents', () => {
  it('the seed texts themselves are what the demo pages carry', () => {
    const seed = readFileSync(new URL('001_2470a1d99b2f447f.txt', SEEDS), 'utf8');
    const pageText = readFileSync(new URL('coas-receives-haftar.html', DEMO_PAGES), 'utf8');
    expect(pageText).toContain(seed.split('\n')[2]?.trim().slice(0, 80));
  });
});
