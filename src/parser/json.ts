// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) -> RawItem. Validated with zod at the
// boundary; a single malformed item is skipped, not the whole feed.
import { z } from 'zod';
import { escapeText, ParseError, type RawItem } from './normalize.js';

const text = z.string().optional().catch(undefined);
const author = z.object({ name: text, url: text }).partial().catch({});

const itemSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String).optional().catch(undefined),
  url: text,
  external_url: text,
  title: text,
  content_html: text,
  content_text: text,
  summary: text,
  date_published: text,
  date_modified: text,
  author: author.optional().catch(undefined), // 1.0
  authors: z.array(author).optional().catch(undefined), // 1.1
  tags: z.array(z.string()).optional().catch(undefined),
  attachments: z.array(z.object({ url: z.string(), mime_type: text, size_in_bytes: z.number().optional().catch(undefined) }))
    .optional().catch(undefined),
});

const feedSchema = z.object({
  version: z.string().refine((v) => /^https?:\/\/jsonfeed\.org\/version\/1(\.\d+)?$/.test(v), {
    error: 'not a JSON Feed version 1.x (version must be https://jsonfeed.org/version/1 or /1.1)',
  }),
  title: text,
  home_page_url: text,
  description: text,
  author: author.optional().catch(undefined), // 1.0: feed-level author, inherited by items
  authors: z.array(author).optional().catch(undefined), // 1.1
  items: z.array(z.unknown()),
});

export interface JsonFeed {
  title?: string;
  link?: string;
  description?: string;
  base?: undefined;
  items: RawItem[];
}

export function parseJsonFeed(input: string): JsonFeed {
  let data: unknown;
  try {
    data = JSON.parse(input);
  } catch (err) {
    throw new ParseError(`invalid JSON Feed: ${(err as Error).message}`, { cause: err });
  }
  const feed = feedSchema.safeParse(data);
  if (!feed.success) {
    const issue = feed.error.issues[0];
    throw new ParseError(`invalid JSON Feed: ${issue?.path.join('.') || 'document'}: ${issue?.message ?? 'unreadable'}`);
  }
  const feedAuthor = feed.data.authors?.find((a) => a.name)?.name ?? feed.data.author?.name;
  const items = feed.data.items.flatMap((raw): RawItem[] => {
    const r = itemSchema.safeParse(raw);
    if (!r.success) return [];
    const i = r.data;
    const contentText = i.content_text ? `<p>${escapeText(i.content_text).replace(/\n{2,}/g, '</p><p>')}</p>` : undefined;
    return [{
      guid: i.id,
      link: i.url ?? i.external_url,
      title: i.title,
      summary: i.summary,
      content: i.content_html ?? contentText,
      author: i.authors?.find((a) => a.name)?.name ?? i.author?.name ?? feedAuthor,
      published: i.date_published,
      updated: i.date_modified,
      enclosures: (i.attachments ?? []).map((a) => ({ url: a.url, type: a.mime_type, length: a.size_in_bytes })),
      categories: i.tags ?? [],
    }];
  });
  return { title: feed.data.title, link: feed.data.home_page_url, description: feed.data.description, items };
}
