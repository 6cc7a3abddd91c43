// Analysis (SPEC §9) in tests: wait for an image's analysis, make solid-colour images for colour search,
// and read the database's bytes to show what analysis learnt is not there in the clear.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import type { ImageBody } from "./api-bodies.ts";
import { imageOnce, testSharp } from "./previews-api.ts";

/** Polls GET /api/v1/images/:id until its analysis is no longer pending. */
export const analysedImage = (url: string, token: string, id: string, timeoutMs = 60_000): Promise<ImageBody> =>
  imageOnce(url, token, id, (image) => image.analysis.status !== "pending", "analysis", timeoutMs);

/** A 300×200 PNG of one colour. */
export const solidPng = (r: number, g: number, b: number): Promise<Buffer> =>
  testSharp()({ create: { width: 300, height: 200, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();

/** Every byte of the database files (the WAL too: recent writes live there until a checkpoint). */
export async function databaseBytes(dataDir: string): Promise<Buffer> {
  const names = (await fs.readdir(dataDir)).filter((name) => name.startsWith("pixvault.db"));
  return Buffer.concat(await Promise.all(names.map((name) => fs.readFile(join(dataDir, name)).catch(() => Buffer.alloc(0)))));
}
