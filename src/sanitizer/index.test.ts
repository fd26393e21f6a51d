import { describe, expect, it } from 'vitest';
import { lineText, looksLikeHtml, safeUrl, sanitizeHtml, toPlainText } from './index.js';

const BASE = 'https://news.example/a/story.html';

describe('sanitizeHtml removes every attack vector', () => {
  const cases: [name: string, input: string, mustNotContain: string[], mustContain?: string[]][] = [
    ['script element with its content', '<p>ok</p><script>alert(1)</script>', ['<script', 'alert(1)'], ['<p>ok</p>']],
    ['style element with its content', '<style>body{display:none}</style><p>x</p>', ['<style', 'display:none'], ['<p>x</p>']],
    ['event handler attributes', '<img src="/i.png" onerror="alert(1)"><p onclick="x()">t</p>', ['onerror', 'onclick', 'alert'], ['src="https://news.example/i.png"']],
    ['javascript: link', '<a href="javascript:alert(1)">x</a>', ['javascript:', 'href'], ['x']],
    ['javascript: with embedded newline and entity', '<a href="java&#10;script:alert(1)">x</a><a href="  JaVaScRiPt:alert(1)">y</a>', ['script:', 'href']],
    ['vbscript: link', '<a href="vbscript:msgbox(1)">x</a>', ['vbscript', 'href']],
    ['data: image', '<img src="data:image/svg+xml;base64,PHN2Zz4=">', ['data:', '<img']],
    ['data: link', '<a href="data:text/html,<script>alert(1)</script>">x</a>', ['data:', 'alert']],
    ['inline SVG with script', '<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)"><text>t</text></a></svg>', ['<svg', 'alert', 'javascript']],
    ['style attribute', '<p style="background:url(javascript:alert(1))">x</p>', ['style=', 'javascript'], ['<p>x</p>']],
    ['iframe from an unknown host', '<iframe src="https://evil.example/x"></iframe>', ['<iframe', 'evil']],
    ['iframe with javascript: src', '<iframe src="javascript:alert(1)"></iframe>', ['<iframe', 'javascript']],
    ['object and embed', '<object data="x.swf"></object><embed src="x.swf">', ['<object', '<embed', 'swf']],
    ['form elements', '<form action="https://evil.example"><input name="p"><button>go</button></form>', ['<form', '<input', 'evil']],
    ['meta refresh and base', '<meta http-equiv="refresh" content="0;url=https://evil.example"><base href="https://evil.example/">', ['<meta', '<base', 'evil']],
    ['srcset with a javascript: candidate', '<img src="/a.png" srcset="javascript:alert(1) 1x, /b.png 2x">', ['javascript'], ['srcset="https://news.example/b.png 2x"']],
    ['srcset with garbage descriptor', '<img src="/a.png" srcset="/b.png onerror=alert(1)">', ['onerror', 'alert']],
    ['protocol-relative URL', '<a href="//evil.example/x">x</a>', [], ['href="https://evil.example/x"']],
  ];
  for (const [name, input, bad, good] of cases) {
    it(name, () => {
      const out = sanitizeHtml(input, BASE);
      for (const b of bad) expect(out.toLowerCase()).not.toContain(b.toLowerCase());
      for (const g of good ?? []) expect(out).toContain(g);
    });
  }

  it('keeps allowed structure, resolves relative URLs, and marks links', () => {
    const out = sanitizeHtml('<figure><img src="img/p.jpg" alt="A"><figcaption>Cap</figcaption></figure><p><a href="../b">b</a></p>', BASE);
    expect(out).toBe('<figure><img src="https://news.example/a/img/p.jpg" alt="A" /><figcaption>Cap</figcaption></figure>' +
      '<p><a href="https://news.example/b" rel="noopener noreferrer nofollow">b</a></p>');
  });

  it('keeps an allow-listed video embed over https', () => {
    const out = sanitizeHtml('<iframe src="https://www.youtube.com/embed/abc" width="560"></iframe>', BASE);
    expect(out).toContain('<iframe src="https://www.youtube.com/embed/abc" width="560">');
  });
});

describe('toPlainText', () => {
  it.each([
    ['<b>Bold</b> &amp; <i>it</i>', 'Bold & it'],
    ['Tom &#x26; Jerry&#8217;s', 'Tom & Jerry’s'],
    ['line\n\n  breaks\tcollapsed', 'line breaks collapsed'],
    ['<script>alert(1)</script>Title', 'Title'],
    ['a &lt;script&gt; tag', 'a <script> tag'],
    [undefined, ''],
  ])('%j -> %j', (input, expected) => {
    expect(toPlainText(input)).toBe(expected);
  });
});

describe('safeUrl', () => {
  it.each([
    ['https://x.example/a', undefined, 'https://x.example/a'],
    ['/rel', 'http://x.example/a/b', 'http://x.example/rel'],
    ['javascript:alert(1)', undefined, undefined],
    ['ftp://x.example/f', undefined, undefined],
    ['mailto:a@b.example', undefined, undefined],
    ['not a url', undefined, undefined],
  ])('%s (base %s) -> %s', (raw, base, expected) => {
    expect(safeUrl(raw, base)).toBe(expected);
  });
});

describe('lineText: titles, authors and categories as plain text', () => {
  it.each<[name: string, input: string, expected: string]>([
    ['literal text keeps "<", "&" and quotes', 'Q&A: Why "AT&T" <and> Verizon', 'Q&A: Why "AT&T" <and> Verizon'],
    ['the same title HTML-escaped (Atom type="html", escaped RSS) gives the same text', 'Q&amp;A: Why &quot;AT&amp;T&quot; &lt;and&gt; Verizon', 'Q&A: Why "AT&T" <and> Verizon'],
    ['real markup reduced to its text', 'Prices rise <b>again</b>', 'Prices rise again'],
    ['an image tag is markup, dropped with its handler', '<img src=x onerror=alert(1)> Markets', 'Markets'],
    ['entity-encoded markup is text once decoded', '&lt;img src=x onerror=alert(1)&gt; Markets', '<img src=x onerror=alert(1)> Markets'],
    ['a script is dropped with its content', 'Hi <script>alert(1)</script>there', 'Hi there'],
    ['numeric references decoded', 'caf&#233; &#x1F600;', 'café 😀'],
    ['an unknown entity-like word is text', 'R&D; budgets & more', 'R&D; budgets & more'],
    ['emoji and right-to-left text untouched', '🚀 الأخبار العاجلة', '🚀 الأخبار العاجلة'],
    ['whitespace collapsed', '  two\n  lines ', 'two lines'],
    ['a comparison is not a tag', 'x<y and y>z', 'x<y and y>z'],
  ])('%s', (_name, input, expected) => {
    expect(lineText(input)).toBe(expected);
  });

  it('looksLikeHtml needs a real element or a known character reference', () => {
    expect(looksLikeHtml('<and>')).toBe(false);
    expect(looksLikeHtml('<p>x</p>')).toBe(true);
    expect(looksLikeHtml('AT&T')).toBe(false);
    expect(looksLikeHtml('AT&amp;T')).toBe(true);
  });
});
