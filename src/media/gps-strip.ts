// Location privacy for originals served to anyone but the owner: GPS and location metadata removed without re-encoding.
//
// Only JPEG, PNG (APNG) and WebP are rewritten here; for other formats with a position the
// caller serves the display preview instead. The pixels decode exactly as before, and the
// result is a function of the input bytes alone, so it can carry its own strong ETag.
import { stripPngLocation, stripWebpLocation, type Stripped } from "./chunk-location-strip.ts";
import { stripJpegLocation } from "./jpeg-location-strip.ts";

export type LocationStrip =
  | { readonly ok: true; readonly bytes: Uint8Array /** false when the input had nothing to remove */; readonly changed: boolean }
  | { readonly ok: false; readonly reason: "unsupported_type" | "malformed" };

const STRIPPERS: Record<string, (bytes: Uint8Array) => Stripped | null> = {
  "image/jpeg": stripJpegLocation,
  "image/png": stripPngLocation,
  "image/apng": stripPngLocation,
  "image/webp": stripWebpLocation,
};

/** Whether stripLocation can rewrite this sniffed type (otherwise serve the display preview). */
export const canStripLocation = (contentType: string): boolean => contentType in STRIPPERS;

/** The original's bytes without location metadata; `contentType` is its sniffed MIME type. */
export function stripLocation(bytes: Uint8Array, contentType: string): LocationStrip {
  const strip = STRIPPERS[contentType];
  if (!strip) return { ok: false, reason: "unsupported_type" };
  const stripped = strip(bytes);
  return stripped ? { ok: true, ...stripped } : { ok: false, reason: "malformed" };
}
