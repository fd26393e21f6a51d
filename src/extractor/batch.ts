// `storyfeed extract --input LIST.jsonl`: many pages, one JSON line each, in input order. Input lines are
// {"id", "url", "file"}; the caller supplies how a file becomes text and how a page is extracted (the
// worker pool), so this module only narrows the input, keeps the order, bounds what is in flight, and
// turns every failure into that line's "error" — a bad line or page never stops the batch.
import type { PageExtraction, Verdict } from './index.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Pages read and extracting at once, per extraction thread (keeps the threads busy, memory bounded). */
const IN_FLIGHT_PER_THREAD = 4;
// ---------------------------------------------------------------------------------------------------

export interface BatchInput {
  id: string | number;
  url: string;
  file: string;
}

/** One output line. Keys are always present (null when unknown); reason and error only when they apply. */
export interface BatchLine {
  id: string | number | null;
  text: string | null;
  title: string | null;
  byline: string | null;
  published: string | null;
  lang: string | null;
  /** Beyond the contract's fields (an extension): the site's name. */
  siteName: string | null;
  verdict: Verdict | null;
  reason?: string;
  error?: string;
}

export interface BatchDeps {
  /** The page's text from its file (decoding and decompression are the caller's). */
  read: (file: string) => Promise<string>;
  extract: (html: string, url: string) => Promise<PageExtraction>;
  write: (line: BatchLine) => void;
  threads: number;
}

export interface BatchSummary {
  pages: number;
  errors: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One input line narrowed to a BatchInput, or the reason it is not one. */
export function parseBatchLine(raw: string): BatchInput | { id: string | number | null; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { id: null, error: `not JSON: ${(err as Error).message}` };
  }
  if (!isRecord(value)) return { id: null, error: 'not a JSON object' };
  const id = typeof value.id === 'string' || typeof value.id === 'number' ? value.id : null;
  if (id === null) return { id: null, error: '"id" must be a string or a number' };
  // The page's address resolves its relative links; one that is not an http(s) URL leaves them unresolved (dropped).
  if (typeof value.url !== 'string' || !value.url.trim()) return { id, error: '"url" must be a non-empty string (the page address)' };
  if (typeof value.file !== 'string' || !value.file) return { id, error: '"file" must be a non-empty string' };
  return { id, url: value.url, file: value.file };
}

function failed(id: string | number | null, error: string): BatchLine {
  return { id, text: null, title: null, byline: null, published: null, lang: null, siteName: null, verdict: null, error };
}

async function runOne(input: BatchInput | { id: string | number | null; error: string }, n: number, deps: BatchDeps): Promise<BatchLine> {
  if ('error' in input) return failed(input.id, `line ${n}: ${input.error}`);
  try {
    const page = await deps.extract(await deps.read(input.file), input.url);
    const line: BatchLine = { id: input.id, text: page.text, title: page.title ?? null, byline: page.byline ?? null,
      published: page.published ?? null, lang: page.lang ?? null, siteName: page.siteName ?? null, verdict: page.verdict };
    if (page.reason) line.reason = page.reason;
    return line;
  } catch (err) {
    return failed(input.id, err instanceof Error ? err.message : String(err));
  }
}

/** Extract every page of the list; lines are written in input order as soon as the next one is done. */
export async function extractBatch(lines: AsyncIterable<string>, deps: BatchDeps): Promise<BatchSummary> {
  const window = Math.max(1, deps.threads * IN_FLIGHT_PER_THREAD);
  const pending: Promise<BatchLine>[] = [];
  let pages = 0;
  let errors = 0;
  const emit = async () => {
    const line = await (pending.shift() as Promise<BatchLine>);
    if (line.error) errors++;
    deps.write(line);
  };
  let n = 0;
  for await (const raw of lines) {
    n++;
    if (!raw.trim()) continue;
    pages++;
    pending.push(runOne(parseBatchLine(raw), n, deps));
    if (pending.length >= window) await emit();
  }
  while (pending.length) await emit();
  return { pages, errors };
}
