// Filenames: the sanitising rules (README, Images with curl: Names), the form used for uniqueness, renames.
import { acceptedImageType } from "../../media/image-types.ts";
import { fail, ok, type Result } from "../errors.ts";

const MAX_NAME_BYTES = 255;
// C0, DEL, C1, and the Unicode line/paragraph separators and bidi overrides that let a
// name display as something else (e.g. "gnp.exe" shown as "exe.png").
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** Strips path parts (`../../x.png` → `x.png`, `C:\\a\\b.png` → `b.png`), NFC-normalises, checks length. */
export function sanitizeFilename(raw: string, field = "filename"): Result<string> {
  const base = raw.split(/[/\\]/).pop() ?? "";
  const name = base.normalize("NFC").trim();
  if (FORBIDDEN.test(name))
    return fail("validation_failed", "the filename contains control characters", invalid(field, "contains control characters"));
  if (name === "" || name === "." || name === "..")
    return fail("validation_failed", "the filename is empty", invalid(field, "must not be empty"));
  if (Buffer.byteLength(name, "utf8") > MAX_NAME_BYTES) {
    return fail(
      "validation_failed",
      `the filename is longer than ${MAX_NAME_BYTES} bytes`,
      invalid(field, `at most ${MAX_NAME_BYTES} bytes of UTF-8`),
    );
  }
  return ok(name);
}

/** Uniqueness ignores case: `Cat.PNG` and `cat.png` would clash on the filesystems people unzip to. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** `cat.png` → `cat (1).png`, `cat (2).png`, …; the extension stays last. Keeps within the byte limit. */
export function renameCandidate(name: string, n: number): string {
  const dot = name.lastIndexOf(".");
  const hasExt = dot > 0 && name.length - dot <= 10;
  const stem = hasExt ? name.slice(0, dot) : name;
  const ext = hasExt ? name.slice(dot) : "";
  const suffix = ` (${n})`;
  let cut = stem;
  while (Buffer.byteLength(cut + suffix + ext, "utf8") > MAX_NAME_BYTES) cut = Array.from(cut).slice(0, -1).join("");
  return `${cut}${suffix}${ext}`;
}

/**
 * The name a download is saved under (README, Images with curl: Content): it ends with an
 * extension of the type the bytes are, so a GIF/HTML polyglot uploaded as `invoice.html` is
 * saved as `invoice.html.gif` and opening the saved file shows an image instead of running
 * its script. Any extension of the type is kept as is (`photo.JPG`, `scan.tif`); the name
 * stays within the byte limit.
 */
export function nameWithTypeExtension(name: string, contentType: string): string {
  const type = acceptedImageType(contentType);
  if (!type) return name;
  const lower = name.toLowerCase();
  if (type.extensions.some((ext) => lower.endsWith(`.${ext}`))) return name;
  const ext = `.${type.extension}`;
  if (Buffer.byteLength(name + ext, "utf8") <= MAX_NAME_BYTES) return name + ext;
  let stem = name;
  while (Buffer.byteLength(stem + ext, "utf8") > MAX_NAME_BYTES) stem = Array.from(stem).slice(0, -1).join("");
  // A cut can end on the old extension's dot: `name..png` would look like a mistake.
  return stem.replace(/[.\s]+$/u, "") + ext;
}

/** The name without its last extension (`IMG_1.HEIC` → `IMG_1`), for a file of another type. */
export const withoutExtension = (filename: string): string => filename.replace(/\.[^.]*$/, "");

function invalid(field: string, message: string) {
  return { errors: [{ field, message }] };
}
