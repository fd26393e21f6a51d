// A pool of worker threads with a time budget per task, shared by the parser (feeds) and the extractor
// (article pages): CPU-bound work that must never stall the event loop, nor run for ever. Each task runs
// in a thread of its own; past the budget that thread is terminated and replaced, and the task fails
// alone. A thread's start-up (loading its modules) never counts against a budget: a thread says when it
// is ready. Idle threads never keep the process alive; a starting or busy one does.
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
}

export interface PoolOptions {
  /** The worker script (see `workerScript`). Resolved when the first thread starts. */
  script: () => URL;
  /** Most threads at once. */
  size: number;
  /** Wall time one task may take, ms. */
  budgetMs: number;
  messages: PoolMessages;
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

  constructor(private readonly opts: PoolOptions) {}

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
      this.queue.push({ id: this.nextId++, request, transfer, resolve, reject });
      this.pump();
    });
  }

  private spawn(): void {
    const m = this.opts.messages;
    let worker: Worker;
    try {
      worker = new Worker(this.opts.script());
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
    worker.on('error', (err) => this.fail(slot, `${m.thread} crashed: ${err.message}`));
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
        if (this.slots.length < this.opts.size && !this.slots.some((s) => !s.ready)) this.spawn();
        return;
      }
      const task = this.queue.shift() as Task<Req, Res>;
      idle.task = task;
      idle.worker.ref();
      idle.timer = setTimeout(() => {
        void idle.worker.terminate();
        this.fail(idle, this.opts.messages.overBudget(this.opts.budgetMs));
      }, this.opts.budgetMs);
      idle.worker.postMessage({ id: task.id, request: task.request } satisfies TaskMessage<Req>, [...task.transfer]);
    }
  }

  /** Stop every thread; queued and running tasks fail, new ones are refused. */
  async close(): Promise<void> {
    const m = this.opts.messages;
    this.closed = true;
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
