// Extractor behaviour, Readability-style: every folder tests/fixtures/articles/<slug>/ holds a real-looking page
// (source.html) and what must come out of it (expected.json). One loader loop runs every folder with both DOMs,
// so adding a case = adding a folder. Failures name the snippet and the node it sits in, never a page diff.
//
// expected.json: { url, title?, byline?, published?, lang?, mustContain: [...], mustNotContain: [...], fails? }
//   url            fixed fake address (*.example) the page is extracted at; relative URLs resolve against it
//   mustContain    snippets that must appear in the article's text or its sanitized HTML
//   mustNotContain snippets that must appear in neither (boilerplate, hostile markup)
//   fails          regex source: extractArticle must throw ExtractError with a matching message
//   verdict        extractPage's verdict (article, short, paywalled, not-article); for a non-article the
//                  snippets are checked against the text extractPage returns (it always returns the best text)
import { readdirSync, readFileSync } from 'node:fs';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import {
  type Article, type DomImpl, extractArticle, ExtractError, extractPage, htmlToText, MAX_ELEMENTS, MAX_HTML_CHARS, MIN_TEXT_CHARS,
  type PageExtraction, type Verdict,
} from './index.js';

const FIXTURES = new URL('../../tests/fixtures/articles/', import.meta.url);
const SEEDS = new URL('../../../shared/seeds/', import.meta.url);
const DOMS: readonly DomImpl[] = ['linkedom', 'jsdom'];
/** "Fail fast" bound for the size guards; loose on purpose (shared CI machines). */
const FAST_MS = 5_000;

// ---- helpers ----------------------------------------------------------------------------------------

type Outcome = { article: Article; error?: undefined } | { article?: undefined; error: ExtractError };

function extract(html: string, url: string, dom: DomImpl): Outcome {
  try {
    return { article: extractArticle(html, url, { dom }) };
  } catch (err) {
    if (err instanceof ExtractError) return { error: err };
    throw err;
  }
}

function memo<T>(compute: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => (cached ??= { value: compute() }).value;
}

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function describeOutcome(o: Outcome): string {
  return o.error ? `ExtractError ${JSON.stringify(o.error.message)}` : `an article of ${o.article.text.length} characters`;
}

/** Asserts the outcome is an ExtractError whose message matches. */
function expectRefused(o: Outcome, re: RegExp, where: string): void {
  expect(o.error, `${where}: expected ExtractError /${re.source}/, got ${describeOutcome(o)}`).toBeInstanceOf(ExtractError);
  expect(o.error?.message, where).toMatch(re);
}

/** The article, or a test failure that says what happened instead. */
function articleOf(o: Outcome, where: string): Article {
  if (o.error) throw new Error(`${where}: expected an article, got ${describeOutcome(o)}`);
  return o.article;
}

/** Where a snippet sits in article HTML: the innermost element holding it as text (tag path + text), else an excerpt. */
function locate(html: string, snippet: string): string {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  let node: Element | undefined;
  for (const el of document.body.querySelectorAll('*') as Iterable<Element>) {
    if (squash(el.textContent ?? '').includes(snippet) && (!node || node.contains(el))) node = el;
  }
  if (node) {
    const path: string[] = [];
    for (let el: Element | null = node; el && el.tagName !== 'BODY'; el = el.parentElement) path.unshift(el.tagName.toLowerCase());
    return `<${path.join(' > ')}> "${squash(node.textContent ?? '').slice(0, 120)}"`;
  }
  const flat = squash(html);
  const at = flat.indexOf(snippet);
  return at < 0 ? '(not found)' : `markup …${flat.slice(Math.max(0, at - 60), at + snippet.length + 60)}…`;
}

const contains = (a: Article, snippet: string): boolean => a.text.includes(snippet) || squash(a.html).includes(snippet);

function missingSnippets(a: Article, snippets: readonly string[]): string[] {
  return snippets.filter((s) => !contains(a, s)).map((s) => `missing ${JSON.stringify(s)}`);
}

function leakedSnippets(a: Article, snippets: readonly string[]): string[] {
  return snippets.filter((s) => contains(a, s)).map((s) => `leaked ${JSON.stringify(s)} in ${locate(a.html, s)}`);
}

/** First paragraph where two texts differ, or undefined when they are the same. */
function firstDifference(a: string, b: string, names: [string, string]): string | undefined {
  if (a === b) return undefined;
  const x = a.split('\n\n');
  const y = b.split('\n\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) {
      return `paragraph ${i}: ${names[0]} ${JSON.stringify(x[i]?.slice(0, 160) ?? null)} vs ${names[1]} ${JSON.stringify(y[i]?.slice(0, 160) ?? null)}`;
    }
  }
  return 'texts differ in whitespace between paragraphs';
}

