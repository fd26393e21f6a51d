import { describe, expect, it } from 'vitest';
import { analyze, BODY_TERMS, detectLanguage, entities, hamming, lead, SIMHASH_MIN_TOKENS, simhash, terms, words } from './features.js';

describe('terms', () => {
  it('keeps content words in order, drops stopwords, short numbers and punctuation, stems', () => {
    expect(terms('The ministers said on Tuesday that 3 reports, published in 2024, were wrong.')).toEqual(
      ['minist', 'tuesday', 'publish', '2024', 'wrong']);
  });

  it('gives the same terms for British and American wording of one sentence', () => {
    expect(terms('The defence ministry will organise talks on the harbour')).toEqual(terms('The defense ministry will organize talks on the harbor'));
  });

  it('stems per language: German and Spanish words get their own language\'s stems and stopwords', () => {
    expect(terms('Die Erdbeben erschütterten die Städte', 'de')).toEqual(['erdbeb', 'erschuttert', 'stadt']);
    expect(terms('Los terremotos sacudieron las ciudades', 'es')).toEqual(['terremot', 'sacud', 'ciudad']);
  });

  it('normalizes figures: "5,000" and "5000" are one term, decimals kept, one- and two-digit numbers dropped', () => {
    expect(terms('5,000 people, 5000 homes, magnitude 6.4, 12 dead')).toEqual(['5000', 'peopl', '5000', 'home', 'magnitud', '6.4', 'dead']);
  });
});

describe('words', () => {
  it('splits scripts without spaces with Intl.Segmenter', () => {
    expect(words('東京で地震が発生しました', 'ja')).toEqual(expect.arrayContaining(['東京', '地震', '発生']));
  });

  it('keeps hyphenated and apostrophe words whole', () => {
    expect(words("Ex-governor's appeal rejected")).toEqual(["Ex-governor's", 'appeal', 'rejected']);
  });
});

describe('detectLanguage', () => {
  it.each([
    ['en', 'The government said on Tuesday that it was preparing a new law for the housing market, which has been hit by rising prices.'],
    ['de', 'Die Regierung hat am Dienstag ein neues Gesetz für den Wohnungsmarkt beschlossen, der unter steigenden Preisen leidet.'],
    ['es', 'El gobierno aprobó el martes una nueva ley para el mercado de la vivienda, que sufre por la subida de los precios.'],
    ['fr', 'Le gouvernement a adopté mardi une nouvelle loi pour le marché du logement, qui souffre de la hausse des prix.'],
    ['it', 'Il governo ha approvato martedì una nuova legge per il mercato della casa, che soffre per l\'aumento dei prezzi.'],
    ['ja', '政府は火曜日、住宅市場のための新しい法律を承認した。'],
  ])('%s', (lang, text) => {
    expect(detectLanguage(text)).toBe(lang);
  });

  it('says "und" for text too short to tell', () => {
    expect(detectLanguage('Zorbla')).toBe('und');
  });

  it('does not guess the language of a headline alone from its letters: franc called these Portuguese, French, Swedish', () => {
    for (const title of ['EBay rejects Icahn board nominees, asks investors to do same',
      'Noyer Says Strong Euro Creates Unwarranted Economic Pressure', 'Opening Bell 10 March | Asian markets slump']) {
      expect(detectLanguage(title)).toBe('und');
    }
  });

  it('tells a headline\'s language from two function words of one language', () => {
    expect(detectLanguage('Die Regierung beschließt das neue Mietrecht')).toBe('de');
    expect(detectLanguage('Fed chief says the pace of tapering may rise')).toBe('en');
  });

  it('a headline counts a function word once: a repeated word shared by two languages does not outvote the others', () => {
    // "in" twice (English, Dutch, Italian, German) against "mehr", "als", "der".
    expect(detectLanguage('Erdbeben in Istanbul: Afad meldet mehr als 150 Verletzte in der Stadt')).toBe('de');
    expect(detectLanguage('Floods in India kill eleven in the north-east')).toBe('en');
    // One word of each: too little to tell.
    expect(detectLanguage('Istanbul in Angst')).toBe('und');
  });
});

describe('entities', () => {
  it('finds names as written with their kind: people, organisations, places, acronyms', () => {
    const found = entities('Reid checks into rehab', 'Actress Tara Reid has checked into the Promises Treatment Center in Malibu, her publicist Jack Ketsoyan said. The FBI was not involved.');
    const kind = Object.fromEntries(found.map(([key, k, asWritten]) => [key, [k, asWritten]]));
    expect(kind.tara).toEqual(['person', 'Tara']);
    expect(kind.ketsoyan).toEqual(['person', 'Ketsoyan']);
    expect(kind.center?.[0]).toBe('org');
    expect(kind.malibu).toEqual(['place', 'Malibu']);
    expect(kind.fbi).toEqual(['org', 'FBI']);
    expect(kind.the).toBeUndefined();
  });

  it('a Title Case headline without a body gives only its acronyms', () => {
    expect(entities('Fed Chair Says Rates Will Stay Low As IMF Warns', '').map(([k]) => k)).toEqual(['imf']);
  });

  it('gives nothing for an empty item', () => {
    expect(entities('', '')).toEqual([]);
  });
});

describe('simhash', () => {
  const text = (seed: number, n: number) => Array.from({ length: n }, (_, i) => `w${(Math.imul(i + 1, 2654435761) + Math.imul(seed, 0x7f4a7c15)) >>> 18}`);

  it(`is undefined below ${SIMHASH_MIN_TOKENS} tokens, deterministic from there`, () => {
    expect(simhash(text(1, SIMHASH_MIN_TOKENS - 1))).toBeUndefined();
    expect(simhash(text(1, SIMHASH_MIN_TOKENS))).toEqual(simhash(text(1, SIMHASH_MIN_TOKENS)));
  });

  it('a copy with one word changed is close; unrelated texts are far apart', () => {
    const a = text(1, 300);
    const b = [...a];
    b[150] = 'changed';
    const near = hamming(simhash(a) as [number, number], simhash(b) as [number, number]);
    const far = hamming(simhash(a) as [number, number], simhash(text(2, 300)) as [number, number]);
    expect(near).toBeLessThanOrEqual(10); // the near-duplicate bound of the clusterer
    expect(far).toBeGreaterThan(20);
  });
});

describe('analyze', () => {
  const BODY = 'LONDON (Reuters) - Northwind Semiconductor cut its revenue forecast on Tuesday. Its shares fell 14 percent. ' +
    'The company will close a plant in Penang. '.repeat(30);

  it('separates title, lead and body, with language, numbers and a SimHash; it is plain JSON', () => {
    const a = analyze('Northwind cuts forecast', BODY);
    expect(a.lang).toBe('en');
    expect(a.title).toEqual(['northwind', 'cut', 'forecast']);
    expect(a.lead).toEqual(expect.arrayContaining(['northwind', 'semiconductor', 'revenu', 'share']));
    expect(a.lead).not.toContain('penang');
    expect(a.body[0]).toEqual(['compani', 30]);
    expect(a.body.length).toBeLessThanOrEqual(BODY_TERMS);
    expect(a.simhash).toHaveLength(2);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it('a title-only item has no body, lead or SimHash', () => {
    const a = analyze('Northwind cuts forecast', undefined);
    expect(a).toMatchObject({ bodyTokens: 0, body: [], lead: [], simhash: undefined });
  });

  it('the lead is the first sentences', () => {
    expect(lead('First sentence here is long enough. Second one. Third one is not in it.')).toBe('First sentence here is long enough. Second one.');
  });
});
