// The image probe judges uploads from their bytes as they stream: right type and size for every
// accepted format, refusal for everything else (early, for big files), bounded work on big inputs.
import { describe, expect, test } from "bun:test";
import { fileTypeFromBuffer } from "file-type";
import { imageSize } from "image-size";
import { crc32, inflateSync } from "node:zlib";
import type { ExifFacts } from "../../src/media/exif.ts";
import { createImageProbe, type ProbeResult } from "../../src/media/image-probe.ts";
import { FIXTURES, REFUSED_FIXTURES, fixtureImage, noisePng, pngOfSize } from "../support/images.ts";

async function probe(bytes: Uint8Array, pieceSize = bytes.length || 1): Promise<ProbeResult> {
  const p = createImageProbe();
  for (let i = 0; i < bytes.length; i += pieceSize) p.push(bytes.subarray(i, i + pieceSize));
  return p.finish();
}

const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/avif": "avif",
  "image/heif": "heif",
  "image/heic": "heic",
  "image/bmp": "bmp",
  "image/tiff": "tiff",
};

// Segments no decoder reads, pushing the frame header `bytes` further into a JPEG.
function withAppPadding(jpeg: Uint8Array, bytes: number): Buffer {
  const segments: Buffer[] = [];
  for (let left = bytes; left > 0; left -= 65_535 + 2) {
    const body = Buffer.alloc(Math.min(65_533, Math.max(0, left - 4)), 0x41);
    segments.push(Buffer.concat([Buffer.from([0xff, 0xef, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]));
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

// An uncompressed 8-bit greyscale TIFF laid out as libtiff does it: pixels first, IFD0 at the end.
function trailingIfdTiff(width: number, height: number, bigEndian: boolean): Buffer {
  const pixels = width * height;
  const tags: [number, number, number][] = [
    [256, 4, width],
    [257, 4, height],
    [258, 3, 8],
    [259, 3, 1],
    [262, 3, 1],
    [273, 4, 8],
    [277, 3, 1],
    [278, 4, height],
    [279, 4, pixels],
  ];
  const out = Buffer.alloc(8 + pixels + 2 + tags.length * 12 + 4, 0x80);
  const u16 = (v: number, at: number) => (bigEndian ? out.writeUInt16BE(v, at) : out.writeUInt16LE(v, at));
  const u32 = (v: number, at: number) => (bigEndian ? out.writeUInt32BE(v, at) : out.writeUInt32LE(v, at));
  out.write(bigEndian ? "MM\0*" : "II*\0", 0, "latin1");
  u32(8 + pixels, 4);
  let at = 8 + pixels;
  u16(tags.length, at);
  at += 2;
  for (const [tag, type, value] of tags) {
    u16(tag, at);
    u16(type, at + 2);
    u32(1, at + 4);
    u32(0, at + 8);
    if (type === 3)
      u16(value, at + 8); // a SHORT sits in the first two bytes of the value field
    else u32(value, at + 8);
    at += 12;
  }
  u32(0, at);
  return out;
}

/** What the EXIF in the fixtures' heads says: a block with nothing but the default orientation. */
const HEAD_EXIF: Record<string, ExifFacts> = {
  "sample.tiff": { orientation: 1, takenAt: null, camera: null, location: null },
  "big-exif.jpg": { orientation: 1, takenAt: null, camera: null, location: null },
};

describe("accepted images", () => {
  for (const { file, contentType, width, height } of FIXTURES) {
    const exif = HEAD_EXIF[file] ?? null;
    const expected: ProbeResult = { ok: true, contentType, extension: EXTENSIONS[contentType]!, width, height, exif };

    test(`${file} is ${contentType}, ${width}×${height}`, async () => {
      expect(await probe(fixtureImage(file))).toEqual(expected);
    });

    test(`${file} fed in 1-byte, 7-byte and 64 KiB pieces gives the same verdict`, async () => {
      const bytes = fixtureImage(file);
      for (const piece of [1, 7, 64 * 1024]) expect(await probe(bytes, piece)).toEqual(expected);
    });
  }

  test("a JPEG whose frame header sits past the 512 KiB head still gets its size", async () => {
    const jpeg = withAppPadding(fixtureImage("sample.jpg"), 700_000);
    expect(jpeg.length).toBeGreaterThan(700_000);
    for (const piece of [7, 64 * 1024, jpeg.length]) {
      expect(await probe(jpeg, piece)).toMatchObject({ ok: true, contentType: "image/jpeg", width: 40, height: 30 });
    }
  });

  for (const bigEndian of [false, true]) {
    test(`a ${bigEndian ? "big" : "little"}-endian TIFF with IFD0 at the end, past the head, is a TIFF with its size`, async () => {
      const tiff = trailingIfdTiff(1200, 900, bigEndian);
      expect(await fileTypeFromBuffer(tiff)).toMatchObject({ mime: "image/tiff" }); // the builder makes a real TIFF
      const p = createImageProbe();
      for (let i = 0; i < tiff.length; i += 64 * 1024) {
        p.push(tiff.subarray(i, i + 64 * 1024));
        expect(await p.earlyRejection()).toBeUndefined();
      }
      expect(await p.finish()).toEqual({ ok: true, contentType: "image/tiff", extension: "tiff", width: 1200, height: 900, exif: null });
    });
  }

  test("truncated images give a verdict, never a throw", async () => {
    for (const { file } of FIXTURES) {
      const bytes = fixtureImage(file);
      for (let length = 1; length < Math.min(bytes.length, 400); length += 3) {
        const verdict = await probe(bytes.subarray(0, length), 5);
        if (verdict.ok) expect(verdict.width === null || verdict.width > 0).toBe(true);
      }
    }
  });

  test("a 5 MB PNG is probed from a stream of 64 KiB pieces", async () => {
    const png = pngOfSize(5 * 1024 * 1024, 42);
    const { width, height } = imageSize(png);
    expect(await probe(png, 64 * 1024)).toEqual({ ok: true, contentType: "image/png", extension: "png", width, height, exif: null });
  });
});

describe("refused bytes", () => {
  for (const { file, detected } of REFUSED_FIXTURES) {
    test(`${file} is refused as ${detected}`, async () => {
      expect(await probe(fixtureImage(file))).toEqual({ ok: false, reason: "unsupported_type", detected });
      expect(await probe(fixtureImage(file), 7)).toEqual({ ok: false, reason: "unsupported_type", detected });
    });
  }

  test("no bytes at all is empty", async () => {
    expect(await probe(new Uint8Array(0))).toEqual({ ok: false, reason: "empty" });
    const p = createImageProbe();
    p.push(new Uint8Array(0));
    expect(await p.finish()).toEqual({ ok: false, reason: "empty" });
  });

  test("three unknown bytes are unsupported, not empty", async () => {
    expect(await probe(Uint8Array.of(0x01, 0xfe, 0x7f))).toMatchObject({ ok: false, reason: "unsupported_type" });
  });

  test("text that merely starts with BM is not a bitmap", async () => {
    const text = Buffer.from("BMW and BMX are not bitmaps, whatever the first two bytes say.\n".repeat(4));
    expect(await probe(text)).toMatchObject({ ok: false, reason: "unsupported_type" });
  });
});

describe("early rejection", () => {
  const pdfHead = Buffer.concat([fixtureImage("sample.pdf"), Buffer.alloc(8 * 1024, "% padding\n")]).subarray(0, 8 * 1024);

  test("a PDF is refused after its first 8 KiB, and finish() agrees", async () => {
    const p = createImageProbe();
    p.push(pdfHead.subarray(0, 1024));
    expect(await p.earlyRejection()).toBeUndefined(); // too little to judge yet
    p.push(pdfHead.subarray(1024));
    const rejected: ProbeResult = { ok: false, reason: "unsupported_type", detected: "application/pdf" };
    expect(await p.earlyRejection()).toEqual(rejected);
    expect(await p.finish()).toEqual(rejected);
  });

  test("an acceptable image is not rejected early", async () => {
    const p = createImageProbe();
    p.push(pngOfSize(64 * 1024).subarray(0, 8 * 1024));
    expect(await p.earlyRejection()).toBeUndefined();
  });
});

describe("noisePng", () => {
  // Walks the chunks, checking each CRC; returns the chunks by type.
  function pngChunks(png: Buffer): Map<string, Buffer[]> {
    const chunks = new Map<string, Buffer[]>();
    for (let at = 8; at < png.length; ) {
      const length = png.readUInt32BE(at);
      const type = png.toString("latin1", at + 4, at + 8);
      expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
      chunks.set(type, [...(chunks.get(type) ?? []), png.subarray(at + 8, at + 8 + length)]);
      at += 12 + length;
    }
    return chunks;
  }

  test("is a valid PNG of the asked size, with the tEXt marker in its bytes", async () => {
    const png = noisePng({ width: 123, height: 45, seed: 7, text: "pixvault-marker-7f3a" });
    expect(await fileTypeFromBuffer(png)).toEqual({ ext: "png", mime: "image/png" });
    expect(imageSize(png)).toMatchObject({ type: "png", width: 123, height: 45 });
    expect(png.includes("pixvault-marker-7f3a")).toBe(true);
    const chunks = pngChunks(png);
    expect([...chunks.keys()]).toEqual(["IHDR", "tEXt", "IDAT", "IEND"]);
    expect(inflateSync(Buffer.concat(chunks.get("IDAT")!)).length).toBe(45 * (123 * 3 + 1));
  });

  test("is deterministic for a seed and differs between seeds", () => {
    expect(noisePng({ width: 30, height: 20, seed: 3 })).toEqual(noisePng({ width: 30, height: 20, seed: 3 }));
    expect(noisePng({ width: 30, height: 20, seed: 3 })).not.toEqual(noisePng({ width: 30, height: 20, seed: 4 }));
  });

  test("pngOfSize lands just above the asked size, fast", () => {
    for (const bytes of [20_000, 500_000, 5_000_000]) {
      const started = performance.now();
      const png = pngOfSize(bytes);
      expect(performance.now() - started).toBeLessThan(1000);
      const { width } = imageSize(png);
      expect(png.length).toBeGreaterThanOrEqual(bytes);
      expect(png.length).toBeLessThan(bytes + width * 3 + 1 + 200);
    }
  });
});
