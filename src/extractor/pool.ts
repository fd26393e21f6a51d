// Extraction off the main thread, with a time budget per page: Readability is synchronous, so a page
// that takes too long could otherwise stall a cycle (and the HTTP server with it). Each page runs in a
// worker thread; past the budget the thread is terminated and replaced, and that page fails alone.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ExtractError, type DomImpl, type PageExtraction } from './index.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Wall time one page may take to extract (ordinary pages take 10–50 ms). */
export const PAGE_TIME_BUDGET_MS = 5_000;
/** Worker threads: extraction is CPU-bound, so one per core, at most four. */
const MAX_THREADS = 4;
// ---------------------------------------------------------------------------------------------------

/**
 * The worker script: beside this module when built (dist/); when this module runs from TypeScript
 * sources (tests, benchmarks through tsx), the built copy in dist/, which `npm install` produces.
 */
function workerScript(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/extractor/worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new ExtractError('worker script missing: run `npm run build`');
}

interface Task {
  id: number;
  html: string;
  url: string;
  dom?: DomImpl;
  resolve: (a: PageExtraction) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  /** The thread has loaded its modules (the budget never counts thread start-up). */
  ready: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
}

/** The number of threads a pool starts by default: one per core, at most MAX_THREADS. */
export function poolThreads(): number {
  return Math.max(1, Math.min(MAX_THREADS, availableParallelism()));
}

export class ExtractorPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  constructor(private readonly size = poolThreads(),
    private readonly budgetMs = PAGE_TIME_BUDGET_MS) {}

  /** What extractPage gives for the page; rejects (ExtractError) when the page cannot be read or runs out of time. */
  extract(html: string, url: string, dom?: DomImpl): Promise<PageExtraction> {
    if (this.closed) return Promise.reject(new ExtractError('extractor pool closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, html, url, dom, resolve, reject });
      this.pump();
    });
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(workerScript()), ready: false };
    // Idle threads never keep the process alive; a starting or busy one does (ref'd until it is idle).
    slot.worker.on('message', (msg: { ready?: boolean; id?: number; page?: PageExtraction; error?: string }) => {
      if (msg.ready) {
        slot.ready = true;
        slot.worker.unref();
        this.pump();
        return;
      }
      const task = slot.task;
      if (!task || task.id !== msg.id) return;
      this.finish(slot);
      if (msg.page) task.resolve(msg.page);
      else task.reject(new ExtractError((msg.error ?? 'extraction failed').replace(/^extractor: /, '')));
      this.pump();
    });
    slot.worker.on('error', (err) => this.fail(slot, `worker crashed: ${err.message}`));
    slot.worker.on('exit', () => this.fail(slot, 'worker exited'));
    this.slots.push(slot);
    return slot;
  }

  private finish(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.task = undefined;
    slot.timer = undefined;
    slot.worker.unref();
  }

  /** The slot's worker is gone (crash, exit, or terminated for time): fail its task, forget the slot. */
  private fail(slot: Slot, reason: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const task = slot.task;
    clearTimeout(slot.timer);
    if (task) task.reject(new ExtractError(reason));
    if (!slot.ready) {
      // A thread that dies while starting would die again: fail the waiting pages instead of looping.
      for (const t of this.queue.splice(0)) t.reject(new ExtractError(`extraction thread failed to start: ${reason}`));
      return;
    }
    this.pump();
  }

  private pump(): void {
    while (this.queue.length) {
      const idle = this.slots.find((s) => s.ready && !s.task);
      if (!idle) {
        // Start a thread if there is room and none is already starting; it pumps when ready.
        if (this.slots.length < this.size && !this.slots.some((s) => !s.ready)) this.spawn();
        return;
      }
      const slot = idle;
      const task = this.queue.shift() as Task;
      slot.task = task;
      slot.worker.ref();
      slot.timer = setTimeout(() => {
        void slot.worker.terminate();
        this.fail(slot, `page took longer than ${this.budgetMs} ms to extract (stopped)`);
      }, this.budgetMs);
      slot.worker.postMessage({ id: task.id, html: task.html, url: task.url, dom: task.dom });
    }
  }

  /** Stop every thread; queued pages fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new ExtractError('extractor pool closed'));
    await Promise.all(this.slots.splice(0).map((s) => {
      clearTimeout(s.timer);
      s.task?.reject(new ExtractError('extractor pool closed'));
      return s.worker.terminate();
    }));
  }
}
