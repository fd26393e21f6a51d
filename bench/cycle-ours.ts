// One run of storyfeed's side of bench/cycle.ts, in a process of its own (its peak RSS is its own): the
// cycles asked for, in order, on one fresh SQLite file, clustering included, as the service runs them
// (runCycle with the parser, extractor and clusterer threads kept across cycles, as `storyfeed run`'s Worker keeps
// them; the peer's process is as warm). Prints one JSON line of figures per cycle.
// Run by bench/cycle.ts: tsx bench/cycle-ours.ts BASE FEEDS KINDS(first,304,unchanged|fulltext)
// BENCH_DB=PATH writes the database there and keeps it. BENCH_PROFILE=KIND:FILE profiles the main thread during that cycle only (a .cpuprofile for bench/cpuprofile.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { parseConfig } from '../src/config/index.js';
import { ExtractorPool } from '../src/extractor/pool.js';
import { ClusterThread } from '../src/ingest/cluster-thread.js';
import { ParserPool } from '../src/parser/pool.js';
import { silentLogger } from '../src/log/index.js';
import { runCycle } from '../src/scheduler/index.js';
import { Store } from '../src/storage/index.js';
import { gapProbe, threadCpuSince, threadTimes, type ThreadCpu } from './lib.js';

const [base = '', feedsArg = '1000', kindsArg = 'first,304,unchanged'] = process.argv.slice(2);
const FEEDS = Number(feedsArg);
const kinds = kindsArg.split(',');
const fullText = kinds.includes('fulltext');

export interface CycleFigures {
  kind: string;
  ms: number;
  items: number;
  inserted: number;
  updated: number;
  failed: number;
  notModified: number;
  extracted: number;
  extractFailed: number;
  /** Longest event-loop stall during the cycle (perf_hooks.monitorEventLoopDelay), ms. */
  stallMs: number;
  /** Of the longest gap of a 5 ms timer (lib.ts gapProbe), the time the main thread spent on a CPU, ms (Linux). */
  stallOnCpuMs?: number;
  /** Of the same gap, the time the main thread waited in a run queue for a CPU, ms (Linux); the rest it was blocked. */
  stallWaitMs?: number;
  /** When that gap ended, ms after the cycle started. */
  stallAtMs?: number;
  /** Gaps of the same timer of 50 ms or more, per minute of the cycle. */
  stallsOver50PerMin?: number;
  /** The most CPU time the main thread used between two ticks of that timer, and when (ms into the cycle): its longest piece of work (Linux). */
  longestWorkMs?: number;
  longestWorkAtMs?: number;
  /** The main thread's garbage collections during the cycle: their total and the longest pause, ms (perf_hooks 'gc'). */
  mainGcMs?: number;
  mainGcLongestMs?: number;
  /** Peak RSS of the process so far (getrusage maxrss), MiB. */
  rssMiB: number;
  /** CPU time of the cycle, every thread of the process (user + system), ms: less moved by the machine's load than wall time. */
  cpuMs?: number;
  /** Of that CPU time, the main thread's, the background threads' and the helpers' (V8, libuv) at the main thread's priority, ms (Linux). */
  threadCpu?: ThreadCpu;
  /** Slowest answer of the HTTP server probed during the cycle (full text only), ms. */
  probeMaxMs?: number;
  probes?: number;
  stories?: number;
  /** After the cycle: V8 heap in use on the main thread and in the cluster thread, MiB. */
  mainHeapMiB?: number;
  clusterHeapMiB?: number;
}

async function mode(conditional: boolean): Promise<void> {
  await fetch(`${base}/_mode?conditional=${conditional ? 1 : 0}`);
}

const yaml = `defaults:\n  full_text: ${fullText}\nhttp:\n  allow_private_networks: true\n  concurrency: 16\n  per_host_concurrency: 16\n` +
  `retention:\n  days: 30\noutput:\n  port: 0\nsources:\n${Array.from({ length: FEEDS }, (_, f) => `  - ${base}/feed/${f}.xml`).join('\n')}\n`;
const config = parseConfig(yaml, 'bench.yaml');
const log = silentLogger();
const parserPool = new ParserPool();
const pool = new ExtractorPool();
const dir = mkdtempSync(join(tmpdir(), 'storyfeed-bench-'));
// BENCH_DB=PATH keeps the database there (for start-up measurements), else it goes with the run.
const store = Store.open(process.env.BENCH_DB ?? join(dir, 'bench.db'));
store.sources.sync(config.sources, new Date().toISOString());
// The clusterer's thread, kept across cycles as the service's Worker keeps it.
const clusterThread = new ClusterThread(store, log);

/** With full text on: the real HTTP server of `storyfeed run`, asked for the merged feed every 25 ms. */
async function probing(): Promise<{ stop: () => Promise<{ max: number; n: number }> }> {
  const { createApp, startServer, closeServer } = await import('../src/server/index.js');
  const { server, port } = await startServer(createApp({ store, config: () => config }), '127.0.0.1', 0);
  let running = true;
  let max = 0;
  let n = 0;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/feed.xml`);
      await res.arrayBuffer();
      max = Math.max(max, performance.now() - t);
      n++;
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await closeServer(server);
      return { max, n };
    },
  };
}

for (const kind of kinds) {
  await mode(kind !== 'unchanged');
  const probe = kind === 'fulltext' ? await probing() : undefined;
  const [profileKind, profileFile] = (process.env.BENCH_PROFILE ?? '').split(':');
  const session = profileKind === kind ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const gaps = gapProbe();
  const gc = { total: 0, longest: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.total += e.duration;
      gc.longest = Math.max(gc.longest, e.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  const threads0 = threadTimes();
  const s = await runCycle({ store, config, log, force: true, parserPool, pool, clusterThread });
  const cpu = process.cpuUsage(cpu0);
  const threadCpu = threadCpuSince(threads0);
  h.disable();
  const gap = gaps.stop();
  gcObserver.disconnect();
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileFile as string, JSON.stringify(profile));
    session.disconnect();
  }
  const p = await probe?.stop();
  const figures: CycleFigures = {
    kind, ms: s.durationMs, items: s.results.reduce((n, r) => n + r.items, 0), inserted: s.inserted, updated: s.updated,
    failed: s.failed, notModified: s.notModified, extracted: s.extracted, extractFailed: s.extractFailed,
    stallMs: h.max / 1e6, stallOnCpuMs: gap.onCpuMs, stallWaitMs: gap.waitMs, stallAtMs: gap.atMs, stallsOver50PerMin: gap.over50PerMin, mainGcMs: gc.total, mainGcLongestMs: gc.longest, longestWorkMs: gap.maxOnCpuMs, longestWorkAtMs: gap.maxOnCpuAtMs, rssMiB: process.resourceUsage().maxRSS / 1024,
    cpuMs: (cpu.user + cpu.system) / 1000, ...(threadCpu ? { threadCpu } : {}),
    ...(p ? { probeMaxMs: p.max, probes: p.n } : {}), stories: store.stats().stories,
    mainHeapMiB: process.memoryUsage().heapUsed / 2 ** 20, clusterHeapMiB: (await clusterThread.heap()).usedBytes / 2 ** 20,
  };
  const errors = s.results.filter((r) => r.outcome === 'failed').slice(0, 3).map((r) => r.error);
  if (errors.length) process.stderr.write(`ours ${kind}: ${s.failed} failed, e.g. ${errors.join(' | ')}\n`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
await parserPool.close();
await pool.close();
await clusterThread.close();
store.close();
rmSync(dir, { recursive: true, force: true });
