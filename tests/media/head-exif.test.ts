// The EXIF of an upload's kept head says what the media job later reads from the whole file,
// and says nothing (rather than something wrong) when the block is not whole in the head.
import { describe, expect, test } from "bun:test";
import { readPhotoMetadata } from "../../src/media/exif.ts";
import { headExif, jpegExifBlock } from "../../src/media/head-exif.ts";
import { exifJpeg } from "../support/exif-photos.ts";
import { testSharp } from "../support/previews-api.ts";
import { gpsIfd, tiffBlock } from "./tiff-writer.ts";

/** An APP2 segment of `size` body bytes (ICC-like padding) put right after SOI, before everything else. */
function withLeadingApp2(jpeg: Uint8Array, size: number): Buffer {
  const segments: Buffer[] = [];
  for (let left = size; left > 0; left -= 65_533) {
    const n = Math.min(left, 65_533);
    segments.push(Buffer.from([0xff, 0xe2, (n + 2) >> 8, (n + 2) & 0xff]), Buffer.alloc(n));
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

describe("EXIF from the head", () => {
  test("a phone JPEG's head gives what the whole file gives: orientation, date with offset, camera, place", async () => {
    const jpeg = await exifJpeg({
      taken: "2024:05:01 14:03:22",
      offset: "+02:00",
      orientation: 6,
      camera: { make: "Apple", model: "iPhone 15 Pro" },
      gps: { latitude: 48.8581556, longitude: -2.2945 },
    });
    const whole = await readPhotoMetadata(testSharp(), jpeg);
    const head = headExif("image/jpeg", jpeg.subarray(0, 128 * 1024));
    expect(head).toEqual({
      orientation: whole!.orientation,
      takenAt: whole!.takenAt,
      camera: whole!.camera,
      location: whole!.location,
    });
    expect(head).toMatchObject({ orientation: 6, takenAt: "2024-05-01T14:03:22+02:00" });
  });

  test("a date without an offset stays a wall clock; a JPEG without EXIF gives nothing", async () => {
    const dated = await exifJpeg({ taken: "2021:12:31 23:59:58" });
    expect(headExif("image/jpeg", dated)).toMatchObject({ orientation: 1, takenAt: "2021-12-31T23:59:58", camera: null, location: null });
    const plain = await testSharp()({ create: { width: 8, height: 8, channels: 3, background: "#808080" } })
      .jpeg()
      .toBuffer();
    expect(jpegExifBlock(plain)).toBeNull();
    expect(headExif("image/jpeg", plain)).toBeNull();
  });

  test("an EXIF block that does not fit whole in the head is left to the media job", async () => {
    const jpeg = withLeadingApp2(await exifJpeg({ taken: "2024:05:01 14:03:22" }), 130 * 1024);
    expect(headExif("image/jpeg", jpeg.subarray(0, 128 * 1024))).toBeNull();
    expect(headExif("image/jpeg", jpeg)).toMatchObject({ takenAt: "2024-05-01T14:03:22" });
  });

  test("a TIFF's IFD0 and GPS read from its head; a truncated TIFF head gives nothing; other types are not read", async () => {
    const short = (n: number) => ({ type: "short", value: [n] }) as const;
    const ifd0 = { 256: short(4), 257: short(3), 258: short(8), 259: short(1), 262: short(1), 274: short(8) } as const;
    const tiff = tiffBlock(ifd0, gpsIfd(-33.8568, 151.2153), new Uint8Array(12).fill(128));
    const facts = headExif("image/tiff", tiff);
    expect(facts?.orientation).toBe(8);
    expect(facts?.location?.latitude).toBeCloseTo(-33.8568, 4);
    expect(facts?.location?.longitude).toBeCloseTo(151.2153, 4);
    expect(headExif("image/tiff", tiff.subarray(0, 12))).toBeNull();
    const jpeg = await exifJpeg({ taken: "2024:05:01 14:03:22" });
    expect(headExif("image/png", jpeg)).toBeNull();
  });
});
