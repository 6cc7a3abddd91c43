// Checks that a downloaded zip is what was asked for: the end-of-central-directory record at
// the end of a stream (cheap enough to do while timing), and for a zip on disk, real readers —
// `unzip -t` and Python's zipfile, which also hands back every entry's sha256 to compare.
import { spawnSync } from "node:child_process";

const EOCD_SIGNATURE = 0x06054b50;
export const EOCD_LENGTH = 22;

/** Keeps the last `length` bytes of a stream that arrives in chunks. */
export class Tail {
  private bytes = new Uint8Array(0);
  constructor(private readonly length: number) {}
  push(chunk: Uint8Array): void {
    if (chunk.length >= this.length) {
      this.bytes = chunk.slice(chunk.length - this.length);
    } else {
      const joined = new Uint8Array(this.bytes.length + chunk.length);
      joined.set(this.bytes);
      joined.set(chunk, this.bytes.length);
      this.bytes = joined.slice(Math.max(0, joined.length - this.length));
    }
  }
  get value(): Uint8Array {
    return this.bytes;
  }
}

/**
 * Throws unless `tail` (the last 22 bytes of a `length`-byte zip) is an end-of-central-directory
 * record without comment for `entries` entries, whose central directory ends right before it.
 * ZIP64 archives put 0xFFFF/0xFFFFFFFF here; then only the signature and comment are checked.
 */
export function checkEndRecord(tail: Uint8Array, length: number, entries: number): void {
  if (tail.length !== EOCD_LENGTH) throw new Error(`zip: only ${tail.length} bytes at the end`);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  if (view.getUint32(0, true) !== EOCD_SIGNATURE) throw new Error("zip: the last 22 bytes are not an end-of-central-directory record");
  if (view.getUint16(20, true) !== 0) throw new Error("zip: unexpected archive comment");
  const count = view.getUint16(10, true);
  const size = view.getUint32(12, true);
  const offset = view.getUint32(16, true);
  if (count === 0xffff || offset === 0xffffffff) return; // ZIP64: the real values are in the records before
  if (count !== entries) throw new Error(`zip: end record lists ${count} entries, expected ${entries}`);
  if (offset + size !== length - EOCD_LENGTH)
    throw new Error(`zip: central directory ${offset}+${size} does not end at ${length - EOCD_LENGTH}`);
}

// Reads every entry (zipfile checks each CRC-32 as it reaches the end of it) and prints
// "<sha256> <compress_type> <name>" per entry.
const PYTHON_LISTING = `
import hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        h = hashlib.sha256()
        with z.open(info) as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        print(h.hexdigest(), info.compress_type, info.filename)
`;

/**
 * Verifies the zip at `path` with `unzip -t` and with Python's zipfile: every entry readable,
 * CRC-32s right, stored (not deflated), and exactly the `expected` names with those sha256s.
 * Returns what was checked, for the report; throws on any mismatch.
 */
export function verifyZipFile(path: string, expected: Map<string, string>): string {
  const checked: string[] = [];
  if (Bun.which("unzip")) {
    const out = spawnSync("unzip", ["-tqq", path], { encoding: "utf8" });
    if (out.status !== 0) throw new Error(`unzip -t ${path}: exit ${out.status}: ${(out.stdout + out.stderr).trim().slice(0, 300)}`);
    checked.push("`unzip -t`");
  }
  if (Bun.which("python3")) {
    const out = spawnSync("python3", ["-c", PYTHON_LISTING, path], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    if (out.status !== 0) throw new Error(`python3 zipfile on ${path}: ${out.stderr.trim().split("\n").at(-1)}`);
    const seen = new Map<string, string>();
    for (const line of out.stdout.trim().split("\n")) {
      const [sha256, method, ...name] = line.split(" ");
      if (method !== "0") throw new Error(`zip: ${name.join(" ")} is not stored (method ${method})`);
      seen.set(name.join(" "), sha256!);
    }
    if (seen.size !== expected.size) throw new Error(`zip: ${seen.size} entries, expected ${expected.size}`);
    for (const [name, sha256] of expected) {
      if (seen.get(name) !== sha256)
        throw new Error(`zip: entry ${name} ${seen.has(name) ? "differs from the uploaded file" : "is missing"}`);
    }
    checked.push("Python's zipfile (each entry's sha256 against the uploaded file)");
  }
  return checked.length ? checked.join(" and ") : "not verified (neither unzip nor python3 installed)";
}
