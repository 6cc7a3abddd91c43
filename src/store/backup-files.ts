// The file work of a backup: hard-link or copy one blob, make directories, fsync. Whatever the
// umask, what it writes is the owner's alone: files 0600, directories 0700 (password hashes and
// wrapped keys are in the snapshot).
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { dirname } from "node:path";

/** Blobs never change once written, so a hard link is as good as a copy and costs nothing; across filesystems they are copied. */
export function linkOrCopy(from: string, to: string): "linked" | "copied" | "vanished" {
  try {
    linkSync(from, to);
    // A link shares the live blob's inode, mode included: a looser one (written by an older
    // version, or restored by hand) is copied instead, and the live file is left as it is.
    if ((statSync(to).mode & 0o777) === 0o600) return "linked";
    unlinkSync(to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "vanished";
    if (code !== "EXDEV" && code !== "EPERM" && code !== "EMLINK") throw e;
  }
  try {
    copyFileSync(from, to, constants.COPYFILE_EXCL);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" && !existsSync(to)) return "vanished";
    throw e;
  }
  chmodSync(to, 0o600);
  fsyncPath(to);
  return "copied";
}

/** mkdir -p below `root`, each directory made 0700 whatever the umask; `made` remembers them. */
export function makePrivateDirs(root: string, dir: string, made: Set<string>): void {
  if (dir === root || made.has(dir)) return;
  makePrivateDirs(root, dirname(dir), made);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  chmodSync(dir, 0o700);
  made.add(dir);
}

export function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
