// The analysis job's one entry point: a thumb's bytes in, colours, their names and a perceptual hash out.
import { expect, test } from "bun:test";
import { hashDistance } from "../../src/domain/analysis/hash-distance.ts";
import { analyseThumb } from "../../src/media/analysis/analyse-thumb.ts";
import { colorBucket } from "../../src/media/analysis/color-buckets.ts";
import { testSharp } from "../support/previews-api.ts";
import { photoBytes, thumbOf } from "./thumbs.ts";

const sharp = testSharp();

test("a photo's thumb: up to five colours, their names in the same order, a 64-bit hash", async () => {
  const result = await analyseThumb(sharp, await thumbOf(photoBytes("food-dip")));
  expect(result.colors.length).toBeGreaterThanOrEqual(2);
  expect(result.colors.length).toBeLessThanOrEqual(5);
  expect(result.buckets).toEqual([...new Set(result.colors.map(colorBucket))]);
  expect(result.hash).toMatch(/^[0-9a-f]{16}$/);
});

test("the thumb as WebP or as JPEG (whichever the preview came out as) gives the same answer, give or take the encoding", async () => {
  const webp = await thumbOf(photoBytes("park-sculpture"));
  const jpeg = await sharp(webp).jpeg({ quality: 82 }).toBuffer();
  const [a, b] = [await analyseThumb(sharp, webp), await analyseThumb(sharp, jpeg)];
  expect(hashDistance(a.hash, b.hash)).toBeLessThanOrEqual(4);
  expect(b.buckets[0]).toBe(a.buckets[0]!);
});

test("bytes that are not an image are refused with an error, not a made-up answer", async () => {
  await expect(analyseThumb(sharp, new TextEncoder().encode("not an image"))).rejects.toThrow();
  await expect(analyseThumb(sharp, new Uint8Array(0))).rejects.toThrow();
});