function sameOutcome(a: Outcome, b: Outcome): string | undefined {
  if (a.article && b.article) return firstDifference(a.article.text, b.article.text, ['linkedom', 'jsdom']);
  if (a.error && b.error) return a.error.message === b.error.message ? undefined : `linkedom ${describeOutcome(a)} vs jsdom ${describeOutcome(b)}`;
  return `linkedom gave ${describeOutcome(a)}, jsdom gave ${describeOutcome(b)}`;
}

// ---- fixture folders --------------------------------------------------------------------------------

interface Expected {
  url: string;
  title?: string;
  byline?: string;
  published?: string;
  lang?: string;
  mustContain: string[];
  mustNotContain: string[];
  fails?: RegExp;
  verdict?: Verdict;
}

const EXPECTED_KEYS = new Set(['url', 'title', 'byline', 'published', 'lang', 'mustContain', 'mustNotContain', 'fails', 'verdict']);
const VERDICTS: readonly Verdict[] = ['article', 'short', 'paywalled', 'not-article'];
const META_KEYS = ['title', 'byline', 'published', 'lang'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** expected.json is outside data: narrow it field by field, with errors that name the file and the field. */
function parseExpected(raw: unknown, where: string): Expected {
  if (!isRecord(raw)) throw new Error(`${where}: not a JSON object`);
  for (const key of Object.keys(raw)) if (!EXPECTED_KEYS.has(key)) throw new Error(`${where}: unknown key "${key}"`);
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !v) throw new Error(`${where}: "${key}" must be a non-empty string`);
    return v;
  };
  const list = (key: string): string[] => {
    const v = raw[key];
    if (!Array.isArray(v) || !v.every((s): s is string => typeof s === 'string' && s.length > 0)) {
      throw new Error(`${where}: "${key}" must be an array of non-empty strings`);
    }
    return v;
  };
  const url = str('url');
  if (!url || !/^https:\/\/[^/]+\.example\//.test(url)) throw new Error(`${where}: "url" must be a fixed fake https://<site>.example/ address`);
  const published = str('published');
  const isIsoUtc = (v: string) => !Number.isNaN(Date.parse(v)) && new Date(v).toISOString() === v;
  if (published !== undefined && !isIsoUtc(published)) throw new Error(`${where}: "published" must be ISO 8601 UTC`);
  const fails = str('fails');
  const verdict = str('verdict');
  if (verdict !== undefined && !VERDICTS.includes(verdict as Verdict)) throw new Error(`${where}: "verdict" must be one of ${VERDICTS.join(', ')}`);
  return {
    verdict: verdict as Verdict | undefined,
    url, title: str('title'), byline: str('byline'), published, lang: str('lang'),
    mustContain: list('mustContain'), mustNotContain: list('mustNotContain'),
    fails: fails === undefined ? undefined : new RegExp(fails),
  };
}

