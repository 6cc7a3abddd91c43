// Removes location-bearing metadata from PNG and WebP by rewriting their chunk lists; image chunks are copied untouched.
//
// PNG: eXIf goes (rewritten with only its orientation when that is not 1), and so do the text
// chunks holding XMP ("XML:com.adobe.xmp") or ImageMagick's hex EXIF/IPTC ("Raw profile type
// …"); every other chunk keeps its bytes and CRC. WebP (RIFF): EXIF and "XMP " chunks go the
// same way, the VP8X flags and the RIFF size follow. Bytes after IEND / the RIFF end go too.
import { crc32 } from "node:zlib";
import { orientationOf, orientationOnlyExif } from "./orientation-exif.ts";

/**
 * The result in order: pieces of the input's own memory (subarrays, for everything kept as
 * it was) and new arrays (for what was rewritten), so a caller can tell the two apart.
 */
export type Stripped = { parts: Uint8Array[]; changed: boolean };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ascii = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(new TextEncoder().encode(type), 4);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

function isLocationText(type: string, data: Uint8Array): boolean {
  if (type !== "tEXt" && type !== "zTXt" && type !== "iTXt") return false;
  const nul = data.indexOf(0);
  const keyword = ascii(data, 0, nul === -1 ? Math.min(data.length, 80) : nul);
  return keyword === "XML:com.adobe.xmp" || keyword.startsWith("Raw profile type");
}

/** The PNG (or APNG) without location metadata, or null when its chunk structure is broken. */
export function stripPngLocation(bytes: Uint8Array): Stripped | null {
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let changed = false;
  let at = 8;
  for (;;) {
    if (at + 12 > bytes.length) return null;
    const end = at + 12 + view.getUint32(at);
    if (end > bytes.length) return null;
    const type = ascii(bytes, at + 4, 4);
    const data = bytes.subarray(at + 8, end - 4);
    if (type === "eXIf") {
      const tiff = orientationOnlyExif(orientationOf(data));
      if (tiff) parts.push(pngChunk("eXIf", tiff));
      changed ||= !tiff || Buffer.compare(tiff, data) !== 0;
    } else if (isLocationText(type, data)) {
      changed = true;
    } else {
      parts.push(bytes.subarray(at, end));
    }
    at = end;
    if (type === "IEND") break;
  }
  return { parts, changed: changed || at < bytes.length };
}

const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function riffChunk(fourcc: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(8 + data.length + (data.length % 2));
  chunk.set(new TextEncoder().encode(fourcc), 0);
  new DataView(chunk.buffer).setUint32(4, data.length, true);
  chunk.set(data, 8);
  return chunk;
}

/** The WebP without location metadata, or null when its RIFF structure is broken. */
export function stripWebpLocation(bytes: Uint8Array): Stripped | null {
  if (ascii(bytes, 0, 4) !== "RIFF" || ascii(bytes, 8, 4) !== "WEBP") return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffEnd = Math.min(bytes.length, 8 + view.getUint32(4, true));
  const parts: Uint8Array[] = [];
  let vp8x: Uint8Array | undefined;
  let hasExif = false;
  let changed = riffEnd < bytes.length;
  for (let at = 12; at < riffEnd; ) {
    if (at + 8 > riffEnd) return null;
    const size = view.getUint32(at + 4, true);
    const end = at + 8 + size + (size % 2);
    if (at + 8 + size > riffEnd) return null;
    const fourcc = ascii(bytes, at, 4);
    if (fourcc === "EXIF") {
      const data = bytes.subarray(at + 8, at + 8 + size);
      const tiff = orientationOnlyExif(orientationOf(data));
      if (tiff) parts.push(riffChunk("EXIF", tiff));
      hasExif = tiff !== null;
      changed ||= !tiff || Buffer.compare(tiff, data) !== 0;
    } else if (fourcc === "XMP ") {
      changed = true;
    } else {
      // VP8X is a copy because its flags are rewritten below; every other chunk is the input's own bytes.
      const isVp8x = fourcc === "VP8X" && size >= 1;
      const chunk = isVp8x ? bytes.slice(at, Math.min(end, riffEnd)) : bytes.subarray(at, Math.min(end, riffEnd));
      if (isVp8x) vp8x = chunk;
      parts.push(chunk);
    }
    at = end;
  }
  if (vp8x) {
    const flags = (vp8x[8]! & ~(VP8X_EXIF | VP8X_XMP)) | (hasExif ? VP8X_EXIF : 0);
    changed ||= flags !== vp8x[8];
    vp8x[8] = flags;
  }
  const bodyLength = parts.reduce((sum, part) => sum + part.length, 0);
  const header = new Uint8Array(12);
  header.set(bytes.subarray(0, 12));
  new DataView(header.buffer).setUint32(4, 4 + bodyLength, true);
  return { parts: [header, ...parts], changed };
}
