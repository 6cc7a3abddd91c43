// The previews' peer: Debian's `vipsthumbnail` (libvips-tools) making the two sizes pixvault
// makes — longest edge 400 and 2048, auto-rotated, metadata stripped, WebP at pixvault's quality
// and effort — from the same files, one process per size over all of them (its best case: no
// start-up per file). libvips uses its default thread pool, as sharp does inside pixvault.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export interface PeerRun {
  seconds: number;
  /** User + system CPU seconds of the two processes. */
  cpuSeconds: number;
  /** Bytes of the thumbs it wrote, for comparison with pixvault's. */
  thumbBytes: number;
}

/** Why vipsthumbnail cannot run, or undefined. */
export function vipsthumbnailUnavailable(): string | undefined {
  return Bun.which("vipsthumbnail") ? undefined : "vipsthumbnail is not installed (Debian: apt-get install libvips-tools)";
}

export function vipsVersion(): string {
  return spawnSync("vipsthumbnail", ["--vips-version"], { encoding: "utf8" }).stdout.trim();
}

/** thumb (400) then display (2048) of every file into `outDir`. */
export function vipsthumbnailBoth(files: string[], outDir: string): PeerRun {
  mkdirSync(outDir, { recursive: true });
  let cpuSeconds = 0;
  const started = performance.now();
  for (const [size, edge] of [
    ["thumb", 400],
    ["display", 2048],
  ] as const) {
    const out = Bun.spawnSync(["vipsthumbnail", "-s", String(edge), "-o", join(outDir, `%s-${size}.webp[Q=80,effort=2,strip]`), ...files], {
      stdout: "ignore",
      stderr: "pipe",
    });
    if (out.exitCode !== 0) throw new Error(`vipsthumbnail -s ${edge} failed: ${out.stderr.toString().slice(0, 300)}`);
    const cpu = out.resourceUsage?.cpuTime;
    if (cpu) cpuSeconds += Number(cpu.user + cpu.system) / 1e6; // microseconds
  }
  const seconds = (performance.now() - started) / 1000;
  const thumbBytes = readdirSync(outDir)
    .filter((name) => name.endsWith("-thumb.webp"))
    .reduce((sum, name) => sum + statSync(join(outDir, name)).size, 0);
  return { seconds, cpuSeconds, thumbBytes };
}
