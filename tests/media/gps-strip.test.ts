// Location stripping as a recipient sees it: the same picture, the same way up, and no position anywhere in the bytes.
import { describe, expect, test } from "bun:test";
import exifReader from "exif-reader";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { canStripLocation, stripLocation } from "../../src/media/gps-strip.ts";
import { loadSharp } from "../../src/media/sharp-loader.ts";
import { fixtureImage, pngChunk } from "../support/images.ts";
import { photo } from "./photo-samples.ts";
import { gpsIfd, jpegWithExif, tiffBlock } from "./tiff-writer.ts";

const load = loadSharp({ libDir: mkdtempSync(join(tmpdir(), "pxv-lib-")) });
if (!load.ok) throw new Error(load.reason);
const sharp = load.sharp;

const XMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.489N" exif:GPSLongitude="2,17.67E"/></rdf:RDF></x:xmpmeta>`;
const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");

function stripped(bytes: Uint8Array, contentType: string): { bytes: Uint8Array; changed: boolean } {
  const result = stripLocation(bytes, contentType);
  if (!result.ok) throw new Error(`strip failed: ${result.reason}`);
  return { bytes: result.bytes, changed: result.changed };
}

/** Decoded exactly as before: every pixel, as stored and as shown (orientation applied). */
async function expectSamePicture(before: Uint8Array, after: Uint8Array): Promise<void> {
  const raw = (b: Uint8Array, rotate: boolean) => (rotate ? sharp(b).rotate() : sharp(b)).raw().toBuffer({ resolveWithObject: true });
  for (const rotate of [false, true]) {
    const [a, b] = await Promise.all([raw(before, rotate), raw(after, rotate)]);
    expect(b.info).toEqual(a.info);
    expect(Buffer.compare(a.data, b.data)).toBe(0);
  }
  const [ma, mb] = await Promise.all([sharp(before).metadata(), sharp(after).metadata()]);
  expect(mb.orientation ?? 1).toBe(ma.orientation ?? 1);
  expect(mb.icc).toEqual(ma.icc);
}

/** No position left: no GPS IFD (nor a pointer to one) in the EXIF libvips finds, no XMP or IPTC, no GPS words anywhere. */
async function expectNoLocation(bytes: Uint8Array): Promise<void> {
  const meta = await sharp(bytes).metadata();
  if (meta.exif) {
    const exif = exifReader(meta.exif);
    expect(exif.GPSInfo).toBeUndefined();
    expect(exif.Image?.GPSTag).toBeUndefined();
  }
  expect(meta.xmp).toBeUndefined();
  expect(meta.iptc).toBeUndefined();
  for (const needle of ["GPS", "48,51", "Raw profile type", "Photoshop 3.0", "secret-trailer", "Exif\0\0II"]) {
    expect(latin1(bytes)).not.toContain(needle);
  }
}

function jpegSegment(marker: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);
}

