// Readability's retries: when an attempt finds less than its charThreshold, Readability puts <body> back and
// tries again with one flag fewer (strip unlikely candidates, weight classes, clean conditionally), and after
// the last one returns the longest attempt. The extractor skips the last restore (nothing reads the page after
// it): these pages must still give the text Readability finds.
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { type DomImpl, extractPage } from './index.js';

const URL_ = 'https://news.example/2025/07/18/story.html';
const DOMS: readonly DomImpl[] = ['linkedom', 'jsdom'];
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

const sentences = [
  'The council voted on Tuesday to keep the public library open on Sundays after a petition gathered 4,000 names.',
  'Opening hours will run from ten until four, and the reading room will stay staffed by volunteers from the district.',
  'The mayor said the money would come from a reserve set aside for repairs, which the council no longer expects to need.',
  'Critics on the finance committee asked for a review after one year, and the motion passed with that amendment.',
];

/** Readability's own run with the extractor's options: its text and how many attempts came back short. */
function readabilityAlone(html: string): { text: string; shortAttempts: number } {
  const document = parseHTML(html).document as unknown as Document;
  const reader = new Readability(document, { charThreshold: 300, keepClasses: true });
  const parsed = reader.parse();
  return { text: squash(parsed?.textContent ?? ''), shortAttempts: (reader as unknown as { _attempts: unknown[] })._attempts.length };
}

describe('pages where Readability retries', () => {
  // The article sits in a wrapper named like a sidebar: the first attempt strips it as an unlikely candidate, the
  // second weighs it down by its class, and both find nothing; the third, without those flags, finds the article.
  const wrapped = `<!doctype html><html lang="en"><head><title>Library stays open on Sundays</title></head><body>
    <div class="sidebar-wrap"><h1>Library stays open on Sundays</h1>${sentences.map((s) => `<p>${s}</p>`).join('')}</div>
    <div class="footer"><a href="/about">About</a></div></body></html>`;
  // One short paragraph: every attempt comes back short, and Readability returns the longest.
  const brief = `<!doctype html><html lang="en"><head><title>Brief</title></head><body><div><p>${sentences[0]}</p></div></body></html>`;

  it('the pages exercise the retries (Readability alone: two short attempts, then four)', () => {
    expect(readabilityAlone(wrapped).shortAttempts).toBe(2);
    expect(readabilityAlone(brief).shortAttempts).toBe(4);
  });

  for (const dom of DOMS) {
    it(`[${dom}] the first attempts come back short: the article of the third is the text`, () => {
      const page = extractPage(wrapped, URL_, { dom });
      expect(page.source).toBe('readability');
      expect(page.verdict).toBe('article');
      for (const s of sentences) expect(page.text).toContain(s);
      expect(page.text).not.toContain('About');
    });

    it(`[${dom}] every attempt comes back short: the longest is the text, as Readability alone gives it`, () => {
      const page = extractPage(brief, URL_, { dom });
      expect(squash(page.text)).toBe(readabilityAlone(brief).text);
      expect(page.text).toBe(sentences[0]);
      expect(page.verdict).toBe('short');
    });
  }

  it('the restore after the last attempt is skipped: one parse of <body> fewer than Readability alone', () => {
    // Count the restores (innerHTML set on <body>) through linkedom's own accessor.
    let proto: object | null = parseHTML('<p></p>').document.createElement('p');
    while (proto && !Object.prototype.hasOwnProperty.call(proto, 'innerHTML')) proto = Object.getPrototypeOf(proto) as object | null;
    const own = Object.getOwnPropertyDescriptor(proto as object, 'innerHTML') as PropertyDescriptor;
    let restores = 0;
    Object.defineProperty(proto as object, 'innerHTML', {
      ...own,
      set(this: Element, html: string) {
        if (this.tagName === 'BODY') restores++;
        (own.set as (v: string) => void).call(this, html);
      },
    });
    try {
      expect(readabilityAlone(brief).shortAttempts).toBe(4);
      expect(restores).toBe(4);
      restores = 0;
      expect(extractPage(brief, URL_).text).toBe(sentences[0]);
      expect(restores).toBe(3);
      restores = 0;
      expect(extractPage(wrapped, URL_).text).toContain(sentences[3]);
      expect(restores).toBe(2); // a retry that is not the last still restores the page
    } finally {
      Object.defineProperty(proto as object, 'innerHTML', own);
    }
  });
});
