// Feed autodiscovery: <link rel="alternate" type="application/rss+xml|atom+xml|feed+json" href> in an
// HTML page (htmlparser2, streaming, no DOM), resolved against <base href> or the page URL.
import { Parser } from 'htmlparser2';
import { resolveUrl } from '../urlcleaner/index.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Link types that announce a feed. Document order is the site's preference; XML feeds before JSON ones. */
const FEED_TYPES = ['application/atom+xml', 'application/rss+xml', 'application/rdf+xml', 'application/feed+json', 'application/json'];
// ---------------------------------------------------------------------------------------------------

export function discoverFeedLinks(html: string, pageUrl: string): string[] {
  const found: { href: string; rank: number; order: number }[] = [];
  let base = pageUrl;
  let done = false;
  const parser = new Parser({
    onopentag(name, attrs) {
      if (done) return;
      if (name === 'base' && attrs.href) base = resolveUrl(attrs.href, pageUrl) ?? base;
      if (name !== 'link' || !attrs.href) return;
      const rels = (attrs.rel ?? '').toLowerCase().split(/\s+/);
      const type = (attrs.type ?? '').toLowerCase().split(';')[0]?.trim() ?? '';
      if (!rels.includes('alternate') || !FEED_TYPES.includes(type)) return;
      found.push({ href: attrs.href, rank: type.includes('json') ? 1 : 0, order: found.length });
    },
    onclosetag(name) {
      if (name === 'head') done = true;
    },
  }, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  parser.write(html);
  parser.end();
  const urls = found.sort((a, b) => a.rank - b.rank || a.order - b.order).map((f) => resolveUrl(f.href, base));
  return [...new Set(urls.filter((u): u is string => !!u))];
}
