// Location privacy (SPEC §8), decided once per image by its media job while the whole original
// is in memory: what anyone but the owner is served instead of the original.
import { crc32 } from "node:zlib";
import { canStripLocation, mentionsGpsPosition, stripLocationParts } from "../../media/gps-strip.ts";
import type { PhotoFields, PreviewImage } from "./ports.ts";
import { type Splice, spliceOf } from "./splice.ts";

export type OthersCopy =
  /** Nothing in the file gives a position away. */
  | { readonly kind: "original" }
  /** A JPEG, PNG or WebP with its location metadata cut out losslessly. */
  | { readonly kind: "spliced"; readonly splice: Splice }
  /** Any other format with a position: the display preview (metadata-free), whose CRC-32 zips need. */
  | { readonly kind: "display"; readonly crc32: number };

/** BMP has no metadata blocks at all; every other accepted type can carry EXIF or XMP. */
export const mayCarryPosition = (contentType: string): boolean => contentType !== "image/bmp";

/**
 * `photo` is what the processor read (null when the metadata could not be read: then the file
 * is treated as if it had a position). A position in EXIF or spelled out in XMP counts.
 */
export function othersCopyOf(original: Uint8Array, contentType: string, photo: PhotoFields | null, display: PreviewImage): OthersCopy {
  if (!mayCarryPosition(contentType)) return { kind: "original" };
  const known = photo?.location != null || mentionsGpsPosition(original);
  if (!known && photo !== null) return { kind: "original" };
  const asDisplay = { kind: "display", crc32: crc32(display.bytes) } as const;
  if (!canStripLocation(contentType)) return asDisplay;
  const stripped = stripLocationParts(original, contentType);
  if (!stripped.ok) return asDisplay;
  // Unreadable metadata and nothing to cut: the original holds no position after all.
  if (!stripped.changed) return known ? asDisplay : { kind: "original" };
  // Belt and braces: a position the strippers do not know where to find must not survive.
  if (stripped.parts.some(mentionsGpsPosition)) return asDisplay;
  return { kind: "spliced", splice: spliceOf(original, stripped.parts) };
}
