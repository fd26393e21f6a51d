// When to fetch a source next. Miniflux-style: next check = max(interval, max-age, minimum) on success;
// exponential backoff on failure, never sooner than Retry-After.

// ---- Tunables -------------------------------------------------------------------------------------
/** Never poll a source more often than this, whatever its interval or max-age says. */
export const MIN_INTERVAL_SECONDS = 60;
/** A server's Cache-Control max-age is honoured up to this long. */
export const MAX_CACHE_SECONDS = 24 * 3600;
/** Backoff after failures doubles from the source interval up to this ceiling. */
export const MAX_BACKOFF_SECONDS = 24 * 3600;
/** Retry-After is honoured up to this long (a hostile server can't park a source for a year). */
export const MAX_RETRY_AFTER_SECONDS = 7 * 24 * 3600;
// ---------------------------------------------------------------------------------------------------

function addSeconds(now: Date, seconds: number): string {
  return new Date(now.getTime() + seconds * 1000).toISOString();
}

export function nextAfterSuccess(now: Date, intervalSeconds: number, maxAgeSeconds?: number): string {
  const maxAge = Math.min(maxAgeSeconds ?? 0, MAX_CACHE_SECONDS);
  return addSeconds(now, Math.max(intervalSeconds, maxAge, MIN_INTERVAL_SECONDS));
}

/** `failures` counts this failure too (1 after the first failure). */
export function nextAfterFailure(now: Date, intervalSeconds: number, failures: number, retryAfterMs?: number): string {
  const base = Math.max(intervalSeconds, MIN_INTERVAL_SECONDS);
  const backoff = Math.min(base * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_SECONDS);
  const retryAfter = Math.min((retryAfterMs ?? 0) / 1000, MAX_RETRY_AFTER_SECONDS);
  return addSeconds(now, Math.max(backoff, retryAfter));
}
