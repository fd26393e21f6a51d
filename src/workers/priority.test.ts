import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterThread } from '../ingest/cluster-thread.js';
import { silentLogger } from '../log/index.js';
import { ParserPool } from '../parser/pool.js';
import { Store } from '../storage/index.js';
import { BACKGROUND_NICE } from './priority.js';

/** Each thread of this process: its nice value (/proc/self/task/TID/stat, field 19). */
function niceOfThreads(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(fields[16]));
  }
  return out;
}

describe.runIf(process.platform === 'linux')('background threads (Linux)', () => {
  it('the parser, cluster and checkpoint threads run below the main thread, which keeps its priority', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'storyfeed-priority-'));
    const store = Store.open(join(dir, 'db.sqlite'));
    const before = niceOfThreads();
    const parser = new ParserPool(2);
    const cluster = new ClusterThread(store, silentLogger());
    try {
      await parser.parse('<rss version="2.0"><channel><title>t</title></channel></rss>', { baseUrl: 'http://127.0.0.1/' });
      await cluster.heap();
      store.checkpointInBackground(() => {});
      await new Promise((r) => setTimeout(r, 300));
      const after = niceOfThreads();
      expect(after.get(process.pid)).toBe(before.get(process.pid));
      const lowered = [...after].filter(([tid, nice]) => !before.has(tid) && nice === BACKGROUND_NICE);
      // One parser thread started at least (the pool starts its threads as documents come), the cluster thread, the checkpointer.
      expect(lowered.length).toBeGreaterThanOrEqual(3);
      // Nothing that was there before (the main thread, V8's and libuv's helpers) was lowered.
      for (const [tid, nice] of before) if (after.has(tid)) expect(after.get(tid)).toBe(nice);
    } finally {
      await parser.close();
      await cluster.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
