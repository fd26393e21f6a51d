import { describe, expect, it } from 'vitest';
import {
  BODY_WORDS, entities, features, hamming, normalizeTerm, simhash, simhashBands, SIMHASH_MIN_TOKENS, terms,
  TITLE_WEIGHT, words,
} from './features.js';
import { DEFAULT_THRESHOLDS } from './index.js';

// ---- realistic texts ----------------------------------------------------------------------------------

/** A ~300-word wire story, one sentence per array entry (so single sentences can be swapped). */
const WIRE_SENTENCES = [
  'Shares of Northwind Semiconductor fell 14 percent in early trading on Tuesday after the chipmaker cut its full-year revenue forecast, blaming weaker demand from smartphone makers and a slower recovery in China.',
  'The Austin-based company now expects annual sales of between $8.1 billion and $8.4 billion, down from an earlier range of $9.0 billion to $9.3 billion.',
  'Chief executive Dana Whitfield told analysts on a conference call that inventory at handset customers remained elevated and that orders for data-centre chips had been pushed into the second half of the year.',
  'Northwind also announced plans to cut about 1,200 jobs, roughly 6 percent of its workforce, and to close a packaging plant in Penang, Malaysia, by the end of the year.',
  'Analysts at Bernstein said the guidance cut was deeper than expected but noted that the company\'s gross margin had held up better than those of its rivals.',
  'The stock had risen 38 percent this year before the warning, buoyed by optimism about artificial intelligence spending.',
  'Northwind\'s results follow similar warnings from two other chip suppliers last month, adding to concerns that the smartphone market will take longer than hoped to recover.',
  'Whitfield said the company would keep investing in its new factory in Dresden, Germany, which is due to start production of automotive chips next spring.',
  'The plant, backed by subsidies from the German government, is central to Northwind\'s plan to reduce its dependence on consumer electronics.',
  'Some investors questioned whether the company could afford the expansion while revenue was falling, and the credit rating agency Moody\'s said it had placed Northwind\'s debt on review for a downgrade.',
  'The company is due to hold an investor day in Austin in May, when it is expected to update its long-term targets and give more detail on the job cuts.',
];
const WIRE = WIRE_SENTENCES.join(' ');

/** Unrelated stories, each long enough for a SimHash. */
const UNRELATED = [
  WIRE,
  `A magnitude 6.4 earthquake struck off the coast of northern Chile late on Sunday, shaking buildings in the port city of Antofagasta and briefly cutting power to thousands of homes, the country's seismological centre said. The quake hit at a depth of 35 kilometres about 60 kilometres north-west of Antofagasta. Chile's disaster agency Senapred said there were no immediate reports of casualties or serious damage and that no tsunami warning had been issued for the coast. Copper miner Codelco said operations at its nearby mines were continuing normally after inspections, and the regional government said schools would open as usual on Monday.`,
  `Heavy monsoon rains have triggered flash floods across Punjab province, killing at least 42 people and forcing thousands from their homes, the National Disaster Management Authority said on Friday. Rescue teams used boats to evacuate villagers stranded near the swollen Chenab and Ravi rivers, while the meteorological department warned that more rain was expected over the weekend. Officials in Lahore said several roads had been washed away and power supply was cut to large parts of the city. The provincial government declared an emergency in six districts and appealed for tents, food and clean water.`,
  `The European Central Bank left interest rates unchanged on Thursday but signalled that it could cut borrowing costs as early as June if inflation keeps easing. ECB President Christine Lagarde told reporters in Frankfurt that policymakers had become more confident that price growth was heading back to the bank's 2 percent target, although wage increases in the services sector remained a concern. Markets reacted calmly, with the euro slipping slightly against the dollar and government bond yields falling across the euro zone as traders added to bets on a summer rate cut.`,
];

/** A replacement sentence with no words in common with the story beyond function words. */
const OTHER_SENTENCE = 'A spokeswoman for the regulator declined to comment when reached by telephone on Saturday evening.';

const hashOf = (text: string): [number, number] => {
  const h = simhash(terms(text));
  if (!h) throw new Error(`test text too short for a SimHash: ${text.slice(0, 40)}`);
  return h;
};

