// `storyfeed extract --input LIST.jsonl` as users run it: the real command, real files (plain, gzip, a
// declared charset), and lines that are wrong in every way the contract names; the batch never stops.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/storyfeed.js', import.meta.url).pathname;
const DEMO_PAGE = readFileSync(new URL('../../demo/pages/pakistan-libya-defence-ties.html', import.meta.url));
let dir: string;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, timeout: 60_000, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfeed-batch-'));
  writeFileSync(join(dir, 'demo.html.gz'), gzipSync(DEMO_PAGE));
  const latin = `<!doctype html><html lang="de"><head><meta charset="iso-8859-1"><title>Brücke</title></head><body><article><h1>Brücke</h1>
    <p>Die Brücke über die Weser wird ab Montag für drei Wochen gesperrt; Fußgänger können die Fähre nutzen.</p></article></body></html>`;
  writeFileSync(join(dir, 'latin.html'), iconv.encode(latin, 'latin1'));
  writeFileSync(join(dir, 'broken.html.gz'), Buffer.from('not gzip at all'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('extract --input', () => {
  it('writes one line per input line, in order, and a bad line or page gets an error without stopping the batch', async () => {
    const lines = [
      { id: 'demo', url: 'https://defence.example/2025/07/pak-libya', file: 'demo.html.gz' },
      'this is not JSON',
      { id: 'nourl', file: 'demo.html.gz' },
      { id: 7, url: 'https://weser.example/bruecke', file: 'latin.html' },
      { id: 'missing', url: 'https://x.example/', file: 'missing.html' },
      { id: 'broken', url: 'https://x.example/', file: 'broken.html.gz' },
      { id: 'again', url: 'https://defence.example/again', file: join(dir, 'demo.html.gz') },
      { id: 'nohttp', url: 'saved-copy:demo', file: 'demo.html.gz' },
    ];
    writeFileSync(join(dir, 'list.jsonl'), `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
    const r = await cli(['extract', '--input', 'list.jsonl']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.map((o) => o.id)).toEqual(['demo', null, 'nourl', 7, 'missing', 'broken', 'again', 'nohttp']);
    for (const o of out) {
      for (const key of ['id', 'text', 'title', 'byline', 'published', 'lang', 'verdict']) expect(Object.keys(o)).toContain(key);
    }
    const [demo, notJson, noUrl, latin, missing, broken, again, noHttp] = out as Record<string, string | null>[];
    expect(demo).toMatchObject({ verdict: 'article', byline: 'Defence Notes Staff' });
    expect(demo?.text).toContain('Field Marshal Syed Asim Munir');
    expect(demo?.error).toBeUndefined();
    expect(notJson?.error).toMatch(/^line 2: not JSON/);
    expect(noUrl?.error).toMatch(/^line 3: "url" must be a non-empty string/);
    expect(latin).toMatchObject({ verdict: 'short', lang: 'de', title: 'Brücke' });
    expect(latin?.text).toContain('Die Brücke über die Weser wird ab Montag');
    expect(latin?.reason).toMatch(/too short/);
    expect(missing?.error).toMatch(/cannot read missing\.html: ENOENT/);
    expect(broken?.error).toMatch(/cannot gunzip broken\.html\.gz/);
    expect(again?.text).toBe(demo?.text);
    // An address that is not http(s) still gives the text (relative links cannot be resolved).
    expect(noHttp?.error).toBeUndefined();
    expect(noHttp?.text).toContain('Field Marshal Syed Asim Munir');
  });

  it('refuses a missing list and mixed forms clearly', async () => {
    const missing = await cli(['extract', '--input', 'nope.jsonl']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^storyfeed: extractor: cannot read nope\.jsonl: ENOENT/);
    const mixed = await cli(['extract', '--input', 'list.jsonl', '--refresh']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/takes no other input/);
  });
});
