// Benchmark: article extraction. First, on the 990 real pages of the development set
// (../shared/data/extraction-dev), storyfeed as the product runs it — in an extraction thread with the
// pool's heap limits (EXTRACT_THREAD_HEAP) — against Readability alone on linkedom (parse + parse() +
// textContent, no rules) in a thread of its own: the threads take turns page by page, one at a time, and
// each reports its wall time and its time on a CPU per page (Linux schedstat: what the load of other
// processes adds to the wall time is left out) and its garbage collections. Then the same two interleaved
// page by page in this process (V8's default heap, one heap for both), on the development set and on
// generated pages: pages/s of each, the ratio, p50/p95 per page. Then linkedom vs jsdom on the generated
// pages (each DOM in its own child process so peak RSS is its own; one core) and the ingest's pool.
// Run: npx tsx bench/extract.ts [pages] [runs] [options]   (or: npm run bench:extract)
// Options (after pages and runs): --threads-only (the thread comparison only); --largest F (the share F
// of the development pages with the most tags: the tail); --ab DIR (a further lane: the extractor of
// another checkout, DIR/src/extractor, V8's default heap: an A/B in the same run); --young MB,MB (further
// lanes: this extractor with those young generations, 0 = V8's default heap); --flags "F,F" (further
// lanes: this extractor in child processes run with those node/V8 flags).
//
// The pages are generated (deterministic PRNG) from the seed reports and the UCI headlines in
// ../shared: real news sentences inside the weight real pages carry — inline CSS and scripts, JSON-LD,
// mega-menus, sidebars with tickers and related lists, comment forms, cookie banners, footers.
import { execFileSync, fork } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { extractArticle, extractPage, type DomImpl } from '../src/extractor/index.js';
import { decodeBody } from '../src/fetcher/index.js';
import { EXTRACT_THREAD_HEAP, ExtractorPool } from '../src/extractor/pool.js';
import type { ThreadHeap } from '../src/workers/pool.js';
import type { LaneAnswer, LaneData, LanePage } from './extract-lane.js';
import { rng, median } from './lib.js';

const SHARED = new URL('../../shared/', import.meta.url);
const PAGES = Number(process.argv[2] ?? 24);
const RUNS = Number(process.argv[3] ?? 5);


function corpus(): { sentences: string[]; headlines: string[] } {
  const seeds = readdirSync(new URL('seeds/', SHARED)).filter((f) => f.endsWith('.txt'))
    .map((f) => readFileSync(new URL(`seeds/${f}`, SHARED), 'utf8'));
  const sentences = seeds.join(' ').split(/(?<=[.!?])\s+/).filter((s) => s.length > 60 && !/\$\d/.test(s));
  const csv = readFileSync(new URL('data/uci-news-headlines/headlines.csv', SHARED), 'utf8').split('\n').slice(1);
  const headlines = csv.map((l) => (l.startsWith('"') ? l.split('"')[1] : l.split(',')[1])).filter((h): h is string => !!h);
  return { sentences, headlines: headlines.map((h) => h.replace(/[<>&]/g, ' ')) };
}

export function makePage(i: number, c: ReturnType<typeof corpus>): { html: string; url: string } {
  const r = rng(1000 + i);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const para = () => Array.from({ length: 3 + Math.floor(r() * 4) }, () => `${pick(c.headlines)}. ${pick(c.sentences)}`).join(' ');
  const n = 6 + Math.floor(r() * 20);
  const site = `site${i}.example`;
  const title = pick(c.headlines);
  const css = `.c${i}{margin:0 auto;padding:4px 8px;font:16px/1.5 Georgia,serif;color:#222}`.repeat(40 + Math.floor(r() * 1300));
  const js = `window.__STATE__=${JSON.stringify({ ads: Array.from({ length: 10 + Math.floor(r() * 450) }, (_, k) => ({ slot: `ad-${k}`, sizes: [[300, 250], [728, 90]], targeting: { section: 'world', kw: pick(c.headlines) } })) })};`;
  const menu = Array.from({ length: 60 + Math.floor(r() * 200) }, (_, k) => `<li class="menu-item"><a href="/section/${k}">${pick(c.headlines).slice(0, 24)}</a></li>`).join('');
  const related = Array.from({ length: 8 }, (_, k) => `<li><a href="/news/${i}-${k}">${pick(c.headlines)}</a></li>`).join('');
  const ticker = ['Bitcoin', 'Ethereum', 'Dow', 'Nasdaq', 'FTSE', 'Oil', 'Gold', 'EUR/USD'].map((t) =>
    `<li><span>${t}</span> <span>$${(r() * 90000).toFixed(2)}</span> <span>${(r() * 5).toFixed(2)}%</span></li>`).join('');
  const body = Array.from({ length: n }, (_, k) => (k === 3
    ? `<figure><img src="/img/${i}.jpg" data-src="/img/${i}-large.jpg" alt="photo"><figcaption>${pick(c.headlines)}</figcaption></figure><p>${para()}</p>`
    : k % 7 === 6 ? `<h2>${pick(c.headlines)}</h2><p>${para()}</p>` : `<p>${para()}</p>`)).join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} | Site ${i}</title>
