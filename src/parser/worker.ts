// Worker-thread side of the parser pool: parse one feed document per task, answer with the parsed feed
// or the error message. A document that takes too long is stopped by the pool terminating this thread.
import { serveTasks } from '../workers/pool.js';
import { parseFeed, ParseError } from './index.js';

export interface ParseRequest { text: string; baseUrl: string; now?: string; maxItems?: number }

serveTasks((req: ParseRequest) => parseFeed(req.text, {
  baseUrl: req.baseUrl, now: req.now ? new Date(req.now) : undefined, maxItems: req.maxItems,
}), (err) => (err instanceof ParseError ? err.message : `parser: ${err instanceof Error ? err.message : String(err)}`));
