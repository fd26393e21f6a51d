// A source's last error in words: the stored message is exact but terse ("fetcher: [GET] "…": 404 Not
// Found"); the sources page says what it means and what usually helps, and shows the message beside it.

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * Patterns over the stored message, first match wins; `m` is the match. Messages come from the fetcher
 * (FetchError: `fetcher: [GET] "url": detail`: the patterns see the detail only, never the URL) and the
 * parser (`parser: …`).
 */
const EXPLANATIONS: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/^410\b/, () => 'The server says the feed is gone for good (410 Gone): storyfeed no longer polls it. Remove it from the config, or fix its URL.'],
  [/^404\b/, () => 'The server has no feed at this address (404 Not Found). The feed may have moved: check its URL.'],
  [/^(401|403)\b/, (m) => `The server refuses to serve the feed (${m[1]} ${m[1] === '401' ? 'Unauthorized' : 'Forbidden'}). It may need a login, or block automated readers.`],
  [/^429\b/, () => 'The server asks storyfeed to slow down (429 Too Many Requests): it waits as long as the server asked before trying again.'],
  [/^(5\d\d)\b/, (m) => `The server failed to answer (${m[1]} server error). This is usually temporary: storyfeed tries again later, waiting longer after each failure.`],
  [/^(\d{3})\b/, (m) => `The server answered with an error (HTTP ${m[1]}).`],
  [/timed out after (\d+) ms/, (m) => `The server did not send the whole feed within ${Number(m[1]) / 1000} s (http.timeout). It may be slow or overloaded.`],
  [/connection refused/, () => 'Nothing answers at that address (connection refused): the server is down or the port is wrong.'],
  [/ENOTFOUND|EAI_AGAIN|getaddrinfo/, () => 'The host name could not be found (DNS): check the spelling of the URL, or whether the site still exists.'],
  [/certificate|CERT_|SSL|TLS/i, () => 'The secure connection failed: the site\'s certificate is not valid for this address, or has expired.'],
  [/connection closed|ECONNRESET|socket/i, () => 'The server closed the connection before sending the feed. Usually temporary.'],
  [/larger than|exceeds the \d+-byte limit/, () => 'The response is larger than the size limit (http.max_bytes), so it was cut off and not read.'],
  [/redirect loop|too many redirects|redirect without a Location/, () => 'The address redirects in a loop, or too often: the site is misconfigured.'],
  [/private|loopback|link-local|refused to connect|not allowed to fetch|reserved/i, () => 'The address is on a private or local network, which storyfeed refuses to fetch (see http.allow_private_networks).'],
  [/HTML page without a feed link/, () => 'The address is a web page that announces no feed. Use the feed\'s own URL.'],
  [/took longer than (\d+) ms to parse/, () => 'The document took too long to read and was stopped: it is probably broken or hostile.'],
  [/entity declarations/, () => 'The document declares XML entities, which storyfeed refuses (they can be used to attack readers).'],
  [/^parser: /, () => 'The document is not a feed storyfeed can read.'],
  [/network error/, () => 'The network failed while fetching the feed.'],
];
// ---------------------------------------------------------------------------------------------------

/** What a stored error message means, in a sentence; undefined when nothing better than the message can be said. */
export function errorInWords(message: string | undefined): string | undefined {
  if (!message) return undefined;
  const detail = /^fetcher: \[GET\] ".*?": (.*)$/s.exec(message)?.[1] ?? message;
  for (const [re, say] of EXPLANATIONS) {
    const m = re.exec(detail);
    if (m) return say(m);
  }
  return undefined;
}