<meta property="og:site_name" content="Site ${i}"><meta name="author" content="Reporter ${i}">
<style>${css}</style><script>${js}</script>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":${JSON.stringify(title)},"datePublished":"2025-07-18T10:00:00Z","author":{"@type":"Person","name":"Reporter ${i}"}}</script>
</head><body><div class="cookie-banner">We use cookies. <button>Accept</button></div>
<header class="site-header"><nav class="main-nav"><ul>${menu}</ul></nav></header>
<div class="layout"><main><article class="story"><h1>${title}</h1><p class="byline">By Reporter ${i}</p>
<div class="share-bar"><a href="#">Share on X</a><a href="#">Share on Facebook</a></div>
<div class="story-body">${body}</div>
<p class="cta"><a href="/subscribe">Subscribe for full access</a></p>
<section class="related"><h3>Related articles</h3><ul>${related}</ul></section>
<section id="comments"><h3>Leave a Comment</h3><form><textarea></textarea><button>Post</button></form></section>
</article></main><aside class="sidebar"><section class="widget"><h4>Markets</h4><ul class="ticker">${ticker}</ul></section>
<section class="widget newsletter"><h4>Newsletter</h4><p>Enter your email address to subscribe.</p></section></aside></div>
<footer class="site-footer"><ul>${menu}</ul><p>&copy; 2025 Site ${i}</p></footer><script>${js}</script></body></html>`;
  return { html, url: `https://${site}/2025/07/18/story-${i}.html` };
}


/** Child mode: extract every page RUNS times with one DOM; print JSON figures on stdout. */
function child(impl: DomImpl): void {
  const c = corpus();
  const pages = Array.from({ length: PAGES }, (_, i) => makePage(i, c));
  extractArticle((pages[0] as { html: string }).html, (pages[0] as { url: string }).url, { dom: impl }); // warm-up
  const rates: number[] = [];
  const texts: string[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t = performance.now();
    for (const p of pages) {
      const a = extractArticle(p.html, p.url, { dom: impl });
      if (run === 0) texts.push(a.text);
    }
    rates.push(pages.length / ((performance.now() - t) / 1000));
  }
  const bytes = pages.map((p) => Buffer.byteLength(p.html));
  process.stdout.write(JSON.stringify({ impl, rate: median(rates), maxRssMiB: process.resourceUsage().maxRSS / 1024,
    minKB: Math.min(...bytes) / 1024, maxKB: Math.max(...bytes) / 1024, texts }));
}

/** The worker-thread pool the ingest uses (one thread per core): pages/s over the same pages. */
async function poolRate(): Promise<{ rate: number; threads: number }> {
  const c = corpus();
  const pages = Array.from({ length: PAGES }, (_, i) => makePage(i, c));
  const pool = new ExtractorPool();
  const threads = Math.max(1, Math.min(4, availableParallelism()));
  await Promise.all(pages.slice(0, threads).map((p) => pool.extract(p.html, p.url))); // warm the threads
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t = performance.now();
    await Promise.all(pages.map((p) => pool.extract(p.html, p.url)));
    rates.push(pages.length / ((performance.now() - t) / 1000));
  }
  await pool.close();
  return { rate: median(rates), threads };
}

/** Readability alone, as the issue measures it: linkedom, no options, textContent. */
function readabilityAlone(html: string): string {
  try {
    return new Readability(parseHTML(html).document as unknown as Document).parse()?.textContent ?? '';
  } catch {
    return '';
  }
}

function ourText(html: string, url: string): string {
  try {
    return extractPage(html, url).text;
  } catch {
    return '';
  }
}

