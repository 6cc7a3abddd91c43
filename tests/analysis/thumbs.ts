// Thumbs for the analysis tests: made by the server's own preview code from the real photos of
// tests/fixtures/photos (see its README) or from flat colour areas drawn with sharp.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makePreviews } from "../../src/media/previews.ts";
import { testSharp } from "../support/previews-api.ts";

export const PHOTOS = ["black-cat", "food-dip", "park-sculpture", "pheasant", "portrait", "rally-car", "tablet-game"] as const;
export type Photo = (typeof PHOTOS)[number];

export function photoBytes(name: Photo): Buffer {
  return readFileSync(join(import.meta.dir, "../fixtures/photos", `${name}.jpg`));
}

/** The `thumb` preview the server makes of an image (what analysis reads). */
export async function thumbOf(bytes: Uint8Array, contentType = "image/jpeg"): Promise<Uint8Array> {
  const previews = await makePreviews(testSharp(), { bytes, contentType });
  if (!previews.ok) throw new Error(`no previews: ${previews.reason}: ${previews.detail}`);
  return previews.thumb.bytes;
}

/** A PNG of vertical stripes, left to right, each `[colour, width in px]`, 300 px high; a colour "none" is transparent. */
export async function stripes(...parts: [string, number][]): Promise<Uint8Array> {
  const sharp = testSharp();
  const width = parts.reduce((sum, [, w]) => sum + w, 0);
  let left = 0;
  const layers = [];
  for (const [colour, w] of parts) {
    if (colour !== "none") {
      layers.push({ input: { create: { width: w, height: 300, channels: 4 as const, background: colour } }, left, top: 0 });
    }
    left += w;
  }
  return sharp({ create: { width, height: 300, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite(layers)
    .png()
    .toBuffer();
}
