// Extraction quality on the development set (../shared/data/extraction-dev: 990 real pages with "with" /
// "without" snippets), scored by the set's own score.py. storyfeed runs as users run it — the real
// `storyfeed extract --input LIST.jsonl` (worker pool, the fetcher's decoding) — and, in the same run, the
// baseline: @mozilla/readability 0.6 on linkedom with no other rules (`textContent`). Prints F1 overall,
// on the article pages, per language; the metadata against the set's meta_* fields; and with --cv the
// out-of-fold figures of the one tuned parameter (the fallback rule's share), 5 folds by site.
// Run: npm run eval:extract [-- --cv]   (needs python3; the pages never leave ../shared)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { decodeBody } from '../src/fetcher/index.js';
import type { BatchLine } from '../src/extractor/batch.js';
import { extractPage } from '../src/extractor/index.js';

const SET = new URL('../../shared/data/extraction-dev/', import.meta.url).pathname;
const BIN = new URL('../bin/storyfeed.js', import.meta.url).pathname;
const CV = process.argv.includes('--cv');

interface Truth {
  key: string; url: string; with: string[]; without: string[]; article_hint: boolean; html_lang?: string | null;
  meta_title?: string; meta_author?: string; meta_date?: string; meta_sitename?: string;
}

const truth: Truth[] = readFileSync(join(SET, 'truth.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Truth);

function python(): string {
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(py, ['--version'], { stdio: 'ignore' });
      return py;
    } catch {
      // try the next one
    }
  }
  throw new Error('python3 is needed to run the development set\'s score.py (Debian package python3)');
}
const PY = python();

interface Score { f1: number; precision: number; recall: number; pass: number; pages: number }

function score(preds: string, args: string[] = []): Score {
  const out = JSON.parse(execFileSync(PY, [join(SET, 'score.py'), SET, preds, '--json', ...args]).toString()) as
    { snippets: { f1: number; precision: number; recall: number; page_pass_rate: number; pages: number } };
  const s = out.snippets;
  return { f1: s.f1, precision: s.precision, recall: s.recall, pass: s.page_pass_rate, pages: s.pages };
}

function writePreds(file: string, texts: Map<string, string | null>): string {
  writeFileSync(file, `${truth.map((t) => JSON.stringify({ key: t.key, text: texts.get(t.key) ?? null })).join('\n')}\n`);
  return file;
}