const quantile = (xs: readonly number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] as number;

/** Both extractors over the same pages, alternating which goes first, RUNS times; per-page medians. */
function sideBySide(name: string, pages: readonly { html: string; url: string }[], runs: number): void {
  for (const p of pages.slice(0, 5)) { readabilityAlone(p.html); ourText(p.html, p.url); } // warm-up
  const ours: number[][] = pages.map(() => []);
  const base: number[][] = pages.map(() => []);
  const totals = { ours: [] as number[], base: [] as number[] };
  for (let run = 0; run < runs; run++) {
    let o = 0;
    let b = 0;
    pages.forEach((p, i) => {
      const measure = (f: () => unknown) => { const t = performance.now(); f(); return performance.now() - t; };
      const first = (i + run) % 2 === 0;
      const tb1 = first ? measure(() => readabilityAlone(p.html)) : 0;
      const to = measure(() => ourText(p.html, p.url));
      const tb = first ? tb1 : measure(() => readabilityAlone(p.html));
      (ours[i] as number[]).push(to);
      (base[i] as number[]).push(tb);
      o += to;
      b += tb;
    });
    totals.ours.push(pages.length / (o / 1000));
    totals.base.push(pages.length / (b / 1000));
  }
  const perPage = (xs: number[][]) => xs.map((x) => median(x));
  const [o, b] = [median(totals.ours), median(totals.base)];
  const p95 = (xs: number[][]) => quantile(perPage(xs), 0.95);
  console.log(`${name}: ${pages.length} pages, ${runs} runs (median), one core, interleaved`);
  console.log(`  storyfeed           ${o.toFixed(1).padStart(6)} pages/s   per page p50 ${quantile(perPage(ours), 0.5).toFixed(1)} ms, p95 ${quantile(perPage(ours), 0.95).toFixed(1)} ms`);
  console.log(`  Readability alone   ${b.toFixed(1).padStart(6)} pages/s   per page p50 ${quantile(perPage(base), 0.5).toFixed(1)} ms, p95 ${quantile(perPage(base), 0.95).toFixed(1)} ms`);
  console.log(`  storyfeed / Readability alone: ${(o / b).toFixed(2)}× the pages/s; per-run ratios ${totals.ours.map((x, i) => (x / (totals.base[i] as number)).toFixed(2)).join(' ')}; p95 ${(p95(ours) / p95(base)).toFixed(2)}× Readability alone's`);
}

/**
 * One extractor in a worker thread of its own (bench/extract-lane.ts), with these heap limits (none: V8's
 * defaults); or, with `nodeFlags`, in a child process run with those flags (V8 flags a thread cannot have).
 */
interface Lane { name: string; data: LaneData; heap?: ThreadHeap; nodeFlags?: string[] }

const heapName = (l: Lane) => (l.nodeFlags ? `a process: ${l.nodeFlags.join(' ')}` : l.heap ? `young ${l.heap.youngMb} MB, heap ${l.heap.limitMb} MB` : "V8's default heap");

interface LaneEnd { once: (event: 'message', f: (m: LaneAnswer) => void) => unknown; postMessage: (page: LanePage) => void; stop: () => void }

async function startLane(lane: Lane): Promise<{ run: (page: LanePage) => Promise<LaneAnswer>; stop: () => void }> {
  const h = lane.heap;
  const entry = new URL('./extract-lane.mjs', import.meta.url);
  let end: LaneEnd;
  let started: Promise<unknown>;
  if (lane.nodeFlags) {
    const child = fork(fileURLToPath(entry), [], { execArgv: lane.nodeFlags, env: { ...process.env, EXTRACT_LANE: JSON.stringify(lane.data) }, serialization: 'advanced' });
    end = { once: (e, f) => child.once(e, f), postMessage: (p) => child.send(p), stop: () => child.kill() };
    started = new Promise((ok, fail) => { child.once('message', ok); child.once('error', fail); });
  } else {
    const worker = new Worker(entry, { workerData: lane.data,
      ...(h ? { resourceLimits: { maxYoungGenerationSizeMb: h.youngMb, maxOldGenerationSizeMb: h.limitMb - h.youngMb } } : {}) });
    end = { once: (e, f) => worker.once(e, f), postMessage: (p) => worker.postMessage(p), stop: () => void worker.terminate() };
    started = new Promise((ok, fail) => { worker.once('message', ok); worker.once('error', fail); });
  }
  await started;
  return { stop: end.stop, run: (page) => new Promise((ok) => {
    end.once('message', (a: LaneAnswer) => ok(a));
    end.postMessage(page);
  }) };
}

