// OPML 2.0 import/export (fast-xml-parser), and adding imported sources to the YAML config without
// losing the user's comments or layout (yaml's Document API).
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { isMap, isScalar, isSeq, parseDocument, YAMLSeq } from 'yaml';
import { canonicalUrl } from '../urlcleaner/index.js';

export class OpmlError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`opml: ${message}`, options);
    this.name = 'OpmlError';
  }
}

export interface OpmlSource {
  url: string;
  name?: string;
  /** Titles of the folders (parent outlines) the feed sits in. */
  tags: string[];
}

type Outline = Record<string, unknown>;

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const attr = (o: Outline, name: string): string | undefined => {
  const v = o[`@_${name}`];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
};

/** Every feed (outline with xmlUrl) in an OPML document, with its folder names as tags. */
export function parseOpml(xml: string): OpmlSource[] {
  if (/<!ENTITY/i.test(xml)) throw new OpmlError('entity declarations (<!ENTITY>) are not allowed');
  let doc: Record<string, unknown>;
  try {
    doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: false,
      isArray: (name) => name === 'outline' }).parse(xml, true) as Record<string, unknown>;
  } catch (err) {
    throw new OpmlError(`invalid XML: ${(err as Error).message}`, { cause: err });
  }
  const body = (doc.opml as Outline | undefined)?.body as Outline | undefined;
  if (!body) throw new OpmlError('not an OPML document (no <opml><body>)');
  const out: OpmlSource[] = [];
  const walk = (outlines: unknown[], tags: string[]) => {
    for (const o of outlines as Outline[]) {
      const url = attr(o, 'xmlUrl');
      const title = attr(o, 'title') ?? attr(o, 'text');
      if (url && /^https?:\/\//i.test(url)) out.push({ url, name: title, tags });
      walk(asArray(o.outline), url || !title ? tags : [...tags, title]);
    }
  };
  walk(asArray(body.outline), []);
  return out;
}

/** Sources as an OPML 2.0 document, grouped by their first tag. */
export function renderOpml(sources: readonly OpmlSource[], title: string): string {
  const outline = (s: OpmlSource) => ({ '@_type': 'rss', '@_text': s.name ?? s.url, '@_title': s.name ?? s.url, '@_xmlUrl': s.url });
  const groups = new Map<string, OpmlSource[]>();
  const loose: OpmlSource[] = [];
  for (const s of sources) {
    const tag = s.tags[0];
    if (!tag) loose.push(s);
    else groups.set(tag, [...(groups.get(tag) ?? []), s]);
  }
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    opml: {
      '@_version': '2.0',
      head: { title, dateCreated: new Date().toUTCString() },
      body: {
        outline: [
          ...[...groups].map(([tag, list]) => ({ '@_text': tag, '@_title': tag, outline: list.map(outline) })),
          ...loose.map(outline),
        ],
      },
    },
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true,
    processEntities: true });
  return builder.build(doc) as string;
}

/**
 * Append sources to the config text's `sources:` list, skipping URLs already present (compared in
 * canonical form). Comments and formatting of the rest of the file are kept.
 */
export function addSourcesToYaml(yamlText: string, sources: readonly OpmlSource[]): { text: string; added: number; skipped: number } {
  const doc = parseDocument(yamlText);
  if (doc.errors.length) throw new OpmlError(`cannot edit the config: ${doc.errors[0]?.message.split('\n')[0]}`);
  if (!isMap(doc.contents) && doc.contents !== null) throw new OpmlError('cannot edit the config: the top level is not a map');
  let seq = doc.get('sources', true);
  if (!isSeq(seq)) {
    seq = new YAMLSeq();
    doc.set('sources', seq);
  }
  const list = seq as YAMLSeq;
  const key = (u: string) => canonicalUrl(u) ?? u;
  const present = new Set(list.items.map((n) => {
    const url = isScalar(n) ? n.value : isMap(n) ? n.get('url') : undefined;
    return typeof url === 'string' ? key(url) : '';
  }));
  let added = 0;
  let skipped = 0;
  for (const s of sources) {
    if (present.has(key(s.url))) {
      skipped++;
      continue;
    }
    present.add(key(s.url));
    const entry: Record<string, unknown> = { url: s.url };
    if (s.name) entry.name = s.name;
    if (s.tags.length) entry.tags = s.tags;
    list.add(doc.createNode(entry));
    added++;
  }
  return { text: doc.toString(), added, skipped };
}
