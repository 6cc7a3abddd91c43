// Entity-tag comparisons for conditional requests (RFC 9110 §8.8.3, §13.1.2, §13.1.5).

// etagc: any visible ASCII except the double quote; the quotes are added here, never stored.
const OPAQUE_TAG = /^[\x21\x23-\x7e]*$/;

/** The quoted strong ETag for an unquoted validator; a malformed one is a bug, not user input. */
export function strongEtag(opaque: string): string {
  if (!OPAQUE_TAG.test(opaque)) throw new TypeError("an entity tag may hold only visible ASCII other than '\"'");
  return `"${opaque}"`;
}

/**
 * If-None-Match uses the weak comparison: `W/"x"` matches `"x"`. The tags are matched as
 * quoted strings rather than split on commas, because a comma is a legal etagc character.
 */
export function noneMatch(header: string | null, opaque: string): boolean {
  if (header === null) return false;
  if (header.trim() === "*") return true;
  for (const tag of header.matchAll(/(?:W\/)?"([^"]*)"/g)) {
    if (tag[1] === opaque) return true;
  }
  return false;
}

/**
 * If-Range needs the strong comparison, so a weak tag never matches. An HTTP-date is never
 * honoured either: a second-granular date cannot prove the bytes are the ones the client
 * already holds, and resending the whole body is always correct.
 */
export function rangeStillValid(header: string | null, opaque: string): boolean {
  return header === null || header.trim() === `"${opaque}"`;
}