const caseSlugs = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('article fixtures', () => {
  it('the loader finds the fixture folders', () => {
    expect(caseSlugs.length).toBeGreaterThanOrEqual(20);
  });

  for (const slug of caseSlugs) {
    describe(slug, () => {
      const where = `tests/fixtures/articles/${slug}`;
      const html = readFileSync(new URL(`${slug}/source.html`, FIXTURES), 'utf8');
      const expected = parseExpected(JSON.parse(readFileSync(new URL(`${slug}/expected.json`, FIXTURES), 'utf8')), `${where}/expected.json`);
      const outcome = new Map(DOMS.map((dom) => [dom, memo(() => extract(html, expected.url, dom))] as const));
      const run = (dom: DomImpl): Outcome => {
        const get = outcome.get(dom);
        if (!get) throw new Error(`no runner for ${dom}`);
        return get();
      };

      const pages = new Map(DOMS.map((dom) => [dom, memo(() => extractPage(html, expected.url, { dom }))] as const));
      const page = (dom: DomImpl): PageExtraction => (pages.get(dom) as () => PageExtraction)();

      for (const dom of DOMS) {
        const { fails, verdict } = expected;
        if (verdict) {
          it(`[${dom}] verdict ${verdict}`, () => {
            const p = page(dom);
            expect({ verdict: p.verdict, hasReason: p.reason !== undefined }, `${where} [${dom}]: ${p.reason ?? ''}`)
              .toEqual({ verdict, hasReason: verdict !== 'article' });
          });
        }
        if (fails) {
          it(`[${dom}] refuses the page: ExtractError /${fails.source}/`, () => {
            expectRefused(run(dom), fails, `${where} [${dom}]`);
          });
        }
        if (verdict && verdict !== 'article') {
          it(`[${dom}] returns the text it found (${expected.mustContain.length} snippets kept, ${expected.mustNotContain.length} dropped)`, () => {
            const p = page(dom);
            expect(p.text.length, `${where} [${dom}]: a non-article still returns its text`).toBeGreaterThan(0);
            expect([...missingSnippets(p, expected.mustContain), ...leakedSnippets(p, expected.mustNotContain)], `${where} [${dom}]`).toEqual([]);
          });
          continue;
        }
        if (fails) continue;
        it(`[${dom}] metadata`, () => {
          const a = articleOf(run(dom), `${where} [${dom}]`);
          const got: Partial<Record<(typeof META_KEYS)[number], string>> = {};
          const want: Partial<Record<(typeof META_KEYS)[number], string>> = {};
          for (const key of META_KEYS) {
            if (expected[key] === undefined) continue;
            got[key] = a[key];
            want[key] = expected[key];
          }
          expect(got, `${where} [${dom}]: metadata`).toEqual(want);
        });
        it(`[${dom}] keeps the article (${expected.mustContain.length} snippets)`, () => {
          const a = articleOf(run(dom), `${where} [${dom}]`);
          expect(missingSnippets(a, expected.mustContain), `${where} [${dom}]: article snippets`).toEqual([]);
        });
        it(`[${dom}] drops the boilerplate (${expected.mustNotContain.length} snippets)`, () => {
          const a = articleOf(run(dom), `${where} [${dom}]`);
          expect(leakedSnippets(a, expected.mustNotContain), `${where} [${dom}]: boilerplate snippets`).toEqual([]);
        });
      }

      it('linkedom and jsdom give the same result', () => {
        expect(sameOutcome(run('linkedom'), run('jsdom')), `${where}: linkedom vs jsdom`).toBeUndefined();
        expect(firstDifference(page('linkedom').text, page('jsdom').text, ['linkedom', 'jsdom']), `${where}: extractPage text`).toBeUndefined();
      });
    });
  }
});

// ---- seed documents, wrapped in chrome at test time ----------------------------------------------------
// The seed wording stays in /work/shared/seeds; only the page templates live here.

function readSeedBlocks(prefix: string): string[] {
  const file = readdirSync(SEEDS).find((f) => f.startsWith(prefix) && f.endsWith('.txt'));
  if (!file) throw new Error(`no ${prefix}*.txt in ${SEEDS.pathname}`);
  // One block per non-empty line (the seeds separate paragraphs with blank lines).
  return readFileSync(new URL(file, SEEDS), 'utf8').split('\n').map(squash).filter(Boolean);
}

const at = (list: readonly string[], i: number, what: string): string => {
  const v = list[i];
  if (v === undefined) throw new Error(`seed: ${what} not found`);
  return v;
};

interface Coin { logo: string; name: string; price: string; change: string }

/** Seed 000: category, title, "Download IPFS", the article, then comment form, coin badge, price ticker, subscribe box. */
function splitSeed000(blocks: readonly string[]) {
  const download = blocks.indexOf('Download IPFS');
  const leave = blocks.indexOf('Leave a Comment');
  const prices = blocks.indexOf('Latest Market Prices');
  const subscribe = blocks.findIndex((b) => b.startsWith('Subscribe to Blog via Email'));
  const badge = blocks.findIndex((b, i) => i > leave && /\bLogo\b/.test(b));
  if (download !== 2 || !(leave > download + 1 && badge > leave && prices > badge && subscribe > prices)) {
    throw new Error('seed 000 no longer has the shape this test builds its page from');
  }
  const coins: Coin[] = [];
  const rows = blocks.slice(prices + 1, subscribe);
  for (let i = 0; i + 3 < rows.length; i += 4) {
    coins.push({ logo: at(rows, i, 'coin logo'), name: at(rows, i + 1, 'coin name'), price: at(rows, i + 2, 'coin price'), change: at(rows, i + 3, 'coin change') });
  }
  return {
    category: at(blocks, 0, 'category line'),
    title: at(blocks, 1, 'title line'),
    download: at(blocks, download, '"Download IPFS"'),
    paragraphs: blocks.slice(download + 1, leave),
    comment: { heading: at(blocks, leave, 'comment heading'), notes: blocks.slice(leave + 1, badge).filter((b) => b !== '*') },
    badge: blocks.slice(badge, prices),
    pricesHeading: at(blocks, prices, 'prices heading'),
    coins,
    subscribe: { heading: at(blocks, subscribe, 'subscribe heading'), text: blocks.slice(subscribe + 1) },
    boilerplate: [at(blocks, 0, 'category line'), ...blocks.slice(download, download + 1), ...blocks.slice(leave)],
  };
}

