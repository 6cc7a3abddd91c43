// Loads sharp (libvips) from source and from inside the compiled executable, or says in one line why it cannot.
//
// Why this exists (lovell/sharp#4283, oven-sh/bun#25395): `bun build --compile` embeds sharp's
// addon and libvips-cpp.so, but the addon finds libvips through its RPATH, which points into a
// node_modules that the executable does not have. So libvips is written once into a directory
// the process owns (under the data directory: /tmp may be mounted noexec), checked by SHA-256,
// and dlopen'ed by absolute path, which registers its soname; the addon's dependency on that
// soname is then satisfied when sharp's CommonJS entry loads it (the ESM entry fails compiled).
// The addon itself goes to the same directory (Bun would write it into $TMPDIR).
// Prebuilt libvips needs glibc >= 2.28 and an x86-64-v2 CPU; without them the addon would fail
// to load or die on an illegal instruction, so both are checked first.
import libvipsEmbedded from "@img/sharp-libvips-linux-x64/binary" with { type: "file" };
import { dlopen, FFIType } from "bun:ffi";
import type SharpModule from "sharp";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, isAbsolute, join } from "node:path";

export type Sharp = typeof SharpModule;

export type SharpLoad =
  | { readonly ok: true; readonly sharp: Sharp; readonly libvips: string; readonly vipsVersion: string }
  | { readonly ok: false; readonly reason: string };

export interface SharpLoaderOptions {
  /** A directory this process owns (e.g. `<data-dir>/.lib`); libvips is written here when compiled. */
  readonly libDir: string;
  /**
   * Another libvips-cpp.so to use instead of the bundled one (LGPL: the user may replace it). Its
   * soname must be the one sharp's addon was linked against (`libvips-cpp.so.8.18.8` for 0.35.6).
   */
  readonly libvipsOverride?: string;
}

export interface Host {
  readonly platform: string;
  readonly arch: string;
  /** The `flags` line of /proc/cpuinfo, or undefined when unreadable. */
  readonly cpuFlags: string | undefined;
  /** "2.36", or undefined when the C library is not glibc. */
  readonly glibc: string | undefined;
}

const MIN_GLIBC = [2, 28] as const;
// x86-64-v2 in /proc/cpuinfo spelling: CMPXCHG16B, LAHF/SAHF, POPCNT, SSE3 ("pni"), SSE4.1, SSE4.2, SSSE3.
const X86_64_V2_FLAGS = ["cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3"];

/** Why prebuilt sharp cannot run on this host, or null when it can. */
export function hostProblem(host: Host): string | null {
  if (host.platform !== "linux" || host.arch !== "x64") {
    return `image decoding is built for linux-x64 only (this is ${host.platform}-${host.arch})`;
  }
  if (host.cpuFlags !== undefined) {
    const flags = new Set(host.cpuFlags.split(/\s+/));
    const missing = X86_64_V2_FLAGS.filter((f) => !flags.has(f));
    if (missing.length > 0) return `this CPU is not x86-64-v2 (lacks ${missing.join(", ")}), which libvips needs`;
  }
  if (host.glibc === undefined) return "libvips needs glibc 2.28 or newer, and this system's C library is not glibc";
  const [major = 0, minor = 0] = host.glibc.split(".").map(Number);
  if (major < MIN_GLIBC[0] || (major === MIN_GLIBC[0] && minor < MIN_GLIBC[1])) {
    return `libvips needs glibc ${MIN_GLIBC.join(".")} or newer, this system has ${host.glibc}`;
  }
  return null;
}

