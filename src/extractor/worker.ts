// Worker-thread side of the extractor pool: extract one page per task, answer with what the page gave
// (text, metadata, verdict) or the error message. A page that takes too long is stopped by the pool
// terminating this thread.
import { serveTasks } from '../workers/pool.js';
import { extractPage, ExtractError, type DomImpl } from './index.js';

export interface ExtractRequest { html: string; url: string; dom?: DomImpl }

serveTasks((req: ExtractRequest) => extractPage(req.html, req.url, { dom: req.dom }),
  (err) => (err instanceof ExtractError ? err.message : `extractor: ${err instanceof Error ? err.message : String(err)}`));
