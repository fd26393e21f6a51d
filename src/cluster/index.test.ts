import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Clusterer, clusterDocs, DEFAULT_THRESHOLDS, type ClusterDoc, type StoryKey } from './index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 6, 18, 9);

// ---- the seed pair: one meeting, two outlets, different words ----------------------------------------

const SEEDS = new URL('../../../shared/seeds/', import.meta.url);
const seed = (name: string) => readFileSync(new URL(name, SEEDS), 'utf8');

/** Seed 000: section line, headline, a "Download IPFS" link, the article, then page boilerplate. */
function seedBlog(): { title: string; text: string } {
  const raw = seed('000_2129cc06a290e765.txt');
  const lines = raw.split('\n').map((l) => l.trim()).filter(Boolean);
  const start = raw.indexOf('Download IPFS') + 'Download IPFS'.length;
  const end = raw.indexOf('Leave a Comment');
  if (start < 'Download IPFS'.length || end < start) throw new Error('seed 000 changed shape');
  return { title: lines[1] ?? '', text: raw.slice(start, end).trim() };
}

/** Seed 001: a date line, then the article; it has no headline, so the feed item gets one written here. */
function seedReport(): { title: string; text: string } {
  const raw = seed('001_2470a1d99b2f447f.txt');
  return { title: 'Army chief receives Libyan commander Haftar at GHQ', text: raw.replace(/^\s*date \d{4}-\d{2}-\d{2}\s*/, '').trim() };
}

const blog = seedBlog();
const report = seedReport();
const SEED_A: ClusterDoc = { id: 'seed-a', title: blog.title, text: blog.text, published: T0, url: 'https://blog.example/pakistan-libya' };
const SEED_B: ClusterDoc = { id: 'seed-b', title: report.title, text: report.text, published: T0 + 5 * HOUR, url: 'https://news.example/coas-haftar' };

// ---- other realistic items ----------------------------------------------------------------------------

/** Same day, same country, different story. */
const FLOODS: ClusterDoc = {
  id: 'floods', published: T0 + 2 * HOUR, url: 'https://news.example/punjab-floods',
  title: 'Monsoon floods kill dozens across Punjab as rivers swell',
  text: 'Heavy monsoon rains have triggered flash floods across Punjab province in Pakistan, killing at least 42 people and forcing thousands from their homes, the National Disaster Management Authority (NDMA) said on Friday. Rescue teams used boats to evacuate villagers stranded near the swollen Chenab and Ravi rivers, while the Pakistan Meteorological Department warned that more rain was expected over the weekend. Officials in Lahore said several roads had been washed away and power supply was cut to large parts of the city. The provincial government declared an emergency in six districts and appealed for tents, food and clean water.',
};

const QUAKE_TEXT = `A magnitude 6.4 earthquake struck off the coast of northern Chile late on Sunday, shaking buildings in the port city of Antofagasta and briefly cutting power to thousands of homes, the country's seismological centre said. The quake hit at a depth of 35 kilometres about 60 kilometres north-west of Antofagasta. Chile's disaster agency Senapred said there were no immediate reports of casualties or serious damage and that no tsunami warning had been issued for the coast. Copper miner Codelco said operations at its nearby mines were continuing normally after inspections.`;
const QUAKE: ClusterDoc = { id: 'quake', title: 'Magnitude 6.4 earthquake shakes northern Chile', text: QUAKE_TEXT, published: T0 + 1 * HOUR };
/** Another outlet's write-up of the same quake. */
const QUAKE_OTHER_TEXT = `Residents of Antofagasta ran into the streets on Sunday night when a strong earthquake of magnitude 6.4 rattled northern Chile. Senapred, the national disaster service, reported no deaths and ruled out a tsunami threat. Codelco, the state copper company, inspected its mines in the region and said production was not affected.`;
const QUAKE_FOLLOW_UP: ClusterDoc = {
  id: 'quake-codelco', published: T0 + 6 * HOUR, title: 'Codelco says Chile mines unaffected by Antofagasta earthquake',
  text: 'Codelco said on Monday its copper mines near Antofagasta were operating normally after Sunday night\'s magnitude 6.4 earthquake in northern Chile, which Senapred said caused no casualties.',
};