/**
 * Each lane in its own thread, as the product runs extraction (a pool thread with its heap limits): the lanes
 * take turns page by page, one at a time (the first lane of each page rotates), RUNS times; per-page medians.
 * The first lane is the reference the others' ratios are taken against.
 */
async function inThreads(name: string, pages: readonly LanePage[], runs: number, lanes: readonly Lane[]): Promise<void> {
  const started = await Promise.all(lanes.map(startLane));
  const run = started.map((s) => s.run);
  for (const p of pages.slice(0, 20)) for (const r of run) await r(p); // warm-up
  const times: number[][][] = lanes.map(() => pages.map(() => []));
  const cpu: number[][][] = lanes.map(() => pages.map(() => []));
  const gc: number[] = lanes.map(() => 0);
  const gcFrom: number[] = lanes.map(() => Number.NaN);
  const totals: number[][] = lanes.map(() => []);
  for (let k = 0; k < runs; k++) {
    const sums = lanes.map(() => 0);
    for (let i = 0; i < pages.length; i++) {
      for (let j = 0; j < lanes.length; j++) {
        const l = (i + k + j) % lanes.length;
        const a = await (run[l] as (p: LanePage) => Promise<LaneAnswer>)(pages[i] as LanePage);
        const ms = a.ms;
        (times[l]?.[i] as number[]).push(ms);
        (cpu[l]?.[i] as number[]).push(a.cpuMs);
        if (Number.isNaN(gcFrom[l])) gcFrom[l] = a.gcTotalMs;
        gc[l] = a.gcTotalMs - (gcFrom[l] as number);
        sums[l] = (sums[l] as number) + ms;
      }
    }
    sums.forEach((s, l) => totals[l]?.push(pages.length / (s / 1000)));
  }
  for (const s of started) s.stop();
  const perPage = times.map((t) => t.map((x) => median(x)));
  const cpuPerPage = cpu.map((t) => t.map((x) => median(x)));
  const wallSum = times.map((t) => t.flat().reduce((a, b) => a + b, 0));
  const rate = totals.map((t) => median(t));
  const p95 = perPage.map((x) => quantile(x, 0.95));
  console.log(`${name}: ${pages.length} pages, ${runs} runs (median), each extractor in a worker thread of its own, taking turns page by page`);
  lanes.forEach((lane, l) => {
    const ratio = l === 0 ? '' : `   ${(rate[l] as number / (rate[0] as number)).toFixed(2)}× the pages/s (per-run ${totals[l]?.map((x, k) => (x / (totals[0]?.[k] as number)).toFixed(2)).join(' ')}), p95 ${((p95[l] as number) / (p95[0] as number)).toFixed(2)}× ${lanes[0]?.name}'s`;
    const c = cpuPerPage[l] as number[];
    const cpuRate = (x: number[]) => x.length / (x.reduce((a, b) => a + b, 0) / 1000);
    console.log(`  ${lane.name.padEnd(34)} ${(rate[l] as number).toFixed(1).padStart(6)} pages/s   per page p50 ${quantile(perPage[l] as number[], 0.5).toFixed(1)} ms, p95 ${(p95[l] as number).toFixed(1)} ms; on a CPU p50 ${quantile(c, 0.5).toFixed(1)}, p95 ${quantile(c, 0.95).toFixed(1)} ms (${(quantile(c, 0.95) / quantile(cpuPerPage[0] as number[], 0.95)).toFixed(2)}×), ${cpuRate(c).toFixed(1)} pages per CPU-second (${(cpuRate(c) / cpuRate(cpuPerPage[0] as number[])).toFixed(2)}×); GC ${(100 * (gc[l] as number) / (wallSum[l] as number)).toFixed(0)} % of the time   (${heapName(lane)})${ratio}`);
  });
}

