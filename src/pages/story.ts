// GET /stories/<id>: one story. Every item on a timeline (source, headline, time, full-text state), the
// representative article's body (sanitized HTML from storage, sanitized again and cut to a bound), why
// each article is in the story and the story's history (reasons.ts). A merged story's page points to
// the story it went into.
import type { Story } from '../model/index.js';
import { cutHtml } from '../publisher/index.js';
import { sanitizeHtml } from '../sanitizer/index.js';
import type { Store, StoryHead, StoryItem } from '../storage/index.js';
import { link } from './front.js';
import { href, html, plural, time, trusted, type Html } from './html.js';
import { storyReasons, type ArticleReason, type ReasonArticle, type ReasonStats, type StoryReasons } from './reasons.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Items on the timeline (the earliest); the rest are counted. */
const TIMELINE_ITEMS = 200;
/** Characters of the body shown (cut on a block boundary, then "Continue reading"). */
const BODY_CHARS = 40_000;
/** Merges followed from a merged story's id to the live one. */
const MAX_MERGE_HOPS = 16;
// ---------------------------------------------------------------------------------------------------

export interface TimelineEntry extends StoryItem {
  /** Another item of the same article (same canonical URL) came earlier on the timeline. */
  sameArticle: boolean;
  /** This item's article is the one whose body the page shows. */
  shown: boolean;
}

export interface StoryView {
  head: StoryHead;
  story: Story;
  timeline: TimelineEntry[];
  moreItems: number;
  /** The body, sanitized, cut to BODY_CHARS, headings moved under the page's own. */
  body?: Html;
  bodySource?: { name: string; link?: string };
  bodyCut: boolean;
  reasons: StoryReasons;
}

/** Where a story id leads: its view, the live story it was merged into, or nothing. */
export type StoryLookup = { view: StoryView } | { redirect: number } | { missing: string };

/** The body's headings two levels down (h1 -> h3 …, at most h6): the page has one h1, and sections of h2. */
function demoteHeadings(safe: string): string {
  // Safe to do on the sanitizer's output: a "<h" there is always a tag (text and attribute values have "<" escaped).
  return safe.replace(/<(\/?)h([1-6])\b/g, (_, slash: string, n: string) => `<${slash}h${Math.min(6, Number(n) + 2)}`);
}

function bodyOf(story: Story): Pick<StoryView, 'body' | 'bodySource' | 'bodyCut'> {
  const source = story.sources.find((s) => s.itemUrl === story.link) ?? story.sources[0];
  const bodySource = source ? { name: source.sourceName, link: href(story.link) } : undefined;
  const raw = story.contentHtml || story.summary;
  if (!raw) return { bodySource, bodyCut: false };
  const cut = raw.length > BODY_CHARS || story.contentTruncated === true;
  const base = story.link ?? story.url;
  const shown = raw.length > BODY_CHARS ? cutHtml(raw, BODY_CHARS, base) : raw;
  return { body: trusted(demoteHeadings(sanitizeHtml(shown, base))), bodySource, bodyCut: cut };
}

export async function storyView(store: Store, stats: ReasonStats, id: number): Promise<StoryLookup> {
  let head = store.pages.storyHead(id);
  for (let hops = 0; head?.mergedInto !== undefined && hops < MAX_MERGE_HOPS; hops++) head = store.pages.storyHead(head.mergedInto);
  if (!head) return { missing: `There is no story ${id}. It may have been removed by retention.` };
  if (head.mergedInto !== undefined) return { missing: `Story ${id} was merged into others too many times to follow.` };
  if (head.id !== id) return { redirect: head.id };
  const [story] = store.stories.list(1, { ids: [id], maxBodyChars: BODY_CHARS + 1 });
  if (!story) return { missing: `Story ${id} has no articles left.` };
  const { items, total } = store.pages.storyItems(id, TIMELINE_ITEMS);
  const seen = new Set<number>();
  const shownArticle = items.find((i) => i.url !== undefined && i.url === story.url)?.articleId;
  const timeline = items.map((i): TimelineEntry => {
    const sameArticle = seen.has(i.articleId);
    seen.add(i.articleId);
    return { ...i, sameArticle, shown: i.articleId === shownArticle };
  });
  const articles = timeline.filter((t) => !t.sameArticle).map((t): ReasonArticle => ({ articleId: t.articleId, itemId: t.itemId,
    title: t.title, source: t.sourceName, published: t.published, firstSeen: t.articleFirstSeen }));
  const reasons = await storyReasons(store, stats, head, articles);
  return { view: { head, story, timeline, moreItems: total - items.length, ...bodyOf(story), reasons } };
}