/** A WordPress news-magazine theme: the seed's boilerplate as the real widgets such themes emit. */
function wordpressPage(s: ReturnType<typeof splitSeed000>): string {
  const e = escapeHtml;
  const coinRows = s.coins.map((c) => `
            <li class="ccpw-coin"><img class="ccpw-coin-logo" src="https://defencewatch.example/wp-content/plugins/ccpw/assets/logos/${e(c.name.toLowerCase().replace(/\s+/g, '-'))}.png" alt="${e(c.logo)}" width="20" height="20"> <span class="ccpw-coin-name">${e(c.name)}</span> <span class="ccpw-coin-price">${e(c.price)}</span> <span class="ccpw-coin-change">${e(c.change)}</span></li>`).join('');
  return `<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(s.title)} &#8211; Defence Watch</title>
<meta property="og:type" content="article">
<meta property="og:title" content="${e(s.title)}">
<meta property="og:site_name" content="Defence Watch">
<meta property="article:published_time" content="2025-07-19T08:12:00+00:00">
<link rel="stylesheet" id="newsup-style-css" href="https://defencewatch.example/wp-content/themes/newsup/style.css?ver=6.6" media="all">
<link rel="stylesheet" id="ccpw-styles-css" href="https://defencewatch.example/wp-content/plugins/ccpw/assets/css/ccpw-styles.css?ver=2.4.1" media="all">
<script src="https://defencewatch.example/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<script id="ccpw-js-extra">var ccpw_data = {"ajax_url":"https:\\/\\/defencewatch.example\\/wp-admin\\/admin-ajax.php","refresh":"60"};</script>
</head>
<body class="post-template-default single single-post postid-48211 single-format-standard wp-custom-logo">
<div id="page" class="site">
<header class="mg-headwidget">
  <div class="site-branding-text"><p class="site-title"><a href="https://defencewatch.example/" rel="home">Defence Watch</a></p><p class="site-description">Security, strategy and the arms trade</p></div>
  <nav class="navbar navbar-expand-lg"><ul id="menu-primary" class="nav navbar-nav">
    <li class="menu-item"><a href="https://defencewatch.example/">Home</a></li>
    <li class="menu-item"><a href="https://defencewatch.example/category/defence-security/">Defence &amp; Security</a></li>
    <li class="menu-item"><a href="https://defencewatch.example/category/world/">World</a></li>
    <li class="menu-item"><a href="https://defencewatch.example/category/analysis/">Analysis</a></li>
  </ul></nav>
</header>
<div id="content" class="container-fluid">
  <div class="row">
    <div class="col-lg-9 col-md-8">
      <main id="primary">
        <article id="post-48211" class="post-48211 post type-post status-publish format-standard hentry category-defence-security">
          <div class="mg-blog-post-box">
            <div class="mg-header">
              <div class="mg-blog-category"><a class="newsup-categories category-color-1" href="https://defencewatch.example/category/defence-security/" rel="category tag">${e(s.category)}</a></div>
              <h1 class="title single">${e(s.title)}</h1>
            </div>
            <article class="small single">
              <p class="ipfs-link-wrap"><a class="ipfs-download-link" href="https://ipfs.example/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi" target="_blank" rel="noopener">${e(s.download)}</a></p>
${s.paragraphs.map((p) => `              <p>${e(p)}</p>`).join('\n')}
            </article>
          </div>
          <div id="comments" class="comments-area mg-card-box padding-20">
            <div id="respond" class="comment-respond">
              <h3 id="reply-title" class="comment-reply-title">${e(s.comment.heading)} <small><a rel="nofollow" id="cancel-comment-reply-link" href="#respond" style="display:none;">Cancel reply</a></small></h3>
              <form action="https://defencewatch.example/wp-comments-post.php" method="post" id="commentform" class="comment-form">
${s.comment.notes.map((n) => `                <p class="comment-notes">${e(n)}</p>`).join('\n')}
                <p class="comment-form-comment"><label for="comment">Comment <span class="required">*</span></label><textarea id="comment" name="comment" cols="45" rows="8" maxlength="65525" required></textarea></p>
                <p class="comment-form-author"><label for="author">Name <span class="required">*</span></label><input id="author" name="author" type="text" size="30" required></p>
                <p class="comment-form-email"><label for="email">Email <span class="required">*</span></label><input id="email" name="email" type="email" size="30" required></p>
                <p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment"></p>
              </form>
            </div>
          </div>
        </article>
      </main>
    </div>
    <aside class="col-lg-3 col-md-4">
      <div id="sidebar-right" class="mg-sidebar">
        <div id="ccpw-badge-2" class="mg-widget widget_ccpw_badge">
          <div class="ccpw-badge">${s.badge.map((b) => `<span class="ccpw-badge-line">${e(b)}</span>`).join(' ')}</div>
        </div>
        <div id="ccpw-list-3" class="mg-widget widget_ccpw_list">
          <div class="mg-wid-title"><h6 class="wtitle">${e(s.pricesHeading)}</h6></div>
          <ul class="ccpw-list">${coinRows}
          </ul>
        </div>
        <div id="blog_subscription-2" class="mg-widget widget_blog_subscription jetpack_subscription_widget">
          <div class="mg-wid-title"><h6 class="wtitle">${e(s.subscribe.heading)}</h6></div>
          <form action="#" method="post" accept-charset="utf-8" id="subscribe-blog-blog_subscription-2">
            <div id="subscribe-text">${s.subscribe.text.map((t) => `<p>${e(t)}</p>`).join('')}</div>
            <p id="subscribe-email"><label id="jetpack-subscribe-label" class="screen-reader-text" for="subscribe-field-2">Email Address</label><input type="email" name="email" required="required" value="" id="subscribe-field-2" placeholder="Email Address"></p>
            <p id="subscribe-submit"><button type="submit" name="jetpack_subscriptions_widget">Subscribe</button></p>
          </form>
        </div>
      </div>
    </aside>
  </div>
</div>
<footer class="footer"><div class="container-fluid"><p class="copyright">Copyright &copy; 2025 Defence Watch. All rights reserved. | Newsup by Themeansar.</p></div></footer>
</div>
<script src="https://defencewatch.example/wp-content/plugins/ccpw/assets/js/ccpw.js?ver=2.4.1" id="ccpw-js"></script>
</body>
</html>`;
}