/** The lanes of --threads: Readability alone and storyfeed as the pool runs it; --ab DIR adds the extractor under DIR/src with V8's default heap. */
function threadLanes(): Lane[] {
  const lanes: Lane[] = [
    { name: 'Readability alone', data: { kind: 'readability' } },
    { name: 'storyfeed (pool thread)', data: { kind: 'storyfeed' }, heap: EXTRACT_THREAD_HEAP },
  ];
  const ab = process.argv.indexOf('--ab');
  if (ab > 0 && process.argv[ab + 1]) {
    lanes.push({ name: `storyfeed at ${process.argv[ab + 1]}`, data: { kind: 'storyfeed', code: `${process.argv[ab + 1]}/src/extractor/index.ts` } });
  }
  const flags = process.argv.indexOf('--flags');
  for (const f of flags > 0 ? (process.argv[flags + 1] ?? '').split(',').filter(Boolean) : []) {
    lanes.push({ name: `storyfeed, process ${f}`, data: { kind: 'storyfeed' }, nodeFlags: f.split(' ') });
  }
  const young = process.argv.indexOf('--young');
  for (const mb of young > 0 ? (process.argv[young + 1] ?? '').split(',').filter(Boolean).map(Number) : []) {
    lanes.push(mb ? { name: `storyfeed, young ${mb} MB`, data: { kind: 'storyfeed' }, heap: { youngMb: mb, limitMb: EXTRACT_THREAD_HEAP?.limitMb ?? 4096 + mb } }
      : { name: 'storyfeed, default heap', data: { kind: 'storyfeed' } });
  }
  return lanes;
}

function devPages(): { html: string; url: string }[] {
  const dir = new URL('data/extraction-dev/', SHARED);
  let truth: { key: string; url: string }[];
  try {
    truth = readFileSync(new URL('truth.jsonl', dir), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string; url: string });
  } catch {
    return [];
  }
  const slowest = process.argv.indexOf('--largest');
  const share = slowest > 0 ? Number(process.argv[slowest + 1]) : 1;
  const pages = truth.map((t) => ({ url: /^https?:/.test(t.url) ? t.url : 'https://dev.example/', html: decodeBody(gunzipSync(readFileSync(new URL(`pages/${t.key}.html.gz`, dir)))) }));
  if (share >= 1) return pages;
  // --largest F: the share F of the pages with the most tags (the tail's pages are the big DOMs).
  const tags = (html: string) => html.split('<').length;
  return pages.map((p) => ({ p, n: tags(p.html) })).sort((a, b) => b.n - a.n).slice(0, Math.ceil(share * pages.length)).map((x) => x.p);
}

async function main(): Promise<void> {
  const dev = devPages();
  if (dev.length) {
    await inThreads('development set (real pages)', dev, Math.max(1, Math.min(RUNS, 3)), threadLanes());
    if (process.argv.includes('--threads-only')) return;
    sideBySide('development set (real pages)', dev, Math.max(1, Math.min(RUNS, 3)));
  }
  else console.log('development set not found under ../shared/data/extraction-dev: skipped');
  const c = corpus();
  sideBySide('generated pages', Array.from({ length: PAGES }, (_, i) => makePage(i, c)), RUNS);
  if (process.argv.includes('--no-dom')) return;
  const self = fileURLToPath(import.meta.url);
  const results = (['linkedom', 'jsdom'] as const).map((impl) => JSON.parse(execFileSync(process.execPath,
    ['--import', 'tsx', self, String(PAGES), String(RUNS)], { env: { ...process.env, BENCH_CHILD: impl }, maxBuffer: 256 * 2 ** 20 })
    .toString()) as { impl: string; rate: number; maxRssMiB: number; minKB: number; maxKB: number; texts: string[] });
  const [lk, jd] = results as [typeof results[number], typeof results[number]];
  const same = lk.texts.filter((t, i) => t === jd.texts[i]).length;
  console.log(`extraction over ${PAGES} generated pages of ${lk.minKB.toFixed(0)}–${lk.maxKB.toFixed(0)} KB, ${RUNS} runs (median), one core:`);
  for (const r of results) console.log(`  ${r.impl.padEnd(8)} ${r.rate.toFixed(1).padStart(6)} pages/s   peak RSS ${r.maxRssMiB.toFixed(0)} MiB`);
  console.log(`  linkedom/jsdom speed ratio: ${(lk.rate / jd.rate).toFixed(2)}×; identical text on ${same}/${PAGES} pages`);
  const p = await poolRate();
  console.log(`  ingest pool (linkedom, ${p.threads} worker threads): ${p.rate.toFixed(1)} pages/s`);
}

const impl = process.env.BENCH_CHILD as DomImpl | undefined;
if (impl) child(impl);
else await main();
