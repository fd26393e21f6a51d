// Agreement of storyfeed's parser with the reference feed reader, Python feedparser (Debian
// python3-feedparser, run with /usr/bin/python3), on a set of feed documents: by default every XML
// fixture under tests/fixtures/feeds/. Both read the same bytes with the same base URL; per entry
// (matched by position) the mapped fields are compared, each comparison one assertion:
//   title, link, id, summary, content (as plain text: tags stripped, entities decoded, whitespace
//   collapsed — feedparser sanitizes and rewrites HTML, storyfeed sanitizes later, so markup is not
//   compared), author name, author e-mail, date (published, else updated), categories (as sets),
//   enclosures (URLs, as sets: feedparser's enclosures + media_content), and the number of entries.
// A field neither side has is not counted. Documents feedparser reads as a feed without error (bozo 0)
// that storyfeed refuses are listed as refusals. Usage:
//   npx tsx bench/parser-agreement.ts [--verbose] [FILE_OR_FIXTURE_DIR …]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeHTML } from 'entities';
import { decodeBody } from '../src/fetcher/charset.js';
import type { ParsedFeed } from '../src/model/index.js';
import { parseFeed } from '../src/parser/index.js';
import { canonicalUrl } from '../src/urlcleaner/index.js';

// ---- Settings -------------------------------------------------------------------------------------
const FIXTURES = new URL('../tests/fixtures/feeds/', import.meta.url);
const PYTHON = '/usr/bin/python3';
/** The fixture suite's fixed base URL and parse time (see src/parser/index.test.ts). */
const BASE_URL = 'https://feeds.example/feed';
const NOW = '2025-07-20T12:00:00.000Z';
// ---------------------------------------------------------------------------------------------------

const FIELDS = ['entries', 'title', 'link', 'id', 'summary', 'content', 'author', 'email', 'date', 'categories', 'enclosures'] as const;
type Field = (typeof FIELDS)[number];

interface RefEntry {
  title?: string; link?: string; id?: string; summary?: string; content?: string;
  titleType?: string; summaryType?: string; contentType?: string;
  author?: string; email?: string; date?: string; categories: string[]; enclosures: string[];
}
interface RefFeed { file: string; bozo: boolean; version: string; feedAuthor?: string; feedEmail?: string; entries: RefEntry[]; error?: string }

/** One python process for all documents: feedparser's view of each, as JSON lines. */
const PY = String.raw`
import sys, json, calendar, datetime, feedparser
def iso(t):
    return None if not t else datetime.datetime.fromtimestamp(calendar.timegm(t), datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.000Z')
for line in sys.stdin:
    path, base = json.loads(line)
    try:
        d = feedparser.parse(path, response_headers={'content-location': base}, sanitize_html=False)
        out = {'file': path, 'bozo': bool(d.bozo), 'version': d.version or '',
               'feedAuthor': (d.feed.get('author_detail') or {}).get('name'),
               'feedEmail': (d.feed.get('author_detail') or {}).get('email'), 'entries': []}
        for e in d.entries:
            ad = e.get('author_detail') or {}
            urls = [x.get('href') for x in e.get('enclosures', []) if x.get('href')] + [x.get('url') for x in e.get('media_content', []) if x.get('url')]
            c = (e.get('content') or [{}])[0]
            out['entries'].append({
                'title': e.get('title'), 'titleType': (e.get('title_detail') or {}).get('type'), 'link': e.get('link'),
                'id': e.get('id'), 'summary': e.get('summary'), 'summaryType': (e.get('summary_detail') or {}).get('type'),
                'content': c.get('value'), 'contentType': c.get('type'), 'author': ad.get('name'), 'email': ad.get('email'),
                'date': iso(e.get('published_parsed') or e.get('updated_parsed')),
                'categories': [t.get('label') or t.get('term') for t in e.get('tags', []) if t.get('label') or t.get('term')],
                'enclosures': urls})
    except Exception as ex:
        out = {'file': path, 'bozo': True, 'version': '', 'entries': [], 'error': repr(ex)}
    print(json.dumps(out), flush=True)
`;

