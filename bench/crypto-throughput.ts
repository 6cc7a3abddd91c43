// Measures PXVB encrypt/decrypt throughput beside raw AES-GCM and `openssl speed` on this machine.
// Run: npx bun bench/crypto-throughput.ts [MiB, default 256]
// Medians swing 2-4x run to run: each 64 KiB output buffer is fresh memory, so GC timing and page
// faults dominate. Here MIMALLOC_PURGE_DELAY=-1 (allocator keeps freed pages) steadied them near the best.
import { spawnSync } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { openDecrypting } from "../src/crypto/stored-blob.ts";
import { openDiskBlob } from "../src/store/disk-blob-reader.ts";
import { createBlobEncryptor } from "../src/crypto/blob-encryptor.ts";
import { blobLengthFor, DEFAULT_SEGMENT_LOG2 } from "../src/crypto/blob-format.ts";
import { openBlob, readFromBytes } from "../src/crypto/blob-reader.ts";

const MIB = 1 << 20;
const size = Number(process.argv[2] ?? 256) * MIB;
const RUNS = 5; // after one warm-up; GC timing makes single runs swing by 2-4x
const UPLOAD_CHUNK = MIB; // what a request body typically hands over per read
const dataKey = randomBytes(32);
const imageId = "bench-image";
const plaintext = randomBytes(size);
const blob = Buffer.allocUnsafe(blobLengthFor(size, DEFAULT_SEGMENT_LOG2));
let commitment: Buffer = Buffer.alloc(0);

/** MB/s (10^6 bytes, the unit openssl prints as "k" × 1000): median and best of RUNS. */
async function throughput(run: () => Promise<void> | void): Promise<{ median: number; best: number }> {
  await run();
  const rates: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    await run();
    rates.push(size / 1e6 / ((performance.now() - started) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { median: rates[Math.floor(RUNS / 2)] ?? 0, best: rates[RUNS - 1] ?? 0 };
}

/** Encrypts the plaintext as an upload would, handing each piece to `write`. */
async function encryptInto(write: (parts: Buffer[]) => Promise<void> | void): Promise<void> {
  const encryptor = createBlobEncryptor({ dataKey, imageId });
  await write([encryptor.header]);
  for (let at = 0; at < size; at += UPLOAD_CHUNK) await write(encryptor.push(plaintext.subarray(at, at + UPLOAD_CHUNK)));
  await write(encryptor.finish());
  commitment = encryptor.commitment;
}

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<void> {
  let total = 0;
  for await (const chunk of chunks) total += chunk.length;
  if (total !== size) throw new Error(`decrypted ${total} bytes, expected ${size}`);
}

const encrypt = await throughput(() => {
  let at = 0;
  return encryptInto((parts) => {
    for (const part of parts) at += part.copy(blob, at); // stands in for write(): one copy
  });
});

const decrypt = await throughput(async () => {
  const opened = await openBlob({ dataKey, imageId, commitment, blobLength: blob.length, read: readFromBytes(blob) });
  await drain(opened.readAll());
});

const dir = await mkdtemp(join(tmpdir(), "pixvault-bench-"));
const path = join(dir, "blob");
let encryptFile: Awaited<ReturnType<typeof throughput>>;
let decryptFile: Awaited<ReturnType<typeof throughput>>;
try {
  encryptFile = await throughput(async () => {
    await using handle = await open(path, "w");
    await encryptInto(async (parts) => {
      await handle.writev(parts);
    });
  });
  decryptFile = await throughput(async () => {
    await using opened = await openDecrypting((await openDiskBlob(path))!, { dataKey, imageId, commitment });
    await drain(opened.readAll());
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}

// In-process ceiling: bare AES-256-GCM over 64 KiB calls, no format.
const raw = await throughput(() => {
  const nonce = randomBytes(12);
  for (let at = 0; at < size; at += 65536) {
    const cipher = createCipheriv("aes-256-gcm", dataKey, nonce, { authTagLength: 16 });
    cipher.update(plaintext.subarray(at, at + 65536));
    cipher.final();
    cipher.getAuthTag();
  }
});

function opensslSpeed(): number | undefined {
  const args = ["speed", "-evp", "aes-256-gcm", "-bytes", "65536", "-seconds", "3"];
  const result = spawnSync("openssl", args, { encoding: "utf8" });
  if (result.error || result.status !== 0) return undefined;
  const match = /^aes-256-gcm\s+([\d.]+)k\s*$/im.exec(result.stdout);
  return match?.[1] ? (Number(match[1]) * 1000) / 1e6 : undefined;
}
const openssl = opensslSpeed();

const row = (name: string, rate: { median: number; best: number }) =>
  console.log(`| ${name} | ${rate.median.toFixed(0)} | ${rate.best.toFixed(0)} |`);
console.log(`PXVB throughput: ${size / MIB} MiB, 64 KiB segments, 1 MiB pushes, single thread, ${RUNS} runs after a warm-up`);
console.log(`Bun ${Bun.version}, ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} CPUs\n`);
console.log("| path | median MB/s | best MB/s |");
console.log("| --- | ---: | ---: |");
row("PXVB encrypt, in memory", encrypt);
row("PXVB encrypt, writev to a temp file (no fsync)", encryptFile);
row("PXVB decrypt, in memory, full range", decrypt);
row("PXVB decrypt, file reader, full range (page cache warm)", decryptFile);
row("node:crypto AES-256-GCM alone, 64 KiB calls", raw);
const opensslCell = openssl === undefined ? "n/a (openssl not found)" : openssl.toFixed(0);
console.log(`| openssl speed -evp aes-256-gcm -bytes 65536, encrypt | ${opensslCell} | ${opensslCell} |`);
