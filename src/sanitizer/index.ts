// Allow-list HTML sanitizer for untrusted feed and article content. Always the last transform before
// storage or output. Built on sanitize-html (htmlparser2 underneath).
import { decodeHTML } from 'entities';
import sanitize from 'sanitize-html';
import { resolveUrl } from '../urlcleaner/index.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Elements kept. Everything else is unwrapped (text kept) or dropped with its content (see DROP). */
const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'div', 'span', 'section', 'article', 'header', 'footer', 'main', 'aside',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'a', 'abbr', 'b', 'strong', 'i', 'em', 'u', 's', 'del', 'ins', 'mark', 'small', 'sub', 'sup', 'q', 'cite',
  'code', 'pre', 'kbd', 'samp', 'var', 'blockquote',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'colgroup', 'col',
  'figure', 'figcaption', 'img', 'picture', 'source', 'audio', 'video', 'track',
  'time', 'details', 'summary', 'iframe',
];
/** Elements removed together with everything inside them. */
const DROP_WITH_CONTENT = ['script', 'style', 'noscript', 'template', 'svg', 'math', 'object', 'embed',
  'form', 'button', 'input', 'select', 'textarea', 'title', 'head'];
const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  a: ['href', 'title', 'hreflang'],
  img: ['src', 'srcset', 'alt', 'title', 'width', 'height'],
  source: ['src', 'srcset', 'type', 'media'],
  audio: ['src', 'controls'],
  video: ['src', 'poster', 'controls', 'width', 'height'],
  track: ['src', 'kind', 'srclang', 'label'],
  iframe: ['src', 'width', 'height', 'allowfullscreen'],
  time: ['datetime'],
  td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan', 'scope'],
  ol: ['start', 'reversed'], li: ['value'], blockquote: ['cite'], q: ['cite'],
  abbr: ['title'],
};
/** Only these schemes survive in href/src (javascript:, vbscript:, data: … are removed). */
const ALLOWED_SCHEMES = ['http', 'https', 'mailto'];
/** Embeds allowed in <iframe>; everything else is dropped. */
export const ALLOWED_IFRAME_HOSTS = ['www.youtube.com', 'www.youtube-nocookie.com', 'player.vimeo.com'];
// ---------------------------------------------------------------------------------------------------

const URL_ATTRIBUTES = new Set(['href', 'src', 'poster', 'cite']);

/**
 * Resolve a URL against base and keep it only if it is http(s) (or mailto for links). The WHATWG URL parser
 * already drops tabs/newlines and edge control characters, so "java\nscript:" parses as javascript: and is refused.
 */
export function safeUrl(raw: string | undefined, base?: string, allowMailto = false): string | undefined {
  const web = resolveUrl(raw, base);
  if (web || !allowMailto || !raw) return web;
  try {
    const url = base ? new URL(raw, base) : new URL(raw);
    return url.protocol === 'mailto:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function rewriteSrcset(value: string, base?: string): string | undefined {
  const parts: string[] = [];
  for (const candidate of value.split(',')) {
    const [rawUrl, descriptor] = candidate.trim().split(/\s+/, 2);
    const url = safeUrl(rawUrl, base);
    if (!url) continue;
    if (descriptor && !/^\d+(\.\d+)?[wx]$/.test(descriptor)) continue;
    parts.push(descriptor ? `${url} ${descriptor}` : url);
  }
  return parts.length ? parts.join(', ') : undefined;
}

function options(baseUrl?: string): sanitize.IOptions {
  return {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    allowedSchemes: ALLOWED_SCHEMES,
    allowedSchemesByTag: { img: ['http', 'https'], source: ['http', 'https'], iframe: ['https'] },
    allowProtocolRelative: false,
    allowedIframeHostnames: ALLOWED_IFRAME_HOSTS,
    nonTextTags: DROP_WITH_CONTENT,
    disallowedTagsMode: 'discard',
    parseStyleAttributes: false,
    transformTags: {
      '*': (tagName, attribs) => {
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(attribs)) {
          if (URL_ATTRIBUTES.has(name)) {
            const url = safeUrl(value, baseUrl, tagName === 'a' && name === 'href');
            if (url) out[name] = url;
          } else if (name === 'srcset') {
            const srcset = rewriteSrcset(value, baseUrl);
            if (srcset) out[name] = srcset;
          } else {
            out[name] = value;
          }
        }
        if (tagName === 'a' && out.href) out.rel = 'noopener noreferrer nofollow';
        return { tagName, attribs: out };
      },
    },
    exclusiveFilter: (frame) =>
      // An <img>/<iframe>/<source> without a surviving URL is useless; an empty link carries nothing.
      ((frame.tag === 'img' || frame.tag === 'iframe') && !frame.attribs.src) ||
      (frame.tag === 'source' && !frame.attribs.src && !frame.attribs.srcset),
  };
}

