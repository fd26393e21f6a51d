import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Clusterer, clusterDocs, decodeVectors, encodeVectors, readVectors, Model, shippedModel, ANALYSIS_VERSION, TITLE_SPAN_HOURS, type Comparison, type ClusterDoc,
  type StoryKey } from './index.js';
import type { ModelFile } from './model.js';

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



const value = (cmp: Comparison, name: string) => cmp.features.find((f) => f.feature === name)?.value as number;

// ---- same story / different story --------------------------------------------------------------------

describe('Clusterer.decide: same story, different story', () => {
  it('puts the two seed reports (different wording) in one story', () => {
    const d = holding(SEED_A, FLOODS, ECB).decide(SEED_B);
    expect(d.story).toBe(SEED_A.id);
    expect(d.probability).toBeGreaterThanOrEqual(0.5);
  });

  it('keeps an unrelated story from the same day and country out of the seed story', () => {
    expect(holding(SEED_A, ECB).decide(FLOODS).story).toBeUndefined();
  });

  it('joins a near-identical wire copy with another headline', () => {
    const d = holding(WIRE, QUAKE, ECB).decide(WIRE_COPY);
    expect(d.story).toBe(WIRE.id);
  });

  it('joins a different write-up of the same event (the Chile quake, the Northwind warning)', () => {
    const c = holding(QUAKE, WIRE, ECB, FLOODS);
    expect(c.decide({ id: 'q2', title: 'Strong quake rattles Antofagasta, no tsunami threat', text: QUAKE_OTHER_TEXT, published: T0 + 3 * HOUR }).story).toBe('quake');
    expect(c.decide(WIRE_OTHER).story).toBe('wire-1');
  });

  it('decide() never mutates', () => {
    const c = holding(QUAKE, WIRE);
    const before = c.size;
    c.decide(WIRE_COPY);
    c.decide(QUAKE_FOLLOW_UP);
    expect(c.size.stories).toBe(before.stories);
    expect(c.size.documents).toBe(before.documents);
    expect(c.storyOf('wire-2')).toBeUndefined();
  });
});

// ---- each signal -------------------------------------------------------------------------------------

