// Charset decoding: real bytes in every encoding a feed arrives in (BOMs, header, prolog, meta, shapes,
// the windows-1252 fallback and double-encoded UTF-8).
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBody, repairDoubleEncoded } from './charset.js';

describe('decodeBody', () => {
  const bytes = (...parts: (string | number[] | Buffer)[]): Uint8Array => Buffer.concat(parts.map((p) =>
    typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.isBuffer(p) ? p : Buffer.from(p)));
  const utf16be = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16();

  it('UTF-8 with a BOM: decoded, BOM stripped', () => {
    expect(decodeBody(bytes([0xef, 0xbb, 0xbf], Buffer.from('<rss>héllo €</rss>', 'utf8')))).toBe('<rss>héllo €</rss>');
  });

  it('UTF-16LE with a BOM', () => {
    const text = '<?xml version="1.0" encoding="UTF-16"?><rss>Grüße “x” €</rss>';
    expect(decodeBody(bytes([0xff, 0xfe], Buffer.from(text, 'utf16le')))).toBe(text);
  });

  it('UTF-16BE with a BOM', () => {
    const text = '<?xml version="1.0" encoding="UTF-16"?><rss>Grüße “x” €</rss>';
    expect(decodeBody(bytes([0xfe, 0xff], utf16be(text)))).toBe(text);
  });

  it('UTF-16LE without a BOM, recognised by its shape', () => {
    const text = '<rss>Grüße</rss>';
    expect(decodeBody(Buffer.from(text, 'utf16le'))).toBe(text);
  });

  it('the BOM wins over a conflicting header charset', () => {
    expect(decodeBody(bytes([0xef, 0xbb, 0xbf], Buffer.from('é€', 'utf8')), 'windows-1252')).toBe('é€');
  });

  it('windows-1252 declared in the XML prolog: 0x93 0x94 0x80 -> “ ” €', () => {
    const body = bytes('<?xml version="1.0" encoding="windows-1252"?><title>', [0x93], 'quoted', [0x94, 0x20, 0x80], '5</title>');
    expect(decodeBody(body)).toBe('<?xml version="1.0" encoding="windows-1252"?><title>“quoted” €5</title>');
  });

  it('windows-1252 declared with single quotes in the prolog', () => {
    expect(decodeBody(bytes("<?xml version='1.0' encoding='Windows-1252'?><t>", [0x80], '</t>'))).toContain('<t>€</t>');
  });

  it('ISO-8859-1 from the header charset', () => {
    expect(decodeBody(bytes('<rss>caf', [0xe9], ' na', [0xef], 've</rss>'), 'iso-8859-1')).toBe('<rss>café naïve</rss>');
    // As browsers do (WHATWG Encoding), a latin1 label reads 0x80–0x9F as windows-1252: € “ ”, not C1 controls.
    expect(decodeBody(bytes('<rss>', [0x80, 0x93], 'q', [0x94], '</rss>'), 'iso-8859-1')).toBe('<rss>€“q”</rss>');
  });

  it('the header charset wins over the XML prolog', () => {
    // The prolog claims windows-1252 but the bytes are UTF-8, as the header says.
    const body = bytes('<?xml version="1.0" encoding="windows-1252"?><t>', Buffer.from('é €', 'utf8'), '</t>');
    expect(decodeBody(body, 'utf-8')).toBe('<?xml version="1.0" encoding="windows-1252"?><t>é €</t>');
    // …and the other way round.
    const latin = bytes('<?xml version="1.0" encoding="utf-8"?><t>', [0xe9], '</t>');
    expect(decodeBody(latin, 'iso-8859-1')).toBe('<?xml version="1.0" encoding="utf-8"?><t>é</t>');
  });

  it('an unknown header charset label falls back to the prolog, then to UTF-8', () => {
    const declared = bytes('<?xml version="1.0" encoding="windows-1252"?><t>', [0x80], '</t>');
    expect(decodeBody(declared, 'x-no-such-charset')).toContain('<t>€</t>');
    expect(decodeBody(Buffer.from('<t>é</t>', 'utf8'), 'x-no-such-charset')).toBe('<t>é</t>');
  });

  it('an unknown prolog encoding falls back to UTF-8', () => {
    const body = bytes('<?xml version="1.0" encoding="x-klingon"?><t>', Buffer.from('é', 'utf8'), '</t>');
    expect(decodeBody(body)).toContain('<t>é</t>');
  });

  it('no declaration at all: UTF-8', () => {
    expect(decodeBody(Buffer.from('<rss>日本語 ✓</rss>', 'utf8'))).toBe('<rss>日本語 ✓</rss>');
  });

  it('declared UTF-8 with invalid bytes: they become U+FFFD without throwing', () => {
    expect(decodeBody(bytes('a', [0xff], 'b', [0xc3], 'c'), 'utf-8')).toBe('a\ufffdb\ufffdc');
    expect(decodeBody(bytes('<?xml version="1.0" encoding="utf-8"?>a', [0xff], 'b'))).toBe('<?xml version="1.0" encoding="utf-8"?>a\ufffdb');
  });

  it('nothing declared and not valid UTF-8: windows-1252, as browsers and feed readers read it', () => {
    expect(decodeBody(bytes('<rss><t>', [0x93], 'caf', [0xe9], [0x94], ' ', [0x80], '5</t></rss>'))).toBe('<rss><t>“café” €5</t></rss>');
  });

  it('nothing declared and valid UTF-8: UTF-8 (the fallback never garbles real UTF-8)', () => {
    expect(decodeBody(Buffer.from('<rss>café “x” 😀</rss>', 'utf8'))).toBe('<rss>café “x” 😀</rss>');
  });

  it('UTF-32 with a BOM (little and big endian)', () => {
    const text = '<?xml version="1.0" encoding="UTF-32"?><rss>Grüße “x” 😀</rss>';
    const le = iconv.encode(text, 'utf-32le');
    expect(decodeBody(bytes([0xff, 0xfe, 0, 0], le))).toBe(text);
    expect(decodeBody(bytes([0, 0, 0xfe, 0xff], iconv.encode(text, 'utf-32be')))).toBe(text);
  });

  it('UTF-32 without a BOM, from the shape of "<" (and not mistaken for UTF-16)', () => {
    const text = '<rss>Grüße 😀</rss>';
    expect(decodeBody(iconv.encode(text, 'utf-32le'))).toBe(text);
    expect(decodeBody(iconv.encode(text, 'utf-32be'))).toBe(text);
    expect(decodeBody(iconv.encode(text, 'utf-32le'), 'utf-32')).toBe(text);
  });

  it('a whole document double-encoded (UTF-8 read as windows-1252 and saved as UTF-8 again) is repaired', () => {
    const once = '<rss><t>It’s “café“ — …</t></rss>'; // no ” (its last byte 0x9D is undefined in windows-1252)
    for (const via of ['windows-1252', 'latin1']) {
      const twice = Buffer.from(iconv.decode(Buffer.from(once, 'utf8'), via), 'utf8');
      expect(decodeBody(twice), via).toBe(once);
    }
  });

  it('correct UTF-8 that merely contains Latin-1 letters is never "repaired"', () => {
    for (const t of ['<t>«CAFÉ» naïve</t>', '<t>Ã© and é</t>', '<t>SÃO PAULO</t>']) {
      expect(decodeBody(Buffer.from(t, 'utf8'))).toBe(t);
    }
  });

  it('a declared UTF-16 (prolog or header) without UTF-16 bytes is read as UTF-8', () => {
    const body = bytes('<?xml version="1.0" encoding="UTF-16"?><t>', Buffer.from('é €', 'utf8'), '</t>');
    expect(decodeBody(body)).toBe('<?xml version="1.0" encoding="UTF-16"?><t>é €</t>');
    expect(decodeBody(Buffer.from('<t>é</t>', 'utf8'), 'utf-16')).toBe('<t>é</t>');
    expect(decodeBody(Buffer.from('<t>é</t>', 'utf8'), 'utf-16le')).toBe('<t>é</t>');
  });

  it('HTML <meta charset>', () => {
    const body = bytes('<!doctype html><html><head><meta charset="windows-1252"><title>', [0x93], 'Hi', [0x94], '</title>');
    expect(decodeBody(body)).toContain('<title>“Hi”</title>');
  });

  it('HTML <meta charset> after kilobytes of head (scripts, styles), but never one after </head>', () => {
    const head = `<!doctype html><html><head><style>${'.c{margin:0 auto;padding:4px}'.repeat(80)}</style>`;
    // "Łódź" in windows-1250: a3 f3 64 9f; read as windows-1252 it would be "£ódŸ".
    const body = bytes(head, '<meta charset="windows-1250"><title>', [0xa3, 0xf3, 0x64, 0x9f], '</title></head><body></body></html>');
    expect(head.length).toBeGreaterThan(2048);
    expect(decodeBody(body)).toContain('<title>Łódź</title>');
    const inBody = bytes(head, '</head><body><meta charset="windows-1250"><p>', [0xa3, 0xf3, 0x64, 0x9f], '</p></body></html>');
    expect(decodeBody(inBody)).toContain('<p>£ódŸ</p>');
    // A feed (no HTML start) that quotes a page in CDATA: the quoted <meta> is not the feed's charset.
    const feed = Buffer.from(`<rss version="2.0"><channel>${'<item><title>x</title></item>'.repeat(60)}<item><description><![CDATA[<head><meta charset="windows-1250"></head>]]></description><title>Łódź</title></item></channel></rss>`, 'utf8');
    expect(decodeBody(feed)).toContain('<title>Łódź</title>');
  });

  it('HTML <meta http-equiv="Content-Type" content="…; charset=…">', () => {
    const body = bytes('<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><title>Gr', [0xfc], '&szlig;e</title>');
    expect(decodeBody(body)).toContain('<title>Grü&szlig;e</title>');
  });

  it('decodes a Uint8Array view into a larger buffer using only its own bytes', () => {
    const backing = Buffer.from('XXXX<t>é</t>YYYY', 'utf8');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 4, backing.length - 8);
    expect(decodeBody(view)).toBe('<t>é</t>');
  });
});

describe('repairDoubleEncoded', () => {
  const cases: [name: string, input: string, expected: string][] = [
    ['cp1252 mojibake of punctuation', 'It\u00e2\u20ac\u2122s \u00e2\u20ac\u0153q\u00e2\u20ac\u009d \u00e2\u20ac\u00a6', 'It’s “q” …'],
    ['latin1 mojibake (C1 controls)', 'caf\u00c3\u00a9 \u00e2\u0080\u0099', 'café ’'],
    ['an emoji, four bytes', '\u00f0\u0178\u02dc\u20ac', '😀'],
    ['plain ASCII', 'plain text', 'plain text'],
    ['correct Latin-1 text', 'naïve «CAFÉ»', 'naïve «CAFÉ»'],
    ['mojibake next to a correctly decoded letter: left alone', 'café â€™', 'café â€™'],
    ['characters outside windows-1252: left alone', 'Ã© 日本', 'Ã© 日本'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(repairDoubleEncoded(input)).toBe(expected);
  });
});
