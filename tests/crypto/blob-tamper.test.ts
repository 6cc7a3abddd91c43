// PXVB blobs under attack: every tamper fails with IntegrityError and releases no unverified byte.
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDecrypting } from "../../src/crypto/stored-blob.ts";
import { openDiskBlob } from "../../src/store/disk-blob-reader.ts";
import { encryptBlob } from "../../src/crypto/blob-encryptor.ts";
import { openBlob, readFromBytes } from "../../src/crypto/blob-reader.ts";
import { IntegrityError, type IntegrityReason } from "../../src/crypto/errors.ts";

const S = 1024;
const STRIDE = S + 16;
const dataKey = randomBytes(32);
const imageId = "img-7";

interface Attempt {
  readonly stage: "open" | "read" | "none";
  readonly error: unknown;
  readonly released: Buffer;
}

// Small blobs are read whole at open, large ones segment by segment: attack both paths.
describe.each([
  ["a small blob (read whole at open)", 6],
  ["a large blob (positional reads)", 300],
])("%s", (_name, segments) => {
  const last = segments - 1;
  const plaintext = randomBytes(last * S + 123); // the final segment is short
  const original = encryptBlob(plaintext, { dataKey, imageId, segmentLog2: 10 });
  const older = encryptBlob(randomBytes(plaintext.length), { dataKey, imageId, segmentLog2: 10 });
  const blob = original.blob;
  const segment = (b: Buffer, i: number) => b.subarray(64 + i * STRIDE, Math.min(b.length, 64 + (i + 1) * STRIDE));

  /** Opens and reads, keeping whatever plaintext was handed out before a failure. */
  async function attempt(
    bytes: Buffer,
    overrides: { dataKey?: Buffer; imageId?: string; commitment?: Buffer } = {},
    range?: [number, number],
  ): Promise<Attempt> {
    const released: Uint8Array[] = [];
    const options = { dataKey, imageId, commitment: original.commitment, ...overrides };
    let opened: Awaited<ReturnType<typeof openBlob>>;
    try {
      opened = await openBlob({ ...options, blobLength: bytes.length, read: readFromBytes(bytes) });
    } catch (error) {
      return { stage: "open", error, released: Buffer.alloc(0) };
    }
    try {
      const chunks = range ? opened.readRange(range[0], range[1]) : opened.readAll();
      for await (const chunk of chunks) released.push(Buffer.from(chunk));
    } catch (error) {
      return { stage: "read", error, released: Buffer.concat(released) };
    }
    return { stage: "none", error: undefined, released: Buffer.concat(released) };
  }

  /** "open": refused before any plaintext; "read": after `verifiedSegments` good ones. */
  function expectRefused(result: Attempt, stage: "open" | "read", verifiedSegments = 0, reason?: IntegrityReason) {
    expect(result.stage).toBe(stage);
    expect(result.error).toBeInstanceOf(IntegrityError);
    expect((result.error as IntegrityError).code).toBe("integrity_error");
    if (reason) expect((result.error as IntegrityError).reason).toBe(reason);
    // Only segments before the damaged one, each verified, ever reach the caller.
    expect(result.released.equals(plaintext.subarray(0, verifiedSegments * S))).toBe(true);
  }

  const flip = (at: number, bit = 0x01) => {
    const copy = Buffer.from(blob);
    copy[at] = (copy[at] ?? 0) ^ bit;
    return copy;
  };
  const swap = (i: number, j: number) => {
    const copy = Buffer.from(blob);
    segment(blob, i).copy(copy, 64 + j * STRIDE);
    segment(blob, j).copy(copy, 64 + i * STRIDE);
    return copy;
  };
  const splice = (i: number, from: Buffer) => {
    const copy = Buffer.from(blob);
    segment(from, i).copy(copy, 64 + i * STRIDE);
    return copy;
  };
  const cut = (length: number) => Buffer.from(blob.subarray(0, length));

  test("the untouched blob reads back whole (control)", async () => {
    const result = await attempt(blob);
    expect(result.stage).toBe("none");
    expect(result.released.equals(plaintext)).toBe(true);
  });

  test("every header byte is protected: flipping any one fails at open", async () => {
    for (let at = 0; at < 64; at += 1) {
      for (const bit of [0x01, 0x80]) expectRefused(await attempt(flip(at, bit)), "open");
    }
  });

  test.each([
    ["a ciphertext bit in segment 1", () => flip(64 + STRIDE + 100), "read", 1],
    ["a tag bit in segment 2", () => flip(64 + 2 * STRIDE + S + 3), "read", 2],
    ["the first byte of segment 0", () => flip(64, 0x80), "read", 0],
    ["a bit in the final segment", () => flip(blob.length - 20), "open", 0],
    ["a bit in the final tag", () => flip(blob.length - 1), "open", 0],
    ["segments 0 and 1 swapped", () => swap(0, 1), "read", 0],
    ["segments 1 and 4 swapped", () => swap(1, 4), "read", 1],
    ["the final segment swapped with segment 3", () => swap(3, last), "open", 0],
    ["segment 2 taken from an older blob of the same image and key", () => splice(2, older.blob), "read", 2],
  ] as const)("refuses %s", async (_what, make, stage, verified) => {
    expectRefused(await attempt(make()), stage, verified, "authentication_failed");
  });

  test("a range read of a damaged segment releases nothing", async () => {
    const damaged = flip(64 + 3 * STRIDE + 5);
    expectRefused(await attempt(damaged, {}, [3 * S, 3 * S + 10]), "read", 0, "authentication_failed");
  });

  test.each([
    ["dropping the last segment", () => cut(64 + last * STRIDE)],
    ["dropping the last two segments", () => cut(64 + (last - 1) * STRIDE)],
    ["cutting the last segment short", () => cut(blob.length - 1)],
    ["cutting mid-segment", () => cut(64 + 3 * STRIDE + 500)],
    ["keeping only the header and a tag", () => cut(80)],
    ["keeping only the header", () => cut(64)],
    ["an empty file", () => Buffer.alloc(0)],
    ["one appended byte", () => Buffer.concat([blob, Buffer.of(0)])],
    ["an appended tag-sized block", () => Buffer.concat([blob, randomBytes(16)])],
    ["a segment appended after the final one", () => Buffer.concat([blob, segment(blob, 1)])],
  ] as const)("refuses at open a blob after %s", async (_what, make) => {
    expectRefused(await attempt(make()), "open");
  });

  test.each([
    ["another image id (blob moved between images)", { imageId: "img-8" }, "commitment_mismatch"],
    ["another data key", { dataKey: randomBytes(32) }, "wrong_key"],
    ["a commitment of the wrong length", { commitment: original.commitment.subarray(0, 16) }, "commitment_mismatch"],
  ] as const)("refuses at open %s", async (_what, overrides, reason) => {
    expectRefused(await attempt(blob, overrides), "open", 0, reason);
  });

  test("rollback: an older blob of the same image is refused against the current commitment", async () => {
    expectRefused(await attempt(older.blob), "open", 0, "commitment_mismatch");
    expect((await attempt(older.blob, { commitment: older.commitment })).stage).toBe("none");
  });
});

// Large: blobs of up to 2 MiB are read whole at open, so only a larger one is read after it.
test("a large file truncated after it was opened fails on read", async () => {
  const plaintext = randomBytes(4000 * S);
  const { blob, commitment } = encryptBlob(plaintext, { dataKey, imageId, segmentLog2: 10 });
  const dir = await mkdtemp(join(tmpdir(), "pixvault-tamper-"));
  try {
    const path = join(dir, "blob");
    await writeFile(path, blob);
    await using opened = await openDecrypting((await openDiskBlob(path))!, { dataKey, imageId, commitment });
    await truncate(path, 64 + 3000 * STRIDE);
    const released: Uint8Array[] = [];
    let error: unknown;
    try {
      for await (const chunk of opened.readAll()) released.push(chunk);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).reason).toBe("malformed");
    const got = Buffer.concat(released);
    expect(got.length).toBeLessThan(3000 * S + 1);
    expect(got.equals(plaintext.subarray(0, got.length))).toBe(true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