function referenceFeeds(files: { path: string; base: string }[]): Map<string, RefFeed> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: install Debian's python3-feedparser`);
  const r = spawnSync(PYTHON, ['-c', PY], { input: files.map((f) => JSON.stringify([f.path, f.base])).join('\n'), encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`feedparser failed (is Debian's python3-feedparser installed?): ${r.stderr}`);
  return new Map(r.stdout.trim().split('\n').filter(Boolean).map((l) => {
    const f = JSON.parse(l) as RefFeed;
    return [f.file, f];
  }));
}

/** HTML (or, with type text/plain, text) -> comparable plain text. */
function plain(s: string | undefined | null, type = 'text/html'): string | undefined {
  if (s === undefined || s === null) return undefined;
  const text = type === 'text/plain' ? s : decodeHTML(s.replace(/<[^>]*>/g, ' '));
  return text.replace(/\s+/g, ' ').trim() || undefined;
}

/** A URL resolved and normalized as storyfeed stores links: http(s) only (javascript:, data: dropped). */
function resolve(url: string | undefined, base: string): string | undefined {
  try {
    const u = url ? new URL(url, base) : undefined;
    return u && (u.protocol === 'http:' || u.protocol === 'https:') ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * storyfeed's own policies applied to feedparser's entries, so that they are not counted as reading
 * differences: later entries repeating an id (or, without id, a link) are dropped; dates are clamped to
 * the parse time and dropped before 1970; URLs are resolved (feedparser leaves enclosures relative) and
 * only http(s) ones kept (storyfeed drops javascript:, data: …).
 */
function withPolicies(ref: RefFeed, base: string, now: string): RefEntry[] {
  const seen = new Set<string>();
  return ref.entries.flatMap((e) => {
    const url = canonicalUrl(resolve(e.link, base));
    const key = e.id ? `g:${e.id}` : url ? `u:${url}` : undefined;
    if (key && seen.has(key)) return [];
    if (key) seen.add(key);
    const date = e.date && e.date > now ? now : e.date && e.date < '1970' ? undefined : e.date;
    return [{ ...e, date, link: resolve(e.link, base), enclosures: e.enclosures.flatMap((u) => resolve(u, base) ?? []) }];
  });
}

const setOf = (xs: readonly (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x).map((x) => x.trim()))].sort();

interface Tally { agree: number; total: number }
const tally = Object.fromEntries(FIELDS.map((f) => [f, { agree: 0, total: 0 }])) as Record<Field, Tally>;
const disagreements: string[] = [];

/** Per document: [agree, total], for the per-document mean (bulk fixtures don't dominate it). */
const perDoc = new Map<string, Tally>();

function check(file: string, i: number, field: Field, ours: unknown, ref: unknown): void {
  const empty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
  if (empty(ours) && empty(ref)) return;
  const same = JSON.stringify(ours ?? null) === JSON.stringify(ref ?? null);
  tally[field].total++;
  if (same) tally[field].agree++;
  const d = perDoc.get(file) ?? { agree: 0, total: 0 };
  d.total++;
  if (same) d.agree++;
  perDoc.set(file, d);
  if (!same) disagreements.push(`${basename(file) === 'input.xml' ? basename(dirname(file)) : basename(file)} #${i} ${field}: storyfeed ${JSON.stringify(ours)} | feedparser ${JSON.stringify(ref)}`);
}

function compare(file: string, ours: ParsedFeed, ref: RefFeed, base: string, now: string): void {
  // Atom text constructs come out as HTML (type="text" escaped); RSS titles are as the feed wrote them,
  // which feedparser types by guessing (text/plain unless it looks like HTML): read ours the same way.
  const ourType = (refType: string | undefined) => (ours.format === 'atom' ? 'text/html' : refType);
  const entries = withPolicies(ref, base, now);
  check(file, -1, 'entries', ours.items.length, entries.length);
  ours.items.slice(0, entries.length).forEach((o, i) => {
    const r = entries[i] as RefEntry;
    check(file, i, 'title', plain(o.title, ourType(r.titleType)), plain(r.title, r.titleType));
    check(file, i, 'link', o.link, r.link);
    check(file, i, 'id', o.guid, r.id);
    check(file, i, 'summary', plain(o.summary ?? o.content), plain(r.summary, r.summaryType));
    check(file, i, 'content', plain(o.content), plain(r.content, r.contentType));
    const name = o.author !== undefined && o.author !== o.authorEmail ? o.author : undefined;
    // storyfeed gives entries the feed's author (RFC 4287 §4.2.1); feedparser leaves that to the reader.
    check(file, i, 'author', name, r.author ?? (name !== undefined && name === ref.feedAuthor ? name : undefined));
    check(file, i, 'email', o.authorEmail, r.email ?? (o.authorEmail !== undefined && o.authorEmail === ref.feedEmail ? o.authorEmail : undefined));
    check(file, i, 'date', o.published ?? o.updated, r.date);
    check(file, i, 'categories', setOf(o.categories), setOf(r.categories));
    check(file, i, 'enclosures', setOf(o.enclosures.map((e) => e.url)), setOf(r.enclosures));
  });
}

/** Documents to compare: files given, or the XML fixtures (each with its case.json base URL and time). */
function documents(args: string[]): { path: string; base: string; now: string }[] {
  const dirs = args.length ? args : readdirSync(FIXTURES).map((d) => join(FIXTURES.pathname, d)).sort();
  return dirs.flatMap((p) => {
    if (statSync(p).isFile()) return [{ path: p, base: BASE_URL, now: NOW }];
    const input = join(p, 'input.xml');
    if (!existsSync(input)) return [];
    const c = existsSync(join(p, 'case.json')) ? JSON.parse(readFileSync(join(p, 'case.json'), 'utf8')) as { baseUrl?: string; now?: string } : {};
    return [{ path: input, base: c.baseUrl ?? BASE_URL, now: c.now ?? NOW }];
  });
}

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const docs = documents(args.filter((a) => a !== '--verbose'));
const refs = referenceFeeds(docs);
const refusals: string[] = [];
let compared = 0;
for (const d of docs) {
  const ref = refs.get(d.path);
  if (!ref) continue;
  let ours: ParsedFeed | undefined;
  try {
    ours = await parseFeed(decodeBody(readFileSync(d.path)), { baseUrl: d.base, now: new Date(d.now) });
  } catch (err) {
    if (!ref.bozo && ref.version) refusals.push(`${d.path}: ${(err as Error).message}`);
    continue;
  }
  if (!ref.version && ref.entries.length === 0) continue; // not a feed to feedparser either
  compared++;
  compare(d.path, ours, ref, d.base, d.now);
}

const all = FIELDS.reduce((t, f) => ({ agree: t.agree + tally[f].agree, total: t.total + tally[f].total }), { agree: 0, total: 0 });
const pct = (t: Tally) => (t.total ? ((100 * t.agree) / t.total).toFixed(1) : '-');
console.log(`documents compared: ${compared} of ${docs.length} (feedparser ${feedparserVersion()})`);
for (const f of FIELDS) console.log(`  ${f.padEnd(11)} ${String(tally[f].agree).padStart(4)} / ${String(tally[f].total).padEnd(4)} ${pct(tally[f])} %`);
console.log(`  ${'all'.padEnd(11)} ${String(all.agree).padStart(4)} / ${String(all.total).padEnd(4)} ${pct(all)} %`);
const means = [...perDoc.values()].map((t) => t.agree / t.total);
console.log(`  per-document mean ${(100 * means.reduce((a, b) => a + b, 0) / Math.max(1, means.length)).toFixed(1)} % over ${means.length} documents`);
console.log(`refusals of documents feedparser reads without error: ${refusals.length}`);
for (const r of refusals) console.log(`  ${r}`);
if (verbose || disagreements.length <= 40) for (const d of disagreements) console.log(`  ≠ ${d}`);
else console.log(`  (${disagreements.length} disagreements; --verbose lists them)`);

function feedparserVersion(): string {
  const r = spawnSync(PYTHON, ['-c', 'import feedparser; print(feedparser.__version__)'], { encoding: 'utf8' });
  return r.stdout.trim() || 'unknown';
}
