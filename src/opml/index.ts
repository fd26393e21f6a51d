// OPML 2.0 import/export (fast-xml-parser), and adding imported sources to the YAML config without
// losing the user's comments or layout (yaml's Document API).
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, YAMLSeq, type Node } from 'yaml';
import type { OutputConfig } from '../model/index.js';
import { feedPath } from '../publisher/paths.js';
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

/** An outline that names no feed storyfeed can read, and why. */
export interface SkippedOutline {
  /** Its title, or its URL, or "(untitled)". */
  label: string;
  reason: string;
}

/** Every feed (outline with xmlUrl) in an OPML document, with its folder names as tags. */
export function parseOpml(xml: string): OpmlSource[] {
  return readOpml(xml).sources;
}

/**
 * The feeds of an OPML document, and the outlines left out with the reason (a non-http(s) xmlUrl, an
 * outline that is neither a feed nor a folder), so an import never drops one silently (issue 9.11).
 */
export function readOpml(xml: string): { sources: OpmlSource[]; skipped: SkippedOutline[] } {
  if (/<!ENTITY/i.test(xml)) throw new OpmlError('entity declarations (<!ENTITY>) are not allowed');
  let doc: Record<string, unknown>;
  try {
    doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: false,
      htmlEntities: true, isArray: (name) => name === 'outline' }).parse(xml, true) as Record<string, unknown>;
  } catch (err) {
    throw new OpmlError(`invalid XML: ${(err as Error).message}`, { cause: err });
  }
  const opml = doc.opml as Outline | string | undefined;
  const body = typeof opml === 'object' ? opml.body : undefined;
  if (body === undefined) throw new OpmlError('not an OPML document (no <opml><body>)');
  if (typeof body !== 'object' || body === null) return { sources: [], skipped: [] }; // <body/>: no feeds
  const out: OpmlSource[] = [];
  const skipped: SkippedOutline[] = [];
  const walk = (outlines: unknown[], tags: string[]) => {
    for (const o of outlines as Outline[]) {
      const url = attr(o, 'xmlUrl');
      const title = attr(o, 'title') ?? attr(o, 'text');
      const children = asArray(o.outline);
      // An exporter with no name for a feed writes its URL as the title: that is no name.
      if (url && /^https?:\/\//i.test(url)) out.push({ url, name: title === url ? undefined : title, tags });
      else if (url) skipped.push({ label: title && title !== url ? `"${title}" (${url})` : url, reason: 'xmlUrl is not an http(s) URL' });
      else if (children.length === 0) {
        const html = attr(o, 'htmlUrl') ?? attr(o, 'url');
        skipped.push({ label: title ? `"${title}"${html ? ` (${html})` : ''}` : html ?? '(untitled outline)',
          reason: 'no xmlUrl: not a feed (and not a folder of feeds)' });
      }
      walk(children, url || !title ? tags : [...tags, title]);
    }
  };
  walk(asArray((body as Outline).outline), []);
  return { sources: out, skipped };
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
 * The merged feeds as OPML 2.0, for subscribing to all of them in one step: the merged feed, then one
 * outline per tag feed (Atom; `type="rss"` is OPML's word for any feed).
 */
export function renderMergedOpml(output: OutputConfig, tags: readonly string[]): string {
  const outline = (title: string, tag?: string) => ({ '@_type': 'rss', '@_text': title, '@_title': title,
    '@_xmlUrl': new URL(feedPath('atom', tag).slice(1), output.link).href, '@_htmlUrl': output.link });
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    opml: {
      '@_version': '2.0',
      head: { title: output.title },
      body: { outline: [outline(output.title), ...tags.map((t) => outline(`${output.title}: ${t}`, t))] },
    },
  };
  return new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true,
    suppressBooleanAttributes: false, processEntities: true }).build(doc) as string;
}

/**
 * Append sources to the config text's `sources:` list, skipping URLs already present (compared in
 * canonical form). The new entries are spliced into the text after the last source, so every existing
 * line, comment and spacing stays byte for byte; only a file without a block-style list is re-serialized.
 */
export function addSourcesToYaml(yamlText: string, sources: readonly OpmlSource[]): { text: string; added: number; skipped: number } {
  const lines = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: lines });
  if (doc.errors.length) throw new OpmlError(`cannot edit the config: ${doc.errors[0]?.message.split('\n')[0]}`);
  if (!isMap(doc.contents) && doc.contents !== null) throw new OpmlError('cannot edit the config: the top level is not a map');
  const seq = doc.get('sources', true);
  const key = (u: string) => canonicalUrl(u) ?? u;
  const present = new Set((isSeq(seq) ? seq.items : []).map((n) => {
    const url = isScalar(n) ? n.value : isMap(n) ? n.get('url') : undefined;
    return typeof url === 'string' ? key(url) : '';
  }));
  const fresh: Record<string, unknown>[] = [];
  let skipped = 0;
  for (const s of sources) {
    if (present.has(key(s.url))) {
      skipped++;
      continue;
    }
    present.add(key(s.url));
    fresh.push({ url: s.url, ...(s.name ? { name: s.name } : {}), ...(s.tags.length ? { tags: s.tags } : {}) });
  }
  if (fresh.length === 0) return { text: yamlText, added: 0, skipped };
  const block = (indent: number) => stringify(fresh).trimEnd().split('\n').map((l) => ' '.repeat(indent) + l).join('\n');
  const last = isSeq(seq) && !seq.flow ? seq.items[seq.items.length - 1] as Node | undefined : undefined;
  if (isSeq(seq) && !seq.flow && last?.range && seq.range) {
    const indent = lines.linePos(seq.range[0]).col - 1;
    // Insert after the line holding the end of the last entry.
    const endOfLast = last.range[1];
    const nl = yamlText.indexOf('\n', Math.max(endOfLast - 1, 0));
    const at = nl === -1 ? yamlText.length : nl + 1;
    const head = yamlText.slice(0, at);
    return { text: `${head}${head.endsWith('\n') ? '' : '\n'}${block(indent)}\n${yamlText.slice(at)}`, added: fresh.length, skipped };
  }
  if (seq === undefined) {
    const sep = yamlText === '' || yamlText.endsWith('\n') ? '' : '\n';
    return { text: `${yamlText}${sep}sources:\n${block(2)}\n`, added: fresh.length, skipped };
  }
  // A flow-style or empty list: re-serialize (comments are kept by the yaml Document, spacing may change).
  const list = isSeq(seq) ? seq : new YAMLSeq();
  for (const f of fresh) list.add(doc.createNode(f));
  if (!isSeq(seq)) doc.set('sources', list);
  return { text: doc.toString(), added: fresh.length, skipped };
}
