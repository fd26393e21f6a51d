// One lane of bench/extract.ts's thread comparison: a worker thread that extracts the page it is sent and
// answers how long that took. `workerData.kind`: "storyfeed" (extractPage of the extractor at
// `workerData.code`, by default this checkout's) or "readability" (Readability alone: linkedom, no options,
// textContent). The lanes take turns page by page, one at a time, so each is timed on the same machine
// state while its own heap (the thread's resourceLimits) carries only its own garbage.
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';

export interface LaneData { kind: 'storyfeed' | 'readability'; code?: string }
export interface LanePage { html: string; url: string }
/**
 * Wall time, the thread's time on a CPU (Linux schedstat; NaN elsewhere), ms, and the garbage collections'
 * time since the lane started (observed entries come in late, so a total, not per page), ms.
 */
export interface LaneAnswer { ms: number; cpuMs: number; gcTotalMs: number; chars: number }

// A thread lane gets its data as workerData, a process lane (node flags of its own) as an environment variable.
const { kind, code } = (parentPort ? workerData : JSON.parse(process.env.EXTRACT_LANE ?? '{}')) as LaneData;

/** This thread's time on a CPU so far, ms (/proc/thread-self/schedstat's first field, ns). */
function cpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });
const extractPage = kind === 'storyfeed'
  ? ((await import(code ?? '../src/extractor/index.js')) as typeof import('../src/extractor/index.js')).extractPage
  : undefined;

function run(html: string, url: string): string {
  try {
    if (extractPage) return extractPage(html, url).text;
    return new Readability(parseHTML(html).document as unknown as Document).parse()?.textContent ?? '';
  } catch {
    return '';
  }
}

const port = parentPort ?? (process.send ? { postMessage: (m: unknown) => process.send?.(m), on: process.on.bind(process) } : undefined);
if (port) {
  port.on('message', (page: LanePage) => {
    const c = cpuMs();
    const t = performance.now();
    const text = run(page.html, page.url);
    const ms = performance.now() - t;
    const cpu = cpuMs() - c;
    port.postMessage({ ms, cpuMs: cpu, gcTotalMs: gcMs, chars: text.length } satisfies LaneAnswer);
  });
  port.postMessage('ready');
}
