// What bench/cycle.ts serves: feeds of real headlines (UCI News Aggregator, ../shared), each item one to
// three paragraphs of further headlines, and an article page per item (for the full-text cycle). The
// same feed index always gives the same bytes, so every cycle, ours or the peer's, reads the same feeds.
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { rng } from './lib.js';

export const HEADLINES = (parse(readFileSync(new URL('../../shared/data/uci-news-headlines/headlines.csv', import.meta.url)),
  { columns: true }) as { TITLE: string }[]).map((r) => r.TITLE.trim());

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
const headline = (n: number): string => HEADLINES[((n % HEADLINES.length) + HEADLINES.length) % HEADLINES.length] as string;

/** A paragraph of 2–4 headlines read as sentences. */
function paragraph(r: () => number): string {
  return Array.from({ length: 2 + Math.floor(r() * 3) }, () => `${headline(Math.floor(r() * HEADLINES.length)).replace(/[.!?]*$/, '.')}`).join(' ');
}

/**
 * RSS 2.0 for feed `f`: `items` items, newest first, published over the 48 hours before `epoch` (the
 * server's start), each with a guid, a link to its page and 1–3 paragraphs of HTML description.
 */
export function feedXml(f: number, items: number, base: string, epoch: number): string {
  const r = rng(7_919 * f + 1);
  const out: string[] = [];
  for (let i = 0; i < items; i++) {
    const n = f * items + i;
    const paras = Array.from({ length: 1 + Math.floor(r() * 3) }, () => `<p>${esc(paragraph(r))}</p>`).join('');
    const published = new Date(epoch - ((n * 7_001) % (48 * 60)) * 60_000).toUTCString();
    out.push(`<item><title>${esc(headline(n))}</title><link>${base}/a/${f}/${i}?utm_source=rss</link>` +
      `<guid isPermaLink="false">bench-${f}-${i}</guid><pubDate>${published}</pubDate>` +
      `<description><![CDATA[${paras}]]></description></item>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Bench feed ${f}</title>` +
    `<link>${base}/site/${f}</link><description>bench</description>\n${out.join('\n')}\n</channel></rss>\n`;
}

/** The article page of item `i` of feed `f`: a headline, a byline and 5–9 paragraphs, with a little chrome. */
export function pageHtml(f: number, i: number, items: number): string {
  const r = rng(104_729 * f + i + 3);
  const title = esc(headline(f * items + i));
  const body = Array.from({ length: 5 + Math.floor(r() * 5) }, () => `<p>${esc(paragraph(r))} ${esc(paragraph(r))}</p>`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} | Site ${f}</title>
<meta property="og:site_name" content="Site ${f}"></head><body><header><nav><a href="/">Home</a> <a href="/world">World</a>
<a href="/business">Business</a></nav></header><main><article><h1>${title}</h1><p class="byline">By Reporter ${f}</p>
${body}</article></main><aside class="related"><h3>Related</h3><ul><li><a href="/x">${esc(headline(i + 11))}</a></li></ul></aside>
<footer>© Site ${f}</footer></body></html>`;
}
