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
