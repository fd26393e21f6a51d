// Builders for real feed bytes (RSS 2.0, Atom 1.0, JSON Feed 1.1) used by end-to-end tests.

export interface TestItem {
  id: string;
  title: string;
  link?: string;
  summary?: string;
  content?: string;
  published?: string; // ISO
  author?: string;
}

const x = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function rss(title: string, items: readonly TestItem[], encoding = 'UTF-8'): string {
  return `<?xml version="1.0" encoding="${encoding}"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>${x(title)}</title><link>{{BASE}}/</link><description>${x(title)} test feed</description>
${items.map((i) => `<item><title>${x(i.title)}</title>${i.link ? `<link>${x(i.link)}</link>` : ''}<guid isPermaLink="false">${x(i.id)}</guid>
${i.published ? `<pubDate>${new Date(i.published).toUTCString()}</pubDate>` : ''}${i.author ? `<dc:creator>${x(i.author)}</dc:creator>` : ''}
${i.summary ? `<description>${x(i.summary)}</description>` : ''}${i.content ? `<content:encoded>${x(i.content)}</content:encoded>` : ''}</item>`).join('\n')}
</channel></rss>
`;
}

export function atom(title: string, items: readonly TestItem[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>${x(title)}</title><id>urn:test:${x(title)}</id>
<link rel="alternate" href="{{BASE}}/"/><updated>2025-07-19T00:00:00Z</updated>
${items.map((i) => `<entry><title>${x(i.title)}</title><id>${x(i.id)}</id>${i.link ? `<link rel="alternate" href="${x(i.link)}"/>` : ''}
<published>${i.published ?? '2025-07-18T00:00:00Z'}</published><updated>${i.published ?? '2025-07-18T00:00:00Z'}</updated>
${i.author ? `<author><name>${x(i.author)}</name></author>` : ''}${i.summary ? `<summary>${x(i.summary)}</summary>` : ''}
${i.content ? `<content type="html">${x(i.content)}</content>` : ''}</entry>`).join('\n')}
</feed>
`;
}

export function jsonFeed(title: string, items: readonly TestItem[]): string {
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title,
    home_page_url: '{{BASE}}/',
    items: items.map((i) => ({
      id: i.id, url: i.link, title: i.title, summary: i.summary, content_html: i.content ?? i.summary ?? '',
      date_published: i.published, authors: i.author ? [{ name: i.author }] : undefined,
    })),
  });
}

/** A minimal valid config (YAML text) for the given source URLs, with private networks allowed. */
export function configYaml(sources: readonly string[], extra = ''): string {
  return `schedule: "*/15 * * * *"
http:
  timeout: 2s
  allow_private_networks: true
output:
  title: test merged feed
  link: http://127.0.0.1:8080/
  port: 0
retention:
  days: 0
${extra}
sources:
${sources.map((s) => `  - url: ${s}\n    interval: 60s`).join('\n')}
`;
}