describe("JPEG", () => {
  test("a phone photo (Exif with GPS, XMP, IPTC, ICC, orientation 6, an MPF-style trailer) keeps only picture, ICC and orientation", async () => {
    const base = await sharp(await photo(sharp, { width: 320, height: 240, exif: false }))
      .withIccProfile("p3")
      .jpeg({ progressive: true })
      .toBuffer();
    const withExif = jpegWithExif(
      base,
      tiffBlock({ 271: { type: "ascii", value: "Apple" }, 274: { type: "short", value: [6] } }, gpsIfd(48.858, 2.2945, 35)),
    );
    const iptc = jpegSegment(0xed, Buffer.from("Photoshop 3.0\0" + "8BIM\x04\x04\0\0\0\0\0\x0c\x1c\x02\x5a\0\x05Paris", "latin1"));
    const xmp = jpegSegment(0xe1, Buffer.from(`http://ns.adobe.com/xap/1.0/\0${XMP}`, "latin1"));
    const secondImage = jpegWithExif(
      Buffer.from([0xff, 0xd8, 0xff, 0xd9]),
      tiffBlock({ 270: { type: "ascii", value: "secret-trailer" } }, gpsIfd(1, 2)),
    );
    const original = Buffer.concat([withExif.subarray(0, 2), xmp, iptc, withExif.subarray(2), secondImage]);
    expect((await sharp(original).metadata()).orientation).toBe(6);

    const out = stripped(original, "image/jpeg");
    expect(out.changed).toBe(true);
    await expectNoLocation(out.bytes);
    await expectSamePicture(original, out.bytes);
    expect(exifReader((await sharp(out.bytes).metadata()).exif!).Image).toEqual({ Orientation: 6 });
    // Lossless: every scan of the progressive image is the original's, byte for byte.
    const firstScan = (b: Uint8Array) => Buffer.from(b).indexOf(Buffer.from([0xff, 0xda]));
    const scans = Buffer.from(out.bytes).subarray(firstScan(out.bytes));
    expect(original.indexOf(scans)).toBe(firstScan(original));
    // And it is stable: stripping again changes nothing.
    expect(stripped(out.bytes, "image/jpeg")).toEqual({ bytes: out.bytes, changed: false });
  });

  test("upright photos lose their Exif entirely; a JPEG with nothing to remove comes back byte for byte", async () => {
    const upright = await photo(sharp, { width: 64, height: 48 });
    expect((await sharp(upright).metadata()).exif).toBeDefined();
    const out = stripped(upright, "image/jpeg");
    expect((await sharp(out.bytes).metadata()).exif).toBeUndefined();
    await expectSamePicture(upright, out.bytes);
    const plain = await sharp(upright).jpeg().toBuffer();
    expect(stripped(plain, "image/jpeg")).toEqual({ bytes: plain, changed: false });
  });

  test("the 65 KB Exif + 30 KB XMP fixture is reduced to the picture", async () => {
    const original = fixtureImage("big-exif.jpg");
    const out = stripped(original, "image/jpeg");
    expect(out.bytes.length).toBeLessThan(original.length - 90_000);
    await expectSamePicture(original, out.bytes);
  });

  test("a broken segment structure is refused, not guessed at", async () => {
    const jpeg = await photo(sharp, { width: 16, height: 16 });
    expect(stripLocation(jpeg.subarray(0, 30), "image/jpeg")).toEqual({ ok: false, reason: "malformed" });
    expect(stripLocation(Buffer.from("not a jpeg"), "image/jpeg")).toEqual({ ok: false, reason: "malformed" });
  });
});

/** Every PNG chunk, with whether its CRC is right. */
function pngChunks(png: Uint8Array): { type: string; data: Buffer; crcOk: boolean }[] {
  const b = Buffer.from(png);
  const chunks = [];
  for (let at = 8; at < b.length; ) {
    const length = b.readUInt32BE(at);
    const type = b.toString("latin1", at + 4, at + 8);
    chunks.push({
      type,
      data: b.subarray(at + 8, at + 8 + length),
      crcOk: crc32(b.subarray(at + 4, at + 8 + length)) === b.readUInt32BE(at + 8 + length),
    });
    at += 12 + length;
  }
  return chunks;
}

