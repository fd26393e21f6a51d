// Canonical URLs: absolute, http(s) only, tracking parameters and fragments stripped, normalized
// (normalize-url), so the same article linked from two feeds gets one identity.
import normalizeUrl from 'normalize-url';

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * Query parameters that only track the reader and never select content. Kept narrow on purpose: a
 * parameter that can select an article (id, p, page, story …) must never be listed here.
 */
export const TRACKING_PARAMETERS: readonly RegExp[] = [
  /^utm_\w+$/i, // Google Analytics campaign tags (utm_source, utm_medium, utm_campaign …)
  /^(fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid|_hsenc|_hsmi|mkt_tok)$/i, // ad/mail click ids
  /^(ref_src|ref_url|cmpid|ncid|ocid|sr_share|smid|at_medium|at_campaign|xtor|s_cid)$/i, // referral tags
  /^(__twitter_impression|spJobID|spMailingID|spReportId|spUserID)$/i, // social and newsletter markers
];
// ---------------------------------------------------------------------------------------------------

/**
 * The canonical form of a link (resolved against `base`), or undefined when it is not an absolute
 * http(s) URL. Removes tracking parameters, the fragment, default ports, a trailing slash, and sorts
 * the remaining query parameters. The host keeps its "www." (two hosts may differ).
 */
export function canonicalUrl(raw: string | undefined, base?: string): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = base ? new URL(raw.trim(), base) : new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  try {
    return normalizeUrl(url.href, {
      stripHash: true,
      stripWWW: false,
      removeQueryParameters: [...TRACKING_PARAMETERS],
      removeTrailingSlash: true,
      removeSingleSlash: false,
      sortQueryParameters: true,
    });
  } catch {
    return undefined;
  }
}

/** A link resolved against base, kept as given otherwise; undefined unless it is http(s). */
export function resolveUrl(raw: string | undefined, base?: string): string | undefined {
  if (!raw) return undefined;
  try {
    const url = base ? new URL(raw.trim(), base) : new URL(raw.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const isTracking = (name: string): boolean => TRACKING_PARAMETERS.some((re) => re.test(name));

function decodedName(pair: string): string {
  const name = pair.split('=', 1)[0] as string;
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * The link to publish: the source's own link (resolved against `base`, http(s) only) with only its
 * tracking parameters removed. Everything else stays as the source wrote it: the order and encoding of
 * the other parameters, the path, the host, the fragment (unless the fragment itself is a tracking tag,
 * as in "#xtor=RSS-1"). Canonical forms (canonicalUrl) are for deduplication, not for readers.
 */
export function publishedUrl(raw: string | undefined, base?: string): string | undefined {
  const resolved = resolveUrl(raw, base);
  if (!resolved) return undefined;
  const url = new URL(resolved);
  const kept = url.search.slice(1).split('&').filter((pair) => pair !== '' && !isTracking(decodedName(pair)));
  url.search = kept.length ? `?${kept.join('&')}` : '';
  const fragment = url.hash.slice(1);
  if (fragment && fragment.split('&').every((pair) => pair.includes('=') && isTracking(decodedName(pair)))) url.hash = '';
  return url.href;
}