/** The normalized term of a surface word (fails the test if the word is dropped). */
const key = (w: string): string => {
  const k = normalizeTerm(w);
  if (k === undefined) throw new Error(`"${w}" normalizes to nothing`);
  return k;
};

// ---- normalizeTerm ---------------------------------------------------------------------------------

describe('normalizeTerm', () => {
  // [what, word, another spelling that must give the same term]
  const SAME: [string, string, string][] = [
    ['UK/US -ence', 'defence', 'defense'],
    ['UK/US -ence (licence)', 'licence', 'license'],
    ['UK/US -ise', 'organise', 'organize'],
    ['UK/US -ised', 'organised', 'organized'],
    ['UK/US -isation', 'organisation', 'organization'],
    ['UK/US -yse', 'analyse', 'analyze'],
    ['UK/US -our', 'colour', 'color'],
    ['UK/US -our (honour)', 'honour', 'honor'],
    ['UK/US -re', 'centre', 'center'],
    ['UK/US -res', 'centres', 'centers'],
    ['UK/US -re (theatre)', 'theatre', 'theater'],
    ['UK/US -ogue', 'catalogue', 'catalog'],
    ['UK/US -ll-', 'travelled', 'traveled'],
    ['stemming: plural', 'talks', 'talk'],
    ['stemming: verb forms', 'agreed', 'agree'],
    ['case', 'Talks', 'talks'],
    ['possessive, curly apostrophe', 'Pakistan’s', 'Pakistan'],
    ['possessive, straight apostrophe', "Pakistan's", 'pakistan'],
    ['trailing punctuation', 'talks.', 'talks'],
  ];
  it.each(SAME)('%s: %s = %s', (_what, a, b) => {
    expect(normalizeTerm(a)).toBeDefined();
    expect(normalizeTerm(a)).toBe(normalizeTerm(b));
  });

  // Guards: the equalities above must not come from collapsing everything.
  const DIFFERENT: [string, string][] = [
    ['defence', 'offence'], ['talk', 'walk'], ['colour', 'colony'], ['centre', 'central'], ['Libya', 'Libyan'],
    ['2025', '2024'],
  ];
  it.each(DIFFERENT)('%s ≠ %s', (a, b) => {
    expect(normalizeTerm(a)).toBeDefined();
    expect(normalizeTerm(b)).toBeDefined();
    expect(normalizeTerm(a)).not.toBe(normalizeTerm(b));
  });

  const DROPPED: [string, string][] = [
    ['article', 'the'], ['conjunction', 'and'], ['pronoun', 'they'], ['capitalized stopword', 'The'],
    ['news boilerplate: says', 'says'], ['news boilerplate: said', 'said'], ['news boilerplate: update', 'update'],
    ['news boilerplate: live', 'Live'], ['one letter', 'x'], ['empty', ''], ['one-digit number', '7'],
    ['two-digit number', '18'],
  ];
  it.each(DROPPED)('drops %s (%j)', (_what, w) => {
    expect(normalizeTerm(w)).toBeUndefined();
  });

  const NUMBERS: [string, string][] = [['year', '2025'], ['older year', '1974'], ['three-digit figure', '100'], ['large figure', '1200']];
  it.each(NUMBERS)('keeps a %s as is (%s)', (_what, n) => {
    expect(normalizeTerm(n)).toBe(n);
  });
});

describe('terms', () => {
  it('keeps content words in order and drops stopwords, short numbers and punctuation', () => {
    const text = 'Pakistan and Libya agreed to deepen their defence ties on 18 July 2025, the ISPR said.';
    expect(terms(text)).toEqual(['Pakistan', 'Libya', 'agreed', 'deepen', 'defence', 'ties', 'July', '2025', 'ISPR'].map(key));
  });

  it('gives the same terms for British and American wording of one sentence', () => {
    expect(terms('The defence centre organised talks on armoured vehicles'))
      .toEqual(terms('The defense center organized talk on armored vehicle'));
  });
});

// ---- entities --------------------------------------------------------------------------------------

