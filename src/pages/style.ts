// The pages' one stylesheet, served at /assets/style.<hash>.css (the hash makes it cacheable for good).
// A module rather than a .css file so that it ships in dist/ with the code: there is no build step for
// assets. No remote fonts, no images: system fonts and a few colours chosen for contrast (WCAG AA: body
// text ≥ 7:1, muted text and badges ≥ 4.5:1, chart marks ≥ 3:1 against the page), light and dark.
export const STYLESHEET = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1b1b; --muted: #545454; --line: #d0d0d0; --panel: #f5f5f5;
  --link: #0b57d0; --visited: #6b2fa6; --focus: #b3261e;
  --ok: #146c2e; --ok-bg: #e3f3e6; --bad: #a50e0e; --bad-bg: #fbe9e7; --gone: #3c3c3c; --gone-bg: #e8e8e8;
  --new: #0b4a9e; --new-bg: #e5eefc;
  --bar-ok: #1e7d36; --bar-nm: #5f8f6b; --bar-failed: #c5221f; --bar-gone: #3c3c3c;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #141414; --fg: #ececec; --muted: #b4b4b4; --line: #444444; --panel: #1f1f1f;
    --link: #8ab4f8; --visited: #d0a8ff; --focus: #ffb4ab;
    --ok: #8fdc9f; --ok-bg: #15301c; --bad: #ffb4ab; --bad-bg: #3d1512; --gone: #d6d6d6; --gone-bg: #333333;
    --new: #a8c7fa; --new-bg: #162a4a;
    --bar-ok: #5cc072; --bar-nm: #8fb89a; --bar-failed: #ff8a80; --bar-gone: #bdbdbd;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  overflow-wrap: anywhere;
}
a { color: var(--link); }
a:visited { color: var(--visited); }
a:focus-visible, button:focus-visible, select:focus-visible, summary:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px;
}
.skip { position: absolute; left: -999rem; }
.vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem 1rem; z-index: 1; }
.wrap { max-width: 50rem; margin: 0 auto; padding: 0 1rem; }
header.site { border-bottom: 1px solid var(--line); }
header.site .wrap { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .25rem 1rem; padding-top: .6rem; padding-bottom: .6rem; }
.brand { margin: 0; font-weight: 700; font-size: 1.1rem; }
.brand a { color: var(--fg); text-decoration: none; }
nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
nav a[aria-current="page"] { font-weight: 700; color: var(--fg); }
main { padding-top: 1rem; padding-bottom: 2rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; line-height: 1.3; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .4rem; }
.muted, .meta { color: var(--muted); }
.meta { font-size: .92rem; margin: .2rem 0 .5rem; }
footer.site { border-top: 1px solid var(--line); color: var(--muted); font-size: .9rem; padding: 1rem 0 2rem; }
footer.site p { margin: .3rem 0; }

/* filters, pagination, subscribe */
.toolbar { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: end; margin: 0 0 1rem; }
.toolbar form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
label { font-weight: 600; }
select, button { font: inherit; padding: .35rem .6rem; border: 1px solid var(--muted); border-radius: .3rem; background: var(--bg); color: var(--fg); min-height: 2.5rem; }
button { cursor: pointer; background: var(--panel); }
.tags { list-style: none; padding: 0; margin: .3rem 0 1rem; display: flex; flex-wrap: wrap; gap: .4rem; }
.tags a { display: inline-block; padding: .25rem .6rem; border: 1px solid var(--line); border-radius: 1rem; text-decoration: none; }
.tags a[aria-current="page"] { background: var(--fg); color: var(--bg); border-color: var(--fg); }
.pager { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; justify-content: space-between; align-items: center; margin: 1.5rem 0; }
.pager a { display: inline-block; padding: .5rem 0; }
.feeds { background: var(--panel); padding: .2rem 1rem 1rem; border-radius: .4rem; margin-top: 2rem; }
.feeds ul { padding-left: 1.2rem; margin: .3rem 0; }

/* story list */
.stories { list-style: none; margin: 0; padding: 0; }
.story { border-bottom: 1px solid var(--line); padding: .6rem 0 1rem; }
.story h2 { margin: .6rem 0 .2rem; }
.story h2 a { text-decoration: none; }
.story h2 a:hover { text-decoration: underline; }
.excerpt { margin: .4rem 0; }
.covered { margin: .4rem 0 0; padding-left: 1.2rem; font-size: .95rem; }
.covered li { margin: .15rem 0; }
.src { font-weight: 600; }

