// The extraction pool runs Readability in worker threads with a time budget per page. Real threads,
// real pages: a page that takes too long fails alone and the pool carries on.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ExtractError } from './index.js';
import { ExtractorPool } from './pool.js';

const PAGE = readFileSync(new URL('../../demo/pages/pakistan-libya-defence-ties.html', import.meta.url), 'utf8');
/** Many thousands of links: valid, under the element cap, and slow for Readability (seconds). */
const SLOW = `<html><body><article>${'<a href="/x">link text here</a> '.repeat(29_000)}</article></body></html>`;

let pool: ExtractorPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('ExtractorPool', () => {
  it('extracts in a worker thread what extractArticle extracts', async () => {
    pool = new ExtractorPool(1, 10_000);
    const a = await pool.extract(PAGE, 'https://defence.example/a');
    expect(a.text).toContain('Field Marshal Syed Asim Munir');
    expect(a.text).not.toContain('Bitcoin');
    expect(a.byline).toBe('Defence Notes Staff');
  });

  it('stops a page past the time budget, fails it alone, and keeps serving the next pages', async () => {
    pool = new ExtractorPool(1, 1_000);
    const t = Date.now();
    const slow = pool.extract(SLOW, 'https://slow.example/');
    const next = pool.extract(PAGE, 'https://defence.example/b'); // queued behind the slow one
    await expect(slow).rejects.toThrow(/took longer than 1000 ms/);
    expect(Date.now() - t).toBeLessThan(4_000);
    // A fresh thread replaces the stopped one and extracts the queued page.
    expect((await next).text).toContain('Rawalpindi');
  });

  it('runs pages on several threads at once; a page with no article comes back with its text and verdict', async () => {
    pool = new ExtractorPool(2, 10_000);
    const [a, short, b] = await Promise.all([
      pool.extract(PAGE, 'https://a.example/1'),
      pool.extract('<html><body><p>Nothing much.</p></body></html>', 'https://a.example/2'),
      pool.extract(PAGE, 'https://a.example/3'),
    ]);
    expect([a.verdict, b.verdict]).toEqual(['article', 'article']);
    expect(short.verdict).toBe('short');
    expect(short.text).toBe('Nothing much.');
    expect(short.reason).toMatch(/too short/);
  });

  it('reports a page it cannot read at all as an ExtractError', async () => {
    pool = new ExtractorPool(1, 10_000);
    const deep = `<html><body>${'<div>'.repeat(400)}deep${'</div>'.repeat(400)}</body></html>`;
    const err = await pool.extract(deep, 'https://a.example/deep').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect(String((err as Error).message)).toMatch(/^extractor: page nested deeper than 256/);
  });

  it('close() fails what is still queued', async () => {
    pool = new ExtractorPool(1, 10_000);
    const first = expect(pool.extract(SLOW, 'https://slow.example/')).rejects.toThrow(/closed/);
    const queued = expect(pool.extract(PAGE, 'https://a.example/')).rejects.toThrow(/closed/);
    await pool.close();
    await first;
    await queued;
    await expect(pool.extract(PAGE, 'https://a.example/')).rejects.toThrow(/closed/);
  });
});