describe('signals (compare): each one rises with what it measures', () => {
  const c = holding(SEED_A, FLOODS, QUAKE, WIRE, ECB);
  const doc = (id: string, title: string, text?: string, published = T0, source?: string): ClusterDoc => ({ id, title, text, published, source });
  const BODY = 'Officials said the committee met in the capital on Tuesday to discuss the budget for the coming year and the plans for schools.';

  it('titleTitle: shared title words', () => {
    const same = c.compare(doc('a', 'Northwind Semiconductor cuts forecast'), doc('b', 'Northwind Semiconductor forecast cut'));
    const other = c.compare(doc('a', 'Northwind Semiconductor cuts forecast'), doc('b', 'Antofagasta earthquake shakes Chile'));
    expect(value(same, 'titleTitle')).toBeGreaterThan(0.5);
    expect(value(other, 'titleTitle')).toBe(0);
  });

  it('titleLead and leadLead: a title echoed in the other lead, and two leads alike', () => {
    const a = doc('a', 'Earthquake hits Antofagasta', 'A strong earthquake hit Antofagasta in Chile. Buildings shook.');
    const b = doc('b', 'Buildings shake in northern Chile', 'An earthquake hit Antofagasta in northern Chile. Nobody was hurt.');
    const cmp = c.compare(a, b);
    expect(value(cmp, 'titleLead')).toBeGreaterThan(0.3);
    expect(value(cmp, 'leadLead')).toBeGreaterThan(0.3);
    const far = c.compare(a, doc('c', 'Budget talks', BODY));
    expect(value(far, 'leadLead')).toBe(0);
  });

  it('bodyCentroid, bodyMax and bothBodies: body text alike', () => {
    const cmp = c.compare(WIRE_COPY, WIRE);
    expect(value(cmp, 'bothBodies')).toBe(1);
    expect(value(cmp, 'bodyCentroid')).toBeGreaterThan(0.95);
    expect(value(cmp, 'bodyMax')).toBeGreaterThan(0.95);
    expect(value(c.compare(WIRE_COPY, QUAKE), 'bodyMax')).toBeLessThan(0.1);
    expect(value(c.compare(doc('t', 'Northwind cuts forecast'), WIRE), 'bothBodies')).toBe(0);
  });

  it('titleOnly and titleStory carry the titles when there is no body', () => {
    const cmp = c.compare(doc('a', 'Northwind Semiconductor cuts forecast'), doc('b', 'Northwind Semiconductor forecast cut'));
    expect(value(cmp, 'titleOnly')).toBe(value(cmp, 'titleTitle'));
    expect(value(cmp, 'titleStory')).toBeGreaterThan(0.5);
    const bodies = c.compare(WIRE_COPY, WIRE);
    expect(value(bodies, 'titleOnly')).toBe(0);
  });

  it('entities by kind: people, organisations, places shared; new names counted', () => {
    const a = doc('a', 'Coach sacked', 'The club said on Monday that coach Maurice Cheeks was fired by Philadelphia Corp after the loss in Boston.');
    const b = doc('b', 'Cheeks out', 'Team owners said coach Maurice Cheeks was fired by Philadelphia Corp after a defeat in Boston.');
    const cmp = c.compare(a, b);
    expect(value(cmp, 'personAny')).toBe(1);
    expect(value(cmp, 'personShare')).toBeGreaterThan(0.9);
    expect(value(cmp, 'orgShare')).toBeGreaterThan(0.9);
    expect(value(cmp, 'placeShare')).toBeGreaterThan(0.9);
    expect(value(cmp, 'entityNew')).toBe(0);
    expect(cmp.sharedEntities.map((e) => e.text)).toEqual(expect.arrayContaining(['Maurice', 'Cheeks', 'Boston']));
    const lookalike = c.compare(a, doc('c', 'Coach sacked', 'The club said on Monday that coach Jim Obrien was fired by Sixers Corp after the loss in Denver.'));
    expect(value(lookalike, 'personShare')).toBe(0);
    expect(value(lookalike, 'entityNew')).toBeGreaterThan(0.5);
    expect(value(lookalike, 'entityBest')).toBeLessThan(value(cmp, 'entityBest'));
  });

  it('numberShare: figures in common, rarity-weighted', () => {
    const a = doc('a', 'Quake', 'A quake of magnitude 6.4 killed 312 people in the region.');
    expect(value(c.compare(a, doc('b', 'Tremor', 'The magnitude 6.4 tremor left 312 dead.')), 'numberShare')).toBe(1);
    expect(value(c.compare(a, doc('c', 'Tremor', 'The magnitude 5.1 tremor left 27 dead and 1,400 injured.')), 'numberShare')).toBe(0);
  });

  it('gapNewest, gapOldest, gapMean: hours apart, log-scaled', () => {
    const a = doc('a', 'Northwind cuts forecast', undefined, T0 + 48 * HOUR);
    const near = c.compare(a, doc('b', 'Northwind forecast cut', undefined, T0 + 47 * HOUR));
    const far = c.compare(a, doc('b', 'Northwind forecast cut', undefined, T0));
    expect(value(near, 'gapNewest')).toBeCloseTo(Math.log1p(1 / 24), 6);
    expect(value(far, 'gapNewest')).toBeCloseTo(Math.log1p(2), 6);
    expect(value(far, 'gapOldest')).toBe(value(far, 'gapMean'));
  });

  it('storySize, sameOutlet and nearDuplicate', () => {
    const cmp = c.compare({ ...WIRE_COPY, source: 'Meridian' }, { ...WIRE, source: 'Meridian' });
    expect(value(cmp, 'storySize')).toBeCloseTo(Math.log(2), 6);
    expect(value(cmp, 'sameOutlet')).toBe(1);
    expect(value(cmp, 'nearDuplicate')).toBe(1);
    const other = c.compare({ ...WIRE_OTHER, source: 'Atlas' }, { ...WIRE, source: 'Meridian' });
    expect(value(other, 'sameOutlet')).toBe(0);
    expect(value(other, 'nearDuplicate')).toBe(0);
  });

  it('contributions and bias add up to the log-odds, and the probability follows from it', () => {
    const cmp = c.compare(SEED_B, SEED_A);
    const sum = cmp.features.reduce((s, f) => s + f.contribution, cmp.bias);
    expect(sum).toBeCloseTo(cmp.logit, 9);
    expect(cmp.probability).toBeCloseTo(1 / (1 + Math.exp(-cmp.logit)), 9);
    expect(cmp.override).toBeUndefined();
  });
});

