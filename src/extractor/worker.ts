// Worker-thread side of the extractor pool: extract one page per message, reply with what the page
// gave (text, metadata, verdict) or the error message. A page that takes too long is stopped by the pool terminating this thread.
import { parentPort } from 'node:worker_threads';
import { extractPage, ExtractError, type DomImpl } from './index.js';

export interface ExtractRequest { id: number; html: string; url: string; dom?: DomImpl }

// Modules are loaded: the pool may start this thread's clock for a page now.
parentPort?.postMessage({ ready: true });

parentPort?.on('message', (req: ExtractRequest) => {
  try {
    parentPort?.postMessage({ id: req.id, page: extractPage(req.html, req.url, { dom: req.dom }) });
  } catch (err) {
    const message = err instanceof ExtractError ? err.message : `extractor: ${(err as Error).message}`;
    parentPort?.postMessage({ id: req.id, error: message });
  }
});
