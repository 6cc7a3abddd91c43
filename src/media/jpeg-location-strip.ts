// Removes location-bearing metadata from a JPEG by walking its segments; the coded image is copied untouched.
//
// Kept: APP0 (JFIF), APP2 ICC_PROFILE, APP14 Adobe (colour transform), every non-APP segment
// and the entropy-coded scans. Dropped: every other APPn — APP1 Exif and XMP (GPS IFD,
// exif:GPS*), APP13 Photoshop/IPTC (place names), APP6 GoPro GPMF (GPS tracks), vendor
// blocks — and anything after the primary image's EOI (MPF secondary images, gain maps,
// vendor trailers, each with metadata of its own), along with the APP2 MPF index pointing
// at them. An Exif orientation other than 1 is written back as a minimal Exif APP1.
import type { Stripped } from "./chunk-location-strip.ts";
import { orientationOf, orientationOnlyExif } from "./orientation-exif.ts";

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;
const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"
const ICC_HEADER = [...new TextEncoder().encode("ICC_PROFILE"), 0];

const startsWith = (bytes: Uint8Array, at: number, prefix: readonly number[]) => prefix.every((b, i) => bytes[at + i] === b);

function keepsApp(marker: number, payload: Uint8Array): boolean {
  return marker === APP0 || marker === APP14 || (marker === APP2 && startsWith(payload, 0, ICC_HEADER));
}

function exifSegment(orientation: number): Uint8Array[] {
  const tiff = orientationOnlyExif(orientation);
  if (!tiff) return [];
  const length = 2 + EXIF_HEADER.length + tiff.length;
  return [new Uint8Array([0xff, APP1, length >> 8, length & 0xff, ...EXIF_HEADER]), tiff];
}

/** End of an entropy-coded scan: the first marker that is neither a stuffed 0xFF00 nor RSTn. */
function scanEnd(bytes: Uint8Array, from: number): number {
  let at = from;
  for (;;) {
    at = bytes.indexOf(0xff, at);
    if (at === -1 || at + 1 >= bytes.length) return bytes.length;
    const next = bytes[at + 1]!;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) at += 1;
    else return at;
  }
}

/** The JPEG without location metadata, as parts to concatenate, or null when its segment structure is broken. */
export function stripJpegLocation(bytes: Uint8Array): Stripped | null {
  if (bytes[0] !== 0xff || bytes[1] !== SOI) return null;
  const parts: Uint8Array[] = [bytes.subarray(0, 2)];
  let exifDone = false;
  let changed = false;
  let at = 2;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    while (bytes[at + 1] === 0xff) {
      at++; // fill bytes before a marker, which no decoder needs
      changed = true;
    }
    const marker = bytes[at + 1];
    if (marker === undefined) return null;
    if (marker === EOI) {
      parts.push(bytes.subarray(at, at + 2));
      changed ||= at + 2 < bytes.length;
      break;
    }
    if (marker === SOI || marker === 0x00) return null;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      parts.push(bytes.subarray(at, at + 2));
      at += 2;
      continue;
    }
    if (at + 4 > bytes.length) return null;
    const end = at + 2 + ((bytes[at + 2]! << 8) | bytes[at + 3]!);
    if (end > bytes.length || end < at + 4) return null;
    const payload = bytes.subarray(at + 4, end);
    if (marker >= APP0 && marker <= 0xef && !keepsApp(marker, payload)) {
      const replacement: Uint8Array[] =
        marker === APP1 && !exifDone && startsWith(payload, 0, EXIF_HEADER) ? exifSegment(orientationOf(payload)) : [];
      exifDone ||= replacement.length > 0;
      parts.push(...replacement);
      // A block that is already the minimal one is no change: stripping twice gives the same bytes and ETag.
      changed ||= Buffer.compare(Buffer.concat(replacement), bytes.subarray(at, end)) !== 0;
      at = end;
      continue;
    }
    parts.push(bytes.subarray(at, end));
    at = end;
    if (marker === SOS) {
      const scan = scanEnd(bytes, at);
      parts.push(bytes.subarray(at, scan));
      at = scan;
    }
  }
  return { parts, changed };
}