// ---- the model file ----------------------------------------------------------------------------------

describe('Model: loading and versioning', () => {
  const shipped = shippedModel(ANALYSIS_VERSION).file;
  const copy = (patch: Partial<ModelFile> & Record<string, unknown>): unknown => ({ ...JSON.parse(JSON.stringify(shipped)), ...patch });

  it('the shipped model loads, has its provenance (data, command, out-of-fold figures)', () => {
    expect(shipped.provenance).toMatchObject({ command: 'npm run train:cluster' });
    expect(Object.keys(shipped.provenance.outOfFold as object)).toHaveLength(3);
  });

  it('refuses another model version, naming both versions and what to do', () => {
    expect(() => Model.from(copy({ version: 2 }), 'm.json', ANALYSIS_VERSION)).toThrow(/m\.json has model version 2; this storyfeed reads version 1 \(retrain/);
    expect(() => Model.from(copy({ version: undefined }), 'm.json', ANALYSIS_VERSION)).toThrow(/model version undefined/);
  });

  it('refuses a file that is not a model, a model of other signals, or of another analysis', () => {
    expect(() => Model.from({ hello: 1 }, 'x.json', ANALYSIS_VERSION)).toThrow(/x\.json is not a storyfeed cluster model/);
    expect(() => Model.from(copy({ features: ['titleTitle'] }), 'm.json', ANALYSIS_VERSION)).toThrow(/trained on other signals/);
    expect(() => Model.from(copy({}), 'm.json', ANALYSIS_VERSION + 1)).toThrow(/text analysis version/);
    const bad = copy({}) as ModelFile;
    bad.regimes.body.weights = [1, 2];
    expect(() => Model.from(bad, 'm.json', ANALYSIS_VERSION)).toThrow(/regimes\.body\.weights has 2 values/);
  });

  it('a missing or broken file is a clear error', () => {
    expect(() => Model.load('/nonexistent/model.json', ANALYSIS_VERSION)).toThrow(/cannot read the model \/nonexistent\/model\.json: ENOENT/);
  });

  it('a clusterer uses the model it is given', () => {
    const never = copy({}) as ModelFile;
    never.regimes.body.bias = -1e6;
    never.regimes.title.bias = -1e6;
    const c = new Clusterer({ model: Model.from(never, 'never', ANALYSIS_VERSION) });
    c.add(WIRE, WIRE.id);
    expect(c.decide(WIRE_COPY).story).toBeUndefined();
  });
});

// ---- moves, merges and stable keys -------------------------------------------------------------------

describe('refine: articles move, stories merge, keys stay', () => {
  it('an article placed in the wrong story moves to the story it belongs to; both keys stay', () => {
    const c = new Clusterer();
    c.add(QUAKE, 'quake-story');
    c.add(WIRE, 'wire-story');
    c.add(WIRE_OTHER, 'wire-story');
    c.add(WIRE_COPY, 'quake-story', 0.1); // misplaced (e.g. decided before its full text arrived)
    const changes = c.refine();
    expect(changes).toContainEqual(expect.objectContaining({ kind: 'move', doc: 'wire-2', from: 'quake-story', to: 'wire-story' }));
    expect(c.storyOf('wire-2')).toBe('wire-story');
    expect(c.storyOf('quake')).toBe('quake-story');
    expect(c.refine()).toEqual([]); // settled: nothing flips back
  });

  it('two stories of one event merge into the older, whose key survives', () => {
    const c = new Clusterer();
    c.add(WIRE, 'older');
    c.add(QUAKE, 'quake');
    c.add(WIRE_COPY, 'newer', 0.1);
    c.add({ ...WIRE_OTHER }, 'newer', 0.1);
    const changes = c.refine();
    expect(changes).toContainEqual(expect.objectContaining({ kind: 'merge', keep: 'older', drop: 'newer' }));
    for (const id of ['wire-1', 'wire-2', 'wire-3']) expect(c.storyOf(id)).toBe('older');
    expect(c.storyOf('quake')).toBe('quake');
  });

  it('a member whose full text arrives is re-analysed (update) and moves if it now belongs elsewhere', () => {
    const c = new Clusterer();
    c.add(WIRE, 'wire-story');
    c.add(QUAKE, 'quake-story');
    const teaser = { id: 'teaser', title: 'Markets update', text: 'More soon.', published: T0 + 5 * HOUR };
    c.add(teaser, 'quake-story', 0.1);
    c.refine();
    c.update({ ...teaser, text: WIRE_TEXT });
    const changes = c.refine();
    expect(changes).toContainEqual(expect.objectContaining({ kind: 'move', doc: 'teaser', from: 'quake-story', to: 'wire-story' }));
  });

  it('recluster: two stories of one event that never competed merge into the older, whose key survives', () => {
    const c = new Clusterer();
    // Placed with certainty (as a start loads them): refine() has nothing to look at.
    c.add(QUAKE, 'quake-a', 1);
    c.add(FLOODS, 'floods', 1);
    c.add(QUAKE_FOLLOW_UP, 'quake-b', 1);
    c.add(WIRE, 'wire', 1);
    expect(c.refine()).toEqual([]);
    const changes = c.recluster();
    expect(changes).toEqual([expect.objectContaining({ kind: 'merge', keep: 'quake-a', drop: 'quake-b' })]);
    expect([c.storyOf(QUAKE.id), c.storyOf(QUAKE_FOLLOW_UP.id), c.storyOf(FLOODS.id), c.storyOf(WIRE.id)])
      .toEqual(['quake-a', 'quake-a', 'floods', 'wire']);
    // Done again, nothing is left to change.
    expect(c.recluster()).toEqual([]);
  });

  it('recluster: members placed in the wrong story go to their events; stories older than the hours asked for are not re-examined', () => {
    const fill = () => {
      const c = new Clusterer();
      c.add(WIRE, 'wire', 1);
      c.add(WIRE_COPY, 'wire', 1);
      c.add(QUAKE, 'quake', 1);
      c.add(WIRE_OTHER, 'quake', 1);
      // Four days old: a story mixing the quake follow-up and a copy of the wire story.
      c.add({ ...QUAKE_FOLLOW_UP, id: 'old-quake', published: T0 - 96 * HOUR }, 'old', 1);
      c.add({ ...WIRE_COPY, id: 'old-wire', published: T0 - 95 * HOUR }, 'old', 1);
      return c;
    };
    const recent = fill();
    expect(recent.recluster(48).length).toBeGreaterThan(0);
    // The quake report joins its event's follow-up; the wire write-up left behind joins the wire story.
    expect([recent.storyOf(QUAKE.id), recent.storyOf(WIRE_OTHER.id)]).toEqual(['old', 'wire']);
    expect(recent.storyOf('old-wire')).toBe('old');
    const whole = fill();
    whole.recluster();
    expect(whole.storyOf(WIRE_OTHER.id)).toBe('wire');
    expect(whole.storyOf('old-wire')).not.toBe('old');
  });

  it('recluster keeps the seed pair one story and the same-day look-alikes apart', () => {
    const items = [SEED_A, FLOODS, QUAKE, WIRE, SEED_B, WIRE_COPY, QUAKE_FOLLOW_UP, WIRE_OTHER];
    const c = new Clusterer();
    for (const d of items) c.add(d, c.decide(d).story ?? d.id, c.decide(d).probability);
    c.refine();
    c.recluster();
    expect(c.storyOf(SEED_B.id)).toBe(c.storyOf(SEED_A.id));
    expect(new Set([SEED_A, FLOODS, QUAKE, WIRE].map((d) => c.storyOf(d.id))).size).toBe(4);
  });

  it('rekey and rename: provisional keys become stored ids without touching membership', () => {
    const c = new Clusterer();
    c.add({ ...WIRE, id: 'pending-1' }, 'pending-story');
    c.rekey('pending-story', 42);
    c.rename('pending-1', 7);
    expect(c.storyOf(7)).toBe(42);
    expect(c.decide(WIRE_COPY).story).toBe(42);
  });
});

// ---- languages ---------------------------------------------------------------------------------------

describe('languages', () => {
  const DE_A: ClusterDoc = { id: 'de-a', published: T0, title: 'Schweres Erdbeben erschüttert Istanbul',
    text: 'Ein Erdbeben der Stärke 6,2 hat am Mittwoch die türkische Metropole Istanbul erschüttert. Nach Angaben der Katastrophenschutzbehörde Afad wurden mehr als 150 Menschen verletzt, als sie in Panik aus ihren Wohnungen flohen. Das Zentrum des Bebens lag im Marmarameer, etwa 40 Kilometer südwestlich der Stadt. Viele Schulen blieben am Donnerstag geschlossen.' };
  const DE_B: ClusterDoc = { id: 'de-b', published: T0 + 3 * HOUR, title: 'Istanbul: Mehr als 150 Verletzte nach Erdbeben im Marmarameer',
    text: 'Nach dem Erdbeben der Stärke 6,2 im Marmarameer meldet die Behörde Afad mehr als 150 Verletzte in Istanbul. Die meisten hätten sich bei der Flucht aus ihren Häusern verletzt. Die Schulen der Stadt bleiben vorerst geschlossen, teilte der Gouverneur mit.' };
  const DE_OTHER: ClusterDoc = { id: 'de-c', published: T0 + HOUR, title: 'Bundestag beschließt neues Mietrecht',
    text: 'Der Bundestag hat am Mittwoch eine Reform des Mietrechts beschlossen. Die Mieten in angespannten Wohnungsmärkten dürfen künftig nur noch langsamer steigen, teilte das Justizministerium mit. Die Opposition kritisierte das Gesetz als unzureichend.' };
  const EN_SAME: ClusterDoc = { id: 'en', published: T0 + 2 * HOUR, title: 'Strong earthquake shakes Istanbul, more than 150 injured',
    text: 'A magnitude 6.2 earthquake shook Istanbul on Wednesday, injuring more than 150 people who fled their homes in panic, Turkey\'s disaster agency Afad said. The quake was centred in the Sea of Marmara about 40 kilometres southwest of the city.' };

  it('German reports of one event cluster together, and apart from another German story of the day', () => {
    const out = clusterDocs([DE_A, DE_B, DE_OTHER]);
    expect(out.get('de-b')).toBe('de-a');
    expect(out.get('de-c')).toBe('de-c');
  });

  it('two languages never merge: the English report of the same quake stays apart (override, probability 0)', () => {
    const c = holding(DE_A);
    expect(c.decide(EN_SAME).story).toBeUndefined();
    const cmp = c.compare(EN_SAME, DE_A);
    expect(cmp.languages).toEqual(['en', 'de']);
    expect(cmp.probability).toBe(0);
    expect(cmp.override).toMatch(/languages differ/);
  });

  it('headlines alone that franc took for Portuguese, German or Dutch join their English story (a headline is too short to tell)', () => {
    const docs: ClusterDoc[] = [
      { id: 'h1', published: T0, title: 'EBay rejects Carl Icahn board nominees' },
      { id: 'h2', published: T0 + HOUR, title: 'EBay rejects Icahn board nominees, asks investors to do same' },
      { id: 'h3', published: T0 + 2 * HOUR, title: 'US stocks dip on weak Asian data, Ukraine' },
      { id: 'h4', published: T0 + 3 * HOUR, title: 'US stocks open lower on weak Asian data' },
    ];
    const out = clusterDocs(docs);
    expect([out.get('h2'), out.get('h4')]).toEqual(['h1', 'h3']);
  });

  it('two headlines alone in two languages never join, however many names and figures they share', () => {
    const de: ClusterDoc = { id: 'h-de', published: T0, title: 'Erdbeben in Istanbul: Afad meldet mehr als 150 Verletzte in der Stadt' };
    const en: ClusterDoc = { id: 'h-en', published: T0 + HOUR, title: 'Istanbul earthquake: Afad says more than 150 injured in the city' };
    const en2: ClusterDoc = { id: 'h-en2', published: T0 + 2 * HOUR, title: 'Afad: more than 150 injured as earthquake hits Istanbul' };
    const cmp = holding(de).compare(en, de);
    // "in … in" is one function word (English, and German too): the German words decide.
    expect(cmp.languages).toEqual(['en', 'de']);
    expect(cmp.probability).toBe(0);
    expect(cmp.override).toMatch(/languages differ/);
    const out = clusterDocs([de, en, en2]);
    expect(out.get('h-en')).not.toBe('h-de');
    expect(out.get('h-en2')).toBe('h-en');
  });

  it('Japanese (no spaces between words) is tokenised and clusters', () => {
    const a: ClusterDoc = { id: 'ja-a', published: T0, title: '東京で震度5強の地震 けが人の情報なし',
      text: '気象庁によると、午前10時ごろ東京湾を震源とする地震があり、東京都内で震度5強の揺れを観測しました。津波の心配はないということです。' };
    const b: ClusterDoc = { id: 'ja-b', published: T0 + HOUR, title: '東京湾で地震 都内で震度5強を観測',
      text: '午前10時ごろ、東京湾を震源とする地震があり、都内で震度5強を観測しました。気象庁は津波の心配はないとしています。' };
    const out = clusterDocs([a, b]);
    expect(out.get('ja-b')).toBe('ja-a');
  });
});

// ---- time: titles alone ------------------------------------------------------------------------------

describe('titles alone have a time bound (TITLE_SPAN_HOURS)', () => {
  const DAY = 24 * HOUR;
  /** Topic words in pairs: headline i names pair i and pair i + 1, so it shares two words with the one before. */
  const PAIRS = ['harbour bridge', 'toll charges', 'ferry timetable', 'rail strike', 'bus drivers', 'pay offer', 'council budget',
    'library closures', 'school meals', 'water prices', 'storm drains', 'flood barrier', 'port expansion', 'cargo terminal',
    'airport runway', 'noise limits', 'night flights', 'taxi licences', 'cycle lanes', 'parking fines', 'market square', 'tram extension'];
  const JOINS = ['%s: %s', '%s as %s', '%s after %s', '%s amid %s'];
  const cap = (t: string) => `${t.charAt(0).toUpperCase()}${t.slice(1)}`;
  const CHAIN: ClusterDoc[] = PAIRS.slice(0, 21).map((pair, i) => ({ id: `c${i}`, published: T0 + i * DAY,
    title: cap((JOINS[i % JOINS.length] as string).replace('%s', pair).replace('%s', PAIRS[i + 1] as string)) }));
  const OTHERS: ClusterDoc[] = ['Stocks rally as oil slips', 'Storm batters coast overnight', 'Election date set for autumn',
    'Central bank holds rates', 'Film festival opens with premiere', 'Champions win cup final', 'Heatwave warning issued',
    'Tech giant unveils phone'].map((title, i) => ({ id: `o${i}`, title, published: T0 + i * 2 * DAY }));

  it('21 headlines a day apart, each sharing two words with the one before, do not chain into one story of 20 days', () => {
    const out = clusterDocs([...CHAIN, ...OTHERS]);
    const stories = new Map<StoryKey, number[]>();
    for (const d of CHAIN) stories.set(out.get(d.id) as StoryKey, [...(stories.get(out.get(d.id) as StoryKey) ?? []), d.published]);
    for (const times of stories.values()) expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(TITLE_SPAN_HOURS * HOUR);
    // A story of daily headlines holds at most TITLE_SPAN_HOURS / 24 + 1 of them.
    expect(stories.size).toBeGreaterThanOrEqual(Math.ceil(CHAIN.length / (TITLE_SPAN_HOURS / 24 + 1)));
    // Within the bound the titles still join: the next day's headline sharing two words is the same story.
    expect(out.get('c1')).toBe('c0');
  });

  it('a headline days past every member is refused, within the bound it joins; with bodies the model weighs the time', () => {
    const first: ClusterDoc = { id: 'a', published: T0, title: 'Harbour bridge toll charges to double from May' };
    const next = (days: number, text?: string): ClusterDoc => ({ id: `b${days}`, published: T0 + days * DAY, text,
      title: 'Drivers protest as harbour bridge toll charges double' });
    const c = holding(first, ...OTHERS);
    expect(c.decide(next(2)).story).toBe('a');
    expect(c.decide(next(4)).story).toBeUndefined();
    const far = c.compare(next(4), first);
    expect(far.probability).toBe(0);
    expect(far.override).toMatch(/titles alone, 96 hours apart/);
    expect(c.compare(next(2), first).override).toBeUndefined();
    // A body on both sides: the body model decides, time among its signals (no override).
    const firstWithBody = { ...first, text: 'The harbour bridge toll charges will double from May, the council said, to pay for repairs to the bridge deck.' };
    const cmp = holding(firstWithBody).compare(next(4, 'Hundreds of drivers protested on Monday against the doubling of the harbour bridge toll charges decided by the council.'), firstWithBody);
    expect(cmp.regime).toBe('body');
    expect(cmp.override).toBeUndefined();
  });
});

// ---- scale -------------------------------------------------------------------------------------------

/** A made-up proper name for each number, all distinct (the distractors' names share no word). */
const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tas', 'vo', 'dri', 'pel', 'sun', 'gor', 'bax', 'ni', 'tul', 'ze', 'fa', 'quo', 'hin', 'yar', 'wes', 'cub'];
function name(i: number): string {
  let s = '';
  for (let n = i + 1000; n > 0; n = Math.floor(n / SYLLABLES.length)) s += SYLLABLES[n % SYLLABLES.length];
  return s.charAt(0).toUpperCase() + s.slice(1);
}

describe('candidates at scale', () => {
  it('finds the right story among 5,000 distractors sharing its common words', () => {
    let state = 12345;
    const common = ['defence', 'military', 'security', 'cooperation', 'army', 'chief', 'commander', 'talks', 'agreed', 'regional',
      'leaders', 'meeting', 'Pakistan', 'ties', 'industry', 'challenges', 'Libya', 'expertise'];
    const pick = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return common[state % common.length] as string;
    };
    const c = new Clusterer();
    c.add(SEED_A, SEED_A.id);
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
  }, 30_000);
});

