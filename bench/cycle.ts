// Benchmark (issues 12 and 16): ingest cycles over N local feeds × 50 items of real headlines (1–3
// paragraphs each, full_text off, loopback), storyfeed against a peer that fetches the same URLs with the
// same concurrency (undici) and parses each with rss-parser, storing nothing. Each run is a process of
// its own per side (RSS is its own), sides interleaved, medians of the runs. Cycles, in order on one
// fresh database:
//   first      every feed 200 with new items (clustering included)
//   304        every feed answers 304 Not Modified to the conditional GET
//   unchanged  every feed 200 with the same content as before (conditional headers ignored)
// and, on a database of its own, `fulltext`: PAGES new article pages (full_text on) fetched and
// extracted, pages/s, while the real HTTP server is asked for /feed.xml every 25 ms (slowest answer).
// Prints a table (the README's Measurements quote it): medians, ratios, µs per item, the longest
// event-loop stall (perf_hooks.monitorEventLoopDelay) with the part of it the main thread spent on a CPU
// (Linux schedstat; the rest it waited for one: the machine's load, not the process), beside it the
// machine's floor (cycle-floor.ts: the longest gap of an idle process's timer during the same runs), and
// peak RSS. Each
// run's progress line also splits the cycle's CPU time by thread (Linux): the main thread, the background
// threads (nice > 0) and the helpers at the main thread's priority (V8's platform threads: garbage
// collection and compiling for every thread's heap; libuv's).
//
// Run: npm run bench:cycle -- [--feeds 1000,2000,4000] [--items 50] [--runs 3] [--kinds first,304,unchanged]
//        (a kind may repeat, e.g. first,304,304,304,unchanged: each run counts its median cycle of that kind)
//        [--pages 5000] [--side both|ours|peer] [--profile DIR]   (--pages 0: no full-text cycle)
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CycleFigures } from './cycle-ours.js';
import { median, type Gap } from './lib.js';

const { values: opt } = parseArgs({
  options: {
    feeds: { type: 'string', default: '1000' },
    items: { type: 'string', default: '50' },
    runs: { type: 'string', default: '3' },
    kinds: { type: 'string', default: 'first,304,unchanged' },
    pages: { type: 'string', default: '5000' },
    side: { type: 'string', default: 'both' },
    profile: { type: 'string' },
  },
});
const FEED_COUNTS = (opt.feeds as string).split(',').map(Number);
const ITEMS = Number(opt.items);
const RUNS = Number(opt.runs);
const KINDS_RUN = (opt.kinds as string).split(',').filter(Boolean);
/** Each kind once, in the order first asked (a kind may repeat in a run: see runOf). */
const KINDS = [...new Set(KINDS_RUN)];
const PAGES = Number(opt.pages);
const SIDES = opt.side === 'both' ? ['ours', 'peer'] as const : [opt.side as 'ours' | 'peer'];

/** Goals of issue 12 (ratio to the peer) per cycle kind. */
const GOALS: Record<string, number> = { first: 3, '304': 1.5, unchanged: 2 };
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

/** A child running TypeScript through tsx; resolves with its stdout lines, rejects on a non-zero exit. */
function child(script: string, args: string[], nodeArgs: string[] = []): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', here(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').filter(Boolean)) : reject(new Error(`${script} exited ${code}`))));
  });
}