function readCpuFlags(): string | undefined {
  try {
    return /^flags\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

function readGlibcVersion(): string | undefined {
  try {
    const libc = dlopen("libc.so.6", { gnu_get_libc_version: { args: [], returns: FFIType.cstring } });
    const version = String(libc.symbols.gnu_get_libc_version());
    libc.close();
    return version;
  } catch {
    return undefined;
  }
}

function currentHost(): Host {
  const linux = process.platform === "linux";
  return {
    platform: process.platform,
    arch: process.arch,
    cpuFlags: linux ? readCpuFlags() : undefined,
    glibc: linux ? readGlibcVersion() : undefined,
  };
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const isEmbedded = (path: string) => path.startsWith("/$bunfs/");

/**
 * A file embedded in the executable, as a real file dlopen can map: copied into libDir under a
 * name carrying its hash (two versions never overwrite each other; older copies are removed),
 * written beside and renamed (a concurrent instance never maps half a file), and checked
 * against the embedded bytes each start (a damaged or swapped copy is replaced).
 */
function materialise(embedded: string, libDir: string, stem: string, extension: string): string {
  const bytes = readFileSync(embedded);
  const hash = sha256(bytes).slice(0, 16);
  const target = join(libDir, `${stem}-${hash}${extension}`);
  if (existsSync(target) && sha256(readFileSync(target)).startsWith(hash)) return target;
  mkdirSync(libDir, { recursive: true, mode: 0o700 });
  for (const old of readdirSync(libDir)) {
    // Unlinking a mapped library is safe: the mapping keeps its inode alive.
    if (old.startsWith(`${stem}-`) && old !== basename(target)) rmSync(join(libDir, old), { force: true });
  }
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, bytes, { mode: 0o500 });
  renameSync(partial, target);
  if (!sha256(readFileSync(target)).startsWith(hash)) throw new Error(`${target} does not hold what was written`);
  return target;
}

/**
 * Requires sharp. Compiled, Bun would write its addon into $TMPDIR to dlopen it (possibly noexec,
 * and not ours), so process.dlopen is wrapped for this one require to map a copy in libDir.
 */
function requireSharp(libDir: string): Sharp {
  const dlopenAddon = process.dlopen;
  process.dlopen = (module, filename, flags) =>
    dlopenAddon.call(
      process,
      module as { exports: unknown },
      isEmbedded(filename) ? materialise(filename, libDir, "sharp", ".node") : filename,
      flags,
    );
  try {
    return require("sharp") as Sharp;
  } finally {
    process.dlopen = dlopenAddon;
  }
}

// Kept for the life of the process: closing it would unmap the code sharp runs on.
let libvipsHandle: { symbols: { vips_version_string: () => unknown } } | undefined;
let loaded: SharpLoad | undefined;

/** The first line of a load failure that says what failed (sharp's own first line is generic). */
function firstCause(e: unknown): string {
  const lines = (e instanceof Error ? e.message : String(e)).split("\n").filter(Boolean);
  return (lines[0]?.startsWith('Could not load the "sharp" module') ? lines[1] : lines[0]) ?? "unknown error";
}

/**
 * sharp, ready to use, or the one-line reason it is unavailable. Once libvips is mapped the
 * answer holds for the whole process (a shared library cannot be unloaded), so later calls
 * return it; an answer given before that (wrong host, bad override) can change on a retry.
 */
export function loadSharp(options: SharpLoaderOptions, host: Host = currentHost()): SharpLoad {
  if (loaded) return loaded;
  const problem = hostProblem(host);
  if (problem) return { ok: false, reason: problem };
  const override = options.libvipsOverride;
  if (override !== undefined && !(isAbsolute(override) && existsSync(override))) {
    return { ok: false, reason: `the libvips override is not an absolute path to a file: ${override}` };
  }
  let libvips: string;
  try {
    libvips =
      override ?? (isEmbedded(libvipsEmbedded) ? materialise(libvipsEmbedded, options.libDir, "libvips-cpp", ".so") : libvipsEmbedded);
    libvipsHandle = dlopen(libvips, { vips_version_string: { args: [], returns: FFIType.cstring } });
  } catch (e) {
    return { ok: false, reason: `libvips could not be loaded: ${firstCause(e)}` };
  }
  try {
    const vipsVersion = String(libvipsHandle.symbols.vips_version_string());
    const sharp = requireSharp(options.libDir);
    // Each original is decoded once; libvips' operation cache would only hold on to its memory.
    sharp.cache(false);
    loaded = { ok: true, sharp, libvips, vipsVersion };
  } catch (e) {
    loaded = { ok: false, reason: `sharp could not be loaded with ${libvips}: ${firstCause(e)}` };
  }
  return loaded;
}
