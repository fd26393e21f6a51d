// The peer of bench/cycle.ts, in a process of its own: the same feed URLs fetched with the same
// concurrency and HTTP client (undici, 16 at a time, keep-alive), each 200 parsed with rss-parser,
// nothing stored. Conditional GET with the ETag of its previous cycle, as a polite reader does.
// Prints one JSON line of figures per cycle (the same fields as cycle-ours.ts).
// Run by bench/cycle.ts: tsx bench/cycle-peer.ts BASE FEEDS KINDS
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pLimit from 'p-limit';
import Parser from 'rss-parser';
import { Agent, fetch } from 'undici';
import type { CycleFigures } from './cycle-ours.js';
import { gapProbe } from './lib.js';

const [base = '', feedsArg = '1000', kindsArg = 'first,304,unchanged'] = process.argv.slice(2);
const FEEDS = Number(feedsArg);
const CONCURRENCY = 16;

const dispatcher = new Agent({ connections: 64 });
const parser = new Parser();
const etags = new Map<number, string>();

async function cycle(kind: string): Promise<CycleFigures> {
  const limit = pLimit(CONCURRENCY);
  const h = monitorEventLoopDelay({ resolution: 5 });
  const t0 = performance.now();
  h.enable();
  const gaps = gapProbe();
  let items = 0;
  let failed = 0;
  let notModified = 0;
  await Promise.all(Array.from({ length: FEEDS }, (_, f) => limit(async () => {
    try {
      const etag = etags.get(f);
      const res = await fetch(`${base}/feed/${f}.xml`, { dispatcher, headers: etag ? { 'If-None-Match': etag } : {} });
      if (res.status === 304) {
        notModified++;
        await res.arrayBuffer();
        return;
      }
      const text = await res.text();
      const feed = await parser.parseString(text);
      items += feed.items.length;
      const tag = res.headers.get('etag');
      if (tag) etags.set(f, tag);
    } catch {
      failed++;
    }
  })));
  h.disable();
  const gap = gaps.stop();
  return { kind, ms: performance.now() - t0, items, inserted: 0, updated: 0, failed, notModified, extracted: 0, extractFailed: 0,
    stallMs: h.max / 1e6, stallOnCpuMs: gap.onCpuMs, stallWaitMs: gap.waitMs, stallAtMs: gap.atMs, stallsOver50PerMin: gap.over50PerMin, longestWorkMs: gap.maxOnCpuMs, longestWorkAtMs: gap.maxOnCpuAtMs, rssMiB: process.resourceUsage().maxRSS / 1024 };
}

for (const kind of kindsArg.split(',')) {
  await fetch(`${base}/_mode?conditional=${kind === 'unchanged' ? 0 : 1}`, { dispatcher }).then((r) => r.arrayBuffer());
  process.stdout.write(`${JSON.stringify(await cycle(kind))}\n`);
}
await dispatcher.close();
