// A Content-Disposition value that no user-chosen filename can break (RFC 6266, RFC 8187).

/**
 * `filename="…"` gets a printable-ASCII stand-in: quotes and backslashes would end or escape
 * the quoted string, CR/LF would split the header, path separators would name a directory,
 * and `%` is avoided because some clients percent-decode this parameter (RFC 6266 App. D).
 * Whenever the stand-in differs, `filename*` carries the exact name in UTF-8.
 */
export function contentDisposition(filename: string, disposition: "inline" | "attachment"): string {
  // Lone surrogates cannot be UTF-8 encoded; U+FFFD keeps the rest of the name.
  const name = filename.toWellFormed();
  const fallback = name.replace(/[^\x20-\x7e]|["\\/%]/gu, "_") || "download";
  if (fallback === name || name === "") return `${disposition}; filename="${fallback}"`;
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(name)}`;
}

// RFC 8187 attr-char excludes *'() which encodeURIComponent leaves alone.
function encodeExtValue(value: string): string {
  return encodeURIComponent(value).replace(/[*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
