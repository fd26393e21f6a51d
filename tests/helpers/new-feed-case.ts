// Make a parser fixture case (tests/fixtures/feeds/<slug>/): put the feed's bytes in input.xml (or
// input.json), run this, REVIEW the output, then keep it as expected.json (--write). Uses the suite's
// fixed base URL and parse time (case.json overrides them), and decodes the bytes as the fetcher does.
//   npx tsx tests/helpers/new-feed-case.ts tests/fixtures/feeds/<slug> [--write]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBody } from '../../src/fetcher/charset.js';
import { parseFeed } from '../../src/parser/index.js';

const [dir, flag] = process.argv.slice(2);
if (!dir) throw new Error('usage: new-feed-case.ts DIR [--write]');
const input = ['input.xml', 'input.json'].map((n) => join(dir, n)).find((p) => existsSync(p));
if (!input) throw new Error(`${dir}: no input.xml or input.json`);
const c = existsSync(join(dir, 'case.json')) ? JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as { baseUrl?: string; now?: string; maxItems?: number } : {};
const feed = await parseFeed(decodeBody(readFileSync(input)), {
  baseUrl: c.baseUrl ?? 'https://feeds.example/feed', now: new Date(c.now ?? '2025-07-20T12:00:00.000Z'), maxItems: c.maxItems,
});
// undefined -> null: the loader reads null as "must be undefined".
const json = `${JSON.stringify(feed, (_k, v: unknown) => (v === undefined ? null : v), 2)}\n`;
if (flag === '--write') writeFileSync(join(dir, 'expected.json'), json);
process.stdout.write(json);
