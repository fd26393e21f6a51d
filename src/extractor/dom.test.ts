// The clean-up before the DOM is built: what it drops, and that the tree the DOM gets is otherwise the same.
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { dropUnread, namesOf, outermostNamed, stripNonContent, withTagListSelectors } from './dom.js';

/** Every element of the tree with the attributes it has, in document order: what the rules can read. */
function tree(html: string): string[] {
  const { document } = parseHTML(html);
  return [...document.querySelectorAll('*')].map((el) =>
    `${el.tagName}[${[...el.attributes].map((a) => `${a.name}=${a.value}`).join(' ')}] ${el.childNodes.length}`);
}

describe('dropUnread', () => {
  it.each([
    ['data-*, on*, target and tabindex on a block', '<div data-id="7" class="story" onclick="go()" tabindex="0">Text</div>',
      '<div class="story">Text</div>'],
    ['a value holding ">" and quotes stays whole', '<a title="a > b" data-x=\'1\' href="/x?a=1&amp;b=2">link</a>',
      '<a title="a > b" href="/x?a=1&amp;b=2">link</a>'],
    ['no white space between attributes', '<p data-a="1"class="lead">x</p>', '<p class="lead">x</p>'],
    ['an unquoted value ending in "/" is not a self-closing slash', '<a data-n=1 href=/path/>x</a>', '<a href=/path/>x</a>'],
    ['a self-closing tag stays self-closing', '<br data-x="1"/>', '<br />'],
    ['every attribute of an image (lazy-loading sources) is kept', '<img data-src="/a.jpg" loading="lazy" src="/1px.gif">',
      '<img data-src="/a.jpg" loading="lazy" src="/1px.gif">'],
    ['what names, hides or dates a block is kept', '<span role="note" aria-label="x" aria-hidden="true" aria-expanded="false" hidden style="color:red">t</span><time datetime="2025-01-02" pubdate>d</time>',
      '<span role="note" aria-label="x" aria-hidden="true" hidden style="color:red">t</span><time datetime="2025-01-02" pubdate>d</time>'],
    ['text elements are not scanned', '<title>A <b data-x="1">b</b></title><textarea><i onclick="x">q</i></textarea>',
      '<title>A <b data-x="1">b</b></title><textarea><i onclick="x">q</i></textarea>'],
    ['JSON-LD is not scanned', '<script type="application/ld+json">{"a":"<div data-x=1>"}</script><div data-x="1">t</div>',
      '<script type="application/ld+json">{"a":"<div data-x=1>"}</script><div>t</div>'],
    ['<link> goes from the head, not from the body', '<html><head><link rel="stylesheet" href="/a.css"><title>T</title></head><body><link rel="x" href="/b">t</body></html>',
      '<html><head><title>T</title></head><body><link rel="x" href="/b">t</body></html>'],
    ['a tag the tokenizer would read otherwise stops the scan: the rest is left as it is', '<div data-a="1">a</div><p =x data-b="2">b</p><i data-c="3">c</i>',
      '<div>a</div><p =x data-b="2">b</p><i data-c="3">c</i>'],
  ])('%s', (_name, html, want) => {
    expect(dropUnread(html)).toBe(want);
  });

  it('gives the DOM the same elements with the attributes it keeps, in the same order', () => {
    const page = '<html lang="en"><body><main data-v="2"><article class="a" itemscope itemtype="x"><h1 id="t" data-k>Head</h1>' +
      '<p data-p="1" class="x"a="b">One <a href="/a" target="_blank" rel="author">two</a></p><input type="hidden" name="n" value="v" data-q>' +
      '<figure data-src="/f.jpg"><img srcset="/s.jpg 2x" data-x="y"></figure></article></main></body></html>';
    const kept = '<html lang="en"><body><main><article class="a"><h1 id="t">Head</h1>' +
      '<p class="x">One <a href="/a" rel="author">two</a></p><input type="hidden" name="n" value="v">' +
      '<figure data-src="/f.jpg"><img srcset="/s.jpg 2x" data-x="y"></figure></article></main></body></html>';
    expect(tree(dropUnread(page))).toEqual(tree(kept));
  });

  it('runs as part of stripNonContent', () => {
    expect(stripNonContent('<div data-x="1"><script>var a = "<p>";</script>Text</div>')).toBe('<div>Text</div>');
  });
});

