// Benchmark: clustering speed against a naive peer, memory, and start-up, in one run.
// N synthetic articles (default 100,000; 1,000 a day over 100 days; stories of 1–12 articles over up to
// three days; an English-like title and a ~60-word body each) go through
//   ours: the Clusterer as the worker drives it: decide, add, and refine() after every 20 articles (a
//         source's batch), analysis of the text included;
//   peer: a naive all-pairs TF-IDF clusterer: each article's TF-IDF vector (lowercased words, English
//         stopwords) is compared with every article of the last two days, and joins the best one's story
//         at cosine ≥ 0.3.
// Interleaved per batch of 1,000 articles, so machine noise hits both alike. The peer's cost per article
// does not depend on its earlier decisions (it compares with the whole window anyway), so it searches in
// every 5th batch and only indexes in the others (its window is always complete): the ratio compares the
// medians of the batches both timed. Then: per-article cost of ours around 10k vs around N, peak RSS,
// and a start-up from SQLite with 50,000 articles in the window, two ways, interleaved: ingest's
// loadClusterer as a start runs it (the stored binary vectors, decoded and added without a decision:
// weighted lazily), and the same on a copy of the database whose rows have only the JSON analyses (rows
// stored before the vectors were).
// Run: npm run bench:cluster [-- items] [--no-peer] [--memory] [--no-startup]   (--no-peer: ours alone, for
// its own peak RSS; --memory: RSS, heap and off-heap (ArrayBuffer) figures every 10,000 articles, and
// the clusterer's typed arrays by part (Clusterer.memory(): slab, story aggregates, postings, spans, document frequencies);
// --no-startup: the clustering run only, e.g. for a profile)
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANALYSIS_VERSION, Clusterer, encodeVectors, type ClusterDoc } from '../src/cluster/index.js';
import { loadClusterer, loadClustererYielding } from '../src/ingest/cluster.js';
import { Store, type ItemInput, type Placement } from '../src/storage/index.js';
import { median, rng } from './lib.js';

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const WITH_PEER = !args.includes('--no-peer');
const MEMORY = args.includes('--memory');
const STARTUP = !args.includes('--no-startup');
const PER_DAY = 1000;
const BATCH = 1000;
const REFINE_EVERY = 20;
const PEER_EVERY = 5;
const STARTUP_ARTICLES = 50_000;
const DAY = 86_400_000;

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
/** English function words, as real copy has them (about a third of its words). */
const FUNCTION = 'the of and to in a is was for on that with by at from as has said it'.split(' ');
const fn = () => FUNCTION[Math.floor(r() * FUNCTION.length)] as string;

interface Topic { words: string[]; names: string[]; left: number; time: number }

function* articles(n: number, t0: number, perDay: number): Generator<ClusterDoc & { id: number }> {
  let topic: Topic | undefined;
  const open: Topic[] = [];
  for (let i = 0; i < n; i++) {
    const time = t0 + (i / perDay) * DAY;
    if (open.length === 0 || r() < 0.35) {
      topic = { words: Array.from({ length: 8 }, zipf), names: Array.from({ length: 3 }, () => NAMES[Math.floor(r() * NAMES.length)] as string),
        left: 1 + Math.floor(r() * 12), time };
      open.push(topic);
    } else {
      topic = open[Math.floor(r() * open.length)] as Topic;
    }
    topic.left--;
    if (topic.left <= 0 || time - topic.time > 3 * DAY) open.splice(open.indexOf(topic), 1);
    const pick = (xs: string[], k: number) => Array.from({ length: k }, () => xs[Math.floor(r() * xs.length)] as string);
    const tp = topic as Topic;
    const title = [...pick(tp.names, 1), ...pick(tp.words, 3), fn(), ...pick(tp.words, 1), ...Array.from({ length: 2 }, zipf)].join(' ');
    const text = Array.from({ length: 6 }, () =>
      `${pick(tp.names, 1)[0]} ${fn()} ${[...pick(tp.words, 2), fn(), ...Array.from({ length: 3 }, zipf), fn(), ...pick(tp.words, 1)].join(' ')}.`).join(' ');
    yield { id: i, title, text, published: time, source: `s${i % 200}` };
  }
}

// ---- the peer: naive all-pairs TF-IDF within two days -------------------------------------------------
const PEER_STOP = new Set('a an the of and or to in on at for from by with as is was were be been has have had it its that this said says'.split(' '));
class NaivePeer {
  private readonly df = new Map<string, number>();
  private n = 0;
  private readonly window: { time: number; vec: Map<string, number>; story: number }[] = [];