const WIRE_TEXT = `Shares of Northwind Semiconductor fell 14 percent in early trading on Tuesday after the chipmaker cut its full-year revenue forecast, blaming weaker demand from smartphone makers and a slower recovery in China. The Austin-based company now expects annual sales of between $8.1 billion and $8.4 billion, down from an earlier range of $9.0 billion to $9.3 billion. Chief executive Dana Whitfield told analysts on a conference call that inventory at handset customers remained elevated and that orders for data-centre chips had been pushed into the second half of the year. Northwind also announced plans to cut about 1,200 jobs, roughly 6 percent of its workforce, and to close a packaging plant in Penang, Malaysia, by the end of the year. Analysts at Bernstein said the guidance cut was deeper than expected but noted that the company's gross margin had held up better than those of its rivals.`;
const WIRE: ClusterDoc = { id: 'wire-1', title: 'Northwind Semiconductor cuts forecast, shares slide', text: WIRE_TEXT, published: T0 + 3 * HOUR };
/** The same wire copy under another outlet's headline (no word of the headline in common). */
const WIRE_COPY: ClusterDoc = { id: 'wire-2', title: 'Chipmaker to shed 1,200 jobs as handset slump bites', text: WIRE_TEXT, published: T0 + 4 * HOUR };
/** A different write-up of the Northwind warning. */
const WIRE_OTHER: ClusterDoc = {
  id: 'wire-3', published: T0 + 7 * HOUR, title: 'Northwind warns on revenue, plans 1,200 job cuts',
  text: 'Northwind Semiconductor lowered its revenue outlook for the year and said it would eliminate 1,200 positions and shut its Penang packaging plant, as smartphone makers hold back orders. Chief executive Dana Whitfield said customers were still working through excess inventory. Northwind shares dropped sharply on the forecast cut.',
};

const ECB: ClusterDoc = {
  id: 'ecb', published: T0 + 2 * HOUR, title: 'ECB holds rates, signals June cut as inflation eases',
  text: 'The European Central Bank left interest rates unchanged on Thursday but signalled that it could cut borrowing costs as early as June if inflation keeps easing. ECB President Christine Lagarde told reporters in Frankfurt that policymakers had become more confident that price growth was heading back to the bank\'s 2 percent target, although wage increases in the services sector remained a concern.',
};

/** A fresh Clusterer holding each doc as its own story (key = id). */
function holding(...docs: ClusterDoc[]): Clusterer {
  const c = new Clusterer();
  for (const d of docs) c.add(d, d.id);
  return c;
}

// ---- same story / different story --------------------------------------------------------------------

