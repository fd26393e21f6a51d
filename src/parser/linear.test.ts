// Every pass over untrusted bytes is linear (issue 10 item 1): charset decoding, format detection and
// parsing, on the constructs that made the old regular-expression pre-passes quadratic and on every
// recovery path of issue 15. The one place in the suite where time is asserted, built not to flake:
// each sample processes the same number of bytes (the 60 KB document 16 times, the 240 KB one 4 times,
// the 960 KB one once), so a linear parser takes about as long for each and a quadratic one 16 times
// longer for the largest; the fastest of interleaved samples; the bound (8×) sits between what these
// linear passes show (≤ 3.5×) and quadratic (16×), and the absolute ceiling is far above a loaded machine's.
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../fetcher/charset.js';
import { detectFormat, parseFeed } from './index.js';

// ---- Tunables -------------------------------------------------------------------------------------
const SIZES_KB = [60, 240, 960] as const;
/** Interleaved samples per size; the fastest is used (noise only ever adds time). */
const SAMPLES = 3;
/**
 * Largest-vs-smallest time for the same bytes: 16 when quadratic; 0.5–3.5 measured for these linear passes
 * (a large document's tree outlives the young generation and the caches, so it costs a little more per byte).
 */
const MAX_GROWTH = 8;
/** Any one sample (960 KB of hostile input) must finish within this (normal: 5–300 ms). */
const CEILING_MS = 4_000;
// ---------------------------------------------------------------------------------------------------

const RSS_HEAD = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>' +
  '<item><title>complete</title><link>https://x.example/1</link></item><item><title>';
const RSS_TAIL = '</title></item></channel></rss>';
const fill = (unit: string, kb: number) => unit.repeat(Math.ceil((kb * 1024) / unit.length));

/** Hostile or recovering documents of about `kb` kilobytes. */
const CONSTRUCTS: [name: string, make: (kb: number) => string][] = [
  ['unclosed "<a" repeated', (kb) => RSS_HEAD + fill('<a ', kb)],
  ['unclosed "<![CDATA[" repeated', (kb) => RSS_HEAD + fill('<![CDATA[x', kb)],
  ['unclosed "<!--" repeated', (kb) => RSS_HEAD + fill('<!--x', kb)],
  ['unclosed attribute value repeated', (kb) => RSS_HEAD + fill('<a b="', kb)],
  ['valid Atom with many <content type="xhtml"/>', (kb) => '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>' +
    `${fill('<entry><id>x</id><title>t</title><content type="xhtml"/></entry>', kb)}</feed>`],
  ['cut-off document with many complete items (issue 15 item 1)', (kb) => '<rss><channel>' +
    `${fill('<item><title>t</title><description>d</description></item>', kb)}<item><title>cut`],
  ['end tags missing inside every item (implied closes)', (kb) => `<rss><channel>${fill('<item><title>t</title><b><i></item>', kb)}</channel></rss>`],
  ['stray end tags', (kb) => `${RSS_HEAD}x</title>${fill('</b>', kb)}</item></channel></rss>`],
  ['unescaped markup in a text element (issue 15 item 5)', (kb) => `${RSS_HEAD}x</title><description>${fill('<p>a <b>b</b></p>', kb)}</description></item></channel></rss>`],
  ['entity and windows-1252 references, double-encoded UTF-8', (kb) => RSS_HEAD + fill('&amp;&#146;&nbsp;&bogus& â€™Ã© ', kb) + RSS_TAIL],
  ['nesting past the depth cap, repeated (refused)', (kb) => RSS_HEAD + fill('<d>', kb)],
];

/** Decode, detect and parse, as ingest does; a refusal counts as done (it must be quick too). */
async function pipeline(bytes: Buffer): Promise<void> {
  const text = decodeBody(bytes);
  detectFormat(text);
  await parseFeed(text, { baseUrl: 'https://x.example/' }).catch(() => undefined);
}


describe('parsing time grows linearly with the document (same bytes per sample at 60, 240 and 960 KB)', () => {
  for (const [name, make] of CONSTRUCTS) {
    it(name, async () => {
      const docs = SIZES_KB.map((kb) => Buffer.from(make(kb), 'utf8'));
      await pipeline(docs[0] as Buffer); // warm-up (JIT)
      const samples: number[][] = SIZES_KB.map(() => []);
      for (let s = 0; s < SAMPLES; s++) {
        for (const [i, doc] of docs.entries()) {
          const repeat = (SIZES_KB[SIZES_KB.length - 1] as number) / (SIZES_KB[i] as number);
          const t = performance.now();
          for (let r = 0; r < repeat; r++) await pipeline(doc);
          const ms = performance.now() - t;
          expect(ms, `${SIZES_KB[i]} KB × ${repeat}: ${ms.toFixed(0)} ms`).toBeLessThan(CEILING_MS);
          (samples[i] as number[]).push(ms);
        }
      }
      const [small, , large] = samples.map((xs) => Math.min(...xs)) as [number, number, number];
      const growth = large / Math.max(small, 1);
      expect(growth, `${name}: 60 KB ×16 ${small.toFixed(1)} ms vs 960 KB ×1 ${large.toFixed(1)} ms`).toBeLessThan(MAX_GROWTH);
    }, 60_000);
  }
});
