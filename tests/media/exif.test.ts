// Photo metadata as a user reads it: the date taken with its offset, the camera, where it was taken, the size as shown.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readPhotoMetadata } from "../../src/media/exif.ts";
import { loadSharp } from "../../src/media/sharp-loader.ts";
import { fixtureImage } from "../support/images.ts";
import { PARIS, photo } from "./photo-samples.ts";
import { gpsIfd, jpegWithExif, tiffBlock } from "./tiff-writer.ts";

const load = loadSharp({ libDir: mkdtempSync(join(tmpdir(), "pxv-lib-")) });
if (!load.ok) throw new Error(load.reason);
const sharp = load.sharp;

const PHONE_CAMERA = { make: "Apple", model: "iPhone 15 Pro", lens: "iPhone 15 Pro back camera" };

async function withExif(exif: Record<string, Record<string, string>>, format: "jpeg" | "png" = "jpeg"): Promise<Buffer> {
  return sharp({ create: { width: 30, height: 20, channels: 3, background: "#406080" } })
    .toFormat(format)
    .withExif(exif)
    .toBuffer();
}

/** An 8-bit grey 4×3 TIFF file whose IFD0 points to a GPS IFD (libvips writes none; cameras and scanners do). */
function tiffWithGps(latitude: number, longitude: number): Buffer {
  const short = (n: number) => ({ type: "short", value: [n] }) as const;
  const ifd0 = {
    256: short(4),
    257: short(3),
    258: short(8),
    259: short(1),
    262: short(1),
    277: short(1),
    278: short(3),
    279: { type: "long", value: [12] },
  } as const;
  return tiffBlock(ifd0, gpsIfd(latitude, longitude), new Uint8Array(12).fill(128));
}

async function jpegWithGps(latitude: number, longitude: number, altitude?: number): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 30, height: 20, channels: 3, background: "#406080" } })
    .jpeg()
    .toBuffer();
  return jpegWithExif(jpeg, tiffBlock({}, gpsIfd(latitude, longitude, altitude)));
}

describe("a phone photo", () => {
  test("JPEG: taken-at with its offset and sub-seconds, camera, position and size", async () => {
    const meta = await readPhotoMetadata(sharp, await photo(sharp, { width: 300, height: 200 }));
    expect(meta).toEqual({
      width: 300,
      height: 200,
      orientation: 1,
      takenAt: "2024-05-01T14:03:22.250+02:00",
      camera: PHONE_CAMERA,
      location: PARIS,
    });
  });

  test("a photo turned by its orientation (6) reports the size it is shown at", async () => {
    const meta = await readPhotoMetadata(sharp, await photo(sharp, { width: 300, height: 200, orientation: 6 }));
    expect(meta).toMatchObject({ width: 200, height: 300, orientation: 6 });
  });

  test.each(["png", "webp", "avif"] as const)("%s carries the same EXIF, read the same way", async (format) => {
    const meta = await readPhotoMetadata(sharp, await photo(sharp, { width: 60, height: 40, format }));
    expect(meta).toMatchObject({ width: 60, height: 40, takenAt: "2024-05-01T14:03:22.250+02:00", camera: PHONE_CAMERA, location: PARIS });
  });

  test("HEIC from the committed iPhone-like fixture (decoded by libheif's header reader)", async () => {
    const meta = await readPhotoMetadata(sharp, readFileSync(join(import.meta.dir, "../fixtures/media/gps.heic")));
    expect(meta).toEqual({
      width: 64,
      height: 48,
      orientation: 1,
      takenAt: "2024-05-01T14:03:22+02:00",
      camera: { make: "Apple", model: "iPhone 15 Pro", lens: "iPhone 15 Pro back triple camera 6.765mm f/1.78" },
      location: { latitude: 48.8581556, longitude: 2.2945, altitude: 35 },
    });
  });

  test("TIFF: the GPS IFD of the file itself, southern and western positions negative", async () => {
    const meta = await readPhotoMetadata(sharp, tiffWithGps(-33.8677778, -151.21));
    expect(meta).toMatchObject({ width: 4, height: 3, location: { latitude: -33.8677778, longitude: -151.21 } });
  });
});

describe("what the EXIF leaves out or gets wrong", () => {
  test("no offset: the camera's local time, without an offset or Z", async () => {
    const meta = await readPhotoMetadata(sharp, await withExif({ IFD2: { DateTimeOriginal: "2019:12:31 23:59:59" } }));
    expect(meta?.takenAt).toBe("2019-12-31T23:59:59");
  });

  test("unknown dates ('0000:00:00 00:00:00', nonsense) and broken offsets are not invented", async () => {
    expect((await readPhotoMetadata(sharp, await withExif({ IFD2: { DateTimeOriginal: "0000:00:00 00:00:00" } })))?.takenAt).toBeNull();
    expect((await readPhotoMetadata(sharp, await withExif({ IFD2: { DateTimeOriginal: "yesterday" } })))?.takenAt).toBeNull();
    const badOffset = await withExif({ IFD2: { DateTimeOriginal: "2020:02:29 08:00:00", OffsetTimeOriginal: "+99:00" } });
    expect((await readPhotoMetadata(sharp, badOffset))?.takenAt).toBe("2020-02-29T08:00:00");
  });

  test("below sea level is a negative altitude; no altitude is no field", async () => {
    expect((await readPhotoMetadata(sharp, await jpegWithGps(31.5, 35.5, -430)))?.location).toEqual({
      latitude: 31.5,
      longitude: 35.5,
      altitude: -430,
    });
    expect((await readPhotoMetadata(sharp, await jpegWithGps(-22.9519, -43.2105)))?.location).toEqual({
      latitude: -22.9519,
      longitude: -43.2105,
    });
  });

  test("a GPS block without a fix (0/0 rationals) is no position", async () => {
    const noFix = { GPSLatitudeRef: "N", GPSLatitude: "0/0 0/0 0/0", GPSLongitudeRef: "E", GPSLongitude: "0/0 0/0 0/0" };
    expect((await readPhotoMetadata(sharp, await withExif({ IFD3: noFix })))?.location).toBeNull();
  });

  test("only a model: camera with null make and lens", async () => {
    expect((await readPhotoMetadata(sharp, await withExif({ IFD0: { Model: "DMC-GX80" } })))?.camera).toEqual({
      make: null,
      model: "DMC-GX80",
      lens: null,
    });
  });

  test("no EXIF at all (GIF, a plain PNG): nulls, with the size", async () => {
    for (const file of ["sample.gif", "sample.png", "sample.tiff"]) {
      expect(await readPhotoMetadata(sharp, fixtureImage(file))).toEqual({
        width: 40,
        height: 30,
        orientation: 1,
        takenAt: null,
        camera: null,
        location: null,
      });
    }
  });

  test("bytes libvips cannot read (BMP, garbage) give null", async () => {
    expect(await readPhotoMetadata(sharp, fixtureImage("sample.bmp"))).toBeNull();
    expect(await readPhotoMetadata(sharp, Buffer.from("garbage"))).toBeNull();
  });

  test("the 65 KB Exif of big-exif.jpg is read without trouble", async () => {
    expect(await readPhotoMetadata(sharp, fixtureImage("big-exif.jpg"))).toMatchObject({ width: 64, height: 48 });
  });
});