describe('Clusterer.decide: same story, different story', () => {
  it('puts the two seed reports (different wording) in one story', () => {
    const c = holding(SEED_A, FLOODS, ECB);
    const d = c.decide(SEED_B);
    expect(d.story).toBe(SEED_A.id);
    expect(d.scores?.nearDuplicate).toBe(false); // joined on wording and names, not as a copy
    expect(d.merge).toEqual([]);
  });

  it('keeps an unrelated story from the same day and country out of the seed story', () => {
    const c = holding(SEED_A);
    expect(c.decide(FLOODS).story).toBeUndefined();
    c.add(SEED_B, SEED_A.id);
    expect(c.decide(FLOODS).story).toBeUndefined();
    expect(c.decide(ECB).story).toBeUndefined();
  });

  // [what, story headline, item headline]: title-only items that share exactly one term
  const ONE_WORD: [string, string, string][] = [
    ['Alpha one / Alpha two', 'Alpha one', 'Alpha two'],
    ['a company and a fruit', 'Apple unveils thinner iPhone', 'Apple harvest hit by late frost'],
    ['one place, two events', 'Antofagasta port strike enters second week', 'Antofagasta football club signs striker'],
  ];
  it.each(ONE_WORD)('does not join items sharing only one word: %s', (_what, story, item) => {
    const c = holding({ id: 's', title: story, published: T0 });
    expect(c.decide({ id: 'i', title: item, published: T0 }).story).toBeUndefined();
  });

  it('joins title-only items sharing two distinctive words (so the one-word rule is what keeps them apart)', () => {
    const c = holding({ id: 's', title: 'Alpha one beta', published: T0 });
    expect(c.decide({ id: 'i', title: 'Alpha beta two', published: T0 }).story).toBe('s');
  });

  it('joins a near-identical wire copy with another headline via SimHash', () => {
    const c = holding(WIRE, ECB, QUAKE);
    const d = c.decide(WIRE_COPY);
    expect(d.story).toBe(WIRE.id);
    expect(d.scores?.nearDuplicate).toBe(true);
    expect(d.scores?.hammingBits).toBeLessThanOrEqual(DEFAULT_THRESHOLDS.nearDuplicateBits);
  });

  it('does not call different write-ups of one event near-duplicates', () => {
    const c = holding(WIRE);
    const d = c.decide(WIRE_OTHER);
    expect(d.story).toBe(WIRE.id);
    expect(d.scores?.nearDuplicate).toBe(false);
  });

  // Retrieval must not hide a story that scores well: with a single one-member story, decide() must see and
  // score it exactly as compare() scores the two documents (same statistics, same time factor).
  const PAIRS: [string, ClusterDoc, ClusterDoc][] = [
    ['seed pair', SEED_A, SEED_B],
    ['quake follow-up', QUAKE, QUAKE_FOLLOW_UP],
    ['wire write-up', WIRE, WIRE_OTHER],
    ['another outlet\'s quake report under a vague headline', QUAKE,
      { id: 'quake-vague', title: 'Breaking: strong tremor felt', text: QUAKE_OTHER_TEXT, published: T0 + 2 * HOUR }],
  ];
  it.each(PAIRS)('decide() scores the only story as compare() does: %s', (_what, story, item) => {
    const c = holding(story);
    const expected = c.compare(item, story);
    const d = c.decide(item);
    expect(d.scores, 'the story was never scored').toBeDefined();
    expect(d.scores?.score).toBeCloseTo(expected.score, 9);
    expect(d.story).toBe(expected.score >= c.thresholds.join ? story.id : undefined);
  });
});

// ---- time ------------------------------------------------------------------------------------------

describe('Clusterer: time', () => {
  const later = (hours: number): ClusterDoc => ({ ...WIRE_COPY, published: WIRE.published + hours * HOUR });

  it('the same text beyond windowHours does not join', () => {
    const c = holding(WIRE);
    const far = later(DEFAULT_THRESHOLDS.windowHours + 1);
    expect(c.compare(far, WIRE).nearDuplicate).toBe(true); // it is the time window that keeps it out
    expect(c.decide(far).story).toBeUndefined();
    const before = { ...WIRE_COPY, published: WIRE.published - (DEFAULT_THRESHOLDS.windowHours + 1) * HOUR };
    expect(c.decide(before).story).toBeUndefined();
  });

  it('the same text inside the window joins', () => {
    const c = holding(WIRE);
    expect(c.decide(later(DEFAULT_THRESHOLDS.windowHours - 1)).story).toBe(WIRE.id);
  });

  it('costs nothing within graceHours, then decays with distance', () => {
    const c = holding(WIRE);
    const factor = (h: number) => {
      const t = c.decide(later(h)).scores?.time;
      if (t === undefined) throw new Error(`no score at ${h} h`);
      return t;
    };
    expect(factor(0)).toBe(1);
    expect(factor(DEFAULT_THRESHOLDS.graceHours)).toBe(1);
    const moderate = factor(48);
    expect(moderate).toBeLessThan(1);
    expect(moderate).toBeGreaterThan(0);
    expect(factor(96)).toBeLessThan(moderate);
    expect(factor(36)).toBeGreaterThan(moderate);
  });

  it('a moderately distant different write-up scores lower than the same write-up on the day', () => {
    const c = holding(SEED_A);
    const sameDay = c.decide(SEED_B).scores;
    const days = c.decide({ ...SEED_B, published: SEED_A.published + 72 * HOUR }).scores;
    expect(sameDay?.time).toBe(1);
    expect(days?.time).toBeLessThan(1);
    expect(days?.score).toBeLessThan(sameDay?.score ?? 0);
  });
});

