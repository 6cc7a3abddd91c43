// What a data directory (or a bucket) holds on disk, for tests that look behind the API: which
// files exist, and whether any of them contains some bytes in the clear.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Every regular file under `dir`, as paths relative to it (none when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((name) => statSync(join(dir, name)).isFile());
}

/** The files under `dir` whose bytes contain `needle` anywhere. */
export function filesContaining(dir: string, needle: Uint8Array): string[] {
  return filesUnder(dir).filter((name) => readFileSync(join(dir, name)).includes(needle));
}

/** The part blobs of resumable uploads under a blob directory (`<id>.part-<n>`), and temp files. */
export function uploadPartFiles(dir: string): string[] {
  return filesUnder(dir).filter((name) => /\.part-\d+$/.test(name) || name.startsWith(".tmp/"));
}
