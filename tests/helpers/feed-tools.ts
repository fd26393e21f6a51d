// Real validators and readers for the merged feed, run as the Debian packages install them. A missing tool
// fails the test with the package to install, never a silent skip.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Python with Debian's python3-feedparser (the `python3` on PATH may be another one without it). */
export const PYTHON = '/usr/bin/python3';

export const SCHEMAS = {
  atom: fileURLToPath(new URL('../fixtures/validity/atom-rfc4287.rnc', import.meta.url)),
  rss: fileURLToPath(new URL('../fixtures/validity/rss-2.0.rnc', import.meta.url)),
  jsonFeed: fileURLToPath(new URL('../fixtures/validity/jsonfeed-1.1.schema.json', import.meta.url)),
};

/** Run a tool; a missing one throws naming its Debian package. */
function run(command: string, args: readonly string[], debianPackage: string, input?: string | Buffer) {
  const r = spawnSync(command, args, { input, maxBuffer: 256 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`${command} is not installed: these tests need the Debian package ${debianPackage} (apt-get install ${debianPackage})`);
  }
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

function withFile<T>(text: string, name: string, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'storyfeed-validity-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, text);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ToolResult {
  ok: boolean;
  /** The tool's messages (errors name line and column). */
  messages: string;
}

/** Validate XML against a RELAX NG compact schema with jing (Debian: jing). */
export function jing(schema: string, xml: string): ToolResult {
  return withFile(xml, 'feed.xml', (path) => {
    const r = run('jing', ['-c', schema, path], 'jing');
    // The Debian wrapper warns about optional jars on stderr; errors come on stdout with file:line:col.
    const messages = r.stdout.trim();
    return { ok: r.status === 0 && messages === '', messages };
  });
}

/** Well-formedness with xmllint (Debian: libxml2-utils). */
export function xmllintWellFormed(xml: string): ToolResult {
  return withFile(xml, 'feed.xml', (path) => {
    const r = run('xmllint', ['--noout', '--nonet', path], 'libxml2-utils');
    return { ok: r.status === 0, messages: r.stderr.trim() };
  });
}

/** An XPath 1.0 boolean over a document, with xmllint (Debian: libxml2-utils). */
export function xpathBoolean(xml: string, expression: string): boolean {
  return withFile(xml, 'feed.xml', (path) => {
    const r = run('xmllint', ['--nonet', '--xpath', `boolean(${expression})`, path], 'libxml2-utils');
    if (r.status !== 0) throw new Error(`xmllint --xpath failed: ${r.stderr.trim()}`);
    return r.stdout.trim() === 'true';
  });
}

export interface ReaderEntry {
  id: string;
  title: string;
  titleType: string;
  link: string;
  author?: string;
  tags: string[];
  summary?: string;
  summaryType?: string;
  content: { type: string; value: string }[];
  published?: string;
  updated?: string;
  enclosures: { href: string; type?: string; length?: string }[];
}

export interface ReaderFeed {
  bozo: boolean;
  bozoException?: string;
  version: string;
  feed: { title: string; titleType: string; links: { rel?: string; href?: string; title?: string; type?: string }[]; language?: string };
  entries: ReaderEntry[];
}

const FEEDPARSER = `
import json, sys
try:
    import feedparser
except ImportError:
    sys.stderr.write("NO_FEEDPARSER")
    sys.exit(3)
d = feedparser.parse(sys.stdin.buffer.read())
def det(x, key):
    v = x.get(key + "_detail")
    return v.get("type") if v else None
out = {
    "bozo": bool(d.bozo),
    "bozoException": str(d.get("bozo_exception")) if d.bozo else None,
    "version": d.version,
    "feed": {"title": d.feed.get("title"), "titleType": det(d.feed, "title"),
             "links": [dict(l) for l in d.feed.get("links", [])], "language": d.feed.get("language")},
    "entries": [{
        "id": e.get("id"), "title": e.get("title"), "titleType": det(e, "title"), "link": e.get("link"),
        "author": e.get("author"), "tags": [t.get("term") for t in e.get("tags", [])],
        "summary": e.get("summary"), "summaryType": det(e, "summary"),
        "content": [{"type": c.get("type"), "value": c.get("value")} for c in e.get("content", [])],
        "published": e.get("published"), "updated": e.get("updated"),
        "enclosures": [dict(x) for x in e.get("enclosures", [])],
    } for e in d.entries],
}
sys.stdout.write(json.dumps(out))
`;

/** Parse a feed with Python feedparser (Debian: python3-feedparser), as a reader would. */
export function feedparser(text: string): ReaderFeed {
  const r = run(PYTHON, ['-c', FEEDPARSER], 'python3-feedparser', text);
  if (r.status === 3 && r.stderr.includes('NO_FEEDPARSER')) {
    throw new Error(`${PYTHON} has no feedparser module: these tests need the Debian package python3-feedparser (apt-get install python3-feedparser)`);
  }
  if (r.status !== 0) throw new Error(`feedparser failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as ReaderFeed;
}
