// Feed parsing off the main thread, with a time budget per document (issue 10): every pass of the
// parser is linear, and this is the second line of defence — a document that still takes too long
// (a huge one on a loaded machine, a bug we don't know of) must not stall the cycle, the HTTP server
// or SIGTERM handling. Each document runs in a worker thread; past the budget the thread is terminated
// and replaced, and that source fails alone with a ParseError (recorded failing, retried with backoff).
// The same shape as extractor/pool.ts.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedFeed } from '../model/index.js';
import { ParseError, type ParseOptions } from './index.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Wall time one document may take to parse (ordinary feeds take 1–20 ms, a 5 MB one ~0.3 s). */
export const FEED_PARSE_BUDGET_MS = 5_000;
/** Worker threads: parsing is short and CPU-bound; two keep one slow document from queueing the rest. */
const MAX_THREADS = 2;
// ---------------------------------------------------------------------------------------------------

/** The worker script beside this module when built (dist/), else the built copy (tests run from src/). */
function workerScript(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/parser/worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new ParseError('parser worker script missing: run `npm run build`');
}

interface Task {
  id: number;
  text: string;
  opts: ParseOptions;
  resolve: (f: ParsedFeed) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  /** The thread has loaded its modules (the budget never counts thread start-up). */
  ready: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
}

export class ParserPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  constructor(private readonly size = Math.max(1, Math.min(MAX_THREADS, availableParallelism())),
    readonly budgetMs = FEED_PARSE_BUDGET_MS) {}

  /** parseFeed in a worker thread; rejects with a ParseError (also when the budget runs out). */
  parse(text: string, opts: ParseOptions): Promise<ParsedFeed> {
    if (this.closed) return Promise.reject(new ParseError('parser pool closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, text, opts, resolve, reject });
      this.pump();
    });
  }

  private spawn(): void {
    const slot: Slot = { worker: new Worker(workerScript()), ready: false };
    // Idle threads never keep the process alive; a starting or busy one does.
    slot.worker.on('message', (msg: { ready?: boolean; id?: number; feed?: ParsedFeed; error?: string }) => {
      if (msg.ready) {
        slot.ready = true;
        slot.worker.unref();
        this.pump();
        return;
      }
      const task = slot.task;
      if (!task || task.id !== msg.id) return;
      this.finish(slot);
      if (msg.feed) task.resolve(msg.feed);
      else task.reject(new ParseError(msg.error ?? 'parsing failed'));
      this.pump();
    });
    slot.worker.on('error', (err) => this.fail(slot, `parser thread crashed: ${err.message}`));
    slot.worker.on('exit', () => this.fail(slot, 'parser thread exited'));
    this.slots.push(slot);
  }

  private finish(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.task = undefined;
    slot.timer = undefined;
    slot.worker.unref();
  }

  /** The slot's thread is gone (crash, exit, or terminated for time): fail its task, forget the slot. */
  private fail(slot: Slot, reason: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    clearTimeout(slot.timer);
    slot.task?.reject(new ParseError(reason));
    if (!slot.ready) {
      // A thread that dies while starting would die again: fail the waiting documents instead of looping.
      for (const t of this.queue.splice(0)) t.reject(new ParseError(`parser thread failed to start: ${reason}`));
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
      const task = this.queue.shift() as Task;
      idle.task = task;
      idle.worker.ref();
      idle.timer = setTimeout(() => {
        void idle.worker.terminate();
        this.fail(idle, `feed took longer than ${this.budgetMs} ms to parse (stopped)`);
      }, this.budgetMs);
      const { baseUrl, now, maxItems } = task.opts;
      idle.worker.postMessage({ id: task.id, text: task.text, baseUrl, now: now?.toISOString(), maxItems });
    }
  }

  /** Stop every thread; queued documents fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new ParseError('parser pool closed'));
    await Promise.all(this.slots.splice(0).map((s) => {
      clearTimeout(s.timer);
      s.task?.reject(new ParseError('parser pool closed'));
      return s.worker.terminate();
    }));
  }
}