describe('withTagListSelectors', () => {
  const page = '<html><head><title>T</title><script type="application/ld+json">{}</script></head><body><div id="a"><h2>x</h2>' +
    '<p>1 <iframe src="/v"></iframe></p><template><p>hidden</p></template><section><h1>y</h1><p>2</p><object></object></section>' +
    '</div><h3>z</h3></body></html>';
  const ids = (list: ArrayLike<Element>) => Array.from(list, (el) => `${el.tagName}:${el.textContent}`);

  it.each(['p', 'h1,h2,h3,h4,h5,h6', 'object, embed ,iframe', 'SCRIPT', 'div', 'template'])('%s: the elements linkedom finds, in its order', (selector) => {
    const { document } = parseHTML(page);
    // Readability creates elements with upper-case names; css-select matches them case-insensitively.
    document.querySelector('section')?.appendChild(document.createElement('P'));
    const roots = [document, document.body, document.getElementById('a') as Element];
    const own = roots.map((r) => ids(r.querySelectorAll(selector)));
    const fast = withTagListSelectors(() => roots.map((r) => ids(r.querySelectorAll(selector))));
    expect(fast).toEqual(own);
    expect(own[0]?.length).toBeGreaterThan(0);
  });

  it('leaves other selectors to linkedom, inside and outside', () => {
    const { document } = parseHTML(page);
    expect(withTagListSelectors(() => ids(document.querySelectorAll('div > h2, section p')))).toEqual(['H2:x', 'P:2']);
    expect(ids(document.querySelectorAll('p'))).toEqual(['P:1 ', 'P:2']);
  });
});

describe('Element.style inside withTagListSelectors', () => {
  const page = '<div id="a" style="display: none">a</div><p id="b" style="visibility:hidden;color:red">b</p><p id="c">c</p><p id="d" style="">d</p>';

  it('reads display and visibility as linkedom does, with or without a style attribute', () => {
    const { document } = parseHTML(page);
    const read = () => ['a', 'b', 'c', 'd'].map((id) => {
      const st = (document.getElementById(id) as HTMLElement).style;
      return `${id}:${st.display}/${st.visibility}`;
    });
    const own = read();
    expect(withTagListSelectors(read)).toEqual(own);
    expect(own).toEqual(['a:none/', 'b:/hidden', 'c:/', 'd:/']);
  });

  it('outside an extraction an element without a style attribute gets a writable declaration', () => {
    const { document } = parseHTML(page);
    const c = document.getElementById('c') as HTMLElement;
    c.style.color = 'blue';
    expect(c.getAttribute('style')).toContain('color');
    // Inside, an element without the attribute is read only: a write fails loudly instead of being lost.
    const d = parseHTML('<p id="e">e</p>').document.getElementById('e') as HTMLElement;
    expect(() => withTagListSelectors(() => { d.style.color = 'red'; })).toThrow(TypeError);
  });
});

describe('outermostNamed', () => {
  const page = '<html><head><title>t</title></head><body><div class="page"><div class="cookie-box"><p class="cookie-text">x</p></div><section id="modal-1">' +
    '<div class="modal">y</div></section><p role="dialog">no class or id</p><template><div class="cookie">t</div></template>' +
    '<article class="story"><aside id="newsletter">n</aside><span class="cookie">z</span></article></div></body></html>';

  it('finds what querySelectorAll("[class], [id]") finds, outermost only, in document order', () => {
    const { document } = parseHTML(page);
    const test = (names: string) => /cookie|modal|newsletter|dialog/.test(names);
    const bySelector: Element[] = [];
    for (const el of document.querySelectorAll('[class], [id]')) {
      const last = bySelector[bySelector.length - 1];
      if (last && last.contains(el)) continue;
      if (test(namesOf(el))) bySelector.push(el);
    }
    const found = outermostNamed(document.body, test);
    expect(found).toEqual(bySelector);
    expect(found.map((el) => namesOf(el).trim())).toEqual(['cookie-box', 'modal-1', 'newsletter', 'cookie']);
  });
});

