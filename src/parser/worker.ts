// Worker-thread side of the parser pool: one feed document per task, parsed (`parse`: the parsed feed)
// or read for the ingest (`read`: a response body decoded, parsed, fingerprinted, new items cleaned, or
// an HTML page's feed links found), or the error message. A
// document that takes too long is stopped by the pool terminating this thread.
import { readDocument, type ReadDocument } from '../ingest/clean.js';
import { itemFeatures } from '../ingest/cluster.js';
import type { ParsedFeed } from '../model/index.js';
import { serveTasks } from '../workers/pool.js';
import { parseFeed, ParseError, type ParseOptions } from './index.js';

interface DocumentOptions { baseUrl: string; now?: string; maxItems?: number }
export type FeedRequest = DocumentOptions & ({ kind: 'parse'; text: string } |
  { kind: 'read'; body: Uint8Array; charset?: string; known: readonly string[]; discover: boolean; analyse?: boolean });

// The clusterer's analysis once before the thread says it is ready: its first call builds tables (a
// language's stemmer, the language profiles) that would otherwise count against the first feed's budget.
itemFeatures('Storyfeed is ready to read feeds', '<p>The first sentence of a short text, in English, to analyse once.</p>');

serveTasks((req: FeedRequest): Promise<ParsedFeed | ReadDocument> => {
  const opts: ParseOptions = { baseUrl: req.baseUrl, now: req.now ? new Date(req.now) : undefined, maxItems: req.maxItems };
  return req.kind === 'read' ? readDocument(req.body, req.charset, opts, req.known, req.discover, req.analyse) : parseFeed(req.text, opts);
}, (err) => (err instanceof ParseError ? err.message : `parser: ${err instanceof Error ? err.message : String(err)}`));
