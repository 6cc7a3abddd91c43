// What making a stored zip of plaintext files costs on this machine without any server or
// encryption: Info-ZIP's `zip -0` over files on disk (page cache warm), writing the zip to disk
// (no fsync). pixvault's archive download is read against it.
import { spawnSync } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import { MIB, median } from "./stats.ts";

export interface ZipRate {
  /** Median of the runs: the zip's bytes over the wall time of `zip`, MiB/s. */
  mibs: number;
  /** Each run, MiB/s, in run order. */
  runs: number[];
  /** The zip's size, bytes. */
  bytes: number;
}

/** `zip -0 -q <out> <names…>` in `dir`, `runs` times; `out` is removed before each run and at the end. */
export function zipStoreRate(dir: string, names: string[], out: string, runs: number): ZipRate | { skipped: string } {
  if (!Bun.which("zip")) return { skipped: "zip not installed (Debian package `zip`; `npm run bench:setup-peers` installs it)" };
  const rates: number[] = [];
  let bytes = 0;
  try {
    for (let i = 0; i < runs; i++) {
      rmSync(out, { force: true });
      const t = performance.now();
      const r = spawnSync("zip", ["-0", "-q", out, ...names], { cwd: dir, encoding: "utf8" });
      const seconds = (performance.now() - t) / 1000;
      if (r.status !== 0) return { skipped: `zip failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().slice(0, 200)}` };
      bytes = statSync(out).size;
      rates.push(bytes / MIB / seconds);
    }
  } finally {
    rmSync(out, { force: true });
  }
  return { mibs: median(rates), runs: rates, bytes };
}