// ---- state: decide is pure, keys are stable, merge, reassess ------------------------------------------

describe('Clusterer: state', () => {
  it('decide() never mutates', () => {
    const c = holding(SEED_A, FLOODS, WIRE, QUAKE);
    const size = c.size;
    const first = c.decide(SEED_B);
    const second = c.decide(SEED_B);
    expect(second).toEqual(first);
    expect(c.size).toEqual(size);
    for (const d of [WIRE_COPY, ECB, QUAKE_FOLLOW_UP]) c.decide(d);
    expect(c.size).toEqual(size);
    expect(c.decide(SEED_B)).toEqual(first);
  });

  it('add() counts documents and stories', () => {
    const c = holding(SEED_A, FLOODS);
    expect(c.size).toMatchObject({ stories: 2, documents: 2 });
    c.add(SEED_B, SEED_A.id);
    expect(c.size).toMatchObject({ stories: 2, documents: 3 });
  });

  it('adding more members never changes an existing story\'s key', () => {
    const c = new Clusterer();
    const members = [QUAKE, { ...QUAKE_FOLLOW_UP }, { ...QUAKE, id: 'quake-copy', title: 'Chile quake: no tsunami warning', published: T0 + 8 * HOUR },
      { id: 'quake-4', title: 'Codelco mines near Antofagasta keep running after magnitude 6.4 quake in northern Chile', published: T0 + 9 * HOUR }];
    for (const m of members) {
      const story: StoryKey = c.decide(m).story ?? m.id;
      c.add(m, story);
    }
    expect(c.size.stories).toBe(1);
    expect(c.decide({ ...QUAKE, id: 'probe', published: T0 + 10 * HOUR }).story).toBe(QUAKE.id);
  });

  it('after merge(keep, drop), an item like the dropped story goes to keep', () => {
    const c = holding(QUAKE, WIRE);
    expect(c.decide(WIRE_OTHER).story).toBe(WIRE.id);
    c.merge(QUAKE.id, WIRE.id);
    expect(c.size.stories).toBe(1);
    expect(c.decide(WIRE_OTHER).story).toBe(QUAKE.id);
    expect(c.decide(QUAKE_FOLLOW_UP).story).toBe(QUAKE.id);
    // adding under the dropped key lands in the kept story
    c.add(WIRE_OTHER, WIRE.id);
    expect(c.size.stories).toBe(1);
  });

  it('merge() of a story into itself or into an unknown story changes nothing', () => {
    const c = holding(QUAKE, WIRE);
    c.merge(QUAKE.id, QUAKE.id);
    c.merge('nope', WIRE.id);
    expect(c.size.stories).toBe(2);
    expect(c.decide(WIRE_OTHER).story).toBe(WIRE.id);
  });

  it('an item close to two stories joins the older and names the newer for merging', () => {
    const c = new Clusterer();
    c.add(WIRE, WIRE.id);
    c.add({ ...WIRE_COPY, published: WIRE.published + HOUR }, WIRE_COPY.id); // clustered apart, e.g. by an older run
    const d = c.decide({ ...WIRE_COPY, id: 'wire-third', title: 'Northwind to cut 1,200 jobs', published: WIRE.published + 2 * HOUR });
    expect(d.story).toBe(WIRE.id);
    expect(d.merge).toEqual([WIRE_COPY.id]);
  });

  it('the oldest story involved keeps its key even when a newer one scores higher', () => {
    const sentences = WIRE_TEXT.split(/(?<=\.)\s+/);
    const edited = [...sentences.slice(0, -1), 'Northwind will publish its full results next week.'].join(' ');
    const older: ClusterDoc = { ...WIRE, text: edited };
    const newer: ClusterDoc = { ...WIRE_COPY, published: WIRE.published + HOUR };
    const item: ClusterDoc = { ...WIRE_COPY, id: 'wire-third', title: 'Northwind to cut 1,200 jobs', published: WIRE.published + 2 * HOUR };
    const c = holding(older, newer);
    // preconditions: the newer story matches at least as well, the older one is still close enough to merge
    expect(c.compare(item, newer).score).toBeGreaterThanOrEqual(c.compare(item, older).score);
    expect(c.compare(item, older).score).toBeGreaterThanOrEqual(c.thresholds.merge);
    const d = c.decide(item);
    expect(d.story).toBe(older.id);
    expect(d.merge).toEqual([newer.id]);
  });

  describe('reassess', () => {
    const teaser: ClusterDoc = { id: 'teaser', title: 'Breaking: strong tremor felt', published: QUAKE.published + HOUR };

    it('a teaser placed in its own story whose full text is a copy of an older story merges into it; the older key is kept', () => {
      const c = holding(QUAKE);
      expect(c.decide(teaser).story).toBeUndefined();
      c.add(teaser, teaser.id);
      const d = c.reassess({ ...teaser, text: QUAKE_TEXT }, teaser.id);
      expect(d.story).toBe(QUAKE.id);
      expect(d.merge).toEqual([teaser.id]);
    });

    it('a teaser whose full text is another outlet\'s report of an older story merges into it; the older key is kept', () => {
      const c = holding(QUAKE);
      expect(c.decide(teaser).story).toBeUndefined();
      c.add(teaser, teaser.id);
      const full = { ...teaser, text: QUAKE_OTHER_TEXT };
      expect(c.compare(full, QUAKE).score).toBeGreaterThanOrEqual(c.thresholds.join);
      const d = c.reassess(full, teaser.id);
      expect(d.story).toBe(QUAKE.id);
      expect(d.merge).toEqual([teaser.id]);
    });

    it('an older story reassessed keeps its own key and names the newer one for merging', () => {
      const c = new Clusterer();
      const oldTeaser = { ...teaser, published: QUAKE.published - HOUR };
      c.add(oldTeaser, oldTeaser.id);
      c.add(QUAKE, QUAKE.id);
      const d = c.reassess({ ...oldTeaser, text: QUAKE_TEXT }, oldTeaser.id);
      expect(d.story).toBe(oldTeaser.id);
      expect(d.merge).toEqual([QUAKE.id]);
    });

    it('a full text matching no other story changes nothing', () => {
      const c = holding(WIRE);
      c.add(teaser, teaser.id);
      expect(c.reassess({ ...teaser, text: QUAKE_TEXT }, teaser.id)).toEqual({ merge: [] });
      expect(c.reassess({ ...teaser, text: QUAKE_TEXT }, 'unknown')).toEqual({ merge: [] });
    });

    it('once reassessed, the story is found by its full text (a later copy with another headline joins it)', () => {
      const c = new Clusterer();
      c.add(teaser, teaser.id);
      c.reassess({ ...teaser, text: QUAKE_TEXT }, teaser.id);
      const copy: ClusterDoc = { id: 'copy', title: 'Antofagasta shaken by magnitude 6.4 quake', text: QUAKE_TEXT, published: teaser.published + HOUR };
      expect(c.compare(copy, { ...teaser, text: QUAKE_TEXT }).nearDuplicate).toBe(true);
      expect(c.decide(copy).story).toBe(teaser.id);
    });
  });
});