/* story page */
.timeline { list-style: none; margin: 0; padding: 0 0 0 1rem; border-left: 3px solid var(--line); }
.timeline li { position: relative; margin: 0 0 1rem; padding-left: .6rem; }
.timeline p { margin: .1rem 0; }
.timeline li::before { content: ""; position: absolute; left: -1.45rem; top: .45rem; width: .75rem; height: .75rem; border-radius: 50%; background: var(--fg); }
.timeline .same::before { background: var(--muted); }
.body { border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); padding: .5rem 0; }
.body img, .body video, .body iframe { max-width: 100%; height: auto; }
.body pre { overflow-x: auto; white-space: pre-wrap; }
.body table { display: block; overflow-x: auto; max-width: 100%; border-collapse: collapse; }
.body td, .body th { border: 1px solid var(--line); padding: .2rem .4rem; }
.body blockquote { margin: .5rem 0 .5rem 1rem; padding-left: .8rem; border-left: 3px solid var(--line); }
.reason { border: 1px solid var(--line); border-radius: .4rem; padding: .3rem .9rem .6rem; margin: 0 0 1rem; }
.reason h3 { margin-top: .5rem; }
.verdict { margin: .3rem 0; }
.signals { border-collapse: collapse; width: 100%; font-size: .93rem; margin: .5rem 0; overflow-wrap: break-word; }
.signals caption { text-align: left; font-weight: 600; padding: .2rem 0; }
.signals th, .signals td { text-align: left; padding: .25rem .4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.signals td.num, .signals th.num { text-align: right; font-variant-numeric: tabular-nums; }
.signals tfoot td, .signals tfoot th { font-weight: 700; border-bottom: 0; }
.bar { display: block; }
.bar .pos { fill: var(--bar-ok); }
.bar .neg { fill: var(--bar-failed); }
.bar .axis { stroke: var(--muted); }
.shared { font-size: .93rem; margin: .3rem 0; }
.history { padding-left: 1.2rem; }
.history li { margin: .25rem 0; }

/* sources page */
.summary { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1rem; margin: 0 0 1rem; }
.summary a { text-decoration: none; }
.summary a span.n { text-decoration: underline; }
.summary a[aria-current="page"] { font-weight: 700; }
.source { border: 1px solid var(--line); border-radius: .4rem; padding: .2rem 1rem .8rem; margin: 0 0 1rem; }
.source h2 { margin: .6rem 0 .1rem; font-size: 1.1rem; }
.source .url { font-size: .9rem; color: var(--muted); margin: 0 0 .4rem; }
.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .15rem 1rem; margin: .4rem 0; font-size: .95rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.error { background: var(--bad-bg); color: var(--bad); border-radius: .3rem; padding: .4rem .6rem; margin: .4rem 0; }
.error code { color: var(--fg); background: var(--bg); padding: 0 .2rem; font-size: .88rem; }
.badge { display: inline-block; padding: .05rem .55rem; border-radius: 1rem; font-size: .85rem; font-weight: 700; border: 1px solid currentColor; text-decoration: none; }
.badge.ok { color: var(--ok); background: var(--ok-bg); }
.badge.failing { color: var(--bad); background: var(--bad-bg); }
.badge.gone, .badge.disabled { color: var(--gone); background: var(--gone-bg); }
.badge.new { color: var(--new); background: var(--new-bg); }
.chart { display: block; max-width: 100%; height: auto; margin: .4rem 0 .1rem; }
.chart .ok, .legend .ok { fill: var(--bar-ok); }
.chart .not_modified, .legend .not_modified { fill: var(--bar-nm); }
.chart .failed, .legend .failed { fill: var(--bar-failed); }
.chart .gone, .legend .gone { fill: var(--bar-gone); }
.chart .base { stroke: var(--line); }
.legend { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .2rem 1rem; font-size: .85rem; color: var(--muted); }
.legend svg { vertical-align: -.1rem; margin-right: .25rem; }
.scroll { overflow-x: auto; max-width: 100%; }
@media (max-width: 30rem) {
  h1 { font-size: 1.35rem; }
  .signals .barcol { display: none; }
  .signals th, .signals td { padding: .25rem .2rem; }
  .reason { padding: .3rem .6rem .6rem; }
  .facts { grid-template-columns: minmax(0, 1fr); }
  .facts dd { margin-bottom: .3rem; }
}
`;
