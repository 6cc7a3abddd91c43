// PXVB blobs: round trips at edge sizes, range reads, positional access, pinned test vectors.
import { describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDecrypting } from "../../src/crypto/stored-blob.ts";
import { openDiskBlob } from "../../src/store/disk-blob-reader.ts";
import { createBlobEncryptorWithNonces, encryptBlob, encryptStream } from "../../src/crypto/blob-encryptor.ts";
import { blobLengthFor } from "../../src/crypto/blob-format.ts";
import { type OpenedBlob, openBlob, type ReadAt, readFromBytes } from "../../src/crypto/blob-reader.ts";

const seq = (start: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (start + i) & 0xff));
const dataKey = randomBytes(32);
const imageId = "img-42";

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

function open(blob: Buffer, commitment: Buffer, read: ReadAt = readFromBytes(blob)): Promise<OpenedBlob> {
  return openBlob({ dataKey, imageId, commitment, blobLength: blob.length, read });
}

describe.each([10, 16])("segment size 2^%d", (log2) => {
  const S = 2 ** log2;
  test.each([0, 1, S - 1, S, S + 1, 2 * S, 5 * S + 123])("round trips %d bytes", async (size) => {
    const plaintext = randomBytes(size);
    const { blob, commitment } = encryptBlob(plaintext, { dataKey, imageId, segmentLog2: log2 });
    expect(blob.length).toBe(blobLengthFor(size, log2));
    expect(blob.subarray(0, 4).toString("latin1")).toBe("PXVB");
    const opened = await open(blob, commitment);
    expect(opened.plaintextLength).toBe(size);
    expect(opened.segmentSize).toBe(S);
    expect((await collect(opened.readAll())).equals(plaintext)).toBe(true);
  });

  test("range reads equal the slice they name", async () => {
    const plaintext = randomBytes(5 * S + 123);
    const { blob, commitment } = encryptBlob(plaintext, { dataKey, imageId, segmentLog2: log2 });
    const opened = await open(blob, commitment);
    const last = plaintext.length - 1;
    const ranges = [
      [0, 0],
      [last, last],
      [S - 1, S],
      [S, 2 * S - 1],
      [S - 5, 3 * S + 5],
      [5 * S, last],
      [7, last - 7],
      [0, last],
    ];
    for (const [start = 0, end = 0] of ranges) {
      const got = await collect(opened.readRange(start, end));
      expect(got.equals(plaintext.subarray(start, end + 1))).toBe(true);
    }
    expect(() => opened.readRange(0, last + 1).next()).toThrow(RangeError);
    expect(() => opened.readRange(3, 2).next()).toThrow(RangeError);
  });
});

test("output does not depend on how the upload is chunked", () => {
  const plaintext = randomBytes(3 * 1024 + 17);
  const encrypt = (chunkSize: number) => {
    const e = createBlobEncryptorWithNonces({ dataKey, imageId, segmentLog2: 10, salt: seq(1, 32), noncePrefix: seq(2, 7) });
    const parts = [e.header];
    for (let at = 0; at < plaintext.length; at += chunkSize) parts.push(...e.push(plaintext.subarray(at, at + chunkSize)));
    parts.push(...e.finish());
    return Buffer.concat(parts);
  };
  const whole = encrypt(plaintext.length);
  for (const chunkSize of [1, 1000, 1024, 1025, 4096]) expect(encrypt(chunkSize).equals(whole)).toBe(true);
});

test("each write gets a fresh salt, so equal inputs give unrelated blobs and commitments", () => {
  const plaintext = randomBytes(100);
  const a = encryptBlob(plaintext, { dataKey, imageId });
  const b = encryptBlob(plaintext, { dataKey, imageId });
  expect(a.blob.subarray(24, 56).equals(b.blob.subarray(24, 56))).toBe(false);
  expect(a.blob.subarray(64).equals(b.blob.subarray(64))).toBe(false);
  expect(a.commitment.equals(b.commitment)).toBe(false);
});

test("a small blob is fetched in one read", async () => {
  const plaintext = randomBytes(100_000);
  const { blob, commitment } = encryptBlob(plaintext, { dataKey, imageId, segmentLog2: 10 });
  const reads: Array<[number, number]> = [];
  const opened = await open(blob, commitment, async (offset, length) => {
    reads.push([offset, length]);
    return blob.subarray(offset, offset + length);
  });
  expect((await collect(opened.readAll())).equals(plaintext)).toBe(true);
  expect(reads).toEqual([[0, blob.length]]);
});

