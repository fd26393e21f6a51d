// The shell every page shares: head (stylesheet, icon, feed autodiscovery), a skip link, the site
// header with its navigation, the page's <main>, and a footer with the feeds.
import { createHash } from 'node:crypto';
import { FEED_PATHS } from '../publisher/paths.js';
import { html, type Html } from './html.js';
import { STYLESHEET } from './style.js';

/** The stylesheet's bytes and their fingerprint: its URL changes when it does, so it may be cached for good. */
export const STYLE = (() => {
  const body = Buffer.from(STYLESHEET.trimStart());
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
  return { body, path: `/assets/style.${hash}.css`, etag: `"${hash}"` };
})();

/** The site icon (a small SVG, served from here: nothing remote). */
export const ICON = (() => {
  const body = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1b1b1b"/>' +
    '<rect x="3" y="4" width="10" height="2" fill="#fff"/><rect x="3" y="7.5" width="7" height="2" fill="#fff"/>' +
    '<rect x="3" y="11" width="10" height="2" fill="#fff"/></svg>');
  return { body, path: '/assets/icon.svg', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 12)}"` };
})();

export type Section = 'stories' | 'sources' | 'none';

export interface Shell {
  /** The site's name (output.title). */
  site: string;
  /** Document language (output.language). */
  lang: string;
  /** The page's title (its <h1> says the same or more). */
  title: string;
  section: Section;
  /** Extra feeds announced for autodiscovery (a tag's), besides the merged ones. */
  alternates?: readonly { title: string; href: string; type: string }[];
}

const NAV: readonly { section: Section; href: string; label: string }[] = [
  { section: 'stories', href: '/', label: 'Stories' },
  { section: 'sources', href: '/sources', label: 'Sources' },
];

export function layout(shell: Shell, main: Html): Html {
  const alternates = [
    { title: `${shell.site} (RSS)`, href: FEED_PATHS.rss, type: 'application/rss+xml' },
    { title: `${shell.site} (Atom)`, href: FEED_PATHS.atom, type: 'application/atom+xml' },
    { title: `${shell.site} (JSON Feed)`, href: FEED_PATHS.json, type: 'application/feed+json' },
    ...(shell.alternates ?? []),
  ];
  return html`<!doctype html>
<html lang="${shell.lang || 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${shell.title} · ${shell.site}</title>
<link rel="stylesheet" href="${STYLE.path}">
<link rel="icon" href="${ICON.path}" type="image/svg+xml">
${alternates.map((a) => html`<link rel="alternate" type="${a.type}" title="${a.title}" href="${a.href}">\n`)}</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="wrap">
<p class="brand"><a href="/">${shell.site}</a></p>
<nav aria-label="Site"><ul>${NAV.map((n) => html`<li><a href="${n.href}"${n.section === shell.section ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}</ul></nav>
</div></header>
<main id="main" class="wrap">
${main}
</main>
<footer class="site"><div class="wrap">
<p>Subscribe to the merged feed: <a href="${FEED_PATHS.rss}">RSS</a> · <a href="${FEED_PATHS.atom}">Atom</a> · <a href="${FEED_PATHS.json}">JSON Feed</a> · <a href="/feeds.opml">OPML of all feeds</a></p>
<p>Served by storyfeed. Times are UTC.</p>
</div></footer>
</body>
</html>
`;
}

/** A small page for "not found" and the like. */
export function messagePage(shell: Omit<Shell, 'section'>, heading: string, text: string, back = { href: '/', label: 'Back to the stories' }): Html {
  return layout({ ...shell, section: 'none' }, html`<h1>${heading}</h1>
<p>${text}</p>
<p><a href="${back.href}">${back.label}</a></p>`);
}
