// `npm run bench:previews`: SPEC §8's preview workloads alone (the same ones `npm run bench`
// runs after its others), pixvault only, with Debian's vipsthumbnail (libvips-tools) as the peer
// and libheif's heif-enc (libheif-examples) to make HEIC input; either missing is said in the
// report and its rows are skipped. Printed; RESULTS.md untouched. The server is src/ compiled
// like `npm run build` (PIXVAULT_BIN overrides).
// Env: BENCH_QUICK=1 (8 photos, 2 large, one upload round), BENCH_BULK_ROUNDS (3), BENCH_DIR.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pngOfSize } from "../tests/support/images.ts";
import { config } from "./config.ts";
import { benchBaseDir, machineSummary } from "./lib/machine.ts";
import { fmt, sha256Hex } from "./lib/stats.ts";
import { pixvaultBuild } from "./pixvault.ts";
import { previewSection } from "./preview-report.ts";
import { measurePreviews } from "./preview-suite.ts";

const started = performance.now();
const say = (line: string) => console.error(`[${fmt((performance.now() - started) / 1000)} s] ${line}`);
const work = mkdtempSync(join(benchBaseDir(), "pixvault-bench-previews-"));

try {
  const machine = machineSummary(work);
  const build = pixvaultBuild(join(work, "build"));
  say(`pixvault: ${build.description}; data in ${work}`);
  const payload = (seed: number) => {
    const bytes = pngOfSize(config.bulkBytes, seed);
    return { bytes, sha256: sha256Hex(bytes) };
  };
  const bulk = Array.from({ length: config.bulkCount }, (_, i) => payload(i + 1));
  const warm = Array.from({ length: 16 }, (_, i) => payload(2_000_000 + i));
  const m = await measurePreviews(build, work, bulk, warm, say);
  console.log(
    [
      `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC in ${fmt((performance.now() - started) / 1000, 0)} s${config.quick ? " with BENCH_QUICK=1" : ""}, on ${machine}.`,
      `Server: ${build.description}; client (Bun fetch) on the same machine.`,
      "",
      ...previewSection(m),
    ].join("\n"),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