function fullTextNote(t: TimelineEntry): Html {
  if (t.extractStatus === 'ok') return html`full text extracted`;
  if (t.extractStatus === 'failed') return html`feed text only (full text failed: ${t.extractError ?? 'no reason recorded'})`;
  return html`feed text only`;
}

function timelineHtml(v: StoryView): Html {
  return html`<ol class="timeline">
${v.timeline.map((t) => html`<li${t.sameArticle ? html` class="same"` : ''}>
<p class="meta">${time(t.published)} · <span class="src">${t.sourceName}</span></p>
<p>${link(t.link ?? t.url, t.title)}${t.author ? html` <span class="muted">by ${t.author}</span>` : ''}</p>
<p class="meta">item ${t.itemId} · first seen ${time(t.firstSeen)} · ${t.sameArticle ? 'the same article as above (same link)' : fullTextNote(t)}${
  t.shown && !t.sameArticle ? html` · <a href="#article">shown below</a>` : ''}</p>
</li>
`)}</ol>
${v.moreItems > 0 ? html`<p class="muted">and ${plural(v.moreItems, 'more item')}, not shown.</p>` : ''}`;
}

function bar(contribution: number, max: number): Html {
  // A small bar of the contribution's size (a picture of the number beside it: hidden from screen readers).
  const w = max > 0 ? Math.round((Math.abs(contribution) / max) * 40) : 0;
  const x = contribution < 0 ? 50 - w : 50;
  return html`<svg class="bar" width="100" height="10" viewBox="0 0 100 10" aria-hidden="true"><line class="axis" x1="50" y1="0" x2="50" y2="10"/><rect class="${contribution < 0 ? 'neg' : 'pos'}" x="${x}" y="2" width="${w}" height="6"/></svg>`;
}

function reasonHtml(r: ArticleReason, i: number): Html {
  const id = `why-${r.article.articleId}`;
  const max = Math.max(0, ...r.signals.map((s) => Math.abs(s.contribution ?? 0)));
  const signed = (x: number) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(3)}`;
  return html`<section class="reason" aria-labelledby="${id}">
<h3 id="${id}">${i + 1}. ${r.article.title} <span class="muted">(${r.article.source})</span></h3>
<p class="verdict">${r.verdict}</p>
${r.signals.length ? html`<div class="scroll"><table class="signals">
<caption>Signals${r.against ? html` against “${r.against.title}”` : ' against the rest of the story'}</caption>
<thead><tr><th scope="col">Signal</th><th scope="col" class="num">Value</th><th scope="col" class="num">Contribution</th><th scope="col" class="barcol"><span class="vh">As a bar</span></th></tr></thead>
<tbody>
${r.signals.map((s) => html`<tr><th scope="row">${s.label}</th><td class="num">${s.value}</td><td class="num">${
  s.factor ? `×\u00a0${s.value}` : s.contribution === undefined ? '—' : signed(s.contribution)}</td><td class="barcol">${s.contribution === undefined ? '' : bar(s.contribution, max)}</td></tr>\n`)}</tbody>
${r.total ? html`<tfoot><tr><th scope="row">${r.total.label}: ${r.total.formula}</th><td class="num">${r.total.value.toFixed(3)}</td><td class="num">${
  r.total.value >= r.total.threshold ? '≥' : '<'}\u00a0${r.total.threshold}</td><td class="barcol"></td></tr></tfoot>` : ''}
</table></div>` : ''}
${r.shared.filter((s) => s.values.length).map((s) => html`<p class="shared"><strong>${s.label}:</strong> ${s.values.join(', ')}</p>`)}
${r.command ? html`<p class="shared muted">The same comparison on the command line: <code>${r.command}</code></p>` : ''}
</section>
`;
}

/** Items that carried an article another item of the story had carried first (same canonical URL). */
function sameLinks(v: StoryView): Html {
  const first = new Map<number, TimelineEntry>();
  const pairs: [TimelineEntry, TimelineEntry][] = [];
  for (const t of v.timeline) {
    const f = first.get(t.articleId);
    if (f) pairs.push([t, f]);
    else first.set(t.articleId, t);
  }
  if (pairs.length === 0) return html``;
  return html`<p>The same article (one link) is always one story:</p>
