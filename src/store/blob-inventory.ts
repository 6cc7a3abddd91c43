// What is on disk under the blob directory: stored blobs (by id) and leftover temp files,
// with their ages, for fsck. Walks the two fan-out levels; never follows other entries.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { TEMP_DIR } from "./blob-layout.ts";

export interface BlobFile {
  /** The image id for a stored blob; the file name for a temp file. */
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly modifiedMs: number;
}

const FAN_OUT = /^[A-Za-z0-9_-]{2}$/;

async function entries(dir: string) {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}

async function described(path: string, name: string): Promise<BlobFile | undefined> {
  try {
    const stat = await fs.stat(path);
    return { name, path, size: stat.size, modifiedMs: stat.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined; // deleted meanwhile
    throw e;
  }
}

/** Every stored blob file, `blobs/ab/cd/<id>`. */
export async function* storedBlobs(root: string): AsyncGenerator<BlobFile> {
  for (const first of await entries(root)) {
    if (!first.isDirectory() || !FAN_OUT.test(first.name)) continue;
    for (const second of await entries(join(root, first.name))) {
      if (!second.isDirectory() || !FAN_OUT.test(second.name)) continue;
      const dir = join(root, first.name, second.name);
      for (const file of await entries(dir)) {
        if (!file.isFile()) continue;
        const found = await described(join(dir, file.name), file.name);
        if (found) yield found;
      }
    }
  }
}

/** Temp files of uploads that never committed (or are committing right now: check the age). */
export async function* tempFiles(root: string): AsyncGenerator<BlobFile> {
  const dir = join(root, TEMP_DIR);
  for (const file of await entries(dir)) {
    if (!file.isFile()) continue;
    const found = await described(join(dir, file.name), file.name);
    if (found) yield found;
  }
}

export async function removeBlobFile(file: BlobFile): Promise<void> {
  await fs.rm(file.path, { force: true });
}
