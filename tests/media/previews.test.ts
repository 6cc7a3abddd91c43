// Previews as a user sees them: right size and way up, WebP or JPEG, no metadata, first frame, bombs refused.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeicDecoder } from "../../src/media/heic-decoder.ts";
import { makePreviews, type Preview, type PreviewsResult } from "../../src/media/previews.ts";
import { loadSharp } from "../../src/media/sharp-loader.ts";
import { FIXTURES, fixtureImage } from "../support/images.ts";
import { bmpHeaderClaiming, quadrantBmp } from "./bmp-writer.ts";
import { near, photo, pixelAt, RED } from "./photo-samples.ts";
import { expectCleanPreview as expectClean, png, pngBomb, redThenBlueGif } from "./preview-checks.ts";

const load = loadSharp({ libDir: mkdtempSync(join(tmpdir(), "pxv-lib-")) });
if (!load.ok) throw new Error(load.reason);
const sharp = load.sharp;
const heic = new HeicDecoder({ idleMs: 200 });
afterAll(() => heic.close());

const expectCleanPreview = (preview: Preview) => expectClean(sharp, preview);
const GPS_HEIC = readFileSync(join(import.meta.dir, "../fixtures/media/gps.heic"));

function ok(result: PreviewsResult): { thumb: Preview; display: Preview } {
  if (!result.ok) throw new Error(`previews failed: ${result.reason}: ${result.detail}`);
  return result;
}

