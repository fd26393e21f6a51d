// End to end: a feed whose items carry only teasers links to article pages on 127.0.0.1; after one cycle
// the merged feed carries the extracted bodies (boilerplate gone, sanitized) and the teaser as description.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { runCycle } from '../../src/scheduler/index.js';
import { createApp } from '../../src/server/index.js';
import { Store } from '../../src/storage/index.js';
import { configYaml, rss } from '../helpers/feeds.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const log = silentLogger();
const DEMO_PAGE = readFileSync(new URL('../../demo/pages/pakistan-libya-defence-ties.html', import.meta.url), 'utf8');
let srv: TestServer;
let dir: string;

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-fulltext-'));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

const html = { 'Content-Type': 'text/html; charset=utf-8' };

describe('full text in the merged feed', () => {
  it('replaces teasers with extracted bodies, keeps the teaser as description, and never fetches a page twice', async () => {
    srv.route('/ft/feed.xml', { body: rss('Teasers', [
      { id: 't1', title: 'Pakistan and Libya Strengthen Defense Industry Ties', link: '{{BASE}}/ft/pak-libya?utm_source=rss',
        summary: 'Teaser: Pakistan and Libya agree on defence cooperation.', published: '2025-07-18T10:00:00Z' },
      { id: 't2', title: 'Lisbon metro extends night service through the summer', link: '{{BASE}}/ft/missing',
        summary: 'Trains on four lines will run until 2am from August.', published: '2025-07-18T09:00:00Z' },
      { id: 't3', title: 'Kenyan tea auction prices climb on dry-season supply', link: '{{BASE}}/ft/hostile',
        summary: 'Mombasa buyers paid more for top grades this week.', published: '2025-07-18T08:00:00Z' },
    ]) });
    srv.route('/ft/pak-libya', { body: DEMO_PAGE, headers: html });
    srv.route('/ft/hostile', { headers: html, body: `<!doctype html><html><body><article><h1>Hostile</h1>
      ${'<p>This paragraph of the hostile page is long enough to be read as article text by Readability, as a real paragraph of a news report would be. </p>'.repeat(6)}
      <p><a href="javascript:alert(1)">click</a><img src="/x.png" onerror="alert(2)"></p><script>alert(3)</script>
      </article></body></html>` });
    const config = parseConfig(configYaml([srv.url('/ft/feed.xml')]), 'ft.yaml');
    const store = Store.open(join(dir, 'ft.db'));
    store.sources.sync(config.sources, new Date().toISOString());
    const summary = await runCycle({ store, config, log, force: true });
    expect(summary).toMatchObject({ ok: 1, inserted: 3, extracted: 2, extractFailed: 1 });

    const res = await createApp({ store, config: () => config }).request('/feed.xml');
    const feed = await new Parser().parseString(await res.text());
    const byTitle = new Map(feed.items.map((i) => [i.title, i as Record<string, unknown>]));
    const pak = byTitle.get('Pakistan and Libya Strengthen Defense Industry Ties');
    const body = pak?.['content:encoded'] as string;
    expect(body).toContain('Field Marshal Syed Asim Munir, host Lieutenant General Saddam Khalifa Haftar');
    expect(body).toContain('with renewed vigor and shared expertise');
    for (const junk of ['Download IPFS', 'Leave a Comment', 'Bitcoin', '$92,051.76', 'Subscribe to Blog via Email']) {
      expect(body, junk).not.toContain(junk);
    }
    expect(pak?.content).toContain('Teaser: Pakistan and Libya agree on defence cooperation.'); // description
    const missing = byTitle.get('Lisbon metro extends night service through the summer')?.['content:encoded'] as string;
    expect(missing).toContain('Trains on four lines will run until 2am from August.'); // fallback: the feed's own content
    const hostile = byTitle.get('Kenyan tea auction prices climb on dry-season supply')?.['content:encoded'] as string;
    expect(hostile).toContain('long enough to be read as article text');
    for (const bad of ['javascript:', 'onerror', 'alert(', '<script']) expect(hostile).not.toContain(bad);

    expect(store.extractions.stats()).toEqual({ ok: 2, failed: 1, pending: 0 });
    await runCycle({ store, config, log, force: true });
    expect(srv.requests('/ft/pak-libya')).toHaveLength(1);
    expect(srv.requests('/ft/missing')).toHaveLength(1);
    store.close();
  });

  it('does not fetch pages of a source with full_text off', async () => {
    srv.route('/nf/feed.xml', { body: rss('No full text', [
      { id: 'n1', title: 'Teaser only', link: '{{BASE}}/nf/page', summary: 'Only the teaser.', published: '2025-07-18T10:00:00Z' },
    ]) });
    srv.route('/nf/page', { body: DEMO_PAGE, headers: html });
    const yaml = configYaml([srv.url('/nf/feed.xml')]).replace('    interval: 60s', '    interval: 60s\n    full_text: false');
    const config = parseConfig(yaml, 'nf.yaml');
    const store = Store.open(join(dir, 'nf.db'));
    store.sources.sync(config.sources, new Date().toISOString());
    const summary = await runCycle({ store, config, log, force: true });
    expect(summary).toMatchObject({ ok: 1, inserted: 1, extracted: 0, extractFailed: 0 });
    expect(srv.requests('/nf/page')).toHaveLength(0);
    store.close();
  });
});