async function startServer(): Promise<{ base: string; stop: () => void }> {
  const p = spawn(process.execPath, ['--import', 'tsx', here('./cycle-server.ts'), String(ITEMS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise<string>((resolve) => p.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
  return { base, stop: () => p.kill('SIGTERM') };
}

/** The longest gap of an idle process's 5 ms timer (cycle-floor.ts) while a run lasted: the machine's floor. */
type Floor = Gap;

/** Start the floor probe; stop() ends it and gives its longest gap. */
function floorProbe(): { stop: () => Promise<Floor> } {
  const p = spawn(process.execPath, ['--import', 'tsx', here('./cycle-floor.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const done = new Promise<Floor>((resolve, reject) => p.on('exit', () => {
    try {
      resolve(JSON.parse(out) as Floor);
    } catch {
      reject(new Error(`cycle-floor.ts said ${JSON.stringify(out)}`));
    }
  }));
  return { stop: () => { p.kill('SIGTERM'); return done; } };
}

/** One side's run, with the floor probe beside it: its figures, each cycle's `floor` set to the run's. */
async function run(side: 'ours' | 'peer', base: string, feeds: number, kinds: string): Promise<(CycleFigures & { floor: Floor })[]> {
  const prof = side === 'ours' && opt.profile ? ['--cpu-prof', '--cpu-prof-dir', opt.profile as string] : [];
  const floor = floorProbe();
  // Its modules loaded and its timer running before the run starts (tsx takes ~1 s on a loaded machine).
  await new Promise((r) => setTimeout(r, 1500));
  const lines = await child(side === 'ours' ? './cycle-ours.ts' : './cycle-peer.ts', [base, String(feeds), kinds], prof);
  const f = await floor.stop();
  return lines.map((l) => ({ ...JSON.parse(l) as CycleFigures, floor: f }));
}

const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const med = (xs: CycleFigures[], f: (c: CycleFigures) => number) => median(xs.map(f));
/**
 * A run's figures for one kind of cycle: a kind asked for more than once in a run (`--kinds
 * first,304,304,304`) counts as the cycle of median duration among them (a 304 cycle of 200 feeds
 * lasts ~0.1 s: one sample per run says more about the machine than about the cycle).
 */
function runOf(figures: CycleFigures[], kind: string): CycleFigures {
  const all = figures.filter((c) => c.kind === kind).sort((a, b) => a.ms - b.ms);
  return all[Math.floor((all.length - 1) / 2)] as CycleFigures;
}
/**
 * Median longest stall, and (Linux) the median times the thread was on a CPU and waited for one during its
 * longest gap (the rest of the gap it was blocked: a lock, I/O).
 */
const stall = (xs: CycleFigures[]) => (xs.length === 0 ? '–' : `${med(xs, (c) => c.stallMs).toFixed(0)} ms` +
  (xs.every((c) => c.stallOnCpuMs !== undefined) ? ` (on CPU ${med(xs, (c) => c.stallOnCpuMs as number).toFixed(0)}` +
    (xs.every((c) => c.stallWaitMs !== undefined) ? `, waiting ${med(xs, (c) => c.stallWaitMs as number).toFixed(0)}` : '') + ')' : ''));

async function main(): Promise<void> {
  const server = await startServer();
  const rows: string[] = [];
  const perItem = new Map<string, number>();
  try {
    for (const feeds of FEED_COUNTS) {
      const got: Record<'ours' | 'peer', CycleFigures[][]> = { ours: [], peer: [] };
      /** The floor during each of ours' runs (else the peer's): the gap of the same minutes as the stall compared. */
      const floors: Record<'ours' | 'peer', Floor[]> = { ours: [], peer: [] };
      for (let r = 0; r < RUNS; r++) {
        const order = r % 2 === 0 ? SIDES : [...SIDES].reverse();
        for (const side of order) {
          const figures = await run(side, server.base, feeds, KINDS_RUN.join(','));
          got[side].push(figures);
          const floor = (figures[0] as CycleFigures & { floor: Floor }).floor;
          floors[side].push(floor);
          process.stderr.write(`${feeds} feeds, run ${r + 1}, ${side}: ${figures.map((c) => `${c.kind} ${fmt(c.ms)} (stall ${c.stallMs.toFixed(0)} ms` +
            `${c.stallOnCpuMs === undefined ? '' : `, on CPU ${c.stallOnCpuMs.toFixed(0)}`}${c.stallWaitMs === undefined ? '' : `, waiting for one ${c.stallWaitMs.toFixed(0)}`}${c.stallAtMs === undefined ? '' : `, at ${fmt(c.stallAtMs)}`}${c.stallsOver50PerMin === undefined ? '' : `, ${c.stallsOver50PerMin.toFixed(1)} gaps ≥ 50 ms a minute`}${c.longestWorkMs === undefined ? '' : `, longest work ${c.longestWorkMs.toFixed(0)} ms on a CPU at ${fmt(c.longestWorkAtMs ?? 0)}`}` +
            `${c.mainGcMs === undefined ? '' : `, main thread's GC ${fmt(c.mainGcMs)} (longest ${(c.mainGcLongestMs ?? 0).toFixed(0)} ms)`}, RSS ${c.rssMiB.toFixed(0)} MiB` +
            `${c.cpuMs === undefined ? '' : `, CPU ${(c.cpuMs / 1000).toFixed(1)} s`}` +
            `${c.threadCpu === undefined ? '' : ` (main ${(c.threadCpu.main / 1000).toFixed(1)}, background ${(c.threadCpu.background / 1000).toFixed(1)}, ` +
              `helpers ${(c.threadCpu.helpers / 1000).toFixed(1)})`}` +
            `${c.clusterHeapMiB === undefined ? '' : `, heap main ${c.mainHeapMiB?.toFixed(0)} / cluster thread ${c.clusterHeapMiB.toFixed(0)} MiB`})`)
            .join(', ')}; an idle process meanwhile: longest gap ${floor.gapMs.toFixed(0)} ms, ${floor.over50PerMin.toFixed(1)} ≥ 50 ms a minute` +
            `${floor.waitMs === undefined ? '' : `, waiting for a CPU ${floor.waitMs.toFixed(0)}`}, load ${loadavg()[0]?.toFixed(1)}\n`);
        }
      }
      for (const kind of KINDS) {
        const ours = got.ours.map((f) => runOf(f, kind));
        const peer = got.peer.map((f) => runOf(f, kind));
        const o = ours.length ? med(ours, (c) => c.ms) : NaN;
        const p = peer.length ? med(peer, (c) => c.ms) : NaN;
        const n = kind === '304' ? feeds : feeds * ITEMS;
        const unit = o / n * 1000;
        perItem.set(`${feeds}/${kind}`, unit);
        const base = perItem.get(`${FEED_COUNTS[0]}/${kind}`) as number;
        const ratio = o / p;
        const goal = GOALS[kind];
        rows.push(`| ${feeds} × ${ITEMS} | ${kind} | ${fmt(o)} (${ours.map((c) => fmt(c.ms)).join(', ')}) | ${fmt(p)} | ` +
          `${ratio.toFixed(2)}×${goal ? (ratio <= goal ? ` ≤ ${goal} ✓` : ` > ${goal} ✗`) : ''} | ` +
          `${unit.toFixed(1)} µs/${kind === '304' ? 'feed' : 'item'} (${(unit / base).toFixed(2)}× of ${FEED_COUNTS[0]}) | ` +
          `${stall(ours)} / ${stall(peer)} / ${median((floors.ours.length ? floors.ours : floors.peer).map((f) => f.gapMs)).toFixed(0)} ms | ` +
          `${ours.length ? Math.max(...ours.map((c) => c.rssMiB)).toFixed(0) : '–'} MiB / ${peer.length ? Math.max(...peer.map((c) => c.rssMiB)).toFixed(0) : '–'} MiB | ` +
          `${ours.length ? med(ours, (c) => c.failed) : '–'} |`);
      }
    }
    if (PAGES > 0 && SIDES.includes('ours')) {
      const feeds = Math.ceil(PAGES / ITEMS);
      const runs: CycleFigures[] = [];
      for (let r = 0; r < RUNS; r++) {
        const [c] = await run('ours', server.base, feeds, 'fulltext');
        runs.push(c as CycleFigures);
        process.stderr.write(`full text, run ${r + 1}: ${c?.extracted} pages in ${fmt(c?.ms ?? 0)}, slowest /feed.xml ${c?.probeMaxMs?.toFixed(0)} ms\n`);
      }
      const pps = runs.map((c) => c.extracted / (c.ms / 1000));
      rows.push(`| ${feeds} × ${ITEMS}, full text | ${PAGES} new pages | ${fmt(med(runs, (c) => c.ms))} | – | ` +
        `${median(pps).toFixed(0)} pages/s (${pps.map((x) => x.toFixed(0)).join(', ')}) | ` +
        `${med(runs, (c) => c.extracted)} extracted, ${med(runs, (c) => c.extractFailed)} failed; slowest /feed.xml ${med(runs, (c) => c.probeMaxMs ?? 0).toFixed(0)} ms | ` +
        `${med(runs, (c) => c.stallMs).toFixed(0)} ms / – | ${Math.max(...runs.map((c) => c.rssMiB)).toFixed(0)} MiB / – | ${med(runs, (c) => c.failed)} |`);
    }
  } finally {
    server.stop();
  }
  console.log(`\ningest cycles, local feeds × ${ITEMS} items (real headlines, 1–3 paragraphs), loopback, concurrency 16; ` +
    `medians of ${RUNS} runs, interleaved with the peer (undici + rss-parser, nothing stored)\n`);
  console.log('| feeds | cycle | storyfeed (runs) | peer | ratio (goal) | cost per unit | longest event-loop stall, of which on CPU (ours / peer / an idle process during ours) | peak RSS (ours / peer) | failed sources |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
}

await main();
