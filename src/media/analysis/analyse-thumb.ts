// What SPEC §9 learns from an image's pixels without a model: dominant colours, their named buckets and a perceptual hash.
//
// It reads the `thumb` preview (≤ 400 px, already oriented), never the original: the original was
// decoded once, for the previews (§8), and a thumb decodes in a few milliseconds.
import type { Sharp } from "../sharp-loader.ts";
import { bucketsOf, type ColorBucket } from "./color-buckets.ts";
import { dominantColors } from "./dominant-colors.ts";
import { grey32, hashOfGrey32 } from "./perceptual-hash.ts";

// Dominant colours are areas, not details: 64 px a side keeps every area of 5 % and up and costs
// 4,096 pixels; the hash reads 32×32 (its 8×8 lowest frequencies, really), so it can start from them too.
const SMALL_EDGE = 64;

export interface ThumbAnalysis {
  /** Up to five "#rrggbb", largest area first. */
  readonly colors: readonly string[];
  /** The colour names `color=` finds this image by. */
  readonly buckets: readonly ColorBucket[];
  /** The 64-bit perceptual hash, 16 hex digits (domain/analysis/duplicates.ts compares them). */
  readonly hash: string;
}

/** Analyses a thumb preview's encoded bytes (WebP or JPEG). Throws if they cannot be decoded. */
export async function analyseThumb(sharp: Sharp, thumb: Uint8Array): Promise<ThumbAnalysis> {
  // One decode, shrunk while decoding (libvips does so for JPEG and WebP): both results need few pixels.
  // "linear", not the default lanczos3: its overshoot at sharp edges invents colours no pixel had.
  const { data, info } = await sharp(thumb)
    .ensureAlpha()
    .resize(SMALL_EDGE, SMALL_EDGE, { fit: "inside", withoutEnlargement: true, kernel: "linear" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const colors = dominantColors({ data }).map((c) => c.hex);
  const hash = hashOfGrey32(await grey32(sharp, { data, raw: { width: info.width, height: info.height, channels: 4 } }));
  return { colors, buckets: bucketsOf(colors), hash };
}
