// Reads a Range header against a known length (RFC 9110 §14): one byte range, the whole thing, or 416.

/** What to send: the whole representation, one inclusive byte range, or nothing (416). */
export type RangeChoice =
  | { readonly kind: "full" }
  | { readonly kind: "partial"; readonly start: number; readonly end: number }
  | { readonly kind: "unsatisfiable" };

const FULL: RangeChoice = { kind: "full" };
const UNSATISFIABLE: RangeChoice = { kind: "unsatisfiable" };

/**
 * A server may always ignore Range (RFC 9110 §14.2), so anything we do not fully understand
 * — bad syntax, another unit, last-pos before first-pos — is answered with the whole body.
 *
 * Several ranges are answered in full too, never as multipart/byteranges: real clients
 * (browsers, players, curl -C) ask for one range, and serving many small or overlapping
 * ranges would make one request decrypt the same chunks over and over (the "Apache Killer"
 * amplification, CVE-2011-3192).
 */
export function chooseRange(header: string | null, size: number): RangeChoice {
  if (header === null) return FULL;
  const set = /^bytes=(.*)$/i.exec(header.trim());
  if (!set) return FULL;
  // A list may carry empty elements (RFC 9110 §5.6.1), so "bytes=0-1," is one range.
  const specs = (set[1] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (specs.length !== 1) return FULL;
  const spec = specs[0] ?? "";

  const suffix = /^-(\d+)$/.exec(spec);
  if (suffix) {
    const length = Number(suffix[1]);
    if (length === 0 || size === 0) return UNSATISFIABLE;
    return { kind: "partial", start: Math.max(0, size - length), end: size - 1 };
  }

  const bounded = /^(\d+)-(\d*)$/.exec(spec);
  if (!bounded) return FULL;
  // Digits past 2^53 round or become Infinity; both still compare correctly with a real size.
  const first = Number(bounded[1]);
  const last = bounded[2] === "" ? Infinity : Number(bounded[2]);
  if (last < first) return FULL;
  if (first >= size) return UNSATISFIABLE;
  return { kind: "partial", start: first, end: Math.min(last, size - 1) };
}