test("a range read fetches only the segments it overlaps, in bounded reads", async () => {
  const S = 1024;
  const plaintext = randomBytes(2000 * S);
  const { blob, commitment } = encryptBlob(plaintext, { dataKey, imageId, segmentLog2: 10 });
  const reads: Array<[number, number]> = [];
  const opened = await open(blob, commitment, async (offset, length) => {
    reads.push([offset, length]);
    return blob.subarray(offset, offset + length);
  });
  reads.length = 0; // header and final segment were read at open
  const got = await collect(opened.readRange(2 * S + 10, 3 * S + 10));
  expect(got.equals(plaintext.subarray(2 * S + 10, 3 * S + 11))).toBe(true);
  expect(reads).toEqual([[64 + 2 * (S + 16), 2 * (S + 16)]]);

  reads.length = 0;
  await collect(opened.readAll());
  expect(Math.max(...reads.map(([, length]) => length))).toBeLessThanOrEqual(1 << 20);
  expect(reads.reduce((sum, [, length]) => sum + length, 0)).toBe(blob.length - 64 - (S + 16));
});

test("encryptStream pipes a Web ReadableStream and the file reader decrypts it", async () => {
  const plaintext = randomBytes(200_000);
  const source = new Blob([plaintext]).stream();
  const { commitment, chunks } = encryptStream(source, { dataKey, imageId });
  const dir = await mkdtemp(join(tmpdir(), "pixvault-blob-"));
  try {
    const path = join(dir, "blob");
    await writeFile(path, await collect(chunks));
    await using opened = await openDecrypting((await openDiskBlob(path))!, { dataKey, imageId, commitment });
    expect(opened.plaintextLength).toBe(plaintext.length);
    expect((await collect(opened.readAll())).equals(plaintext)).toBe(true);
    const [a, b] = [65_530, 140_000];
    expect((await collect(opened.readRange(a, b))).equals(plaintext.subarray(a, b + 1))).toBe(true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe("FORMAT.md test vectors", () => {
  const vectorKey = seq(0x00, 32);
  const vector = (plaintext: Buffer, segmentLog2: number) => {
    const options = { dataKey: vectorKey, imageId: "img-vector-1", segmentLog2, salt: seq(0x20, 32), noncePrefix: seq(0x40, 7) };
    const e = createBlobEncryptorWithNonces(options);
    const blob = Buffer.concat([e.header, ...e.push(plaintext), ...e.finish()]);
    return { blob, commitment: e.commitment };
  };
  const commitment = "2628374539a3ea0d54057e526fbc9fc02c682d8e6c8d7080aee2f3dbd255c1b7";
  const header = (log2: string) =>
    `50585642${log2}000066d4172093e843fe3a93b54221d9d8c9202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041424344454600`;

  test("A: 20 bytes, default segments", () => {
    const { blob, commitment: c } = vector(Buffer.from("pixvault test vector"), 16);
    expect(blob.toString("hex")).toBe(`${header("0110")}cb8c78a527b7d08255ee241ba98ae34c38a7bf176bfcb9b830e8e68670f972f58ffb6a55`);
    expect(c.toString("hex")).toBe(commitment);
  });

  test("B: empty plaintext", () => {
    expect(vector(Buffer.alloc(0), 16).blob.toString("hex")).toBe(`${header("0110")}fd8eac707294372ecc0c8eea4e63b7ff`);
  });

  test("C: 2100 bytes in three 1 KiB segments", async () => {
    const plaintext = Buffer.from(Array.from({ length: 2100 }, (_, i) => i % 251));
    const { blob, commitment: c } = vector(plaintext, 10);
    expect(blob.length).toBe(2212);
    expect(blob.subarray(0, 64).toString("hex")).toBe(header("010a"));
    const tags = [1104, 2144, 2212].map((end) => blob.subarray(end - 16, end).toString("hex"));
    expect(tags).toEqual(["b597823ed018fb63ffa18e56632c884b", "d431d3e59ec4b01c45e61d551df49a5b", "a4985b7a79f24a94a24a9b0477e6a3f3"]);
    expect(createHash("sha256").update(blob).digest("hex")).toBe("95f5a33e21e6e036d8db4c69466d02f37bff352ea6a806efc206ee4384424de0");
    const opened = await openBlob({
      dataKey: vectorKey,
      imageId: "img-vector-1",
      commitment: c,
      blobLength: blob.length,
      read: readFromBytes(blob),
    });
    expect((await collect(opened.readAll())).equals(plaintext)).toBe(true);
  });
});
