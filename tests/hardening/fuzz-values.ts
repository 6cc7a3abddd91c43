// Values a fuzzer puts where valid input goes: strings that break parsers, paths and logs,
// numbers at the edges, random text, bytes and nested JSON.
import type { Rng } from "./rng.ts";

export const b64url = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

export const NASTY_STRINGS = [
  "",
  " ",
  "../../../../etc/passwd",
  "..\\..\\windows\\win.ini",
  "%2e%2e%2f%2e%2e%2f",
  "a\u0000b",
  "\u202eevil",
  "😀".repeat(300),
  "x".repeat(70_000),
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell probe, sent as plain text
  "${jndi:ldap://127.0.0.1/a}",
  "true",
  "-1",
  "1e309",
  "NaN",
  "\r\nX-Injected: 1",
  "C:\\x.png",
  "/absolute/x.png",
];

export function randomText(rng: Rng, length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[rng.int(alphabet.length)];
  return out;
}

export function randomBytes(rng: Rng, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.int(256);
  return out;
}

export function randomValue(rng: Rng, depth: number): unknown {
  switch (rng.int(depth > 0 ? 9 : 7)) {
    case 0:
      return rng.pick(NASTY_STRINGS);
    case 1:
      return rng.pick([0, -1, 1, 59, 60, 604_800, 604_801, 2 ** 31, 2 ** 53 + 1, -1e308, 1e308, 0.5]);
    case 2:
      return rng.int(2) === 0;
    case 3:
      return null;
    case 4:
      return randomText(rng, rng.int(100));
    case 5:
      return rng.pick(["private", "public", "fail", "rename", "replace", "correct horse battery staple"]);
    case 6:
      return "p".repeat(rng.pick([10, 300, 5000]));
    case 7:
      return Array.from({ length: rng.int(5) }, () => randomValue(rng, depth - 1));
    default:
      return { nested: randomValue(rng, depth - 1), [randomText(rng, 5)]: randomValue(rng, depth - 1) };
  }
}

/**
 * Query values exactly as they stand in a URL (already percent-encoded or deliberately not):
 * NUL, invalid UTF-8 (lone and reversed bytes, overlong forms, surrogates, past U+10FFFF, cut
 * sequences), broken escapes, controls and line breaks, bidi overrides, number edge cases,
 * prototype names, and values long enough to strain every parser on the way.
 */
export const HOSTILE_QUERY_VALUES: readonly string[] = [
  "",
  "%00",
  "a%00b",
  "%00".repeat(64),
  "%ff",
  "%fe%ff",
  "%c0%80",
  "%c0%ae%c0%ae%c0%af",
  "%ed%a0%80",
  "%f4%90%80%80",
  "%f8%88%80%80%80",
  "%e2%82",
  "%e2%80%ae",
  "%e2%80%a8",
  "%ef%bb%bf",
  "%0d%0aX-Injected:%201",
  "%1b%5b31m",
  "%07%08%09%0b%0c",
  "%7f%c2%85",
  "%",
  "%zz",
  "%2",
  "%%",
  "+",
  "%20%20",
  ",".repeat(300),
  "%25%30%30",
  encodeURIComponent("😀".repeat(100)),
  "-1",
  "1e309",
  "0x1f",
  "NaN",
  "9".repeat(400),
  "__proto__",
  "[]",
  "x".repeat(8_000),
  "%ff".repeat(2_500),
];

/**
 * Header values as bytes on the wire (each char one latin1 byte), within what HTTP/1.1 allows
 * in a field value (visible ASCII, space, tab and obs-text 0x80–0xFF): invalid UTF-8, quotes,
 * separators, padding and sizes past common limits.
 */
export const HOSTILE_HEADER_VALUES: readonly string[] = [
  "",
  " ",
  "%00",
  "%ff%fe",
  "\xff\xfe\xfd",
  "\xc0\x80",
  "\xed\xa0\x80",
  "\xf0\x9f\x98\x80",
  "\xe9t\xe9",
  "\x80",
  '"',
  '""',
  "\\",
  ",,,,",
  ";;;;",
  "==",
  "a=b=c",
  "*",
  "  padded  ",
  "a\tb",
  "<script>",
  "-1",
  "9".repeat(30),
  "x".repeat(8_000),
  "y".repeat(40_000),
];