  add(doc: ClusterDoc & { id: number }, search: boolean): number {
    const tf = new Map<string, number>();
    for (const w of `${doc.title} ${doc.text ?? ''}`.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
      if (w.length > 1 && !PEER_STOP.has(w)) tf.set(w, (tf.get(w) ?? 0) + 1);
    }
    for (const w of tf.keys()) this.df.set(w, (this.df.get(w) ?? 0) + 1);
    this.n++;
    const vec = new Map<string, number>();
    let norm = 0;
    for (const [w, c] of tf) {
      const x = (1 + Math.log(c)) * Math.log((this.n + 1) / ((this.df.get(w) as number) + 0.5));
      vec.set(w, x);
      norm += x * x;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [w, x] of vec) vec.set(w, x / norm);
    while (this.window.length && (this.window[0] as { time: number }).time < doc.published - 2 * DAY) this.window.shift();
    let story = doc.id;
    if (search) {
      let best = 0.3;
      for (const o of this.window) {
        const [a, b] = vec.size < o.vec.size ? [vec, o.vec] : [o.vec, vec];
        let s = 0;
        for (const [w, x] of a) {
          const y = b.get(w);
          if (y !== undefined) s += x * y;
        }
        if (s >= best) {
          best = s;
          story = o.story;
        }
      }
    }
    this.window.push({ time: doc.published, vec, story });
    return story;
  }
}

// ---- the run ----------------------------------------------------------------------------------------------
let ours = new Clusterer();
let peer = new NaivePeer();
const oursUs: number[] = [];
const pairs: { ours: number; peer: number }[] = [];
let peak = 0;
let batch: (ClusterDoc & { id: number })[] = [];
let batchNo = 0;
const start = performance.now();
let oursTotal = 0;
/** Every decision and change of ours, hashed after each batch (outside the timing): a speed change that keeps it keeps every decision. */
const decisions = createHash('sha1');
const decided: (string | number)[] = [];
const flush = () => {
  const t0 = performance.now();
  let k = 0;
  for (const doc of batch) {
    const d = ours.decide(doc);
    ours.add(doc, d.story ?? doc.id, d.probability);
    decided.push(d.story ?? -1, d.probability);
    if (++k % REFINE_EVERY === 0) for (const c of ours.refine()) decided.push(c.kind, c.kind === 'move' ? `${c.doc}>${c.to}` : `${c.drop}>${c.keep}`, c.probability);
  }
  const t1 = performance.now();
  decisions.update(decided.join(','));
  decided.length = 0;
  const search = batchNo % PEER_EVERY === 0;
  if (WITH_PEER) for (const doc of batch) peer.add(doc, search);
  const t2 = performance.now();
  const us = ((t1 - t0) * 1000) / batch.length;
  oursUs.push(us);
  oursTotal += t1 - t0;
  if (search && WITH_PEER) pairs.push({ ours: us, peer: ((t2 - t1) * 1000) / batch.length });
  const mem = process.memoryUsage();
  peak = Math.max(peak, mem.rss);
  if (MEMORY && (batchNo + 1) % 10 === 0) {
    const mib = (b: number) => (b / 2 ** 20).toFixed(0).padStart(4);
    console.log(`  at ${(batchNo + 1) * BATCH} articles: RSS ${mib(mem.rss)} MiB, heap ${mib(mem.heapUsed)} of ${mib(mem.heapTotal)} MiB, ` +
      `off-heap ${mib(mem.external)} MiB (array buffers ${mib(mem.arrayBuffers)} MiB)`);
    const m = ours.memory();
    console.log(`    ours: slab ${mib(m.slab)} MiB (held by articles in memory ${mib(m.slabHeld)}), story aggregates ${mib(m.aggregates)} ` +
      `+ out of date ${mib(m.spare)} + pooled ${mib(m.pool)} MiB, postings ${mib(m.postings)} MiB, spans ${mib(m.spans)} MiB, document frequencies ${mib(m.df)} MiB; ` +
      `${ours.size.documents} articles, ${ours.size.stories} stories`);
  }
  batch = [];
  batchNo++;
};
for (const doc of articles(N, Date.UTC(2025, 0, 1), PER_DAY)) {
  batch.push(doc);
  if (batch.length === BATCH) flush();
}
if (batch.length) flush();
const wall = (performance.now() - start) / 1000;
const around = (k: number) => median(oursUs.slice(Math.max(0, k / BATCH - 5), k / BATCH));
const at10k = around(Math.min(10_000, N));
const atN = around(N);
const steady = pairs.filter((_, i) => i * PEER_EVERY * BATCH >= 2 * PER_DAY); // the peer's window is full after two days
const ratio = median(steady.map((p) => p.peer / p.ours));
console.log(`clustering ${N} synthetic articles (${PER_DAY}/day, title + ~60-word body), one core, interleaved with the peer:`);
console.log(`  ours: per article around 10k ${at10k.toFixed(0)} µs, around ${N / 1000}k ${atN.toFixed(0)} µs: ratio ${(atN / at10k).toFixed(2)}× (goal ≤ 1.5×); ` +
  `${(N / (oursTotal / 1000)).toFixed(0)} articles/s`);