// ---- cost stays flat: retrieval through the index among many stories ----------------------------------

describe('Clusterer: many stories', () => {
  it('finds the right story among 5,000 distractors sharing its common words', () => {
    const syllables = ['ka', 'lo', 'mi', 'ren', 'tas', 'vo', 'dri', 'pel', 'sun', 'gor', 'bax', 'ni', 'tul', 'ze', 'fa', 'quo', 'hin', 'yar', 'wes', 'cub'];
    const name = (i: number) => {
      let s = '';
      for (let n = i + 1000; n > 0; n = Math.floor(n / syllables.length)) s += syllables[n % syllables.length];
      return s.charAt(0).toUpperCase() + s.slice(1);
    };
    let state = 12345;
    const common = ['defence', 'military', 'security', 'cooperation', 'army', 'chief', 'commander', 'talks', 'agreed', 'regional',
      'leaders', 'meeting', 'Pakistan', 'ties', 'industry', 'challenges', 'Libya', 'expertise'];
    const pick = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return common[state % common.length] as string;
    };
    const c = new Clusterer();
    c.add(SEED_A, SEED_A.id); // the oldest story: common-word posting lists are read newest first
    for (let i = 0; i < 5000; i++) {
      const a = name(2 * i);
      const b = name(2 * i + 1);
      c.add({
        id: `d${i}`, published: T0 + (i % 48) * HOUR,
        title: `${a} ${pick()} ${pick()} with ${b} ${pick()}`,
        text: `Officials in ${a} said the ${pick()} ${pick()} with ${b} would continue, citing ${pick()} and ${pick()} ${pick()} concerns raised by ${b} delegates.`,
      }, `d${i}`);
    }
    expect(c.size.stories).toBe(5001);
    expect(c.decide(SEED_B).story).toBe(SEED_A.id);
    // and a distractor's own follow-up still finds its distractor
    const n = name(2 * 4321);
    expect(c.decide({ id: 'x', title: `${n} and ${name(2 * 4321 + 1)} resume talks`, published: T0 + 10 * HOUR }).story).toBe('d4321');
  }, 20_000);
});

