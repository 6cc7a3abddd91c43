// The data directory's lock file: one process at a time may hold it (a server, or a key rotation).
//
// Why flock(2) through bun:ffi and not a pid file: the kernel drops a flock when its holder dies,
// kill -9 included, so a crash never leaves a stale lock that blocks the restart; and it works
// where pids mean nothing — two containers sharing one volume each have their own pid 1, so a
// pid-file liveness check would take the other container's lock for its own. The pid written
// into the file only names the holder in the refusal.
import { dlopen, FFIType, read } from "bun:ffi";
import { closeSync, constants, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { constants as os } from "node:os";
import { join } from "node:path";

export const LOCK_FILE = "pixvault.lock";

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

export interface LockHolder {
  readonly pid: number;
  readonly command: string;
}

export interface DataDirLock {
  release(): void;
}

/** The lock, or who holds it (undefined when the holder has not written its name yet). */
export type LockAttempt = { readonly lock: DataDirLock } | { readonly heldBy: LockHolder | undefined };

/** Takes the lock on `dataDir` (which must exist) for `command`, without waiting. */
export function lockDataDir(dataDir: string, command: string): LockAttempt {
  const path = join(dataDir, LOCK_FILE);
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  const errno = flock(fd, LOCK_EX | LOCK_NB);
  if (errno !== 0) {
    closeSync(fd);
    if (errno === os.errno.EWOULDBLOCK || errno === os.errno.EAGAIN) return { heldBy: readHolder(path) };
    throw new Error(`cannot lock ${path}: ${errnoName(errno)} (does this filesystem support locks?)`);
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${JSON.stringify({ pid: process.pid, command })}\n`, 0);
  let held = true;
  return {
    lock: {
      release() {
        if (!held) return;
        held = false;
        ftruncateSync(fd, 0);
        flock(fd, LOCK_UN);
        closeSync(fd);
      },
    },
  };
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<LockHolder>;
    if (typeof parsed.pid === "number" && typeof parsed.command === "string") return { pid: parsed.pid, command: parsed.command };
  } catch {
    // empty (the holder took the lock a moment ago) or not ours
  }
  return undefined;
}

interface Libc {
  flock(fd: number, operation: number): number;
  errno(): number;
}

let libc: Libc | undefined;

/** flock(2); 0, or the errno of the failure. */
function flock(fd: number, operation: number): number {
  libc ??= openLibc();
  return libc.flock(fd, operation) === 0 ? 0 : libc.errno();
}

function openLibc(): Libc {
  const darwin = process.platform === "darwin";
  const names = darwin ? ["libc.dylib"] : ["libc.so.6", `libc.musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`];
  const errnoSymbol = darwin ? "__error" : "__errno_location";
  for (const name of names) {
    try {
      const { symbols } = dlopen(name, {
        flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
        [errnoSymbol]: { args: [], returns: FFIType.ptr },
      });
      const errnoAt = symbols[errnoSymbol]!;
      return {
        flock: (fd, operation) => symbols.flock(fd, operation),
        errno: () => {
          const at = errnoAt();
          return at === null ? -1 : read.i32(at, 0);
        },
      };
    } catch {
      // not this platform's C library; try the next name
    }
  }
  throw new Error(`cannot load the C library to lock the data directory (tried ${names.join(", ")})`);
}

function errnoName(errno: number): string {
  return Object.entries(os.errno).find(([, value]) => value === errno)?.[0] ?? `errno ${errno}`;
}
