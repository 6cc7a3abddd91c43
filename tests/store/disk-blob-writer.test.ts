// The disk blob writer against a real directory: what a crash-free upload and an abandoned one
// leave on disk, for blobs large enough that flushes start while the body is still arriving.
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { diskBlobStore } from "../../src/store/blob-store.ts";
import { blobPath, TEMP_DIR } from "../../src/store/blob-layout.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshStore() {
  const dir = mkdtempSync(join(tmpdir(), "pixvault-blobs-"));
  dirs.push(dir);
  return { dir, store: diskBlobStore(dir) };
}

// 21 MiB in uneven chunks: past the early-flush threshold twice, with writes landing while a flush runs.
const chunks = Array.from({ length: 21 }, (_, i) => randomBytes(1024 * 1024 + (i % 3) * 7));

test("a blob written across several early flushes is stored byte for byte, with no temp file left", async () => {
  const { dir, store } = freshStore();
  const writer = await store.create("img-large");
  for (const chunk of chunks) await writer.write([chunk]);
  await writer.commit();
  expect(readFileSync(blobPath(dir, "img-large")).equals(Buffer.concat(chunks))).toBe(true);
  expect(readdirSync(join(dir, TEMP_DIR))).toEqual([]);
});

test("an upload abandoned after early flushes leaves neither a blob nor a temp file", async () => {
  const { dir, store } = freshStore();
  const writer = await store.create("img-gone");
  for (const chunk of chunks.slice(0, 12)) await writer.write([chunk]);
  await writer.abort();
  expect(readdirSync(join(dir, TEMP_DIR))).toEqual([]);
  expect(() => readFileSync(blobPath(dir, "img-gone"))).toThrow();
  // The store still takes new blobs afterwards (no descriptor was left to a late flush).
  const next = await store.create("img-next");
  await next.write([chunks[0]!]);
  await next.commit();
  expect(readFileSync(blobPath(dir, "img-next")).equals(chunks[0]!)).toBe(true);
});
