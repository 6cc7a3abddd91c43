// A 64-bit perceptual hash (DCT "pHash") of an image's pixels, for finding resized or re-encoded copies.
//
// Chosen over the difference hash (dHash) by measurement on real photos (bench/duplicates.ts,
// bench/RESULTS.md "Duplicate threshold"): pHash keeps copies closer and different photos
// further apart. The bits follow the common definition (Zauner 2010, Python imagehash): a 32×32
// grey image, its 2-D DCT-II, the 8×8 lowest frequencies compared with their median. Low
// frequencies carry the image's layout, which resizing and lossy re-encoding leave alone; a
// flipped or rotated copy is a different hash (not a duplicate, by design).
import type { Sharp } from "../sharp-loader.ts";

const SIDE = 32;
const KEPT = 8;

// cos((2x + 1)·u·π / 2N) for every frequency u < KEPT and sample x < SIDE: the only ones used.
const COSINES = Array.from({ length: KEPT }, (_, u) =>
  Float64Array.from({ length: SIDE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIDE))),
);

/** The 8×8 lowest DCT-II coefficients of a 32×32 grey image, row by row (scale factors left out: they do not move a median). */
function lowFrequencies(grey: Uint8Array): Float64Array {
  // Rows first (32 rows × 8 frequencies), then columns of that: 8·32·(32 + 8) multiplications.
  const rows = new Float64Array(SIDE * KEPT);
  for (let y = 0; y < SIDE; y++) {
    for (let u = 0; u < KEPT; u++) {
      const c = COSINES[u]!;
      let sum = 0;
      for (let x = 0; x < SIDE; x++) sum += grey[y * SIDE + x]! * c[x]!;
      rows[y * KEPT + u] = sum;
    }
  }
  const out = new Float64Array(KEPT * KEPT);
  for (let v = 0; v < KEPT; v++) {
    const c = COSINES[v]!;
    for (let u = 0; u < KEPT; u++) {
      let sum = 0;
      for (let y = 0; y < SIDE; y++) sum += rows[y * KEPT + u]! * c[y]!;
      out[v * KEPT + u] = sum;
    }
  }
  return out;
}

/** The hash of a 32×32 grey image as 16 hex digits: bit i (from the left) is set when coefficient i is above the median. */
export function hashOfGrey32(grey: Uint8Array): string {
  if (grey.length !== SIDE * SIDE) throw new Error(`expected ${SIDE}×${SIDE} grey pixels, got ${grey.length} bytes`);
  const coefficients = lowFrequencies(grey);
  const sorted = Float64Array.from(coefficients).sort();
  // Floating-point noise (~1e-13) must not decide a bit: flat areas give coefficients that are 0 in exact arithmetic.
  const median = (sorted[31]! + sorted[32]!) / 2 + 1e-9 * Math.abs(coefficients[0]!);
  let hex = "";
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++) value = (value << 1) | (coefficients[nibble * 4 + bit]! > median ? 1 : 0);
    hex += value.toString(16);
  }
  return hex;
}

/**
 * The grey 32×32 input of the hash from RGBA pixels, squashed to a square whatever the aspect ratio
 * (a resized copy keeps its ratio, so it squashes the same way). Transparent pixels count as white.
 */
export async function grey32(
  sharp: Sharp,
  image: { data: Uint8Array; raw: { width: number; height: number; channels: 4 } },
): Promise<Uint8Array> {
  const data = await sharp(image.data, { raw: image.raw })
    .flatten({ background: "#ffffff" })
    .greyscale()
    .resize(SIDE, SIDE, { fit: "fill" })
    .raw()
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}
