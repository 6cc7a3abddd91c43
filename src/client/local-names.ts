// Names for pulled files: the server's filename made safe for any local filesystem (no path
// separators, no `.`/`..`, no control characters, bounded length, the sniffed type's extension,
// as the server's own downloads have) and unique within the folder, " (1)" before the extension.
import { acceptedImageType } from "../media/image-types.ts";

// Leaves room under NAME_MAX (255 bytes) for " (9999)" and ".part".
const MAX_NAME_BYTES = 200;

export function safeLocalName(filename: string, contentType: string): string {
  let name = filename
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, "_")
    .replace(/[/\\]/g, "_");
  if (/^\.*$/.test(name)) name = `_${name}`; // "", "." and ".." are not names of a file
  const type = acceptedImageType(contentType);
  if (type && !type.extensions.includes(extensionOf(name).toLowerCase())) name = `${name}.${type.extension}`;
  return fitBytes(name);
}

/** `cat.png` → `cat (n).png`. */
export function numbered(name: string, n: number): string {
  const ext = extensionOf(name);
  const stem = ext === "" ? name : name.slice(0, -(ext.length + 1));
  return ext === "" ? `${stem} (${n})` : `${stem} (${n}).${ext}`;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? "" : name.slice(dot + 1);
}

/** Cuts the stem (never the extension) until the name fits MAX_NAME_BYTES, on a character boundary. */
function fitBytes(name: string): string {
  const bytes = (s: string) => Buffer.byteLength(s, "utf8");
  if (bytes(name) <= MAX_NAME_BYTES) return name;
  const ext = extensionOf(name);
  const suffix = ext === "" || bytes(ext) > 20 ? "" : `.${ext}`;
  let stem = [...name.slice(0, name.length - suffix.length)];
  while (stem.length > 1 && bytes(stem.join("") + suffix) > MAX_NAME_BYTES) stem = stem.slice(0, -1);
  return `${stem.join("")}${suffix}`;
}
