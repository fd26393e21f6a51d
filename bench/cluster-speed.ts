// Benchmark: clustering speed as the store grows. N synthetic items (default 100,000; ~1,000 a day over
// 100 days, stories of 1–12 items, title + a 60-word body each) go through the Clusterer one at a time,
// exactly as the worker feeds it (decide, merge, add). Prints the per-item time around 10k and around
// 100k items (median of 1,000-item batches), their ratio (target ≤ 2), items/s and peak RSS.
// Run: npx tsx bench/cluster-speed.ts [items]   (or: npm run bench:cluster)
import { Clusterer } from '../src/cluster/index.js';
import { rng, median } from './lib.js';

const N = Number(process.argv[2] ?? 100_000);
const PER_DAY = 1000;
const BATCH = 1000;


const r = rng(42);
const SYL = ['ka', 'lo', 'mer', 'tin', 'sa', 'vor', 'del', 'pri', 'ton', 'ga', 'ru', 'ben', 'sil', 'ya', 'ost', 'quen', 'dar', 'ful'];
const word = (i: number) => {
  let w = '';
  for (let n = i + 7; n > 0; n = Math.floor(n / SYL.length)) w += SYL[n % SYL.length];
  return w;
};
/** Zipf-like vocabulary: common words are drawn far more often than rare ones. */
const VOCAB = Array.from({ length: 40_000 }, (_, i) => word(i));
const zipf = () => VOCAB[Math.floor(VOCAB.length ** r()) - 1] as string;
const NAMES = Array.from({ length: 20_000 }, (_, i) => word(i + 90_000).replace(/^./, (c) => c.toUpperCase()));

interface Topic { words: string[]; names: string[]; left: number; time: number }

function* items(): Generator<{ id: number; title: string; text: string; published: number }> {
  const t0 = Date.UTC(2025, 0, 1);
  let topic: Topic | undefined;
  const open: Topic[] = [];
  for (let i = 0; i < N; i++) {
    const time = t0 + (i / PER_DAY) * 86_400_000;
    if (open.length === 0 || r() < 0.35) {
      topic = { words: Array.from({ length: 8 }, zipf), names: Array.from({ length: 3 }, () => NAMES[Math.floor(r() * NAMES.length)] as string),
        left: 1 + Math.floor(r() * 12), time };
      open.push(topic);
    } else {
      topic = open[Math.floor(r() * open.length)] as Topic;
    }
    topic.left--;
    if (topic.left <= 0 || time - topic.time > 3 * 86_400_000) open.splice(open.indexOf(topic), 1);
    const pick = (xs: string[], n: number) => Array.from({ length: n }, () => xs[Math.floor(r() * xs.length)] as string);
    const tp = topic as Topic;
    const title = [...pick(tp.words, 4), ...pick(tp.names, 1), ...Array.from({ length: 3 }, zipf)].join(' ');
    const text = Array.from({ length: 6 }, () => `${pick(tp.names, 1)[0]} ${[...pick(tp.words, 3), ...Array.from({ length: 6 }, zipf)].join(' ')}.`).join(' ');
    yield { id: i, title, text, published: time };
  }
}


/** Live heap after a full collection, when node runs with --expose-gc (npm run bench:cluster does). */
function liveHeapMiB(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const c = new Clusterer();
const batchUs: number[] = [];
let peak = 0;
let t = performance.now();
const start = t;
for (const doc of items()) {
  const d = c.decide(doc);
  const story = d.story ?? doc.id;
  for (const drop of d.merge) c.merge(story, drop);
  c.add(doc, story);
  if ((doc.id + 1) % BATCH === 0) {
    const now = performance.now();
    batchUs.push(((now - t) * 1000) / BATCH);
    t = now;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
}
const total = (performance.now() - start) / 1000;
// What a restart costs: the worker rebuilds its clusterer from the articles of the window (7 days).
const live = liveHeapMiB();
const windowDocs: ReturnType<typeof items> extends Generator<infer T> ? T[] : never = [];
for (const d of items()) {
  windowDocs.push(d);
  if (windowDocs.length > 7 * PER_DAY) windowDocs.shift();
}
const r0 = performance.now();
const rebuilt = new Clusterer();
for (const d of windowDocs) rebuilt.add(d, d.id);
const rebuildS = (performance.now() - r0) / 1000;
const around = (k: number) => median(batchUs.slice(Math.max(0, k / BATCH - 5), k / BATCH));
const at10k = around(Math.min(10_000, N));
const atN = around(N);
console.log(`clustering ${N} synthetic items (${PER_DAY}/day, title + 60-word body), one core:`);
console.log(`  per item around 10k: ${at10k.toFixed(0)} µs   around ${N / 1000}k: ${atN.toFixed(0)} µs   ratio ${(atN / at10k).toFixed(2)}×`);
console.log(`  overall: ${(N / total).toFixed(0)} items/s   stories in memory at the end: ${c.size.stories}   peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
if (live !== undefined) console.log(`  live heap after the run (after a full GC): ${live.toFixed(0)} MiB`);
console.log(`  restart: rebuilding from the 7-day window (${windowDocs.length} items) takes ${rebuildS.toFixed(1)} s`);
