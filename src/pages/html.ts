// HTML templating for the pages: Hono's `html` tagged template, which escapes every interpolated string
// (text and attribute values alike: & < > " '), typed here to take only what a page may interpolate and
// to stay synchronous. Markup that is already safe is interpolated as `Html` (a template's result, or
// `trusted()` for HTML the sanitizer produced). Feed data is untrusted: never pass it to `trusted()`.
import { html as honoHtml, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { safeUrl } from '../sanitizer/index.js';

export type Html = HtmlEscapedString;

/** What a template may interpolate: text (escaped), numbers, markup, lists of these; nothing for null/undefined/false. */
export type HtmlValue = string | number | Html | null | undefined | false | readonly HtmlValue[];

/** A template: interpolated strings are escaped, `Html` values kept as they are. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  const out = honoHtml(strings, ...values);
  if (out instanceof Promise) throw new Error('pages: a template was given a promise (templates are synchronous)');
  return out;
}

/** HTML that is safe as it is: the sanitizer's output from storage, or markup built here. Never raw feed data. */
export function trusted(markup: string): Html {
  return raw(markup);
}

/** An http(s) URL fit for an href (javascript:, data: and the like become undefined), resolved against `base`. */
export function href(url: string | undefined, base?: string): string | undefined {
  return safeUrl(url, base);
}

/** "2025-07-18 16:00 UTC" for an ISO time; the text as it is when it is not one. */
export function utc(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isFinite(d.getTime()) ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso;
}

/** A <time> element showing the UTC time of `iso`. */
export function time(iso: string | undefined): Html {
  if (!iso) return html`<span>—</span>`;
  return html`<time datetime="${iso}">${utc(iso)}</time>`;
}

/** "3 min ago" / "in 2 h" / "just now": the distance from `now` to `iso`, for the sources page. */
export function relative(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const diff = t - now;
  const abs = Math.abs(diff);
  const units: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'min']];
  const unit = units.find(([ms]) => abs >= ms);
  if (!unit) return diff >= 0 ? 'due now' : 'just now';
  const n = Math.floor(abs / unit[0]);
  return diff >= 0 ? `in ${n} ${unit[1]}` : `${n} ${unit[1]} ago`;
}

/** Plain text cut to about `max` characters on a word boundary, with an ellipsis. */
export function excerpt(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max).toWellFormed();
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** "1 source" / "3 sources". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}