/** Seed 001: one dateline prefix (" date 2025-07-18 "), then the article paragraphs. */
function splitSeed001(blocks: readonly string[]) {
  const first = at(blocks, 0, 'first paragraph');
  const dateline = /^date (\d{4}-\d{2}-\d{2}) /.exec(first);
  if (!dateline?.[1]) throw new Error('seed 001 no longer starts with its "date YYYY-MM-DD" dateline');
  return { date: dateline[1], paragraphs: [first.slice(dateline[0].length), ...blocks.slice(1)] };
}

const NEWS_CHROME = {
  site: 'Pakistan Monitor', signIn: 'Sign in', epaper: 'E-Paper', mostViewed: 'Most viewed', alsoRead: 'Also read',
  related1: 'Senate passes amended finance bill', related2: 'Monsoon rains to continue in Punjab until Sunday',
  shareWhatsApp: 'Share on WhatsApp', copyLink: 'Copy link', copyright: '© 2025 Monitor Media Group',
  rail1: 'Rupee closes higher against the dollar',
} as const;

/** A plain news site: masthead, breadcrumb, share row, "Also read" box and "Most viewed" rail. */
function newsPage(s: ReturnType<typeof splitSeed001>, title: string): string {
  const e = escapeHtml;
  const [lede, ...rest] = s.paragraphs;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)} | Pakistan Monitor</title>
<meta property="og:title" content="${e(title)}">
<meta property="og:site_name" content="Pakistan Monitor">
<meta property="article:published_time" content="${s.date}T14:30:00+05:00">
<link rel="stylesheet" href="/assets/css/monitor.min.css">
<script>window.pm = { section: "national", adUnits: ["top", "mpu", "inarticle"] };</script>
</head>
<body class="story-page">
<header class="masthead">
  <a class="masthead__logo" href="/">${e(NEWS_CHROME.site)}</a>
  <div class="masthead__tools"><a href="/login">${e(NEWS_CHROME.signIn)}</a> <a href="/epaper">${e(NEWS_CHROME.epaper)}</a></div>
  <nav class="masthead__nav"><a href="/national">National</a> <a href="/world">World</a> <a href="/business">Business</a> <a href="/sport">Sport</a> <a href="/opinion">Opinion</a></nav>
</header>
<div class="wrap">
  <div class="main-col">
    <ul class="crumbs"><li><a href="/">Home</a></li><li><a href="/national">National</a></li></ul>
    <div class="story">
      <h1 class="story__title">${e(title)}</h1>
      <div class="story__meta"><span class="story__author">Staff Reporter</span> <time datetime="${s.date}">${s.date}</time></div>
      <div class="story__share"><a href="https://wa.example/send?text=x">${e(NEWS_CHROME.shareWhatsApp)}</a> <a href="#" data-copy="1">${e(NEWS_CHROME.copyLink)}</a></div>
      <div class="story__content">
        <p>${e(lede ?? '')}</p>