describe('entities', () => {
  // [what, title, body, must include (surface words), must not include (surface words)]
  const CASES: [string, string, string, string[], string[]][] = [
    ['acronyms in the body', '', 'Officials at GHQ said the ISPR would issue a statement.', ['GHQ', 'ISPR'], ['Officials', 'statement']],
    ['an acronym starting a sentence', '', 'ISPR confirmed the meeting took place.', ['ISPR'], ['confirmed', 'meeting']],
    ['an acronym possessive', '', 'The meeting followed the COAS’s visit to the border.', ['COAS'], ['meeting', 'visit']],
    ['capitalized names mid-sentence', '', 'The army chief met Khalifa Haftar in Rawalpindi.', ['Khalifa', 'Haftar', 'Rawalpindi'], ['army', 'chief', 'met']],
    ['a common word starting the first sentence', '', 'Officials met Haftar in Rawalpindi.', ['Haftar', 'Rawalpindi'], ['Officials', 'met']],
    ['common words starting later sentences', '',
      'The talks ended late on the first day. Officials said Haftar left Rawalpindi. However, no deal was signed. Both sides plan to meet again.',
      ['Haftar', 'Rawalpindi'], ['Officials', 'However', 'talks', 'deal']],
    ['common words starting later paragraphs', '', 'The commander was met by Haftar in Rawalpindi\n\nDelegations then toured the factory',
      ['Haftar', 'Rawalpindi'], ['Delegations', 'toured']],
    ['weekdays and months', '', 'The commander Haftar arrived on Friday and will return to Rawalpindi in September or October.',
      ['Haftar', 'Rawalpindi'], ['Friday', 'September', 'October']],
    ['a weekday in the possessive', '', 'The commander Haftar left Rawalpindi after Friday’s talks.', ['Haftar', 'Rawalpindi'], ['Friday']],
    ['ranks and offices before names', '', 'He held talks with General Munir and President Zardari.', ['Munir', 'Zardari'], ['General', 'President']],
    ['a sentence-case headline alone', 'Pakistan’s army chief meets Libyan commander in Rawalpindi for defence talks', '',
      ['Libyan', 'Rawalpindi'], ['army', 'meets', 'defence', 'talks']],
    ['a Title Case headline with a body', 'Pakistan Army Chief Hosts Libyan Commander Haftar For Defence Talks',
      'The army chief of Pakistan received Khalifa Haftar for talks on defence production.',
      ['Pakistan', 'Haftar', 'Khalifa'], ['Army', 'Hosts', 'Libyan', 'Defence', 'Talks']],
  ];
  it.each(CASES)('%s', (_what, title, body, yes, no) => {
    const got = entities(title, body);
    for (const w of yes) expect([...got], `expected "${w}" among the entities`).toContain(key(w));
    for (const w of no) expect([...got], `expected "${w}" not to be an entity`).not.toContain(key(w));
  });

  it('a Title Case headline without a body gives only its acronyms', () => {
    const got = entities('Pakistan Army Chief Meets Libyan Commander At GHQ, ISPR Says', '');
    expect(got).toEqual(new Set([key('GHQ'), key('ISPR')]));
  });

  it('gives nothing for an empty item', () => {
    expect(entities('', '').size).toBe(0);
  });
});

// ---- SimHash -----------------------------------------------------------------------------------------

