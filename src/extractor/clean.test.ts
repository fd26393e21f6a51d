// The cleaning rules on their own: which short lines are boilerplate by their wording (lineRule), and what
// cleanContent removes from a real DOM. Each row is a kind of line, not a page: the content rows are lines
// of the same shape that must stay (an event's date, a phone number, prose with a date in it).
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { cleanContent, type CleanRule, lineRule } from './clean.js';

const BOILERPLATE: readonly [string, CleanRule][] = [
  // Meta lines: a date or time with a label or a separator, or alone.
  ['Veröffentlichung: 2. Februar 2022', 'dateline'],
  ['Publikacja: 04.05.2021', 'dateline'],
  ['opublikowano: 2021-04-29 17:13:04.031886+02:00', 'dateline'],
  ['asked Feb 6, 2014 at 20:37', 'dateline'],
  ['24. März 2004, 19:49 | Genesis', 'dateline'],
  ['24.01.2022 11:38 Kategorie: News', 'dateline'],
  ['3:59 PM', 'dateline'],
  // Captions ending with their credit.
  ['Marco Odermatt, Ski-Star aus der Schweiz. © AFP / MARCO BERTORELLO', 'credit'],
  ['Golf im TV: Die Übertragungszeiten der großen Turniere im Überblick. (Foto: Getty)', 'credit'],
  ['Roman Prymula, photo: Archives du Gouvernement tchèque', 'credit'],
  // Promotion, log-in and comment prompts, disclosures, reading times.
  ['- Anzeige -', 'promo'],
  ['*Werbung. Dieser Beitrag enthält Werbung für eine Marke.', 'promo'],
  ['Verpasse keine News zu Hardware & Gadgets', 'promo'],
  ['For the latest stories and breaking news updates download the Example apps for iOS and Android.', 'promo'],
  ['To view the full story, please subscribe to The Example Times.', 'promo'],
  ['Sie sind aktuell nicht eingeloggt.', 'promo'],
  ['Keine Kommentare (Kommentare erscheinen erst nach unserer Freigabe)', 'promo'],
  ['Ten tekst przeczytasz w mniej niż minutę', 'promo'],
  ['5 min read', 'promo'],
  ['This post contains references to products from one or more of our advertisers.', 'promo'],
  // Copyright and disclaimers in more languages.
  ['Materiał chroniony prawem autorskim - wszelkie prawa zastrzeżone.', 'copyright'],
  ["Les opinions exprimées dans les blogs n'engagent que leurs auteurs.", 'copyright'],
  ['Sofern nicht anders ausgewiesen, stehen Inhalte dieser Website unter CC-BY 4.0', 'copyright'],
];

const CONTENT: readonly string[] = [
  'Termin: 29.02.2020, 19 Uhr',
  'Einsendeschluss: 03.11.2019 (Poststempel)',
  '+81 158-23-2012',
  'Konzert am 3. Mai 2020 im Rathaus',
  'Geöffnet von 9:00 bis 18:00 Uhr',
  'Open daily by 10:30 am',
  'Am 3. Mai 2020 beschloss der Stadtrat, das Schwimmbad bis zum Herbst zu schließen.',
  'The council met on May 3, 2020 and voted to close the pool until the autumn.',
  'Die Kontaktaufnahme mit den Behörden dauerte mehrere Wochen.',
  'Keine Frage: Die Preise steigen weiter.',
];

describe('lineRule', () => {
  it.each(BOILERPLATE)('%s → %s', (line, rule) => {
    expect(lineRule(line)).toBe(rule);
  });
  it.each(CONTENT.map((l) => [l]))('%s stays', (line) => {
    expect(lineRule(line)).toBeUndefined();
  });
});

describe('cleanContent', () => {
  const clean = (body: string): string => {
    const { document } = parseHTML(`<html><body><div id="root">${body}</div></body></html>`);
    const root = document.getElementById('root') as unknown as Element;
    cleanContent(root);
    // One line per remaining block, so a removed line cannot hide in a neighbour's text.
    return [...root.children].map((el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim()).filter(Boolean).join('\n');
  };
  const prose = 'The committee published its findings on Tuesday, after a year of hearings in three cities and more than two hundred witnesses.';

  it('removes a heading announcing boilerplate (inflected forms too) and the list after it', () => {
    const text = clean(`<p>${prose}</p><h3>Meistgelesene Artikel</h3><ul><li><a href="/a">Erster Artikel</a></li><li><a href="/b">Zweiter Artikel</a></li></ul>`);
    expect(text).toBe(prose);
  });

  it('removes a contact label and its link block, keeps the prose', () => {
    const text = clean(`<p>${prose}</p><h4>Kontakt:</h4><p><a href="mailto:press@example.org">press@example.org</a></p>`);
    expect(text).toBe(prose);
  });

  it('removes link-only teasers after the last text, keeps a link-only line followed by text', () => {
    const teasers = '<p><a href="/a">Luftwaffe begins training on the new helicopter</a></p><div><a href="/b">Fishing forum: the best rods of the year</a></div>';
    expect(clean(`<p>${prose}</p>${teasers}`)).toBe(prose);
    const text = clean(`<p><a href="/event">Here is the event page</a></p><p>${prose}</p>`);
    expect(text).toBe(`Here is the event page\n${prose}`);
  });

  it('keeps a short line of content that carries a date with a label of its own', () => {
    const text = clean(`<p>${prose}</p><p>Termin: 29.02.2020, 19 Uhr</p>`);
    expect(text).toBe(`${prose}\nTermin: 29.02.2020, 19 Uhr`);
  });
});
