// The perceptual hash on real photos: copies a user makes stay within the documented distance, other photos do not.
import { describe, expect, test } from "bun:test";
import { SIMILAR_MAX_DISTANCE } from "../../src/domain/analysis/duplicates.ts";
import { hashDistance } from "../../src/domain/analysis/hash-distance.ts";
import { analyseThumb } from "../../src/media/analysis/analyse-thumb.ts";
import { hashOfGrey32 } from "../../src/media/analysis/perceptual-hash.ts";
import { testSharp } from "../support/previews-api.ts";
import { PHOTOS, type Photo, photoBytes, thumbOf } from "./thumbs.ts";

const sharp = testSharp();
const hashOf = async (bytes: Uint8Array) => (await analyseThumb(sharp, await thumbOf(bytes))).hash;

const hashes = new Map<Photo, string>();
for (const name of PHOTOS) hashes.set(name, await hashOf(photoBytes(name)));

describe("copies of one photo are similar", () => {
  const copies: [string, (bytes: Buffer, width: number) => Promise<Buffer>][] = [
    [
      "resized to half",
      (b, w) =>
        sharp(b)
          .resize(Math.round(w / 2))
          .jpeg({ quality: 90 })
          .toBuffer(),
    ],
    ["re-encoded as JPEG quality 60", (b) => sharp(b).jpeg({ quality: 60 }).toBuffer()],
    ["re-encoded as WebP", (b) => sharp(b).webp({ quality: 75 }).toBuffer()],
  ];
  for (const [how, copy] of copies) {
    test(`each photo ${how} is within ${SIMILAR_MAX_DISTANCE} bits of the original`, async () => {
      for (const name of PHOTOS) {
        const bytes = photoBytes(name);
        const { width = 0 } = await sharp(bytes).metadata();
        const distance = hashDistance(hashes.get(name)!, await hashOf(await copy(bytes, width)));
        expect({ name, similar: distance <= SIMILAR_MAX_DISTANCE }).toEqual({ name, similar: true });
      }
    });
  }

  test("the same bytes give the same hash, 16 hex digits", async () => {
    const again = await hashOf(photoBytes("pheasant"));
    expect(again).toBe(hashes.get("pheasant")!);
    expect(again).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("different photos are not", () => {
  test("no two of the photos are within the distance", () => {
    for (const a of PHOTOS) {
      for (const b of PHOTOS) {
        if (a >= b) continue;
        const distance = hashDistance(hashes.get(a)!, hashes.get(b)!);
        expect({ a, b, similar: distance <= SIMILAR_MAX_DISTANCE }).toEqual({ a, b, similar: false });
      }
    }
  });

  test("the left and the right part of one scene are two photos, not copies", async () => {
    const bytes = photoBytes("park-sculpture");
    const { width = 0, height = 0 } = await sharp(bytes).metadata();
    const part = Math.round(width * 0.55);
    const left = await sharp(bytes).extract({ left: 0, top: 0, width: part, height }).jpeg().toBuffer();
    const right = await sharp(bytes)
      .extract({ left: width - part, top: 0, width: part, height })
      .jpeg()
      .toBuffer();
    expect(hashDistance(await hashOf(left), await hashOf(right))).toBeGreaterThan(SIMILAR_MAX_DISTANCE);
  });

  test("a mirrored copy is a different picture (by design: the hash is not flip-invariant)", async () => {
    const mirrored = await sharp(photoBytes("rally-car")).flop().jpeg().toBuffer();
    expect(hashDistance(hashes.get("rally-car")!, await hashOf(mirrored))).toBeGreaterThan(SIMILAR_MAX_DISTANCE);
  });
});

describe("the hash and its distance", () => {
  test("distances count differing bits, from 0 to 64", () => {
    expect(hashDistance("0000000000000000", "0000000000000000")).toBe(0);
    expect(hashDistance("0000000000000000", "ffffffffffffffff")).toBe(64);
    expect(hashDistance("8000000000000001", "0000000000000000")).toBe(2);
    expect(hashDistance("00000000ffffffff", "0000000000000000")).toBe(32);
    expect(hashDistance("0123456789abcdef", "fedcba9876543210")).toBe(64);
  });

  test("a hash that is not 16 lower-case hex digits is refused", () => {
    for (const bad of ["", "123", "0123456789ABCDEF", "0123456789abcdeg", "0123456789abcdef0"]) {
      expect(() => hashDistance(bad, "0000000000000000")).toThrow();
    }
  });

  test("the hash needs exactly 32×32 grey pixels; a flat grey image sets its mean's bit only", () => {
    expect(() => hashOfGrey32(new Uint8Array(31 * 32))).toThrow();
    // Every frequency but the mean (the first coefficient) is zero: no rounding noise decides a bit.
    expect(hashOfGrey32(new Uint8Array(32 * 32).fill(128))).toBe("8000000000000000");
    expect(hashOfGrey32(new Uint8Array(32 * 32).fill(37))).toBe("8000000000000000");
  });
});
