// The files a push looks at: every regular file under the given paths (directories walked
// recursively, in name order), each judged by its bytes with the server's own image probe and
// hashed (sha256) in the same single read.
import { createHash } from "node:crypto";
import { open, readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../config-values.ts";
import { createImageProbe } from "../media/image-probe.ts";

interface LocalFile {
  readonly path: string;
}

export interface Walked {
  readonly files: LocalFile[];
  /** Directories that could not be read, in one line each. */
  readonly unreadable: string[];
}

/** Every file under `paths`; a path that does not exist is a usage error. Symlinked directories are followed once. */
export async function walk(paths: readonly string[]): Promise<Walked> {
  const files: LocalFile[] = [];
  const unreadable: string[] = [];
  const seen = new Set<string>();
  const visit = async (path: string, given: boolean): Promise<void> => {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (e) {
      if (given) throw new ConfigError(`${path}: ${errnoText(e)}`);
      unreadable.push(`${path}: ${errnoText(e)}`);
      return;
    }
    if (info.isFile()) {
      files.push({ path });
      return;
    }
    if (!info.isDirectory()) return; // sockets, fifos, devices: not files to send
    const real = await realpath(path);
    if (seen.has(real)) return; // a symlink loop, or the same folder given twice
    seen.add(real);
    let names: string[];
    try {
      names = (await readdir(path)).sort();
    } catch (e) {
      unreadable.push(`${path}: ${errnoText(e)}`);
      return;
    }
    for (const name of names) await visit(join(path, name), false);
  };
  for (const path of paths) await visit(path, true);
  return { files, unreadable };
}

export type Scan =
  | { readonly kind: "image"; readonly size: number; readonly sha256: string; readonly contentType: string }
  | { readonly kind: "other"; readonly size: number; readonly detected?: string };

// The server decides after this many bytes whether the head already rules an image out.
const EARLY_SNIFF_BYTES = 8192;

// Bytes per read. Read straight into one buffer per file (the probe copies what it keeps, the hash
// what it needs): a fs.ReadStream costs ~2.5× the CPU here (bench/push.ts, a second push of 200 × 500 KB).
const READ_BYTES = 1024 * 1024;

/** What the server would make of the file, and its sha256 when it is an image. Throws on a read error. */
export async function scanFile(path: string): Promise<Scan> {
  const probe = createImageProbe();
  const hash = createHash("sha256");
  let size = 0;
  let sniffed = false;
  const file = await open(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, READ_BYTES, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      size += bytesRead;
      probe.push(chunk);
      hash.update(chunk);
      if (!sniffed && size >= EARLY_SNIFF_BYTES) {
        sniffed = true;
        const rejected = await probe.earlyRejection();
        if (rejected) return other(size, rejected.detected);
      }
    }
  } finally {
    await file.close();
  }
  const verdict = await probe.finish();
  if (!verdict.ok) return other(size, verdict.reason === "empty" ? "empty" : verdict.detected);
  return { kind: "image", size, sha256: hash.digest("hex"), contentType: verdict.contentType };
}

const other = (size: number, detected: string | undefined): Scan =>
  detected === undefined ? { kind: "other", size } : { kind: "other", size, detected };

export function errnoText(e: unknown): string {
  const error = e as NodeJS.ErrnoException;
  if (error.code === "ENOENT") return "no such file or directory";
  if (error.code === "EACCES" || error.code === "EPERM") return "permission denied";
  if (error.code === "EISDIR") return "is a directory";
  return (error.code ?? error.message ?? String(e)).split("\n", 1)[0]!;
}

/** Any failure in one line: a filesystem error by its code, anything else by the first line of its message. */
export function describeError(e: unknown): string {
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === "string") return errnoText(e);
  return (e instanceof Error ? e.message : String(e)).split("\n", 1)[0]!;
}
