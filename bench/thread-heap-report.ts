// Sums up what bench/thread-heap.mjs wrote for one process: per thread, its peak V8 heap (used, reserved),
// external and malloced memory and busy time; and the process's peak RSS with what each thread held then.
// Run: tsx bench/thread-heap-report.ts DIR
import { readdirSync, readFileSync } from 'node:fs';

/** One line of bench/thread-heap.mjs: MiB, except t and activeMs (ms); rss, hwm, anon, threads on the main thread only. */
interface ThreadSample {
  t: number;
  kind: string;
  used: number;
  total: number;
  external: number;
  malloced: number;
  activeMs: number;
  rss?: number;
  hwm?: number;
  anon?: number;
  threads?: number;
}

const dir = process.argv[2] ?? '';
const threads = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().map((f) => ({
  tid: f.replace(/^\d+-|\.jsonl$/g, ''),
  samples: readFileSync(`${dir}/${f}`, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ThreadSample),
})).filter((t) => t.samples.length > 0);
const max = (xs: ThreadSample[], f: (s: ThreadSample) => number) => Math.max(...xs.map(f));
const main = threads.find((t) => t.samples[0]?.kind === 'main')?.samples ?? [];
const peak = main.reduce((a, s) => ((s.rss ?? 0) > (a.rss ?? 0) ? s : a), main[0] as ThreadSample);
console.log('| thread | samples | heap used, peak | heap reserved, peak | external, peak | malloced, peak | busy |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
let reserved = 0;
for (const { tid, samples } of threads) {
  const kind = samples[0]?.kind;
  const total = max(samples, (s) => s.total);
  reserved += total + max(samples, (s) => s.external);
  console.log(`| ${kind} (${tid}) | ${samples.length} | ${max(samples, (s) => s.used).toFixed(0)} MiB | ${total.toFixed(0)} MiB | ` +
    `${max(samples, (s) => s.external).toFixed(0)} MiB | ${max(samples, (s) => s.malloced).toFixed(0)} MiB | ${((samples.at(-1)?.activeMs ?? 0) / 1000).toFixed(1)} s |`);
}
console.log(`\npeak RSS ${max(main, (s) => s.hwm ?? 0).toFixed(0)} MiB (anonymous ${peak?.anon?.toFixed(0)} MiB, ${peak?.threads} OS threads at ${((peak?.t ?? 0) / 1000).toFixed(1)} s); ` +
  `sum of the threads' peak heaps reserved + external ${reserved.toFixed(0)} MiB`);