describe("sizes and orientation", () => {
  test("a 3000×2000 photo turned by EXIF orientation 6 gives a portrait 267×400 thumb and 1365×2048 display", async () => {
    const bytes = await photo(sharp, { width: 3000, height: 2000, orientation: 6 });
    const { thumb, display } = ok(await makePreviews(sharp, { bytes, contentType: "image/jpeg" }));
    expect([thumb.width, thumb.height]).toEqual([267, 400]);
    expect([display.width, display.height]).toEqual([1365, 2048]);
    await expectCleanPreview(thumb);
    await expectCleanPreview(display);
    // Orientation 6 turns the picture 90° clockwise: the stored top-left mark is now top-right.
    expect(near(await pixelAt(sharp, display.bytes, display.width - 10, 10), RED)).toBe(true);
    expect(near(await pixelAt(sharp, display.bytes, 10, 10), RED)).toBe(false);
    expect(near(await pixelAt(sharp, thumb.bytes, thumb.width - 3, 3), RED)).toBe(true);
  });

  test("a landscape photo keeps its way up: the mark stays top-left", async () => {
    const bytes = await photo(sharp, { width: 2400, height: 1600 });
    const { thumb, display } = ok(await makePreviews(sharp, { bytes, contentType: "image/jpeg" }));
    expect([thumb.width, thumb.height, display.width, display.height]).toEqual([400, 267, 2048, 1365]);
    expect(near(await pixelAt(sharp, thumb.bytes, 3, 3), RED)).toBe(true);
  });

  test("an image smaller than a preview is never enlarged", async () => {
    const bytes = await photo(sharp, { width: 1000, height: 300 });
    const { thumb, display } = ok(await makePreviews(sharp, { bytes, contentType: "image/jpeg" }));
    expect([thumb.width, thumb.height]).toEqual([400, 120]);
    expect([display.width, display.height]).toEqual([1000, 300]);
  });

  test("an image with transparency keeps it, as WebP (JPEG has no alpha)", async () => {
    const bytes = await sharp({ create: { width: 600, height: 500, channels: 4, background: { r: 0, g: 128, b: 0, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const { thumb, display } = ok(await makePreviews(sharp, { bytes, contentType: "image/png" }));
    for (const preview of [thumb, display]) {
      expect(preview.contentType).toBe("image/webp");
      expect((await sharp(preview.bytes).metadata()).hasAlpha).toBe(true);
    }
  });

  test("an animated GIF gives a still preview of its first frame", async () => {
    const gif = await redThenBlueGif(sharp);
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const { thumb } = ok(await makePreviews(sharp, { bytes: gif, contentType: "image/gif" }));
    expect([thumb.width, thumb.height]).toEqual([120, 90]);
    await expectCleanPreview(thumb);
    expect(near(await pixelAt(sharp, thumb.bytes, 60, 45), RED)).toBe(true);
  });
});

describe("every accepted format", () => {
  const decodable = FIXTURES.filter((f) => f.contentType !== "image/heic");

  test.each(decodable.map((f) => [f.file, f]))("%s gives both previews at its own size", async (_, fixture) => {
    const result = ok(await makePreviews(sharp, { bytes: fixtureImage(fixture.file), contentType: fixture.contentType }));
    for (const preview of [result.thumb, result.display]) {
      expect([preview.width, preview.height]).toEqual([fixture.width, fixture.height]);
      await expectCleanPreview(preview);
    }
  });

  test("a real HEVC HEIC (iPhone's format) is decoded with the WASM decoder, colours intact", async () => {
    const { thumb, display } = ok(await makePreviews(sharp, { bytes: GPS_HEIC, contentType: "image/heic" }, { heic }));
    expect([thumb.width, thumb.height, display.width, display.height]).toEqual([64, 48, 64, 48]);
    await expectCleanPreview(display);
    // The fixture's gradient: red rises to the right, green downwards, blue stays 96.
    expect(near(await pixelAt(sharp, display.bytes, 1, 1), { r: 0, g: 0, b: 96 }, 24)).toBe(true);
    expect(near(await pixelAt(sharp, display.bytes, 62, 46), { r: 255, g: 255, b: 96 }, 24)).toBe(true);
  });

  test("without a HEVC decoder a HEIC fails with a reason, and a broken one is undecodable", async () => {
    expect(await makePreviews(sharp, { bytes: GPS_HEIC, contentType: "image/heic" })).toMatchObject({
      ok: false,
      reason: "decoder_unavailable",
    });
    // sample.heic is a valid HEIF structure whose HEVC payload is not a real stream.
    const broken = await makePreviews(sharp, { bytes: fixtureImage("sample.heic"), contentType: "image/heic" }, { heic });
    expect(broken).toMatchObject({ ok: false, reason: "undecodable" });
  });

  test("a BMP (no libvips loader) is decoded by our own decoder, colours intact", async () => {
    const { bytes, colourAt } = quadrantBmp({ width: 64, height: 48, bits: 8 });
    const { thumb } = ok(await makePreviews(sharp, { bytes, contentType: "image/bmp" }));
    await expectCleanPreview(thumb);
    expect(near(await pixelAt(sharp, thumb.bytes, 8, 8), colourAt(8, 8), 8)).toBe(true);
    expect(near(await pixelAt(sharp, thumb.bytes, 56, 40), colourAt(56, 40), 8)).toBe(true);
    expect(await makePreviews(sharp, { bytes: bmpHeaderClaiming(30_000, 30_000), contentType: "image/bmp" })).toEqual({
      ok: false,
      reason: "too_many_pixels",
      detail: "30000×30000 is more than 200000000 pixels",
    });
  });

  test("bytes that are not the image they claim to be are undecodable", async () => {
    const result = await makePreviews(sharp, { bytes: Buffer.from("not a jpeg at all"), contentType: "image/jpeg" });
    expect(result).toMatchObject({ ok: false, reason: "undecodable" });
  });
});

describe("bounded decoding", () => {
  test("a 30000×30000 PNG bomb (~110 KB on disk) is refused from its header: fast, no memory taken", async () => {
    const bomb = pngBomb();
    expect(bomb.length).toBeLessThan(200_000);
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const result = await makePreviews(sharp, { bytes: bomb, contentType: "image/png" });
    // Decoding it would take seconds and 3.6 GB; the bounds are loose because this runner's RSS
    // and clock also move with what other test files left running.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 2 ** 20);
    expect(result).toEqual({ ok: false, reason: "too_many_pixels", detail: "30000×30000 is more than 200000000 pixels" });
  });

  test("the pixel limit is the caller's (--max-image-pixels)", async () => {
    const bytes = await photo(sharp, { width: 2000, height: 1000, exif: false });
    expect(await makePreviews(sharp, { bytes, contentType: "image/jpeg" }, { maxPixels: 1_999_999 })).toMatchObject({
      ok: false,
      reason: "too_many_pixels",
    });
    expect((await makePreviews(sharp, { bytes, contentType: "image/jpeg" }, { maxPixels: 2_000_000 })).ok).toBe(true);
  });

  test("an interlaced PNG, which decodes whole, is held to the decode budget", async () => {
    const rows = Buffer.alloc(2000 * (1 + 2000 * 3) + 2000 * 7);
    const interlaced = png(2000, 2000, rows, { interlace: 1, colour: 2 });
    const refused = await makePreviews(sharp, { bytes: interlaced, contentType: "image/png" }, { maxDecodeBytes: 8 * 2 ** 20 });
    expect(refused).toMatchObject({ ok: false, reason: "too_many_pixels", detail: expect.stringContaining("decodes whole") });
    expect((await makePreviews(sharp, { bytes: interlaced, contentType: "image/png" })).ok).toBe(true);
  });
});

describe("HEIC decoder worker", () => {
  test("is recycled after its quota of images and when idle", async () => {
    const decoder = new HeicDecoder({ imagesPerWorker: 2, idleMs: 100 });
    try {
      for (let i = 0; i < 3; i++) expect((await decoder.decode(GPS_HEIC, 1e6)).ok).toBe(true);
      expect(decoder.workersStarted).toBe(2);
      await Bun.sleep(300);
      expect((await decoder.decode(GPS_HEIC, 1e6)).ok).toBe(true);
      expect(decoder.workersStarted).toBe(3);
    } finally {
      decoder.close();
    }
  });

  test("is ended right after an image larger than retireAbovePixels, so its heap does not linger", async () => {
    const retiring = new HeicDecoder({ retireAbovePixels: 64 * 48 - 1, idleMs: 10_000 });
    const keeping = new HeicDecoder({ retireAbovePixels: 64 * 48, idleMs: 10_000 });
    try {
      for (let i = 0; i < 2; i++) {
        expect(await retiring.decode(GPS_HEIC, 1e6)).toMatchObject({ ok: true, decodedPixels: 64 * 48 });
        expect((await keeping.decode(GPS_HEIC, 1e6)).ok).toBe(true);
      }
      expect(retiring.workersStarted).toBe(2);
      expect(keeping.workersStarted).toBe(1);
    } finally {
      retiring.close();
      keeping.close();
    }
  });

  test("hands over RGB shrunk by a whole factor to the edge asked for, colours kept", async () => {
    const full = await heic.decode(GPS_HEIC, 1e6);
    const small = await heic.decode(GPS_HEIC, 1e6, 16);
    if (!full.ok || !small.ok) throw new Error("the HEIC fixture did not decode");
    expect([full.width, full.height, full.channels]).toEqual([64, 48, 3]);
    expect(full.pixels.length).toBe(64 * 48 * 3);
    expect([small.width, small.height, small.channels]).toEqual([16, 12, 3]);
    expect(small.pixels.length).toBe(16 * 12 * 3);
    const mean = (p: Uint8Array, c: number) => p.filter((_, i) => i % 3 === c).reduce((a, b) => a + b, 0) / (p.length / 3);
    for (const c of [0, 1, 2]) expect(Math.abs(mean(small.pixels, c) - mean(full.pixels, c))).toBeLessThan(1.5);
  });

  test("refuses an image over the pixel limit before decoding it, and times out a slow decode", async () => {
    const decoder = new HeicDecoder({ timeoutMs: 1 });
    try {
      expect(await decoder.decode(GPS_HEIC, 1e6)).toMatchObject({ ok: false, reason: "timeout" });
    } finally {
      decoder.close();
    }
    expect(await heic.decode(GPS_HEIC, 64 * 48 - 1)).toMatchObject({ ok: false, reason: "too_many_pixels" });
    expect(await heic.decode(Buffer.from("definitely not a heic file"), 1e6)).toMatchObject({ ok: false, reason: "undecodable" });
  });
});