${rest.map((p) => `        <p>${e(p)}</p>`).join('\n')}
      </div>
      <div class="also-read">
        <h4>${e(NEWS_CHROME.alsoRead)}</h4>
        <ul><li><a href="/national/2025-07-17/senate-finance-bill">${e(NEWS_CHROME.related1)}</a></li><li><a href="/national/2025-07-17/monsoon-punjab">${e(NEWS_CHROME.related2)}</a></li><li><a href="/world/2025-07-16/tripoli-ceasefire">Tripoli ceasefire holds for a second month</a></li></ul>
      </div>
    </div>
  </div>
  <aside class="rail">
    <h3>${e(NEWS_CHROME.mostViewed)}</h3>
    <ol><li><a href="/sport/2025-07-18/test-squad">Test squad named for the England series</a></li><li><a href="/business/2025-07-18/rupee-closes">${e(NEWS_CHROME.rail1)}</a></li><li><a href="/national/2025-07-18/karachi-water">Karachi water supply restored after repairs</a></li></ol>
  </aside>
</div>
<footer class="site-footer"><p>${e(NEWS_CHROME.copyright)}. All rights reserved.</p><a href="/about">About</a> <a href="/contact">Contact</a></footer>
<script src="/assets/js/monitor.min.js" defer></script>
</body>
</html>`;
}

function assertParagraphs(text: string, paragraphs: readonly string[], where: string): void {
  const blocks = text.split('\n\n');
  const missing = paragraphs.filter((p) => !blocks.includes(p)).map((p) => `missing paragraph ${JSON.stringify(p.slice(0, 80))}…`);
  expect(missing, `${where}: every article paragraph is its own block of text`).toEqual([]);
  expect(text.includes(paragraphs.join('\n\n')), `${where}: the paragraphs appear in order, separated by one blank line`).toBe(true);
}

describe('seed documents in page chrome', () => {
  const seed000 = splitSeed000(readSeedBlocks('000_'));
  const seed001 = splitSeed001(readSeedBlocks('001_'));
  const page000 = wordpressPage(seed000);
  const page001Title = 'Army chief and Libyan commander agree on defence industry cooperation';
  const page001 = newsPage(seed001, page001Title);
  const URL000 = 'https://defencewatch.example/2025/07/19/pakistan-libya-defence-industry-ties/';
  const URL001 = 'https://pakistanmonitor.example/national/2025-07-18/coas-haftar-ghq';
  const LISTED_BOILERPLATE = ['Download IPFS', 'Leave a Comment', 'Bitcoin', '$92,051.76', 'Subscribe to Blog via Email', 'Enter your email address'];

  it('the seed split finds the article and the boilerplate', () => {
    expect(seed000.paragraphs.length).toBeGreaterThanOrEqual(4);
    expect(seed000.coins.length).toBeGreaterThanOrEqual(8);
    expect(seed001.paragraphs.length).toBeGreaterThanOrEqual(4);
    for (const b of LISTED_BOILERPLATE) {
      expect(seed000.boilerplate.join('\n')).toContain(b);
      expect(page000, 'the blog template renders every widget').toContain(escapeHtml(b));
    }
    for (const c of Object.values(NEWS_CHROME)) expect(page001, 'the news template renders its chrome').toContain(escapeHtml(c));
  });

  for (const dom of DOMS) {
    it(`[${dom}] blog post with widgets: article kept, boilerplate gone`, () => {
      const a = articleOf(extract(page000, URL000, dom), `seed 000 [${dom}]`);
      expect(a.title).toBe(seed000.title);
      assertParagraphs(a.text, seed000.paragraphs, `seed 000 [${dom}]`);
      // The listed strings, plus every boilerplate line of the seed that is not also article wording.
      const article = seed000.paragraphs.join('\n');
      const boilerplate = [...new Set([...LISTED_BOILERPLATE, ...seed000.boilerplate.filter((b) => b.length >= 3 && !article.includes(b))])];
      expect(leakedSnippets(a, boilerplate), `seed 000 [${dom}]: boilerplate`).toEqual([]);
    });

    it(`[${dom}] plain news report: dateline stripped, article kept, chrome gone`, () => {
      const a = articleOf(extract(page001, URL001, dom), `seed 001 [${dom}]`);
      expect(a.title).toBe(page001Title);
      expect(a.published).toBe(new Date(`${seed001.date}T09:30:00Z`).toISOString());
      assertParagraphs(a.text, seed001.paragraphs, `seed 001 [${dom}]`);
      expect(leakedSnippets(a, Object.values(NEWS_CHROME)), `seed 001 [${dom}]: chrome`).toEqual([]);
    });
  }

  it('linkedom and jsdom give the same text for both seed pages', () => {
    for (const [page, url] of [[page000, URL000], [page001, URL001]] as const) {
      expect(sameOutcome(extract(page, url, 'linkedom'), extract(page, url, 'jsdom')), url).toBeUndefined();
    }
  });
});

// ---- direct tests -----------------------------------------------------------------------------------

const HOSTILE_PAGE = `<!doctype html><html><head><title>Harbour wall repairs begin</title>
<meta http-equiv="refresh" content="0;url=javascript:alert(1)"><style>body{background:url(javascript:alert(1))}</style></head>
<body onload="alert('body')">
<main><article>
<h1>Harbour wall repairs begin</h1>
<p style="color:red" onclick="alert('p')">Repairs to the north harbour wall began on Monday after winter storms washed away a section of the parapet and left the fishermen's steps unsafe for most of the spring.</p>
<script>alert('inline script')</script>
<p onmouseover="alert('hover')">Contractors expect the work to take eleven weeks. <a href="javascript:alert('link')">Read the notice</a>, <a href=" JaVaScRiPt:alert('spaced')">the plan</a>, <a href="java&#10;script:alert('entity')">the map</a> and <a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">the survey</a>, or <a href="/notices/harbour-wall" onclick="alert('tracked')">the council page</a>.</p>
<img src="x.jpg" onerror="alert('img')" alt="Harbour wall">
<img src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4=" alt="inline">
<svg onload="alert('svg')"><script>alert('svg script')</script></svg>
<iframe src="javascript:alert('frame')"></iframe><iframe srcdoc="<script>alert('srcdoc')</script>"></iframe>
<object data="javascript:alert('object')"></object><embed src="javascript:alert('embed')">
<form action="javascript:alert('form')"><input onfocus="alert('focus')" autofocus><button formaction="javascript:alert('button')">Go</button></form>
<p><span style="background:url('javascript:alert(1)')">Boats will use the south slipway</span> while the steps are closed, and the harbour master asks visitors to keep clear of the works compound on the quay at all times.</p>
<details open ontoggle="alert('toggle')"><summary>Timetable</summary>Work runs from 7am to 6pm on weekdays.</details>
</article></main>
</body></html>`;

describe('extraction output is safe on a hostile page', () => {
  for (const dom of DOMS) {
    it(`[${dom}] no script, event handlers, javascript:/data: URLs or style attributes survive`, () => {
      const a = articleOf(extract(HOSTILE_PAGE, 'https://harbourtimes.example/news/harbour-wall', dom), `hostile [${dom}]`);
      expect(a.text).toContain('Repairs to the north harbour wall began on Monday');
      expect(a.text).toContain('Boats will use the south slipway while the steps are closed');
      expect(a.html).toContain('href="https://harbourtimes.example/notices/harbour-wall"');
      const bad: [string, RegExp][] = [
        ['<script', /<script/i], ['event handler attribute', /\son[a-z]+\s*=/i], ['javascript: URL', /javascript:/i],
        ['data: URL', /data:/i], ['style attribute', /\sstyle\s*=/i], ['<style', /<style/i], ['<svg', /<svg/i],
        ['<object/<embed', /<(object|embed)/i], ['<form/<input/<button', /<(form|input|button)/i], ['srcdoc', /srcdoc/i],
        ['<meta', /<meta/i], ['alert(', /alert\(/],
      ];
      const found: string[] = [];
      for (const [name, re] of bad) {
        for (const [part, value] of [['html', a.html], ['text', a.text]] as const) {
          const m = re.exec(value);
          if (m) found.push(`${name} in ${part}: …${value.slice(Math.max(0, m.index - 40), m.index + 60)}…`);
        }
      }
      expect(found).toEqual([]);
    });
  }
});

describe('htmlToText', () => {
  const cases: [name: string, html: string, text: string][] = [
    ['paragraphs are separated by one blank line', '<p>One.</p><p>Two.</p>', 'One.\n\nTwo.'],
    ['whitespace inside a block collapses', '<p>  a\n  b\t c </p>', 'a b c'],
    ['headings, list items and captions are blocks', '<h2>Head</h2><ul><li>x</li><li>y</li></ul><figure><img src="https://a.example/i.jpg"><figcaption>Cap</figcaption></figure>', 'Head\n\nx\n\ny\n\nCap'],
    ['a list item holding a paragraph counts once', '<ul><li><p>Only once</p></li></ul>', 'Only once'],
    ['table cells are separate blocks, not glued together', '<table><tr><th>Year</th><th>Rain</th></tr><tr><td>2024</td><td>812</td></tr></table>', 'Year\n\nRain\n\n2024\n\n812'],
    ['entities are decoded', '<p>Fish &amp; chips &lt;3 &#8212; &eacute;t&eacute;</p>', 'Fish & chips <3 — été'],
    ['empty blocks are skipped', '<p>a</p><p> </p><p></p><p>b</p>', 'a\n\nb'],
    ['inline markup keeps the word boundaries of the source', '<p>a <em>b</em>c <a href="https://a.example/">d</a></p>', 'a bc d'],
    ['no block elements: the plain text of the whole', '<span>just</span> <b>text</b>', 'just text'],
    ['empty input', '', ''],
    ['a line break inside a block separates words', '<p>12 Fore Street<br>Kingsbridge</p>', '12 Fore Street Kingsbridge'],
    ['text beside a nested list is kept', '<ul><li>You will need:<ul><li>Flour</li><li>Water</li></ul></li></ul>', 'You will need:\n\nFlour\n\nWater'],
    ['an attribution after the quoted paragraph is kept', '<blockquote><p>Six decibels is a lot.</p>— Bruno Vincent</blockquote>', 'Six decibels is a lot.\n\n— Bruno Vincent'],
  ];
  it.each(cases)('%s', (_name, html, text) => {
    expect(htmlToText(html)).toBe(text);
  });
});

describe('size guards fail fast', () => {
  function timed(html: string, dom: DomImpl): { outcome: Outcome; ms: number } {
    const t0 = performance.now();
    const outcome = extract(html, 'https://register.example/planning/2024', dom);
    return { outcome, ms: performance.now() - t0 };
  }

  const oversized = `<!doctype html><html><body><article><h1>Register</h1><p>${'x'.repeat(MAX_HTML_CHARS)}</p></article></body></html>`;
  // A real shape for "too many elements": a register page with one table row per planning decision.
  const rows = Math.ceil(MAX_ELEMENTS / 4) + 50;
  const manyElements = `<!doctype html><html><head><title>Planning register 2024</title></head><body><main><article><h1>Planning register 2024</h1>