describe('memory: articles come and go', () => {
  it('articles that left (swept, their space reclaimed in place) leave the others intact: a report still finds its story after thousands left', () => {
    const forgotten: string[] = [];
    // A 6-hour window: every 2,000 articles added, those that ended 30 hours before the newest are swept.
    const c = new Clusterer({ windowHours: 6, onForget: (id) => forgotten.push(String(id)) });
    const filler = (i: number, published: number): ClusterDoc => ({
      id: `f${i}`, published,
      title: `${name(3 * i)} and ${name(3 * i + 1)} agree on ${name(3 * i + 2)}`,
      text: `${name(3 * i)} officials met ${name(3 * i + 1)} delegates about the ${name(3 * i + 2)} accord on ${i % 7 ? 'trade' : 'water'}.`,
    });
    // A busy evening the day before (stored before the seed report, so its space lies before the report's).
    const EVENING = 6000;
    const evening = SEED_A.published - 30 * HOUR;
    for (let i = 0; i < EVENING; i++) c.add(filler(i, evening + (i / EVENING) * 5 * HOUR), `f${i}`);
    c.add(SEED_A, SEED_A.id);
    expect(forgotten).toEqual([]);
    // The morning between the two reports: the evening's articles leave, and the records of those in
    // memory (the seed report's among them) move into the space they held.
    const MORNING = 4000;
    const gap = SEED_B.published - SEED_A.published;
    for (let k = 0; k < MORNING; k++) c.add(filler(EVENING + k, SEED_A.published + ((k + 1) / (MORNING + 1)) * gap), `f${EVENING + k}`);
    expect(forgotten.length).toBeGreaterThan(2000);
    expect(c.size.documents).toBe(EVENING + MORNING + 1 - forgotten.length);
    expect(c.decide(SEED_B).story).toBe(SEED_A.id);
    expect(c.decide(FLOODS).story).toBeUndefined();
  }, 60_000);
});