describe('simhash', () => {
  it('identical texts have distance 0 (and the hash is deterministic)', () => {
    const a = hashOf(WIRE);
    const b = hashOf(WIRE_SENTENCES.join('  '));
    expect(b).toEqual(a);
    expect(hamming(a, b)).toBe(0);
  });

  it('is two unsigned 32-bit halves', () => {
    for (const text of UNRELATED) {
      for (const half of hashOf(text)) {
        expect(Number.isInteger(half)).toBe(true);
        expect(half).toBeGreaterThanOrEqual(0);
        expect(half).toBeLessThanOrEqual(0xffffffff);
      }
    }
  });

  it(`is undefined below ${SIMHASH_MIN_TOKENS} tokens and defined from there`, () => {
    const tokens = Array.from({ length: SIMHASH_MIN_TOKENS }, (_, i) => `tok${i}`);
    expect(simhash(tokens.slice(0, SIMHASH_MIN_TOKENS - 1))).toBeUndefined();
    expect(simhash(tokens)).toBeDefined();
    expect(simhash([])).toBeUndefined();
    expect(simhash(terms('Northwind Semiconductor cuts its forecast and 1,200 jobs.'))).toBeUndefined();
  });

  it('unrelated texts are far apart (> 20 of 64 bits)', () => {
    const hashes = UNRELATED.map(hashOf);
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) {
        expect(hamming(hashes[i] as [number, number], hashes[j] as [number, number]), `texts ${i} and ${j}`).toBeGreaterThan(20);
      }
    }
  });

  /** The wire story with sentence `i` replaced by an unrelated sentence. */
  const edited = (i: number) => WIRE_SENTENCES.map((s, j) => (j === i ? OTHER_SENTENCE : s)).join(' ');

  it('a copy with one sentence changed is closer than any unrelated text', () => {
    expect(words(WIRE).length).toBeGreaterThanOrEqual(280);
    const base = hashOf(WIRE);
    const unrelated = Math.min(...UNRELATED.slice(1).map((t) => hamming(base, hashOf(t))));
    for (let i = 0; i < WIRE_SENTENCES.length; i++) {
      expect(hamming(base, hashOf(edited(i))), `sentence ${i} replaced`).toBeLessThan(unrelated);
    }
  });

  it('a copy of a 300-word text with one sentence changed is mostly within nearDuplicateBits', () => {
    // A 64-bit SimHash moves ~9 bits when a tenth of the shingles change, so not every edited copy is
    // flagged; those that are not still join through text similarity. Most must be flagged.
    const base = hashOf(WIRE);
    const bits = WIRE_SENTENCES.map((_, i) => hamming(base, hashOf(edited(i))));
    const within = bits.filter((b) => b <= DEFAULT_THRESHOLDS.nearDuplicateBits).length;
    expect(within / bits.length, `distances ${bits.join(', ')}`).toBeGreaterThanOrEqual(0.6);
  });

  it('a copy with one word changed is within nearDuplicateBits', () => {
    const base = hashOf(WIRE);
    const oneWord = WIRE.replace(/\b(\w{6,})\b/, 'replaced');
    expect(oneWord).not.toBe(WIRE);
    expect(hamming(base, hashOf(oneWord))).toBeLessThanOrEqual(DEFAULT_THRESHOLDS.nearDuplicateBits);
  });
});

describe('hamming', () => {
  // [what, a, b, distance]
  const TABLE: [string, [number, number], [number, number], number][] = [
    ['equal zero hashes', [0, 0], [0, 0], 0],
    ['equal hashes', [0xdeadbeef, 0x12345678], [0xdeadbeef, 0x12345678], 0],
    ['lowest bit of the low half', [0, 1], [0, 0], 1],
    ['lowest bit of the high half', [1, 0], [0, 0], 1],
    ['sign bit of the high half', [0x80000000, 0], [0, 0], 1],
    ['sign bit of the low half', [0, 0x80000000], [0, 0], 1],
    ['one bit in each half', [0x80000000, 1], [0, 0], 2],
    ['all 64 bits', [0xffffffff, 0xffffffff], [0, 0], 64],
    ['complementary nibbles', [0xf0f0f0f0, 0x0f0f0f0f], [0x0f0f0f0f, 0xf0f0f0f0], 64],
    ['alternate bits', [0xaaaaaaaa, 0x55555555], [0x55555555, 0x55555555], 32],
    ['one half differs fully', [0xffffffff, 0x1234], [0, 0x1234], 32],
    ['three scattered bits', [0x00010001, 0x00000100], [0, 0], 3],
  ];
  it.each(TABLE)('%s', (_what, a, b, d) => {
    expect(hamming(a, b)).toBe(d);
    expect(hamming(b, a)).toBe(d);
  });
});

