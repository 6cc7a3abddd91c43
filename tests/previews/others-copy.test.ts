// The media job's location-privacy decision: what non-owners get, judged from the whole original.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { type OthersCopy, othersCopyOf } from "../../src/domain/previews/others-copy.ts";
import type { PhotoFields, PreviewImage } from "../../src/domain/previews/ports.ts";
import { PARIS, photo } from "../media/photo-samples.ts";
import { testSharp } from "../support/previews-api.ts";

const sharp = testSharp();
const display: PreviewImage = { contentType: "image/webp", bytes: new Uint8Array([1, 2, 3]), width: 1, height: 1 };
const asDisplay: OthersCopy = { kind: "display", crc32: crc32(display.bytes) };
const fields = (location: PhotoFields["location"]): PhotoFields => ({ width: 96, height: 64, takenAt: null, camera: null, location });
const XMP_GPS = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.489N" exif:GPSLongitude="2,17.67E"/></rdf:RDF></x:xmpmeta>`;

describe("othersCopyOf", () => {
  test("a JPEG with a position in EXIF is spliced; one without keeps its original", async () => {
    const gps = await photo(sharp, { width: 96, height: 64 });
    expect(othersCopyOf(gps, "image/jpeg", fields(PARIS), display)).toMatchObject({ kind: "spliced" });
    const plain = await photo(sharp, { width: 96, height: 64, exif: false });
    expect(othersCopyOf(plain, "image/jpeg", fields(null), display)).toEqual({ kind: "original" });
  });

  test("a position spelled out only in XMP counts", async () => {
    const xmp = await sharp(await photo(sharp, { width: 96, height: 64, exif: false }))
      .withXmp(XMP_GPS)
      .jpeg()
      .toBuffer();
    const copy = othersCopyOf(xmp, "image/jpeg", fields(null), display);
    expect(copy).toMatchObject({ kind: "spliced" });
  });

  test("unreadable metadata is judged by the bytes: cut when there is something to cut, else the original", async () => {
    const gps = await photo(sharp, { width: 96, height: 64 });
    expect(othersCopyOf(gps, "image/jpeg", null, display)).toMatchObject({ kind: "spliced" });
    const plain = await photo(sharp, { width: 96, height: 64, exif: false });
    expect(othersCopyOf(plain, "image/jpeg", null, display)).toEqual({ kind: "original" });
    // A JPEG the strippers cannot walk: the preview, never the original.
    expect(othersCopyOf(Buffer.from("not a jpeg"), "image/jpeg", null, display)).toEqual(asDisplay);
  });

  test("other formats with a position get the display preview; BMP never has one", () => {
    const heic = readFileSync(join(import.meta.dir, "../fixtures/media/gps.heic"));
    expect(othersCopyOf(heic, "image/heic", fields(PARIS), display)).toEqual(asDisplay);
    expect(othersCopyOf(heic, "image/heic", null, display)).toEqual(asDisplay);
    const noPosition = Buffer.from("\0\0\0\x18ftypheic\0\0\0\0mif1heic", "latin1");
    expect(othersCopyOf(noPosition, "image/heic", fields(null), display)).toEqual({ kind: "original" });
    expect(othersCopyOf(Buffer.from("BM"), "image/bmp", null, display)).toEqual({ kind: "original" });
  });
});
