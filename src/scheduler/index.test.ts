// The cycle's start with thousands of sources: their fetch state read in steps, the event loop free
// between them (issue 16), and exactly the due sources chosen. Real SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import { Store } from '../storage/index.js';
import { runCycle } from './index.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-scheduler-'));
  store = Store.open(join(dir, 'db.sqlite'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const N = 1_100;
const urls = Array.from({ length: N }, (_, i) => `http://127.0.0.1:9/feed/${i}.xml`);
const config = parseConfig(`http:\n  allow_private_networks: true\nsources:\n${urls.map((u) => `  - ${u}`).join('\n')}\n`, 'many.yaml');

describe('the start of a cycle over many sources', () => {
  it('fetchStatesAfter pages through the same states fetchStates reads at once, in id order', () => {
    store.sources.sync(config.sources, new Date().toISOString());
    const pages = [];
    for (let after = 0; ;) {
      const page = store.sources.fetchStatesAfter(after, 250);
      pages.push(...page);
      if (page.length < 250) break;
      after = page[page.length - 1]?.id as number;
    }
    expect(pages).toEqual(store.sources.fetchStates());
    expect(pages).toHaveLength(N);
  });

  it('reads the sources in steps, letting the event loop turn, and fetches none that is not due', async () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    store.sources.sync(config.sources, now.toISOString());
    // Every source fetched a minute ago and next due in an hour: nothing to fetch.
    store.db.prepare(`UPDATE sources SET status = 'ok', next_attempt_at = ?`).run(new Date(now.getTime() + 3_600_000).toISOString());
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    // The loop's turns seen by each read of fetch states.
    const seen: number[] = [];
    const read = store.sources.fetchStatesAfter.bind(store.sources);
    store.sources.fetchStatesAfter = (after, limit) => {
      seen.push(turns);
      return read(after, limit);
    };
    const summary = await runCycle({ store, config, log: silentLogger(), now: () => now });
    ticking = false;
    expect(summary.sources).toBe(0);
    // 1,100 sources in steps of 250: five reads, the loop turned between each two.
    expect(seen).toHaveLength(5);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] as number);
  });

  it('chooses exactly the due sources across the steps', async () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    store.sources.sync(config.sources, now.toISOString());
    const later = new Date(now.getTime() + 3_600_000).toISOString();
    store.db.prepare(`UPDATE sources SET status = 'ok', next_attempt_at = ?`).run(later);
    // Due: every 97th source (in every step), plus a disabled and a gone one that must stay out.
    const dueIds = store.sources.fetchStates().filter((_, i) => i % 97 === 0).map((s) => s.id);
    for (const id of dueIds) store.db.prepare('UPDATE sources SET next_attempt_at = ? WHERE id = ?').run(now.toISOString(), id);
    store.db.prepare(`UPDATE sources SET status = 'disabled', next_attempt_at = NULL WHERE id = ?`).run(dueIds[1]);
    store.db.prepare(`UPDATE sources SET status = 'gone', next_attempt_at = NULL WHERE id = ?`).run(dueIds[2]);
    const summary = await runCycle({ store, config, log: silentLogger(), now: () => now,
      // Nothing listens on port 9: each due source fails at once, which is all this test needs to count them.
      fetch: async () => { throw new TypeError('fetch failed'); } });
    expect(summary.sources).toBe(dueIds.length - 2);
    expect(summary.results.map((r) => r.source).sort()).toEqual(
      store.sources.fetchStates().filter((s) => dueIds.includes(s.id) && s.status !== 'disabled' && s.status !== 'gone')
        .map((s) => s.configUrl).sort());
  });
});
