// Where a process's memory goes, thread by thread (issue 12): preloaded into a benchmark's process, every
// thread (the main one and each worker thread, which inherit the preload) appends its V8 heap figures
// every 50 ms to THREAD_HEAP_DIR/<pid>-<threadId>.jsonl; the main thread adds the process's RSS, its peak
// (VmHWM), its anonymous memory and threads (/proc/self/status, smaps_rollup). bench/thread-heap-report.ts
// sums them up. Plain JavaScript: a worker thread does not inherit tsx's loader for a preload. A thread
// busy in one long task samples only between tasks (its event loop runs the timer).
// Run: THREAD_HEAP_DIR=/tmp/heap node --import ./bench/thread-heap.mjs --import tsx bench/cycle-ours.ts BASE 200 first
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { isMainThread, threadId, workerData } from 'node:worker_threads';

const dir = process.env.THREAD_HEAP_DIR;
const MiB = 2 ** 20;

/** main, cluster, checkpoint, or the thread a pool names in its workerData ("parser thread", "extraction thread"). */
function kindOf() {
  if (isMainThread) return 'main';
  const d = workerData;
  if (typeof d?.thread === 'string') return d.thread;
  if (d && typeof d === 'object' && 'intervalMs' in d) return 'checkpoint';
  if (d && typeof d === 'object' && 'signal' in d) return 'cluster';
  return 'worker';
}

if (dir) {
  mkdirSync(dir, { recursive: true });
  const kind = kindOf();
  const file = `${dir}/${process.pid}-${threadId}.jsonl`;
  const t0 = performance.now();
  const field = (text, name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN);
  setInterval(() => {
    const h = getHeapStatistics();
    const s = { t: Math.round(performance.now() - t0), kind, used: h.used_heap_size / MiB, total: h.total_heap_size / MiB,
      external: h.external_memory / MiB, malloced: h.malloced_memory / MiB, activeMs: Math.round(performance.eventLoopUtilization().active) };
    if (isMainThread) {
      const status = readFileSync('/proc/self/status', 'utf8');
      s.rss = process.memoryUsage().rss / MiB;
      s.hwm = field(status, 'VmHWM') / 1024;
      s.threads = field(status, 'Threads');
      s.anon = field(readFileSync('/proc/self/smaps_rollup', 'utf8'), 'Anonymous') / 1024;
    }
    appendFileSync(file, `${JSON.stringify(s)}\n`);
  }, 50).unref();
}