describe("PNG", () => {
  test("eXIf with GPS, XMP in iTXt and ImageMagick's raw EXIF text go; ICC, a comment and every CRC stay right", async () => {
    const made = await sharp(await photo(sharp, { width: 120, height: 80, format: "png" }))
      .keepExif()
      .withMetadata({ orientation: 8 })
      .withIccProfile("p3")
      .withXmp(XMP)
      .png()
      .toBuffer();
    const chunks = pngChunks(made);
    const iend = made.length - 12;
    const extra = Buffer.concat([
      pngChunk("tEXt", Buffer.from("Comment\0holiday", "latin1")),
      pngChunk("zTXt", Buffer.from("Raw profile type exif\0\0x\x9c\x03\0\0\0\0\x01", "latin1")),
    ]);
    const original = Buffer.concat([made.subarray(0, iend), extra, made.subarray(iend)]);
    expect(chunks.map((c) => c.type)).toContain("eXIf");
    expect(exifReader((await sharp(original).metadata()).exif!).GPSInfo).toBeDefined();

    const out = stripped(original, "image/png");
    await expectNoLocation(out.bytes);
    await expectSamePicture(original, out.bytes);
    const after = pngChunks(out.bytes);
    expect(after.every((c) => c.crcOk)).toBe(true);
    expect(after.map((c) => c.type)).toEqual(
      pngChunks(original)
        .filter((c) => !(c.type === "iTXt" || c.type === "zTXt"))
        .map((c) => c.type),
    );
    expect(after.find((c) => c.type === "tEXt")?.data.toString("latin1")).toBe("Comment\0holiday");
    expect(exifReader(after.find((c) => c.type === "eXIf")!.data).Image).toEqual({ Orientation: 8 });
    expect(stripped(out.bytes, "image/png")).toEqual({ bytes: out.bytes, changed: false });
  });

  test("a truncated PNG is refused", async () => {
    expect(stripLocation(fixtureImage("sample.png").subarray(0, 50), "image/png")).toEqual({ ok: false, reason: "malformed" });
  });
});

/** The RIFF chunks of a WebP after its 12-byte header. */
function riffChunks(webp: Uint8Array): { fourcc: string; data: Buffer }[] {
  const b = Buffer.from(webp);
  const chunks = [];
  for (let at = 12; at + 8 <= b.length; ) {
    const size = b.readUInt32LE(at + 4);
    chunks.push({ fourcc: b.toString("latin1", at, at + 4), data: b.subarray(at + 8, at + 8 + size) });
    at += 8 + size + (size % 2);
  }
  return chunks;
}

describe("WebP", () => {
  for (const [name, orientation] of [
    ["upright", 1],
    ["turned (orientation 6)", 6],
  ] as const) {
    test(`${name}: EXIF and XMP chunks go, VP8X flags and RIFF size follow, ICC stays`, async () => {
      const original = await sharp(await photo(sharp, { width: 90, height: 60, format: "webp" }))
        .keepExif()
        .withMetadata({ orientation })
        .withIccProfile("p3")
        .withXmp(XMP)
        .webp({ lossless: true })
        .toBuffer();
      expect(riffChunks(original).map((c) => c.fourcc)).toEqual(["VP8X", "ICCP", "VP8L", "EXIF", "XMP "]);

      const out = stripped(original, "image/webp");
      await expectNoLocation(out.bytes);
      await expectSamePicture(original, out.bytes);
      const chunks = riffChunks(out.bytes);
      expect(chunks.map((c) => c.fourcc)).toEqual(orientation === 1 ? ["VP8X", "ICCP", "VP8L"] : ["VP8X", "ICCP", "VP8L", "EXIF"]);
      expect(Buffer.from(out.bytes).readUInt32LE(4)).toBe(out.bytes.length - 8);
      const flags = chunks[0]!.data[0]!;
      expect({ icc: !!(flags & 0x20), exif: !!(flags & 0x08), xmp: !!(flags & 0x04) }).toEqual({
        icc: true,
        exif: orientation !== 1,
        xmp: false,
      });
    });
  }

  test("a simple WebP (no VP8X) has nothing to remove", async () => {
    const webp = fixtureImage("sample.webp");
    expect(stripped(webp, "image/webp")).toEqual({ bytes: webp, changed: false });
  });
});

describe("other formats", () => {
  test("only JPEG, PNG and WebP are rewritten; the rest get the display preview instead", () => {
    for (const type of ["image/jpeg", "image/png", "image/apng", "image/webp"]) expect(canStripLocation(type)).toBe(true);
    for (const type of ["image/heic", "image/avif", "image/tiff", "image/gif", "image/bmp"]) {
      expect(canStripLocation(type)).toBe(false);
      expect(stripLocation(new Uint8Array(8), type)).toEqual({ ok: false, reason: "unsupported_type" });
    }
  });
});
