// Copies of a real photo as users make them (resized, re-encoded, cropped), and different photos of one scene, for bench/duplicates.ts.
import type { Sharp } from "../../src/media/sharp-loader.ts";

export interface Variant {
  readonly name: string;
  /** Whether the threshold must call it similar to its source (crops and edits are reported, not required). */
  readonly mustMatch: boolean;
  readonly bytes: Uint8Array;
}

/** Every variant of one photo: the copies the threshold must catch, then the harder ones it is measured on. */
export async function variantsOf(sharp: Sharp, original: Uint8Array): Promise<Variant[]> {
  const { width = 0, height = 0 } = await sharp(original).metadata();
  const inset = (share: number) => ({
    left: Math.round((width * share) / 2),
    top: Math.round((height * share) / 2),
    width: Math.round(width * (1 - share)),
    height: Math.round(height * (1 - share)),
  });
  const make = async (name: string, mustMatch: boolean, bytes: Promise<Buffer>): Promise<Variant> => ({
    name,
    mustMatch,
    bytes: await bytes,
  });
  return Promise.all([
    make(
      "50 % size",
      true,
      sharp(original)
        .resize(Math.round(width / 2))
        .jpeg({ quality: 90 })
        .toBuffer(),
    ),
    make("JPEG q60", true, sharp(original).jpeg({ quality: 60 }).toBuffer()),
    make("WebP q75", true, sharp(original).webp({ quality: 75 }).toBuffer()),
    make(
      "25 % size, JPEG q50",
      true,
      sharp(original)
        .resize(Math.round(width / 4))
        .jpeg({ quality: 50 })
        .toBuffer(),
    ),
    make("PNG (lossless)", true, sharp(original).png().toBuffer()),
    make("crop 5 %", false, sharp(original).extract(inset(0.05)).jpeg({ quality: 90 }).toBuffer()),
    make("crop 10 %", false, sharp(original).extract(inset(0.1)).jpeg({ quality: 90 }).toBuffer()),
    make("brighter 15 %", false, sharp(original).modulate({ brightness: 1.15 }).jpeg({ quality: 90 }).toBuffer()),
  ]);
}

/** Two photos of the same scene taken a step apart: the left and the right 55 % of one photo (a tenth shared). */
export async function sameSceneHalves(sharp: Sharp, original: Uint8Array): Promise<[Uint8Array, Uint8Array]> {
  const { width = 0, height = 0 } = await sharp(original).metadata();
  const part = Math.round(width * 0.55);
  const left = await sharp(original).extract({ left: 0, top: 0, width: part, height }).jpeg({ quality: 90 }).toBuffer();
  const right = await sharp(original)
    .extract({ left: width - part, top: 0, width: part, height })
    .jpeg({ quality: 90 })
    .toBuffer();
  return [left, right];
}

/**
 * The difference hash (dHash) the measurement compares pHash with: a 9×8 grey image, one bit per
 * horizontal neighbour pair (is the left pixel brighter?), as 16 hex digits.
 */
export async function differenceHash(sharp: Sharp, image: Uint8Array): Promise<string> {
  const grey = await sharp(image).flatten({ background: "#ffffff" }).greyscale().resize(9, 8, { fit: "fill" }).raw().toBuffer();
  let hex = "";
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++) {
      const i = nibble * 4 + bit;
      const at = Math.floor(i / 8) * 9 + (i % 8);
      value = (value << 1) | (grey[at]! > grey[at + 1]! ? 1 : 0);
    }
    hex += value.toString(16);
  }
  return hex;
}