describe('Element.textContent inside withTagListSelectors', () => {
  it('is linkedom\'s own text of every element, CDATA and nested markup included', () => {
    const page = '<html><head><title>T &amp; t</title></head><body><div id="a">One <b>two <i>three</i></b> four<br>five' +
      '<svg><![CDATA[six]]></svg></div><p>seven</p><template><p>eight</p></template><ul><li>nine</li><li></li></ul></body></html>';
    const { document } = parseHTML(page);
    const els = [document.documentElement, ...document.querySelectorAll('*')];
    const own = els.map((el) => el.textContent);
    expect(withTagListSelectors(() => els.map((el) => el.textContent))).toEqual(own);
    expect(own[0]).toContain('One two three four');
  });
});

describe('event listeners on nodes made inside withTagListSelectors (no listener map until one is added)', () => {
  it('are added, called, removed and bubble as on nodes made outside', () => {
    const calls: string[] = [];
    const run = (where: string) => {
      const { document, Event } = parseHTML('<html><body><div id="outer"><p id="inner">x</p></div></body></html>');
      const outer = document.getElementById('outer') as unknown as HTMLElement;
      const inner = document.getElementById('inner') as unknown as HTMLElement;
      const onInner = () => calls.push(`${where} inner`);
      inner.addEventListener('ping', onInner);
      outer.addEventListener('ping', () => calls.push(`${where} outer`));
      inner.dispatchEvent(new Event('ping', { bubbles: true }));
      inner.removeEventListener('ping', onInner);
      inner.dispatchEvent(new Event('ping', { bubbles: true }));
      // Removing from a node that never had a listener, and dispatching at it, are no errors.
      document.body.removeEventListener('ping', onInner);
      document.body.dispatchEvent(new Event('ping'));
    };
    run('outside');
    withTagListSelectors(() => run('inside'));
    expect(calls).toEqual(['outside inner', 'outside outer', 'outside outer', 'inside inner', 'inside outer', 'inside outer']);
  });
});

describe('tagName, nodeName and getElementsByTagName inside withTagListSelectors', () => {
  it('are linkedom\'s own answers, in HTML and in XML documents', () => {
    const page = '<html><head><title>T</title></head><body><div id="a"><p>One <a href="/x">two</a></p><svg><circle r="1"/><a>s</a></svg>' +
      '<template><a>t</a></template><section><A HREF="/y">three</A><img src="/i.png"></section></div></body></html>';
    const { document } = parseHTML(page);
    const made = document.createElement('DIV');
    made.appendChild(document.createElement('a'));
    document.body.appendChild(made);
    const xml = new (parseHTML('').DOMParser)().parseFromString('<root><item><a>x</a></item><A/></root>', 'text/xml');
    const look = () => {
      const els = [document.documentElement, ...document.querySelectorAll('*'), ...xml.querySelectorAll('*')];
      const names = ['a', 'A', 'p', 'P', 'svg', 'circle', 'img', 'div', 'item', '*', 'nothing'];
      return {
        tags: els.map((el) => `${el.tagName}/${el.nodeName}`),
        found: names.flatMap((n) => [document, document.body, xml, ...els].map((root) => [...root.getElementsByTagName(n)].map((e) => e.outerHTML).join('|'))),
      };
    };
    const own = look();
    expect(withTagListSelectors(look)).toEqual(own);
    expect(own.tags).toContain('A/A');
    expect(own.tags).toContain('item/item');
  });
});
