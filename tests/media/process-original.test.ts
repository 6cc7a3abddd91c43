// The media processor as the preview jobs call it: one original in, two clean previews and the photo's own facts out.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MediaOutcome, PhotoFields, PreviewImage } from "../../src/domain/previews/ports.ts";
import { createMediaProcessor } from "../../src/media/process-original.ts";
import { loadSharp } from "../../src/media/sharp-loader.ts";
import { bmpHeaderClaiming, quadrantBmp } from "./bmp-writer.ts";
import { near, PARIS, photo, pixelAt, RED } from "./photo-samples.ts";
import { expectCleanPreview, pngBomb, redThenBlueGif } from "./preview-checks.ts";

const load = loadSharp({ libDir: mkdtempSync(join(tmpdir(), "pxv-lib-")) });
if (!load.ok) throw new Error(load.reason);
const sharp = load.sharp;
const processor = createMediaProcessor({ sharp, maxPixels: 200_000_000, timeoutSeconds: 60, heic: { idleMs: 200 } });
afterAll(() => processor.close());

const GPS_HEIC = readFileSync(join(import.meta.dir, "../fixtures/media/gps.heic"));
const PHONE_CAMERA = { make: "Apple", model: "iPhone 15 Pro", lens: "iPhone 15 Pro back camera" };
const NO_EXIF = { takenAt: null, camera: null, location: null };

type Made = Extract<MediaOutcome, { ok: true }>;

/** The outcome's previews, after checking what every preview must be: clean, small enough, never enlarged. */
async function made(outcome: MediaOutcome, original: { width: number; height: number }): Promise<Made> {
  if (!outcome.ok) throw new Error(`processing failed: ${outcome.reason}: ${outcome.detail}`);
  const fits = (p: PreviewImage, edge: number) =>
    Math.max(p.width, p.height) <= edge && p.width <= original.width && p.height <= original.height;
  expect(fits(outcome.thumb, 400)).toBe(true);
  expect(fits(outcome.display, 2048)).toBe(true);
  for (const preview of [outcome.thumb, outcome.display]) {
    await expectCleanPreview(sharp, preview);
    // Not a trace of the EXIF: no camera name, no GPS tag in the bytes themselves.
    expect(Buffer.from(preview.bytes).includes("iPhone")).toBe(false);
    expect(Buffer.from(preview.bytes).includes("Exif")).toBe(false);
  }
  return outcome;
}

describe("a phone photo", () => {
  test("JPEG turned by EXIF: displayed size swapped, date with its offset, camera, position; previews upright", async () => {
    const bytes = await photo(sharp, { width: 3000, height: 2000, orientation: 6 });
    const outcome = await made(await processor.process({ bytes, contentType: "image/jpeg" }), { width: 2000, height: 3000 });
    expect(outcome.photo).toEqual({
      width: 2000,
      height: 3000,
      takenAt: "2024-05-01T14:03:22.250+02:00",
      camera: PHONE_CAMERA,
      location: PARIS,
    } satisfies PhotoFields);
    expect([outcome.thumb.width, outcome.thumb.height, outcome.display.width, outcome.display.height]).toEqual([267, 400, 1365, 2048]);
    // Orientation 6 turns the picture 90° clockwise: the stored top-left mark is now top-right.
    expect(near(await pixelAt(sharp, outcome.display.bytes, outcome.display.width - 10, 10), RED)).toBe(true);
  });

  test("HEIC from an iPhone: decoded by the WASM decoder, with its EXIF facts", async () => {
    const outcome = await made(await processor.process({ bytes: GPS_HEIC, contentType: "image/heic" }), { width: 64, height: 48 });
    expect(outcome.photo).toEqual({
      width: 64,
      height: 48,
      takenAt: "2024-05-01T14:03:22+02:00",
      camera: { make: "Apple", model: "iPhone 15 Pro", lens: "iPhone 15 Pro back triple camera 6.765mm f/1.78" },
      location: PARIS,
    });
    expect([outcome.display.width, outcome.display.height]).toEqual([64, 48]);
  });

  test("close() ends the HEIC worker, and the next HEIC starts it again", async () => {
    await processor.close();
    expect((await processor.process({ bytes: GPS_HEIC, contentType: "image/heic" })).ok).toBe(true);
  });
});