<ul>${pairs.map(([t, f]) => html`<li>“${t.title}” (${t.sourceName}) links to the same article as “${f.title}” (${f.sourceName}).</li>`)}</ul>`;
}

function reasonsHtml(v: StoryView): Html {
  const r = v.reasons;
  return html`<p>${r.method}</p>
<p class="muted">${r.basis}</p>
${sameLinks(v)}
${r.articles.map(reasonHtml)}
${r.omitted > 0 ? html`<p class="muted">${plural(r.omitted, 'more article')} not explained here.</p>` : ''}`;
}

function historyHtml(r: StoryReasons): Html {
  return html`<ol class="history">
${r.history.map((e) => html`<li>${e.at ? html`${time(e.at)}: ` : ''}${e.text}${e.story !== undefined ? html` <a href="/stories/${e.story}">Story ${e.story}</a>` : ''}</li>\n`)}</ol>
${r.historyNote ? html`<p class="muted">${r.historyNote}</p>` : ''}`;
}

export function renderStory(v: StoryView): Html {
  const s = v.story;
  const latest = s.latest;
  return html`<article aria-labelledby="title">
<h1 id="title">${s.title}</h1>
<p class="meta">First reported ${time(s.published)} · first seen ${time(s.firstSeen)} · updated ${time(s.updated)} · ${
  s.sources.length > 1 ? `covered by ${s.sources.length} sources` : 'one source'}</p>
${latest ? html`<p><strong>Latest:</strong> ${link(latest.link, latest.title)} (${latest.sourceName}, ${time(latest.published)})</p>` : ''}
<nav aria-label="On this page"><ul>
<li><a href="#timeline">Timeline</a></li><li><a href="#article">Article</a></li><li><a href="#why">Why these are one story</a></li><li><a href="#history">History</a></li>
</ul></nav>
<section aria-labelledby="timeline">
<h2 id="timeline">Timeline: ${plural(v.timeline.length + v.moreItems, 'item')} from ${plural(s.sources.length, 'source')}</h2>
${timelineHtml(v)}
</section>
<section aria-labelledby="article">
<h2 id="article">Article${v.bodySource ? html`, from ${v.bodySource.name}` : ''}</h2>
${v.bodySource?.link ? html`<p class="meta"><a href="${v.bodySource.link}">Read it at ${v.bodySource.name}</a></p>` : ''}
${v.body ? html`<div class="body">${v.body}</div>` : html`<p class="muted">No text was stored for this story.</p>`}
${v.bodyCut && v.bodySource?.link ? html`<p><a href="${v.bodySource.link}">Continue reading at ${v.bodySource.name} …</a></p>` : ''}
</section>
<section aria-labelledby="why">
<h2 id="why">Why these are one story</h2>
${reasonsHtml(v)}
</section>
<section aria-labelledby="history">
<h2 id="history">History</h2>
${historyHtml(v.reasons)}
</section>
</article>`;
}
