// GET /: the stories of the merged feed, newest first, each with every source that covered it (its own
// headline, link and time) and a short excerpt; a filter by tag (the tag feeds' tags), pages, and the
// feeds to subscribe to.
import type { Config, Story } from '../model/index.js';
import { configTags, feedPath, type FeedKind } from '../publisher/paths.js';
import { toPlainText } from '../sanitizer/index.js';
import type { Store } from '../storage/index.js';
import { excerpt, href, html, plural, time, type Html } from './html.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Stories per page. */
export const STORIES_PER_PAGE = 20;
/** Sources listed under a story on the front page (the story's page lists them all). */
const SOURCES_LISTED = 8;
/** Characters of body read per story (only its excerpt is shown), and of the excerpt. */
const BODY_READ_CHARS = 4_000;
const EXCERPT_CHARS = 280;
/** Pages beyond this are refused (a bound on OFFSET scans): 20 × 500 = the newest 10,000 stories. */
export const MAX_PAGE = 500;
// ---------------------------------------------------------------------------------------------------

const KINDS: readonly { kind: FeedKind; label: string }[] = [
  { kind: 'rss', label: 'RSS 2.0' }, { kind: 'atom', label: 'Atom 1.0' }, { kind: 'json', label: 'JSON Feed 1.1' },
];

export interface FrontStory {
  id: number;
  title: string;
  published: string;
  updated: string;
  excerpt?: string;
  latest?: Story['latest'];
  sourceCount: number;
  sources: Story['sources'];
}

export interface FrontView {
  tag?: string;
  tags: readonly string[];
  page: number;
  pages: number;
  total: number;
  stories: FrontStory[];
}

/** The tag as configured for a query's tag (case-insensitive, as the tag feeds), undefined when no source has it. */
export function resolveTag(config: Config, tag: string): string | undefined {
  const tags = configTags(config);
  return tags.find((t) => t === tag) ?? tags.find((t) => t.toLowerCase() === tag.toLowerCase());
}

/** The page's data; a string says why there is no such page (an unknown tag, a page past the end). */
export function frontView(store: Store, config: Config, query: { tag?: string; page: number }): FrontView | string {
  let tag: string | undefined;
  if (query.tag !== undefined) {
    tag = resolveTag(config, query.tag);
    if (tag === undefined) return `No source has the tag “${query.tag}”.`;
  }
  const sourceUrls = tag === undefined ? undefined : config.sources.filter((s) => s.enabled && s.tags.includes(tag)).map((s) => s.url);
  const total = store.pages.countStories(sourceUrls);
  const pages = Math.max(1, Math.min(MAX_PAGE, Math.ceil(total / STORIES_PER_PAGE)));
  if (query.page > pages) return `There is no page ${query.page}: ${pages === 1 ? 'there is one page' : `there are ${pages} pages`}.`;
  const stories = store.stories.list(STORIES_PER_PAGE, { sourceUrls, offset: (query.page - 1) * STORIES_PER_PAGE, maxBodyChars: BODY_READ_CHARS });
  return {
    tag, tags: configTags(config), page: query.page, pages, total,
    stories: stories.map((s) => {
      const text = toPlainText(s.summary) || toPlainText(s.contentHtml);
      return { id: s.id, title: s.title, published: s.published, updated: s.updated, excerpt: text ? excerpt(text, EXCERPT_CHARS) : undefined,
        latest: s.latest, sourceCount: s.sources.length, sources: s.sources.slice(0, SOURCES_LISTED) };
    }),
  };
}

function pageHref(tag: string | undefined, page: number): string {
  const q = new URLSearchParams();
  if (tag !== undefined) q.set('tag', tag);
  if (page > 1) q.set('page', String(page));
  const s = q.toString();
  return s ? `/?${s}` : '/';
}

