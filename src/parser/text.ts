// Character data of a feed document -> the text it stands for. Every function here is one linear pass.
//  - entity and character references: the XML ones, and HTML's named entities that sloppy feeds use
//    (&nbsp;, &eacute;) — never a DTD-declared entity; a name we don't know stays as written;
//  - windows-1252 "numeric references" (&#146; for ’) and raw C1 controls are read as windows-1252, as
//    browsers and feed readers do ("demoronizing");
//  - characters XML forbids (NUL, other C0 controls, lone surrogates) become U+FFFD;
//  - a value that is UTF-8 read as windows-1252/latin1 (double-encoded: "â€™" for ’) is repaired.
import { decodeHTMLStrict } from 'entities';
import { CP1252_HIGH, repairDoubleEncoded } from '../fetcher/charset.js';

/** C0 controls XML 1.0 forbids (tab, LF and CR are allowed), and unpaired surrogates. */
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const C1 = /[\u0080-\u009f]/g;
const HAS_C1 = /[\u0080-\u009f]/;

/** Raw C1 characters -> their windows-1252 meaning (a lone U+0092 is almost always a ’). */
export function demoronize(s: string): string {
  return HAS_C1.test(s) ? s.replace(C1, (c) => CP1252_HIGH[c.charCodeAt(0)] ?? c) : s;
}

/** Clean decoded text: forbidden characters -> U+FFFD, C1 -> windows-1252, double-encoded UTF-8 repaired. */
export function cleanText(s: string): string {
  return repairDoubleEncoded(demoronize(s.replace(FORBIDDEN, '\ufffd')));
}

/**
 * Character data as written in XML (outside CDATA) -> text. References are decoded with HTML's rules
 * (entities' strict mode: a named reference needs its ";"; numeric references in 0x80–0x9F mean
 * windows-1252, out-of-range ones become U+FFFD). Runs once over the string; nothing is re-expanded.
 */
export function decodeCharData(raw: string): string {
  return raw.includes('&') ? decodeHTMLStrict(raw) : raw;
}

/** Text as HTML text content (a "<" in text is a character, not markup). */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);

/** A value as an HTML attribute value (double-quoted). */
export const escapeAttr = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