// ---- clusterDocs -------------------------------------------------------------------------------------

describe('clusterDocs', () => {
  /** Story -> member ids, as a comparable partition (order-free). */
  const partition = (m: Map<string | number, StoryKey>) => {
    const groups = new Map<StoryKey, string[]>();
    for (const [id, s] of m) groups.set(s, [...(groups.get(s) ?? []), String(id)]);
    return [...groups.values()].map((g) => g.sort().join(',')).sort();
  };

  const DOCS: ClusterDoc[] = [SEED_A, SEED_B, FLOODS, QUAKE, QUAKE_FOLLOW_UP, WIRE, WIRE_COPY, WIRE_OTHER, ECB];
  const TRUTH = [['seed-a', 'seed-b'], ['floods'], ['quake', 'quake-codelco'], ['wire-1', 'wire-2', 'wire-3'], ['ecb']]
    .map((g) => g.sort().join(',')).sort();

  it('groups a day of realistic items into its stories', () => {
    expect(partition(clusterDocs(DOCS))).toEqual(TRUTH);
  });

  it('keys each story by its earliest-published document, whatever the input order', () => {
    const out = clusterDocs([...DOCS].reverse());
    expect(out.get('seed-b')).toBe('seed-a');
    expect(out.get('wire-3')).toBe('wire-1');
    expect(out.get('wire-2')).toBe('wire-1');
    expect(out.get('quake-codelco')).toBe('quake');
    expect(out.get('ecb')).toBe('ecb');
  });

  it('returns a key for every input id', () => {
    const out = clusterDocs(DOCS);
    expect([...out.keys()].sort()).toEqual(DOCS.map((d) => d.id).sort());
  });

  it('puts the same URL in the same story even under different titles', () => {
    const out = clusterDocs([
      { id: 1, title: 'Northwind Semiconductor cuts forecast', url: 'https://news.example/a', published: T0 },
      { id: 2, title: 'Antofagasta shaken by strong earthquake', url: 'https://news.example/b', published: T0 + HOUR },
      { id: 3, title: 'UPDATE 2-Chipmaker slashes outlook, to cut jobs', url: 'https://news.example/a', published: T0 + 2 * HOUR },
    ]);
    expect(out.get(3)).toBe(1);
    expect(out.get(2)).toBe(2);
  });

  it('processes in publication order: shuffled input gives the same partition and keys', () => {
    const expected = clusterDocs(DOCS);
    let state = 7;
    for (let round = 0; round < 6; round++) {
      const shuffled = [...DOCS];
      for (let i = shuffled.length - 1; i > 0; i--) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        const j = state % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j] as ClusterDoc, shuffled[i] as ClusterDoc];
      }
      expect(clusterDocs(shuffled)).toEqual(expected);
    }
  });

  it('honours thresholds: with join above any score, every item is its own story', () => {
    const out = clusterDocs([SEED_A, SEED_B, QUAKE, QUAKE_FOLLOW_UP], { join: 1.01, nearDuplicateBits: -1 });
    for (const [id, s] of out) expect(s).toBe(id);
  });
});
