// Worker-thread side of the parser pool: parse one feed document per message, reply with the parsed
// feed or the error message. A document that takes too long is stopped by the pool terminating this thread.
import { parentPort } from 'node:worker_threads';
import { parseFeed, ParseError } from './index.js';

export interface ParseRequest { id: number; text: string; baseUrl: string; now?: string; maxItems?: number }

// Modules are loaded: the pool may start this thread's clock for a document now.
parentPort?.postMessage({ ready: true });

parentPort?.on('message', (req: ParseRequest) => {
  parseFeed(req.text, {
    baseUrl: req.baseUrl, now: req.now ? new Date(req.now) : undefined, maxItems: req.maxItems,
  }).then((feed) => parentPort?.postMessage({ id: req.id, feed }), (err: unknown) => {
    const message = err instanceof ParseError ? err.message : `parser: ${err instanceof Error ? err.message : String(err)}`;
    parentPort?.postMessage({ id: req.id, error: message });
  });
});