<p>${'Every planning decision made by the council in 2024, with its reference and outcome, as published under the transparency code. '.repeat(3)}</p>
<table>${Array.from({ length: rows }, (_, i) => `<tr><td>24/${String(i).padStart(5, '0')}</td><td>Rear extension</td><td>Approved</td></tr>`).join('\n')}</table>
</article></main></body></html>`;

  for (const dom of DOMS) {
    it(`[${dom}] a page over MAX_HTML_CHARS is refused before parsing`, () => {
      expect(oversized.length).toBeGreaterThan(MAX_HTML_CHARS);
      const { outcome, ms } = timed(oversized, dom);
      expectRefused(outcome, new RegExp(`larger than ${MAX_HTML_CHARS} characters`), `oversized [${dom}]`);
      expect(ms).toBeLessThan(FAST_MS);
    });

    it(`[${dom}] a page with more than MAX_ELEMENTS elements is refused`, () => {
      expect(rows * 4).toBeGreaterThan(MAX_ELEMENTS);
      const { outcome, ms } = timed(manyElements, dom);
      expectRefused(outcome, /\d+ elements/, `${rows * 4} table cells and rows [${dom}]`);
      expect(ms).toBeLessThan(FAST_MS);
    });
  }

  it('an article just under MIN_TEXT_CHARS is refused, one at the limit is kept', () => {
    const sentence = 'The parish council agreed on Tuesday to repair the footbridge over the mill stream before the summer. ';
    const page = (chars: number) => `<!doctype html><html><head><title>Footbridge to be repaired</title></head><body>
<header><a href="/">Parish News</a></header><main><article><h1>Footbridge to be repaired</h1>
<p>${sentence.repeat(10).slice(0, chars - 1)}.</p></article></main><footer><a href="/contact">Contact</a></footer></body></html>`;
    for (const dom of DOMS) {
      const short = extract(page(MIN_TEXT_CHARS - 1), 'https://parish.example/news/footbridge', dom);
      expectRefused(short, /too short/, `${MIN_TEXT_CHARS - 1} characters [${dom}]`);
      const enough = articleOf(extract(page(MIN_TEXT_CHARS), 'https://parish.example/news/footbridge', dom), dom);
      expect(enough.text).toHaveLength(MIN_TEXT_CHARS);
    }
  });
});
