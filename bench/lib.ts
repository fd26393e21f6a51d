// Helpers shared by the benchmarks.
import { readFileSync } from 'node:fs';

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
 * The longest gap of the main thread's event loop (a 5 ms timer that fires late), and how much of that gap
 * the thread spent on a CPU (Linux: /proc/<pid>/task/<pid>/schedstat, its run time; the rest it waited
 * for a CPU or on I/O). On a shared, loaded machine a gap is mostly waiting for a CPU; the on-CPU part is
 * what the process itself did. `onCpuMs` is undefined where schedstat is not readable.
 */
export function gapProbe(): { stop: () => { gapMs: number; onCpuMs?: number } } {
  const file = `/proc/${process.pid}/task/${process.pid}/schedstat`;
  const runNs = (): number | undefined => {
    try {
      return Number(readFileSync(file, 'utf8').split(' ')[0]);
    } catch {
      return undefined;
    }
  };
  let last = performance.now();
  let lastRun = runNs();
  let worst = { gapMs: 0, onCpuMs: lastRun === undefined ? undefined : 0 };
  const timer = setInterval(() => {
    const now = performance.now();
    const run = lastRun === undefined ? undefined : runNs();
    const gap = now - last - 5;
    if (gap > worst.gapMs) worst = { gapMs: gap, onCpuMs: run === undefined || lastRun === undefined ? undefined : (run - lastRun) / 1e6 };
    last = now;
    lastRun = run;
  }, 5);
  return { stop: () => { clearInterval(timer); return worst; } };
}
