// Every field extractPage gives for each of the 990 development pages (or its error), one JSON line per
// page, in the set's order: run it on two versions of the extractor and compare the files (`cmp`) to show
// that a speed change left the outputs as they were.
// Run: npx tsx bench/extract-outputs.ts OUT.jsonl [EXTRACTOR]   (EXTRACTOR: the path of another checkout's
// src/extractor/index.ts; default this one's)
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { decodeBody } from '../src/fetcher/index.js';

const [out, code = '../src/extractor/index.js'] = process.argv.slice(2);
if (!out) throw new Error('usage: tsx bench/extract-outputs.ts OUT.jsonl [EXTRACTOR]');
const { extractPage } = (await import(code)) as typeof import('../src/extractor/index.js');
const dir = new URL('../../shared/data/extraction-dev/', import.meta.url);
const truth = readFileSync(new URL('truth.jsonl', dir), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string; url: string });
const lines = truth.map((t) => {
  const html = decodeBody(gunzipSync(readFileSync(new URL(`pages/${t.key}.html.gz`, dir))));
  let r: unknown;
  try {
    r = extractPage(html, /^https?:/.test(t.url) ? t.url : 'https://dev.example/');
  } catch (err) {
    r = { error: (err as Error).message };
  }
  return JSON.stringify({ key: t.key, r });
});
writeFileSync(out, `${lines.join('\n')}\n`);
