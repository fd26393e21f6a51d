// Charset decoding: response bytes -> text. Order: BOM, then the HTTP charset, then the document's own
// declaration (XML prolog / HTML meta), then the bytes' shape (UTF-16/32 without a BOM), then UTF-8 —
// and when nothing is declared and the bytes are not UTF-8, windows-1252, as browsers and feed readers
// do. A document that is UTF-8 read once too often as windows-1252 ("â€™" for ’) is repaired.
// iconv-lite rather than TextDecoder: Node 20's TextDecoder decodes "windows-1252" as ISO-8859-1
// (0x80–0x9F become C1 controls instead of € “ ” …), which garbles most Western European feeds.
// Every step is one pass over the bytes.
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

// ---- Tunables -------------------------------------------------------------------------------------
/** How far into a document we look for an XML prolog or HTML meta charset first (the HTML prescan's 1024 bytes) ... */
const CHARSET_SNIFF_BYTES = 1024;
/**
 * ... and then, for a <meta charset> the page declares later in its <head> (after kilobytes of scripts and
 * styles: 126 of the 990 development pages), the head up to this many bytes. Text after </head> or <body> never counts.
 */
const HEAD_SNIFF_BYTES = 65_536;
/** Labels browsers read as windows-1252 (WHATWG Encoding): feeds mislabel cp1252 text as latin1 all the time. */
const CP1252_ALIASES = new Set(['iso-8859-1', 'iso8859-1', 'latin1', 'l1', 'us-ascii', 'ascii', 'cp819', 'ibm819', 'iso-ir-100']);
/** windows-1252's characters for the bytes 0x80–0x9F (WHATWG Encoding); 81, 8D, 8F, 90, 9D are undefined. */
export const CP1252_HIGH: Readonly<Record<number, string>> = {
  0x80: '\u20ac', 0x82: '\u201a', 0x83: '\u0192', 0x84: '\u201e', 0x85: '\u2026', 0x86: '\u2020', 0x87: '\u2021',
  0x88: '\u02c6', 0x89: '\u2030', 0x8a: '\u0160', 0x8b: '\u2039', 0x8c: '\u0152', 0x8e: '\u017d', 0x91: '\u2018',
  0x92: '\u2019', 0x93: '\u201c', 0x94: '\u201d', 0x95: '\u2022', 0x96: '\u2013', 0x97: '\u2014', 0x98: '\u02dc',
  0x99: '\u2122', 0x9a: '\u0161', 0x9b: '\u203a', 0x9c: '\u0153', 0x9e: '\u017e', 0x9f: '\u0178',
};
// ---------------------------------------------------------------------------------------------------

/** A character -> its windows-1252 (or latin1) byte; undefined for characters neither has. */
const CP1252_BYTE = new Map<string, number>(Object.entries(CP1252_HIGH).map(([b, c]) => [c, Number(b)]));
/** A UTF-8 lead byte's character followed by a continuation byte's character, both as windows-1252. */
const MOJIBAKE_HINT = new RegExp(`[\\u00c2-\\u00f4][\\u0080-\\u00bf${[...CP1252_BYTE.keys()].join('')}]`);

function knownCharset(label: string | undefined): string | undefined {
  if (!label) return undefined;
  if (CP1252_ALIASES.has(label.toLowerCase())) return 'windows-1252';
  return iconv.encodingExists(label) ? label : undefined;
}

/** BOM first (it wins over everything); UTF-32 before UTF-16, whose BOM is a prefix of UTF-32LE's. */
function sniffBom(b: Uint8Array): string | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) return 'utf-32be';
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) return 'utf-32le';
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** No BOM: a document starting with "<" (or whitespace) in UTF-16/32 shows it in its zero bytes. */
function sniffShape(b: Uint8Array): string | undefined {
  if (b.length >= 4 && b[1] === 0x00 && b[2] === 0x00 && b[3] === 0x00 && b[0] !== 0x00) return 'utf-32le';
  if (b.length >= 4 && b[0] === 0x00 && b[1] === 0x00 && b[2] === 0x00 && b[3] !== 0x00) return 'utf-32be';
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] !== 0x00) return 'utf-16le';
  if (b[0] === 0x00 && b[1] === 0x3c) return 'utf-16be';
  return undefined;
}

/** encoding="…" in an XML prolog, or <meta charset> / http-equiv in the head of an HTML page. */
function sniffDeclared(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, CHARSET_SNIFF_BYTES)).toString('latin1');
  const xml = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head);
  if (xml) return xml[1];
  const meta = META_CHARSET.exec(head);
  if (meta) return meta[1];
  // Only an HTML page's head: a feed's CDATA may quote a page, <meta> and all.
  if (bytes.length <= CHARSET_SNIFF_BYTES || !/<!doctype html|<html[\s>]/i.test(head)) return undefined;
  const page = Buffer.from(bytes.subarray(0, HEAD_SNIFF_BYTES)).toString('latin1');
  const end = page.search(/<\/head\b|<body\b/i);
  return META_CHARSET.exec(end < 0 ? page : page.slice(0, end))?.[1];
}

const META_CHARSET = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i;

/**
 * Text that is UTF-8 bytes read as windows-1252 (or latin1) -> the text those bytes meant: "â€™" -> ’,
 * "Ã©" -> é. Only when the whole value reads back as valid UTF-8 with at least one multi-byte sequence,
 * so correctly decoded text (a lone "é", "«CAFÉ»") is never touched. One pass; unchanged otherwise.
 */
export function repairDoubleEncoded(s: string): string {
  if (!MOJIBAKE_HINT.test(s)) return s;
  const bytes = Buffer.allocUnsafe(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const b = c <= 0xff ? c : CP1252_BYTE.get(s[i] as string);
    if (b === undefined) return s;
    bytes[i] = b;
  }
  return isUtf8(bytes) ? bytes.toString('utf8') : s;
}

/**
 * Bytes -> text. Order: BOM, then the HTTP charset, then the document's own declaration, then the
 * UTF-16/32 shape of the bytes, then UTF-8; with no declaration at all, bytes that are not valid UTF-8
 * are windows-1252. A declared UTF-16/32 the bytes don't show (a transcoding proxy) is read as UTF-8.
 * Invalid sequences of a declared charset become U+FFFD rather than failing; a BOM is never part of the
 * text. A UTF-8 document that is double-encoded as a whole is repaired (repairDoubleEncoded).
 */
export function decodeBody(body: Uint8Array, headerCharset?: string): string {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const bom = sniffBom(body);
  const shape = bom ? undefined : sniffShape(body);
  const declared = knownCharset(headerCharset) ?? knownCharset(sniffDeclared(body));
  let charset = bom ?? shape ?? declared ?? 'utf-8';
  if (!bom && !shape && /^utf-?(16|32)/i.test(charset)) charset = 'utf-8';
  if (!bom && !declared && !shape && !isUtf8(buf)) charset = 'windows-1252';
  const text = iconv.decode(buf, charset).replace(/^\ufeff/, '');
  return /^utf-?8$/i.test(charset) ? repairDoubleEncoded(text) : text;
}