describe('a story of one article', () => {
  it('holds no aggregate tables: its signals read the article, as tables over the story give without a second member', () => {
    const c = new Clusterer();
    c.add(SEED_A, 'a');
    c.add(SEED_B, 'b');
    c.add(FLOODS, 'f');
    // SEED_B against the story of SEED_A alone: read from SEED_A's own vectors.
    const alone = c.explainStory(SEED_B, 'a');
    expect(alone?.probability).toBeGreaterThan(0.5);
    expect(c.memory().aggregates).toBe(0);
    // Two members: the story's aggregates are summed in tables, and SEED_B against them without itself
    // (its own share taken out of the centroid and the counts) is SEED_B against SEED_A alone again.
    c.move('seed-b', 'a');
    const excluded = c.explainStory(SEED_B, 'a');
    expect(c.memory().aggregates).toBeGreaterThan(0);
    expect(excluded?.features.map((f) => f.value).map((v) => Number(v.toFixed(5))))
      .toEqual(alone?.features.map((f) => f.value).map((v) => Number(v.toFixed(5))));
    expect(excluded?.probability).toBeCloseTo(alone?.probability ?? -1, 5);
    // One member again: the tables go to the pool for the next story that needs some.
    c.remove('seed-b');
    expect(c.memory().aggregates).toBe(0);
    expect(c.memory().pool).toBeGreaterThan(0);
  });
});