/** storyfeed's batch command over the whole set. */
function runBatch(dir: string): Promise<Map<string, BatchLine>> {
  const list = join(dir, 'list.jsonl');
  writeFileSync(list, `${truth.map((t) => JSON.stringify({ id: t.key, url: t.url, file: join(SET, 'pages', `${t.key}.html.gz`) })).join('\n')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'extract', '--input', list], { env: process.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`storyfeed extract --input exited ${code}: ${err}`));
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as BatchLine);
      resolve(new Map(lines.map((l) => [String(l.id), l])));
    });
  });
}

interface BaselineResult { text: string | null; title: string | null; byline: string | null; published: string | null; lang: string | null; siteName: string | null }

/** Readability alone: the page as the fetcher decodes it, linkedom, no rules, textContent. */
function baseline(): Map<string, BaselineResult> {
  const out = new Map<string, BaselineResult>();
  for (const t of truth) {
    const html = decodeBody(gunzipSync(readFileSync(join(SET, 'pages', `${t.key}.html.gz`))));
    let r: ReturnType<Readability['parse']> = null;
    try {
      r = new Readability(parseHTML(html).document as unknown as Document).parse();
    } catch {
      r = null;
    }
    out.set(t.key, { text: r?.textContent ?? null, title: r?.title ?? null, byline: r?.byline ?? null,
      published: r?.publishedTime ?? null, lang: r?.lang ?? null, siteName: r?.siteName ?? null });
  }
  return out;
}

const norm = (s: unknown) => (typeof s === 'string' ? s : Array.isArray(s) ? s.join(', ') : '').replace(/\s+/g, ' ').trim().toLowerCase().replace(/^(by|von|par|por)\s+/, '');

/** The day a timestamp names: the written date when the value starts with one, else the UTC date. */
function day(v: string | null): string | undefined {
  if (!v) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : undefined;
}

function metadataRows(get: (key: string) => BaselineResult | undefined): string[] {
  const rows: [string, (t: Truth) => string | undefined | null, (r: BaselineResult, want: string) => [boolean, boolean]][] = [
    ['title', (t) => t.meta_title, (r, w) => [norm(r.title) === norm(w), !!r.title && (norm(r.title).includes(norm(w)) || norm(w).includes(norm(r.title)))]],
    ['author', (t) => t.meta_author, (r, w) => [norm(r.byline) === norm(w), !!r.byline && (norm(r.byline).includes(norm(w)) || norm(w).includes(norm(r.byline)))]],
    ['date', (t) => t.meta_date, (r, w) => {
      const d = day(r.published);
      if (!d) return [false, false];
      return [d === w, Math.abs(Date.parse(d) - Date.parse(w)) <= 86_400_000];
    }],
    ['site name', (t) => t.meta_sitename, (r, w) => [norm(r.siteName) === norm(w), !!r.siteName && (norm(r.siteName).includes(norm(w)) || norm(w).includes(norm(r.siteName)))]],
    ['language', (t) => (t.html_lang ? t.html_lang.split('-')[0]?.toLowerCase() : undefined),
      (r, w) => { const ok = (r.lang ?? '').split(/[-_]/)[0]?.toLowerCase() === w; return [ok, ok]; }],
  ];
  return rows.map(([name, want, check]) => {
    let n = 0;
    let exact = 0;
    let loose = 0;
    let missing = 0;
    for (const t of truth) {
      const w = want(t);
      if (!w) continue;
      n++;
      const r = get(t.key);
      if (!r) continue;
      const [e, l] = check(r, w);
      if (e) exact++;
      if (l) loose++;
      if (name === 'title' ? !r.title : name === 'author' ? !r.byline : name === 'date' ? !r.published : name === 'site name' ? !r.siteName : !r.lang) missing++;
    }
    const pct = (x: number) => `${((100 * x) / Math.max(1, n)).toFixed(1)}%`;
    return `${name.padEnd(10)} ${String(n).padStart(4)} pages: exact ${pct(exact).padStart(6)}  close ${pct(loose).padStart(6)}  none ${pct(missing).padStart(6)}`;
  });
}

const host = (url: string) => {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
};

/** Fold of a page: its site, hashed into 5 folds (every page of a site in one fold). */
function fold(t: Truth): number {
  let h = 2166136261;
  for (const c of host(t.url)) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0) % 5;
}

/** Page-level TP/FP/FN as score.py counts them, for choosing a parameter inside the training folds. */
function counts(t: Truth, text: string | null): [number, number, number] {
  const ws = (s: string) => s.replace(/\s+/g, ' ').trim();
  const x = text === null ? null : ws(text);
  const tp = x === null ? 0 : t.with.filter((w) => x.includes(ws(w))).length;
  const fp = x === null ? 0 : t.without.filter((w) => x.includes(ws(w))).length;
  return [tp, fp, t.with.length - tp];
}

function crossValidate(dir: string): string[] {
  // The tuned parameter: the fallback rule's share (index.ts FALLBACK_SHORTER_THAN), passed to extractPage
  // as an option; one in-process run over the set per candidate value.
  const grid = [0.3, 0.4, 0.5, 0.6, 0.7];
  const pages = truth.map((t) => ({ t, html: decodeBody(gunzipSync(readFileSync(join(SET, 'pages', `${t.key}.html.gz`)))) }));
  const runs = new Map<number, Map<string, { text: string | null }>>();
  for (const v of grid) {
    const m = new Map<string, { text: string | null }>();
    for (const { t, html } of pages) {
      try {
        m.set(t.key, { text: extractPage(html, t.url, { fallbackShorterThan: v }).text });
      } catch {
        m.set(t.key, { text: null });
      }
    }
    runs.set(v, m);
  }
  const oof = new Map<string, string | null>();
  const chosen: number[] = [];
  for (let f = 0; f < 5; f++) {
    let best = grid[0] as number;
    let bestF1 = -1;
    for (const v of grid) {
      let tp = 0; let fp = 0; let fn = 0;
      for (const t of truth) {
        if (fold(t) === f) continue;
        const [a, b, c] = counts(t, runs.get(v)?.get(t.key)?.text ?? null);
        tp += a; fp += b; fn += c;
      }
      const f1 = (2 * tp) / (2 * tp + fp + fn);
      if (f1 > bestF1) { bestF1 = f1; best = v; }
    }
    chosen.push(best);
    for (const t of truth) if (fold(t) === f) oof.set(t.key, runs.get(best)?.get(t.key)?.text ?? null);
  }
  const file = writePreds(join(dir, 'oof.jsonl'), oof);
  const lines = [`out-of-fold (5 folds by site; FALLBACK_SHORTER_THAN chosen per fold from ${grid.join('/')}: ${chosen.join(', ')})`];
  for (const [name, args] of SUBSETS) {
    const s = score(file, args);
    lines.push(`  ${name.padEnd(18)} F1 ${s.f1.toFixed(3)}  (P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)})`);
  }
  for (const v of grid) {
    const s = score(writePreds(join(dir, `grid-${v}.jsonl`), new Map([...runs.get(v) ?? []].map(([k, l]) => [k, l.text]))));
    lines.push(`  all pages with ${v}: F1 ${s.f1.toFixed(3)}`);
  }
  return lines;
}

const SUBSETS: [string, string[]][] = [
  ['all pages', []], ['articles', ['--subset', 'article']], ['English', ['--lang', 'en']], ['German', ['--lang', 'de']],
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'storyfeed-eval-'));
  try {
    const t0 = Date.now();
    const ours = await runBatch(dir);
    const oursSeconds = (Date.now() - t0) / 1000;
    const base = baseline();
    const oursFile = writePreds(join(dir, 'ours.jsonl'), new Map([...ours].map(([k, l]) => [k, l.text])));
    const baseFile = writePreds(join(dir, 'readability.jsonl'), new Map([...base].map(([k, b]) => [k, b.text])));
    console.log(`extraction development set: ${truth.length} pages (${SET}), scored by its score.py`);
    console.log(`${'subset'.padEnd(12)} ${'pages'.padStart(5)}  ${'storyfeed F1 (P / R, pages passed)'.padEnd(38)} Readability alone F1 (P / R, pages passed)`);
    for (const [name, args] of SUBSETS) {
      const a = score(oursFile, args);
      const b = score(baseFile, args);
      const cell = (s: Score) => `${s.f1.toFixed(3)} (${s.precision.toFixed(3)} / ${s.recall.toFixed(3)}, ${(100 * s.pass).toFixed(1)}%)`;
      console.log(`${name.padEnd(12)} ${String(a.pages).padStart(5)}  ${cell(a).padEnd(38)} ${cell(b)}`);
    }
    const verdicts = new Map<string, number>();
    let errors = 0;
    let emptyWhereBaseline = 0;
    for (const t of truth) {
      const l = ours.get(t.key);
      if (l?.error) errors++;
      verdicts.set(l?.verdict ?? 'error', (verdicts.get(l?.verdict ?? 'error') ?? 0) + 1);
      if ((base.get(t.key)?.text ?? '').trim().length > 0 && !(l?.text ?? '').trim()) emptyWhereBaseline++;
    }
    console.log(`verdicts: ${[...verdicts].map(([v, n]) => `${v} ${n}`).join(', ')}; errors ${errors}; ` +
      `pages where Readability alone has text and storyfeed none: ${emptyWhereBaseline}; batch ${oursSeconds.toFixed(1)} s`);
    console.log('metadata against meta_* / html_lang (exact = equal after case and space folding; close = one contains the other, date ±1 day):');
    console.log('  storyfeed');
    for (const r of metadataRows((k) => { const l = ours.get(k); return l ? { ...l, siteName: l.siteName } : undefined; })) console.log(`    ${r}`);
    console.log('  Readability alone');
    for (const r of metadataRows((k) => base.get(k))) console.log(`    ${r}`);
    if (CV) for (const l of crossValidate(dir)) console.log(l);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