function storyItem(s: FrontStory): Html {
  const more = s.sourceCount - s.sources.length;
  const latest = s.latest;
  return html`<li class="story"><article aria-labelledby="s${s.id}">
<h2 id="s${s.id}"><a href="/stories/${s.id}">${s.title}</a></h2>
<p class="meta">${time(s.published)} · ${s.sourceCount > 1 ? `covered by ${s.sourceCount} sources` : 'one source'}${
  s.updated !== s.published ? html` · updated ${time(s.updated)}` : ''}</p>
${latest ? html`<p class="excerpt"><strong>Latest:</strong> ${link(latest.link, latest.title)} (${latest.sourceName}, ${time(latest.published)})</p>` : ''}
${s.excerpt ? html`<p class="excerpt">${s.excerpt}</p>` : ''}
<ul class="covered" aria-label="Sources">
${s.sources.map((src) => html`<li><span class="src">${src.sourceName}</span>: ${link(src.itemUrl, src.title)} <span class="muted">${time(src.published)}</span></li>\n`)}${
  more > 0 ? html`<li><a href="/stories/${s.id}">and ${plural(more, 'more source')}</a></li>` : ''}
</ul>
</article></li>
`;
}

/** A link when the URL is http(s), else the text alone. */
export function link(url: string | undefined, text: string): Html {
  const h = href(url);
  return h ? html`<a href="${h}">${text}</a>` : html`${text}`;
}

function feedLinks(view: FrontView): Html {
  const scopes = [
    { label: 'All stories', tag: undefined as string | undefined },
    ...view.tags.map((t) => ({ label: `Tag “${t}”`, tag: t as string | undefined })),
  ];
  return html`<section class="feeds" aria-labelledby="subscribe">
<h2 id="subscribe">Subscribe</h2>
<p>Point a feed reader at one of these (or import <a href="/feeds.opml">the OPML of all of them</a>).</p>
<ul>${scopes.map((s) => html`<li>${s.label}: ${KINDS.map((k, i) => html`${i ? ' · ' : ''}<a href="${feedPath(k.kind, s.tag)}">${k.label}</a>`)}</li>`)}</ul>
</section>`;
}

function tagFilter(view: FrontView): Html {
  if (view.tags.length === 0) return html``;
  return html`<div class="toolbar">
<form method="get" action="/" role="search" aria-label="Filter by tag">
<label for="tag">Tag</label>
<select id="tag" name="tag">
<option value="">All stories</option>
${view.tags.map((t) => html`<option value="${t}"${t === view.tag ? html` selected` : ''}>${t}</option>`)}
</select>
<button type="submit">Show</button>
</form>
</div>
<ul class="tags" aria-label="Tags">
<li><a href="/"${view.tag === undefined ? html` aria-current="page"` : ''}>All</a></li>
${view.tags.map((t) => html`<li><a href="${pageHref(t, 1)}"${t === view.tag ? html` aria-current="page"` : ''}>${t}</a></li>`)}
</ul>`;
}

function pager(view: FrontView): Html {
  if (view.pages <= 1) return html``;
  return html`<nav class="pager" aria-label="Pages">
${view.page > 1 ? html`<a href="${pageHref(view.tag, view.page - 1)}" rel="prev">← Newer stories</a>` : html`<span></span>`}
<span>Page ${view.page} of ${view.pages}</span>
${view.page < view.pages ? html`<a href="${pageHref(view.tag, view.page + 1)}" rel="next">Older stories →</a>` : html`<span></span>`}
</nav>`;
}

export function frontTitle(view: FrontView): string {
  return view.tag === undefined ? 'Stories' : `Stories tagged “${view.tag}”`;
}

export function renderFront(view: FrontView): Html {
  return html`<h1>${frontTitle(view)}</h1>
<p class="meta">${plural(view.total, 'story', 'stories')}, newest first${view.pages > 1 ? `, ${STORIES_PER_PAGE} a page` : ''}. Each shows every source that covered it.</p>
${tagFilter(view)}
${view.stories.length ? html`<ol class="stories">
${view.stories.map(storyItem)}</ol>` : html`<p>No stories yet. They appear after the first ingest cycle (<code>storyfeed once</code> or <code>storyfeed run</code>).</p>`}
${pager(view)}
${feedLinks(view)}`;
}

/** The feeds of the page's tag, announced for autodiscovery. */
export function frontAlternates(view: FrontView): { title: string; href: string; type: string }[] {
  if (view.tag === undefined) return [];
  const types: Record<FeedKind, string> = { rss: 'application/rss+xml', atom: 'application/atom+xml', json: 'application/feed+json' };
  return KINDS.map((k) => ({ title: `Tag ${view.tag} (${k.label})`, href: feedPath(k.kind, view.tag), type: types[k.kind] }));
}