describe('a start from stored vectors', () => {
  it('a clusterer filled from stored bytes (weighted lazily) decides as the one that clustered the stream', () => {
    const stream = [SEED_A, QUAKE, WIRE, FLOODS, WIRE_COPY];
    const live = new Clusterer();
    for (const d of stream) live.add(d, live.decide(d).story ?? d.id, 1);
    const started = new Clusterer();
    for (const d of stream) {
      const vectors = decodeVectors(encodeVectors(live.vectorsOf(d)));
      expect(vectors).toBeDefined();
      started.add({ id: d.id, title: '', published: d.published, vectors }, live.storyOf(d.id) as StoryKey, 1);
    }
    expect(started.size).toEqual(live.size);
    for (const [d, story] of [[SEED_B, SEED_A.id], [QUAKE_FOLLOW_UP, QUAKE.id], [WIRE_OTHER, WIRE.id]] as const) {
      expect(live.decide(d).story).toBe(story);
      expect(started.decide(d).story).toBe(story);
    }
    // A member loaded from bytes is explained against its story like any other (weighted on first use).
    expect(started.explainStory(WIRE_COPY, WIRE.id)?.probability).toBeCloseTo(live.explainStory(WIRE_COPY, WIRE.id)?.probability ?? -1, 6);
  });

  it('stored bytes read where they lie (addStored) make the same members as their decoded copy, aligned or not', () => {
    const stream = [SEED_A, QUAKE, WIRE, FLOODS, WIRE_COPY, ECB];
    const live = new Clusterer();
    for (const d of stream) live.add(d, live.decide(d).story ?? d.id, 1);
    const decoded = new Clusterer();
    const inPlace = new Clusterer();
    stream.forEach((d, i) => {
      const bytes = encodeVectors(live.vectorsOf(d));
      const story = live.storyOf(d.id) as StoryKey;
      decoded.add({ id: d.id, title: '', published: d.published, source: `s${i % 2}`, vectors: decodeVectors(bytes) }, story, 1);
      // Every other one at an odd offset of a bigger buffer (as a BLOB may come): read through a copy then.
      const at = i % 2 ? 1 : 0;
      const held = new Uint8Array(bytes.length + at);
      held.set(bytes, at);
      const v = readVectors(held.subarray(at));
      expect(v).toBeDefined();
      inPlace.addStored(d.id, d.published, `s${i % 2}`, v as NonNullable<typeof v>, story, 1);
    });
    expect(inPlace.size).toEqual(decoded.size);
    for (const d of [SEED_B, QUAKE_FOLLOW_UP, WIRE_OTHER, FLOODS]) {
      const [a, b] = [decoded.decide(d), inPlace.decide(d)];
      expect(b.story).toBe(a.story);
      expect(b.best?.features).toEqual(a.best?.features);
    }
    expect(inPlace.recluster()).toEqual(decoded.recluster());
  });

  it('bytes of another analysis version or shape are refused (the text is analysed again)', () => {
    const bytes = encodeVectors(new Clusterer().vectorsOf(QUAKE));
    expect(decodeVectors(bytes.slice(0, bytes.length - 1))).toBeUndefined();
    const other = bytes.slice();
    other[4] = (other[4] as number) + 1; // the version field
    expect(decodeVectors(other)).toBeUndefined();
    expect(decodeVectors(new Uint8Array(8))).toBeUndefined();
    for (const b of [bytes.slice(0, bytes.length - 1), other, new Uint8Array(8)]) expect(readVectors(b)).toBeUndefined();
  });
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
    expect(out.get('quake-codelco')).toBe('quake');
    expect(out.get('ecb')).toBe('ecb');
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
    for (let round = 0; round < 4; round++) {
      const shuffled = [...DOCS];
      for (let i = shuffled.length - 1; i > 0; i--) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        const j = state % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j] as ClusterDoc, shuffled[i] as ClusterDoc];
      }
      expect(clusterDocs(shuffled)).toEqual(expected);
    }
  });
});