describe('simhashBands', () => {
  const flip = (h: readonly [number, number], bits: readonly number[]): [number, number] => {
    let [hi, lo] = h;
    for (const b of bits) {
      if (b < 32) hi = (hi ^ (1 << b)) >>> 0;
      else lo = (lo ^ (1 << (b - 32))) >>> 0;
    }
    return [hi, lo];
  };
  const shared = (a: readonly [number, number], b: readonly [number, number]) => {
    const bb = new Set(simhashBands(b));
    return simhashBands(a).filter((x) => bb.has(x)).length;
  };
  const BASE: [number, number] = [0x9e3779b9, 0x7f4a7c15];

  it('gives four distinct bands, all shared with the hash itself', () => {
    const bands = simhashBands(BASE);
    expect(bands).toHaveLength(4);
    expect(new Set(bands).size).toBe(4);
    expect(shared(BASE, BASE)).toBe(4);
  });

  it('bands are positional: equal 16-bit values in different quarters do not match', () => {
    expect(shared([0x12341234, 0x12341234], [0x12341234, 0x12341234])).toBe(4);
    expect(new Set(simhashBands([0x12341234, 0x12341234])).size).toBe(4);
  });

  it('two hashes within distance 3 share a band (every choice of 1, 2 or 3 flipped bits in a spread)', () => {
    // Every triple of positions from a spread covering all four bands, plus every single and pair.
    const positions = [0, 7, 15, 16, 23, 31, 32, 40, 47, 48, 55, 63];
    let checked = 0;
    for (let i = 0; i < positions.length; i++) {
      for (let j = i; j < positions.length; j++) {
        for (let k = j; k < positions.length; k++) {
          const bits = [...new Set([positions[i], positions[j], positions[k]] as number[])];
          const other = flip(BASE, bits);
          expect(hamming(BASE, other)).toBe(bits.length);
          expect(shared(BASE, other), `flipped bits ${bits.join(',')}`).toBeGreaterThanOrEqual(1);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('a band changes when any of its bits changes (distance 4, one bit per quarter, shares none)', () => {
    expect(shared(BASE, flip(BASE, [3, 19, 35, 51]))).toBe(0);
    expect(shared(BASE, flip(BASE, [3]))).toBe(3);
  });
});

// ---- features ----------------------------------------------------------------------------------------

describe('features', () => {
  it(`counts a title term ${TITLE_WEIGHT} times a body term`, () => {
    const f = features('Northwind cuts forecast', 'Northwind said the forecast was cut. Analysts were surprised.');
    expect(f.tf.get(key('Northwind'))).toBe(TITLE_WEIGHT + 1);
    expect(f.tf.get(key('forecast'))).toBe(TITLE_WEIGHT + 1);
    expect(f.tf.get(key('analysts'))).toBe(1);
    expect(f.tf.has(key('cuts'))).toBe(true);
  });

  it('a title-only item has no body tokens and no SimHash', () => {
    const f = features('Northwind Semiconductor cuts forecast', undefined);
    expect(f.bodyTokens).toBe(0);
    expect(f.simhash).toBeUndefined();
    expect([...f.tf.values()].every((v) => v === TITLE_WEIGHT)).toBe(true);
  });

  it('a long body gets a SimHash equal to that of its terms', () => {
    const f = features('Northwind Semiconductor cuts forecast', WIRE);
    expect(f.simhash).toEqual(hashOf(WIRE));
    expect(f.bodyTokens).toBe(terms(WIRE).length);
  });

  it(`reads at most ${BODY_WORDS} body tokens for the term vector`, () => {
    const long = Array.from({ length: 3 }, () => WIRE).join(' ');
    expect(terms(long).length).toBeGreaterThan(BODY_WORDS);
    expect(features('Title', long).bodyTokens).toBe(BODY_WORDS);
  });

  it('carries the entities of title and body', () => {
    const f = features('Army chief meets Haftar', 'The army chief met Khalifa Haftar at GHQ.');
    expect(f.entities).toEqual(entities('Army chief meets Haftar', 'The army chief met Khalifa Haftar at GHQ.'));
    expect(f.entities.has(key('Haftar'))).toBe(true);
  });
});
