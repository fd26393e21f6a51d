// A pool of worker threads with a time budget per task, shared by the parser (feeds) and the extractor
// (article pages): CPU-bound work that must never stall the event loop, nor run for ever. Each task runs
// in a thread of its own; past the budget that thread is terminated and replaced, and the task fails
// alone. A thread's start-up (loading its modules) never counts against a budget: a thread says when it
// is ready. Idle threads never keep the process alive; a starting or busy one does.
//
// Memory (issue 12): each thread is a V8 heap of its own, and a heap without limits grows far past what
// it holds (V8 sizes a heap's first collections from its limit: a parser thread that held ~13 MB reached
// 90 MB by the end of a first cycle of 200 feeds, 180 MB at 1,000). A pool may give its threads a young
// generation and a heap limit (`heap`); a task that needs more than the limit fails alone, as one past its
// budget does. And a pool may keep to one thread while it keeps up (`spareAfterMs`): another starts only
// when the queue has not moved for that long (a slow document holds the thread), so that a steady stream
// of short tasks costs one heap, not `size`.
//
// The thread side is `serveTasks` below: the worker script calls it with its handler. What a dependency
// prints in a thread (console.*) is handed to the main thread's console, which the commands route to
// their log: never to stdout, and never lost.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { parentPort, Worker, type Transferable } from 'node:worker_threads';
import { runInBackground } from './priority.js';

/** What a pool says when it fails a task, in the words of its stage ("parser thread crashed: …"). */
export interface PoolMessages {
  /** The stage's own error for a failed task (ParseError, ExtractError). */
  error: (message: string) => Error;
  /** "parser pool closed" */
  closed: string;
  /** The thread, as a message names it: "parser thread". */
  thread: string;
  /** What a task past the budget fails with: "feed took longer than 5000 ms to parse (stopped)". */
  overBudget: (budgetMs: number) => string;
  /** What a task fails with when its thread runs out of heap: "feed needs more than 256 MB of memory to parse (stopped)". */
  overHeap?: (heapMb: number) => string;
}

/** A thread's V8 heap: its young generation and its whole heap limit, MB (Worker resourceLimits). */
export interface ThreadHeap {
  youngMb: number;
  limitMb: number;
}

export interface PoolOptions {
  /** The worker script (see `workerScript`). Resolved when the first thread starts. */
  script: () => URL;
  /** Most threads at once. */
  size: number;
  /** Wall time one task may take, ms. */
  budgetMs: number;
  messages: PoolMessages;
  /** Limits of each thread's heap; without, V8's defaults (sized from the machine's memory). */
  heap?: ThreadHeap;
  /**
   * Threads past the first start only once the oldest queued task has waited this long, ms (0 or
   * absent: at once, up to `size`).
   */
  spareAfterMs?: number;
}

/** Pool -> thread: one task. */
interface TaskMessage<Req> { id: number; request: Req }
/** The console methods a thread's dependencies may call. */
type ConsoleLevel = 'log' | 'info' | 'debug' | 'warn' | 'error';
const CONSOLE_LEVELS: readonly ConsoleLevel[] = ['log', 'info', 'debug', 'warn', 'error'];
/** Thread -> pool: ready, the outcome of a task, or something printed. */
type ThreadMessage<Res> = { ready: true } | { id: number; value: Res } | { id: number; error: string } |
  { console: ConsoleLevel; text: string };

interface Task<Req, Res> {
  id: number;
  /** When it was queued (performance.now()). */
  queuedAt: number;
  request: Req;
  transfer: readonly Transferable[];
  resolve: (r: Res) => void;
  reject: (e: Error) => void;
}

interface Slot<Req, Res> {
  worker: Worker;
  ready: boolean;
  task?: Task<Req, Res>;
  timer?: NodeJS.Timeout;
}

/**
 * The worker script `name` beside the calling module when it runs built (dist/), else the built copy
 * (tests and benchmarks run the TypeScript sources; `npm install` builds dist/). `base` is the caller's
 * import.meta.url, `dir` its folder under src/.
 */
export function workerScript(base: string, dir: string, name: string, error: (message: string) => Error): URL {
  const here = new URL(`./${name}`, base);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(`../../dist/${dir}/${name}`, base);
  if (existsSync(fileURLToPath(built))) return built;
  throw error(`${dir} worker script missing: run \`npm run build\``);
}

export class TimedPool<Req, Res> {
  private readonly slots: Slot<Req, Res>[] = [];
  private readonly queue: Task<Req, Res>[] = [];
  private nextId = 0;
  private closed = false;
  /** Set while the pool waits to see whether the queue needs another thread (spareAfterMs). */
  private spareTimer?: NodeJS.Timeout;
  /** When a thread last took a task or became ready (performance.now()): the queue last moved. */
  private moved = 0;

  constructor(private readonly opts: PoolOptions) {}

  /** Threads running or starting now. */
  get threads(): number {
    return this.slots.length;
  }

  get budgetMs(): number {
    return this.opts.budgetMs;
  }

