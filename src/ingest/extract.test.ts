// The ingest decides what an extraction becomes: an article is the entry body; a short page, a paywall's
// teaser or a page without an article keeps the feed's content as the body, with the text found and the
// verdict stored beside it. Real parts: pages served from 127.0.0.1, a real SQLite file, the real cycle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import { runCycle } from '../scheduler/index.js';
import { Store } from '../storage/index.js';
import { configYaml, rss } from '../../tests/helpers/feeds.js';
import { startTestServer, type TestServer } from '../../tests/helpers/server.js';

let srv: TestServer;
let dir: string;
beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-verdict-'));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

const html = { 'Content-Type': 'text/html; charset=utf-8' };
const para = (s: string) => `<p>${s} ${'The council will publish the full minutes of the meeting on its website next week, with the votes of each member. '.repeat(3)}</p>`;

describe('extraction verdicts in the ingest', () => {
  it('uses an article as the body and keeps the feed content, the text and the verdict for the others', async () => {
    srv.route('/v/feed.xml', { body: rss('Verdicts', [
      { id: 'a', title: 'Bridge reopens', link: '{{BASE}}/v/article', summary: 'Feed teaser of the bridge story.', published: '2025-07-18T10:00:00Z' },
      { id: 's', title: 'Road closed', link: '{{BASE}}/v/short', summary: 'Feed teaser of the road story.', published: '2025-07-18T09:00:00Z' },
      { id: 'p', title: 'Fusion race', link: '{{BASE}}/v/paywall', summary: 'Feed teaser of the fusion story.', published: '2025-07-18T08:00:00Z' },
    ]) });
    srv.route('/v/article', { headers: html, body: `<!doctype html><html lang="en"><body><article><h1>Bridge reopens</h1>
      ${para('The Elm Street bridge reopened on Monday after eight months of repairs.')}${para('Buses return to the route from Tuesday.')}</article></body></html>` });
    srv.route('/v/short', { headers: html, body: `<!doctype html><html lang="en"><body><article><h1>Road closed</h1>
      <p>Mill Road is closed between the station and the bridge until Friday for resurfacing.</p></article></body></html>` });
    srv.route('/v/paywall', { headers: html, body: `<!doctype html><html lang="en"><head>
      <script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Fusion race","isAccessibleForFree":false}</script>
      </head><body><article><h1>Fusion race</h1><p>Three companies now say they will put electricity from fusion on the grid before 2035, and investors have followed them.</p>
      <p>Subscribe to read the rest of this article.</p></article></body></html>` });
    const config = parseConfig(configYaml([srv.url('/v/feed.xml')]), 'v.yaml');
    const file = join(dir, 'v.db');
    const store = Store.open(file);
    store.sources.sync(config.sources, new Date().toISOString());
    const summary = await runCycle({ store, config, log: silentLogger(), force: true });
    expect(summary).toMatchObject({ inserted: 3, extracted: 1, extractFailed: 2 });
    store.close();

    const db = new Database(file, { readonly: true });
    const rows = db.prepare(`SELECT page_url, extract_status, extract_error, verdict, found_text, text FROM articles ORDER BY id`).all() as
      { page_url: string; extract_status: string; extract_error: string | null; verdict: string; found_text: string | null; text: string | null }[];
    db.close();
    const byPath = new Map(rows.map((r) => [new URL(r.page_url).pathname, r]));
    const article = byPath.get('/v/article');
    expect(article).toMatchObject({ extract_status: 'ok', verdict: 'article', found_text: null, extract_error: null });
    expect(article?.text).toContain('The Elm Street bridge reopened on Monday');

    const short = byPath.get('/v/short');
    expect(short).toMatchObject({ extract_status: 'failed', verdict: 'short', text: null });
    expect(short?.extract_error).toMatch(/^extractor: article too short/);
    expect(short?.found_text).toContain('Mill Road is closed between the station and the bridge until Friday');

    const paywalled = byPath.get('/v/paywall');
    expect(paywalled).toMatchObject({ extract_status: 'failed', verdict: 'paywalled', text: null });
    expect(paywalled?.extract_error).toMatch(/^extractor: paywall/);
    expect(paywalled?.found_text).toContain('Three companies now say they will put electricity from fusion on the grid');
  });
});
