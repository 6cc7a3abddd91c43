// Location privacy for originals served to anyone but the owner: GPS and location metadata removed without re-encoding.
//
// Only JPEG, PNG (APNG) and WebP are rewritten here; for other formats with a position the
// caller serves the display preview instead. The pixels decode exactly as before, and the
// result is a function of the input bytes alone, so it can carry its own strong ETag.
import { type Stripped, stripPngLocation, stripWebpLocation } from "./chunk-location-strip.ts";
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

type StripFailure = Extract<LocationStrip, { ok: false }>;

/**
 * The same result as stripLocation, before concatenation: kept runs are subarrays of `bytes`
 * itself, rewritten ones new arrays — so the copy can be described as a splice of the original.
 */
export function stripLocationParts(bytes: Uint8Array, contentType: string): ({ readonly ok: true } & Stripped) | StripFailure {
  const strip = STRIPPERS[contentType];
  if (!strip) return { ok: false, reason: "unsupported_type" };
  const stripped = strip(bytes);
  return stripped ? { ok: true, ...stripped } : { ok: false, reason: "malformed" };
}

/** The original's bytes without location metadata; `contentType` is its sniffed MIME type. */
export function stripLocation(bytes: Uint8Array, contentType: string): LocationStrip {
  const stripped = stripLocationParts(bytes, contentType);
  return stripped.ok ? { ok: true, bytes: Buffer.concat(stripped.parts), changed: stripped.changed } : stripped;
}

// XMP spells a position out as text (exif:GPSLatitude, drone-dji:GpsLatitude, …), a place
// EXIF's GPS IFD, which readPhotoMetadata reads, does not cover. Eleven ASCII bytes in this
// order do not occur by chance in compressed data.
const POSITION_WORDS = ["GPSLatitude", "GpsLatitude", "gpsLatitude", "GPSLongitude", "GpsLongitude"].map((w) => Buffer.from(w));

/** Whether any text metadata in the file (XMP, in any format) names a GPS coordinate. */
export function mentionsGpsPosition(bytes: Uint8Array): boolean {
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return POSITION_WORDS.some((word) => haystack.includes(word));
}