/** Sanitize untrusted HTML with the allow-list; relative URLs are resolved against baseUrl. */
export function sanitizeHtml(html: string | undefined, baseUrl?: string): string {
  if (!html) return '';
  const opts = options(baseUrl);
  // `rel` is added by our transform, so allow it on <a> for the output step.
  opts.allowedAttributes = { ...ALLOWED_ATTRIBUTES, a: [...(ALLOWED_ATTRIBUTES.a ?? []), 'rel'] };
  return sanitize(html, opts).trim();
}

/** Plain text from untrusted HTML or text: tags dropped, entities decoded, whitespace collapsed. */
export function toPlainText(html: string | undefined): string {
  if (!html) return '';
  const text = sanitize(html, { allowedTags: [], allowedAttributes: {}, nonTextTags: DROP_WITH_CONTENT });
  return decodeHTML(text).replace(/\s+/g, ' ').trim();
}

/** Every HTML element name: a title holding one of these as a tag is markup; `<and>` is not. */
const HTML_ELEMENTS = new Set([
  ...ALLOWED_TAGS, ...DROP_WITH_CONTENT, 'html', 'body', 'meta', 'link', 'base', 'address', 'nav', 'bdi', 'bdo', 'big',
  'center', 'data', 'dfn', 'dialog', 'fieldset', 'font', 'frame', 'frameset', 'label', 'legend', 'map', 'area', 'menu',
  'meter', 'nobr', 'optgroup', 'option', 'output', 'param', 'progress', 'rp', 'rt', 'ruby', 'search', 'slot', 'strike',
  'tt', 'wbr', 'canvas', 'marquee', 'blink', 'image', 'xmp', 'plaintext', 'listing', 'noembed', 'noframes',
]);
const TAG = /<\/?([A-Za-z][A-Za-z0-9]*)(?=[\s/>])[^<>]*>/g;
const CHARACTER_REFERENCE = /&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);/g;

/**
 * Does a line of feed text (a title, author or category) hold markup? Feeds write these as plain text
 * (RSS titles, JSON Feed) or as HTML (Atom type="html", escaped RSS): only a tag of a real HTML element or
 * a character reference that HTML knows makes it HTML, so "Q&A: Why "AT&T" <and> Verizon" stays as written.
 */
export function looksLikeHtml(text: string): boolean {
  for (const m of text.matchAll(TAG)) if (HTML_ELEMENTS.has((m[1] as string).toLowerCase())) return true;
  for (const m of text.matchAll(CHARACTER_REFERENCE)) {
    const ref = m[1] as string;
    if (ref.startsWith('#') || decodeHTML(`&${ref};`) !== `&${ref};`) return true;
  }
  return false;
}

/**
 * The plain text of a title, author or category as a feed gave it: HTML (see looksLikeHtml) is reduced to
 * its text; plain text keeps every character ("<", "&", quotes) and only has its whitespace collapsed.
 */
export function lineText(value: string | undefined): string {
  if (!value) return '';
  return looksLikeHtml(value) ? toPlainText(value) : value.replace(/\s+/g, ' ').trim();
}