describe("every other format", () => {
  test.each(["png", "webp", "avif", "tiff"] as const)("%s: previews at its size, the mark top-left, its size in photo", async (format) => {
    const bytes = await photo(sharp, { width: 500, height: 300, format });
    const outcome = await made(await processor.process({ bytes, contentType: `image/${format}` }), { width: 500, height: 300 });
    expect(outcome.photo).toMatchObject({ width: 500, height: 300 });
    expect([outcome.thumb.width, outcome.thumb.height, outcome.display.width, outcome.display.height]).toEqual([400, 240, 500, 300]);
    expect(near(await pixelAt(sharp, outcome.thumb.bytes, 3, 3), RED)).toBe(true);
  });

  test("an animated GIF: its first frame", async () => {
    const outcome = await made(await processor.process({ bytes: await redThenBlueGif(sharp), contentType: "image/gif" }), {
      width: 120,
      height: 90,
    });
    expect(outcome.photo).toEqual({ width: 120, height: 90, ...NO_EXIF });
    expect(near(await pixelAt(sharp, outcome.display.bytes, 60, 45), RED)).toBe(true);
  });

  test.each([
    [1, false],
    [4, true],
    [8, false],
    [16, true],
    [24, false],
    [24, true],
    [32, false],
  ] as const)("a %i-bit BMP (top-down: %p): colours in their corners, its size in photo", async (bits, topDown) => {
    const { bytes, colourAt } = quadrantBmp({ width: 64, height: 48, bits, topDown });
    const outcome = await made(await processor.process({ bytes, contentType: "image/bmp" }), { width: 64, height: 48 });
    expect(outcome.photo).toEqual({ width: 64, height: 48, ...NO_EXIF });
    for (const [x, y] of [
      [8, 8],
      [56, 8],
      [8, 40],
      [56, 40],
    ] as const) {
      expect(near(await pixelAt(sharp, outcome.display.bytes, x, y), colourAt(x, y), 12)).toBe(true);
    }
  });

  test("a BMP larger than the display size is shrunk to 2048 and 400, corners intact", async () => {
    const { bytes, colourAt } = quadrantBmp({ width: 4100, height: 2050, bits: 24 });
    const outcome = await made(await processor.process({ bytes, contentType: "image/bmp" }), { width: 4100, height: 2050 });
    expect([outcome.display.width, outcome.display.height, outcome.thumb.width, outcome.thumb.height]).toEqual([2048, 1024, 400, 200]);
    expect(near(await pixelAt(sharp, outcome.thumb.bytes, 390, 190), colourAt(4000, 2000), 12)).toBe(true);
  });
});

describe("what cannot be decoded is a value, never a throw", () => {
  test("a 30000×30000 PNG bomb: too many pixels, fast, its size still known", async () => {
    const started = performance.now();
    const outcome = await processor.process({ bytes: pngBomb(), contentType: "image/png" });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(outcome).toEqual({
      ok: false,
      reason: "too_many_pixels",
      detail: "30000×30000 is more than 200000000 pixels",
      photo: { width: 30_000, height: 30_000, ...NO_EXIF },
    });
  });

  test("a BMP bomb (a 54-byte header): too many pixels, its size still known", async () => {
    expect(await processor.process({ bytes: bmpHeaderClaiming(30_000, -30_000), contentType: "image/bmp" })).toMatchObject({
      ok: false,
      reason: "too_many_pixels",
      photo: { width: 30_000, height: 30_000, ...NO_EXIF },
    });
  });

  test("over --max-image-pixels, the EXIF facts are kept", async () => {
    const small = createMediaProcessor({ sharp, maxPixels: 1000, timeoutSeconds: 60 });
    const outcome = await small.process({ bytes: await photo(sharp, { width: 300, height: 200 }), contentType: "image/jpeg" });
    expect(outcome).toMatchObject({ ok: false, reason: "too_many_pixels", photo: { width: 300, height: 200, location: PARIS } });
    await small.close();
  });

  test.each([
    ["garbage called a JPEG", Buffer.from("definitely not a jpeg"), "image/jpeg"],
    ["garbage called a BMP", Buffer.from("BM not really a bitmap at all"), "image/bmp"],
    ["garbage called a HEIC", Buffer.from("not a heic, not even a box"), "image/heic"],
    ["nothing at all", new Uint8Array(0), "image/png"],
  ])("%s: undecodable, no photo", async (_, bytes, contentType) => {
    expect(await processor.process({ bytes, contentType })).toMatchObject({ ok: false, reason: "undecodable", photo: null });
  });

  test("a truncated file is a value either way (libvips may still show its top rows)", async () => {
    const bytes = await photo(sharp, { width: 600, height: 400, format: "png", exif: false });
    const outcome = await processor.process({ bytes: bytes.subarray(0, bytes.length / 2), contentType: "image/png" });
    expect(outcome.photo).toMatchObject({ width: 600, height: 400 });
    const truncatedBmp = quadrantBmp({ width: 64, height: 48, bits: 24 }).bytes;
    expect(await processor.process({ bytes: truncatedBmp.subarray(0, 3000), contentType: "image/bmp" })).toMatchObject({
      ok: false,
      reason: "undecodable",
      photo: { width: 64, height: 48 },
    });
  });

  test("a type nothing decodes: unsupported_type", async () => {
    expect(await processor.process({ bytes: Buffer.from("<svg/>"), contentType: "image/svg+xml" })).toMatchObject({
      ok: false,
      reason: "unsupported_type",
    });
  });

  test("without sharp (it failed to load), every image fails as decoder_unavailable", async () => {
    const blind = createMediaProcessor({ sharp: undefined, maxPixels: 200_000_000, timeoutSeconds: 60 });
    expect(await blind.process({ bytes: await photo(sharp, { width: 30, height: 20 }), contentType: "image/jpeg" })).toEqual({
      ok: false,
      reason: "decoder_unavailable",
      detail: "sharp (libvips) could not be loaded",
      photo: null,
    });
    await blind.close();
  });
});
