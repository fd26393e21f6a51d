// Helpers shared by the benchmarks.
import { readdirSync, readFileSync } from 'node:fs';

/** A seeded PRNG (mulberry32): the same inputs every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * The longest gap of the main thread's event loop (a 5 ms timer that fires late), and how that gap was
 * spent (Linux: /proc/<pid>/task/<pid>/schedstat): on a CPU (what the process itself ran), waiting in a
 * run queue for a CPU (`waitMs`: other threads and processes had them), and the rest blocked (a lock, I/O,
 * a sleep); `atMs`, when it ended, ms after the probe started. `onCpuMs` and `waitMs` are undefined where
 * schedstat is not readable. `over50PerMin`: gaps of 50 ms or more (the stall goal of issue 16) per minute
 * of probing, a figure less at the mercy of one unlucky moment than the longest. `maxOnCpuMs`: the most
 * CPU time the thread used between two ticks (Linux): its longest piece of work, whatever the machine's load.
 */
export function gapProbe(): { stop: () => Gap } {
  const file = `/proc/${process.pid}/task/${process.pid}/schedstat`;
  const stat = (): [number, number] | undefined => {
    try {
      const [run, wait] = readFileSync(file, 'utf8').split(' ').map(Number);
      return [run as number, wait as number];
    } catch {
      return undefined;
    }
  };
  const start = performance.now();
  let last = start;
  let lastStat = stat();
  let worst: Omit<Gap, 'over50PerMin' | 'maxOnCpuMs'> = { gapMs: 0, atMs: 0, onCpuMs: lastStat && 0, waitMs: lastStat && 0 };
  let over50 = 0;
  let maxOnCpu: { ms: number; atMs: number } | undefined;
  const timer = setInterval(() => {
    const now = performance.now();
    const st = lastStat === undefined ? undefined : stat();
    const gap = now - last - 5;
    if (gap >= 50) over50++;
    if (st && lastStat && (st[0] - lastStat[0]) / 1e6 > (maxOnCpu?.ms ?? 0)) maxOnCpu = { ms: (st[0] - lastStat[0]) / 1e6, atMs: now - start };
    if (gap > worst.gapMs) {
      const atMs = now - start;
      worst = st && lastStat ? { gapMs: gap, atMs, onCpuMs: (st[0] - lastStat[0]) / 1e6, waitMs: (st[1] - lastStat[1]) / 1e6 } : { gapMs: gap, atMs };
    }
    last = now;
    lastStat = st;
  }, 5);
  return { stop: () => {
    clearInterval(timer);
    return { ...worst, over50PerMin: over50 / Math.max((performance.now() - start) / 60_000, 1 / 60),
      ...(maxOnCpu ? { maxOnCpuMs: maxOnCpu.ms, maxOnCpuAtMs: maxOnCpu.atMs } : {}) };
  } };
}

/** What gapProbe found. */
export interface Gap {
  gapMs: number; atMs: number; onCpuMs?: number; waitMs?: number; over50PerMin: number; maxOnCpuMs?: number; maxOnCpuAtMs?: number;
}

/** CPU time of this process's threads, ms, by kind (Linux; undefined elsewhere). */
export interface ThreadCpu {
  /** The main thread (its event loop). */
  main: number;
  /** Threads below the main thread's priority (nice > 0: feeds, pages, clusterer, checkpoints; workers/priority.ts). */
  background: number;
  /** The other threads at the main thread's priority: V8's platform threads (garbage collection and compiling for every thread's heap), libuv's. */
  helpers: number;
}

/**
 * Each thread's CPU time so far (/proc/self/task/TID/stat, utime + stime, 10 ms ticks), by thread id, with
 * its nice value. threadCpuSince(before) gives what the threads did since: a thread gone in between
 * (a pool's thread replaced) is not counted.
 */
export function threadTimes(): Map<number, { ms: number; nice: number }> | undefined {
  try {
    const out = new Map<number, { ms: number; nice: number }>();
    for (const tid of readdirSync('/proc/self/task')) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { ms: (Number(f[11]) + Number(f[12])) * 10, nice: Number(f[16]) });
    }
    return out;
  } catch {
    return undefined;
  }
}

export function threadCpuSince(before: ReturnType<typeof threadTimes>): ThreadCpu | undefined {
  const after = threadTimes();
  if (!before || !after) return undefined;
  const cpu: ThreadCpu = { main: 0, background: 0, helpers: 0 };
  for (const [tid, t] of after) {
    const ms = t.ms - (before.get(tid)?.ms ?? 0);
    if (tid === process.pid) cpu.main += ms;
    else if (t.nice > 0) cpu.background += ms;
    else cpu.helpers += ms;
  }
  return cpu;
}
