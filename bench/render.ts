// The merged feed's rendering: 100 full-text stories (the seed article, ~27 KB of HTML each, 4 sources),
// all three formats, rendered from scratch (every entry sanitized) and again after one story changed (the
// others' entries come from the entry cache). The event loop waits for a rendering, so this is a stall
// of the HTTP server and the fetches after every change of the stories (issue 16).
//   npm run bench:render
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OutputConfig, Story } from '../src/model/index.js';
import { renderFeeds } from '../src/publisher/index.js';

const ROUNDS = 9;
const seed = readFileSync(fileURLToPath(new URL('../../shared/seeds/000_2129cc06a290e765.txt', import.meta.url)), 'utf8');
const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const body = seed.split(/\n+/).filter(Boolean)
  .map((p) => `<p>${escape(p)} <a href="https://x.example/a?b=1">link</a> <img src="https://x.example/i.jpg" alt="x"></p>`).join('\n').repeat(3);
const output: OutputConfig = { title: 'Merged', link: 'http://127.0.0.1:8080/', description: 'd', language: 'en', host: '127.0.0.1', port: 8080,
  maxStories: 100, server: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 60_000, maxConnections: 1024 } };
let generation = 0;
const stories = (changed: number): Story[] => Array.from({ length: 100 }, (_, i) => ({
  id: i + 1, guid: `urn:uuid:bench-${i}`, title: `Story ${i} & <b>`, url: `https://n.example/${i}`, link: `https://n.example/${i}`,
  summary: '<p>Summary of the story</p>', contentHtml: i === changed ? `${body}<p>generation ${++generation}</p>` : body,
  firstSeen: '2025-07-18T10:00:00.000Z', updated: '2025-07-18T11:00:00.000Z', published: '2025-07-18T09:00:00.000Z',
  categories: ['World', 'Defence & Security'], enclosures: [],
  sources: Array.from({ length: 4 }, (_, k) => ({ sourceName: `S${k}`, sourceUrl: `https://s${k}.example/`, itemUrl: `https://s${k}.example/${i}`,
    title: `T ${i}`, published: '2025-07-18T09:00:00.000Z' })),
}));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const cold: number[] = [];
const warm: number[] = [];
let bytes = 0;
for (let r = 0; r < ROUNDS; r++) {
  // a different guid set per round: nothing of it is cached
  const fresh = stories(-1).map((s) => ({ ...s, guid: `${s.guid}-${r}`, contentHtml: `${s.contentHtml}<p>round ${r}</p>` }));
  let t = performance.now();
  bytes = renderFeeds(fresh, output).rss.length;
  cold.push(performance.now() - t);
  const next = fresh.map((s, i) => (i === r % 100 ? { ...s, contentHtml: `${s.contentHtml}<p>changed</p>` } : s));
  t = performance.now();
  renderFeeds(next, output);
  warm.push(performance.now() - t);
}
console.log(`100 stories, ${(bytes / 1e6).toFixed(1)} MB of RSS, ${ROUNDS} rounds`);
console.log(`every entry rendered: median ${median(cold).toFixed(0)} ms (${cold.map((x) => x.toFixed(0)).join(' ')})`);
console.log(`one story changed:    median ${median(warm).toFixed(0)} ms (${warm.map((x) => x.toFixed(0)).join(' ')})`);
console.log(`ratio ${(median(cold) / median(warm)).toFixed(1)}×`);