if (WITH_PEER) console.log(`  naive all-pairs TF-IDF peer (2-day window): per article ${median(steady.map((p) => p.peer)).toFixed(0)} µs vs ours ` +
  `${median(steady.map((p) => p.ours)).toFixed(0)} µs in the same batches: ours ${ratio.toFixed(1)}× faster (median of ${steady.length} batch ratios; goal ≥ 10×)`);
console.log(`  peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (${WITH_PEER ? 'both clusterers in this process' : 'ours alone'}; goal ≤ 300 MB); stories in memory ${ours.size.stories}; wall ${wall.toFixed(0)} s`);
console.log(`  decisions fingerprint ${decisions.digest('hex').slice(0, 16)} (the same for the same N whatever the speed)`);
// The start-up below measures a fresh process's work: the run's clusterers are let go first.
ours = new Clusterer();
peer = new NaivePeer();
global.gc?.();

// ---- start-up: the window read back from SQLite ---------------------------------------------------------
if (!STARTUP) process.exit(0);
const dir = mkdtempSync(join(tmpdir(), 'storyfeed-bench-'));
try {
  const store = Store.open(join(dir, 'bench.db'));
  store.sources.sync([{ url: 'https://bench.example/feed', tags: [], intervalSeconds: 1800, enabled: true, fullText: false }], new Date().toISOString());
  const sourceId = store.sources.list()[0]?.id as number;
  const now = Date.UTC(2025, 5, 10);
  const analyser = new Clusterer();
  const items: ItemInput[] = [];
  const placements = new Map<number, Placement>();
  for (const doc of articles(STARTUP_ARTICLES, now - 2 * DAY, STARTUP_ARTICLES / 2)) {
    placements.set(items.length, { story: { create: `s${doc.id % 20_000}` },
      features: { version: ANALYSIS_VERSION, analysis: JSON.stringify(analyser.analysisOf(doc)), vectors: encodeVectors(analyser.vectorsOf(doc)) } });
    items.push({ guid: `g${doc.id}`, url: `https://bench.example/a/${doc.id}`, title: doc.title, content: `<p>${doc.text}</p>`,
      published: new Date(doc.published).toISOString(), enclosures: [], categories: [] });
  }
  store.items.save(sourceId, items, new Date(now).toISOString(), placements);
  store.db.exec(`VACUUM INTO '${join(dir, 'json.db').replaceAll("'", "''")}'`);
  const jsonOnly = Store.open(join(dir, 'json.db'));
  jsonOnly.db.exec('UPDATE cluster_features SET vectors = NULL');
  const vectorTimes: number[] = [];
  const jsonTimes: number[] = [];
  let loaded = 0;
  let loadedJson = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    loaded = loadClusterer(store, new Date(now)).size.documents;
    vectorTimes.push(performance.now() - t0);
    global.gc?.();
    const t1 = performance.now();
    loadedJson = loadClusterer(jsonOnly, new Date(now)).size.documents;
    jsonTimes.push(performance.now() - t1);
    global.gc?.();
  }
  // The story pages' load (loadClustererYielding): in steps, the event loop free between them.
  const stalls: number[] = [];
  for (let i = 0; i < 3; i++) {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    await loadClustererYielding(store, new Date(now));
    h.disable();
    stalls.push(h.max / 1e6);
  }
  console.log(`  the pages' stepped load of the same window: longest event-loop stall ${median(stalls).toFixed(0)} ms (median of 3)`);
  console.log(`  start-up (loadClusterer): ${loaded} articles in the window read from SQLite and indexed in ${(median(vectorTimes) / 1000).toFixed(2)} s ` +
    `from the stored binary vectors; ${loadedJson} from JSON analyses only (rows stored before vectors) in ${(median(jsonTimes) / 1000).toFixed(2)} s ` +
    '(medians of 3, interleaved; goal ≤ 1 s)');
  jsonOnly.close();
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