  /**
   * Run one task in a thread; rejects with the stage's error (also when the budget runs out). What
   * `transfer` lists (ArrayBuffers the caller gives up) moves to the thread instead of being copied.
   */
  run(request: Req, transfer: readonly Transferable[] = []): Promise<Res> {
    const m = this.opts.messages;
    if (this.closed) return Promise.reject(m.error(m.closed));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, queuedAt: performance.now(), request, transfer, resolve, reject });
      this.pump();
    });
  }

  private spawn(): void {
    const m = this.opts.messages;
    let worker: Worker;
    try {
      const heap = this.opts.heap;
      // workerData names the thread for bench/thread-heap.mjs (the thread itself ignores it).
      worker = new Worker(this.opts.script(), { workerData: { thread: m.thread },
        ...(heap ? { resourceLimits: { maxYoungGenerationSizeMb: heap.youngMb, maxOldGenerationSizeMb: heap.limitMb - heap.youngMb } } : {}) });
    } catch (err) {
      for (const t of this.queue.splice(0)) t.reject(err instanceof Error ? err : m.error(String(err)));
      return;
    }
    const slot: Slot<Req, Res> = { worker, ready: false };
    worker.on('message', (msg: ThreadMessage<Res>) => {
      if ('console' in msg) {
        console[msg.console](msg.text);
        return;
      }
      if ('ready' in msg) {
        slot.ready = true;
        this.moved = performance.now();
        worker.unref();
        this.pump();
        return;
      }
      const task = slot.task;
      if (!task || task.id !== msg.id) return;
      this.finish(slot);
      if ('value' in msg) task.resolve(msg.value);
      else task.reject(m.error(msg.error));
      this.pump();
    });
    worker.on('error', (err) => this.fail(slot, (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' && m.overHeap && this.opts.heap
      ? m.overHeap(this.opts.heap.limitMb) : `${m.thread} crashed: ${err.message}`));
    worker.on('exit', () => this.fail(slot, `${m.thread} exited`));
    this.slots.push(slot);
  }

  private finish(slot: Slot<Req, Res>): void {
    clearTimeout(slot.timer);
    slot.task = undefined;
    slot.timer = undefined;
    slot.worker.unref();
  }

  /** The slot's thread is gone (crash, exit, or terminated for time): fail its task, forget the slot. */
  private fail(slot: Slot<Req, Res>, reason: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    clearTimeout(slot.timer);
    slot.task?.reject(this.opts.messages.error(reason));
    if (!slot.ready) {
      // A thread that dies while starting would die again: fail the waiting tasks instead of looping.
      for (const t of this.queue.splice(0)) t.reject(this.opts.messages.error(`${this.opts.messages.thread} failed to start: ${reason}`));
      return;
    }
    this.pump();
  }

  private pump(): void {
    while (this.queue.length) {
      const idle = this.slots.find((s) => s.ready && !s.task);
      if (!idle) {
        // Start a thread if there is room and none is already starting; it pumps when ready.
        if (this.slots.length < this.opts.size && !this.slots.some((s) => !s.ready)) this.spawnIfWaited();
        return;
      }
      const task = this.queue.shift() as Task<Req, Res>;
      this.moved = performance.now();
      idle.task = task;
      idle.worker.ref();
      idle.timer = setTimeout(() => {
        void idle.worker.terminate();
        this.fail(idle, this.opts.messages.overBudget(this.opts.budgetMs));
      }, this.opts.budgetMs);
      idle.worker.postMessage({ id: task.id, request: task.request } satisfies TaskMessage<Req>, [...task.transfer]);
    }
  }

  /**
   * A thread for the queue: the first at once; another once the queue has not moved for spareAfterMs
   * (no thread took a task or became ready since, nor since the oldest task came: a slow task holds
   * every thread). Until then a timer looks again, unless a thread frees up first and pumps.
   */
  private spawnIfWaited(): void {
    const spare = this.opts.spareAfterMs ?? 0;
    const waited = performance.now() - Math.max(this.moved, (this.queue[0] as Task<Req, Res>).queuedAt);
    if (this.slots.length === 0 || waited >= spare) {
      this.spawn();
      return;
    }
    if (this.spareTimer) return;
    this.spareTimer = setTimeout(() => {
      this.spareTimer = undefined;
      this.pump();
    }, spare - waited);
    this.spareTimer.unref();
  }

  /** Stop every thread; queued and running tasks fail, new ones are refused. */
  async close(): Promise<void> {
    const m = this.opts.messages;
    this.closed = true;
    clearTimeout(this.spareTimer);
    for (const t of this.queue.splice(0)) t.reject(m.error(m.closed));
    await Promise.all(this.slots.splice(0).map((s) => {
      clearTimeout(s.timer);
      s.task?.reject(m.error(m.closed));
      return s.worker.terminate();
    }));
  }
}

/**
 * The thread side: say "ready" (modules are loaded: the pool may start a task's clock now), then answer
 * each task with the handler's value, or with `describe(err)` when it throws or rejects.
 */
export function serveTasks<Req, Res>(handler: (request: Req) => Res | Promise<Res>, describe: (err: unknown) => string): void {
  const port = parentPort;
  if (!port) return;
  runInBackground();
  for (const level of CONSOLE_LEVELS) {
    console[level] = (...args: unknown[]) => port.postMessage({ console: level, text: format(...args) } satisfies ThreadMessage<Res>);
  }
  port.postMessage({ ready: true } satisfies ThreadMessage<Res>);
  port.on('message', (msg: TaskMessage<Req>) => {
    let pending: Res | Promise<Res>;
    try {
      pending = handler(msg.request);
    } catch (err) {
      port.postMessage({ id: msg.id, error: describe(err) } satisfies ThreadMessage<Res>);
      return;
    }
    Promise.resolve(pending).then((value) => port.postMessage({ id: msg.id, value } satisfies ThreadMessage<Res>),
      (err: unknown) => port.postMessage({ id: msg.id, error: describe(err) } satisfies ThreadMessage<Res>));
  });
}
