// `pixvault fsck [--repair]`: verify every image, preview and blob; a progress bar on a terminal,
// plain lines otherwise; exit 0 when clean, 1 with one line per problem.
import { ConfigError, parseStorageConfig } from "../config.ts";
import { fsck, type FsckProblem, type FsckProgress } from "../domain/fsck/fsck.ts";
import { createConsoleLogger } from "../logger.ts";
import { progressReporter } from "./progress.ts";
import { fsckDeps } from "../compose/maintenance.ts";
import { openStorage } from "../compose/storage.ts";

// A running server may be writing a blob whose row has not committed yet: younger files wait
// (--min-age 0 when no server runs on this data).
const DEFAULT_MIN_AGE_SECONDS = 600;
const FLAGS = [{ name: "min-age", value: "SECONDS", help: "judge stray files only once this old (default 600)" }];

export async function fsckCommand(argv: string[]): Promise<number> {
  const { config, bools, raw, positionals } = parseStorageConfig(argv, { booleans: ["repair"], flags: FLAGS });
  if (positionals.length > 0) throw new ConfigError(`fsck: unexpected argument "${positionals[0]}"`);
  const minAge = raw.get("min-age") ?? String(DEFAULT_MIN_AGE_SECONDS);
  if (!/^\d{1,7}$/.test(minAge)) throw new ConfigError(`--min-age: expected whole seconds, got "${minAge}"`);
  const storage = await openStorage(config, createConsoleLogger());
  const repair = bools.has("repair");
  const progress = progressReporter();
  const onProgress = (p: FsckProgress) =>
    progress.update(
      p.totalImages === 0 ? 1 : p.images / p.totalImages,
      `fsck: ${p.images}/${p.totalImages} images, ${(p.bytes / 1e9).toFixed(2)}/${(p.totalBytes / 1e9).toFixed(2)} GB`,
    );
  try {
    const report = await fsck(fsckDeps(storage), {
      repair,
      graceMs: Number(minAge) * 1000,
      onProgress,
      onProblem: (p) => progress.interrupt(problemLine(p)),
    });
    progress.done();
    const remaining = report.problems.filter((p) => !p.repaired);
    const repaired = report.problems.length - remaining.length;
    const gb = report.bytesVerified / 1e9;
    const rate = report.seconds > 0 ? gb / report.seconds : 0;
    const parts = [
      `fsck: ${report.images} images, ${gb.toFixed(2)} GB verified in ${report.seconds.toFixed(1)} s (${rate.toFixed(2)} GB/s)`,
      `${report.previewsVerified} previews verified`,
      remaining.length === 0 ? "clean" : `${remaining.length} problem${remaining.length === 1 ? "" : "s"}`,
      ...(repaired > 0 ? [`${repaired} repaired`] : []),
      ...(report.skippedYoung > 0 ? [`${report.skippedYoung} recent file(s) left alone (an upload may be in flight)`] : []),
    ];
    console.log(parts.join("; "));
    if (remaining.some((p) => p.kind === "orphan_blob" || p.kind === "temp_file")) {
      console.log("fsck: run with --repair to remove the files no image points to");
    }
    if (remaining.some((p) => p.kind === "missing_preview" || p.kind === "damaged_preview")) {
      console.log("fsck: run with --repair to have the damaged previews made again from their originals");
    }
    return remaining.length === 0 ? 0 : 1;
  } finally {
    storage.close();
  }
}

function problemLine(p: FsckProblem): string {
  const where = p.imageId ? `image ${p.imageId}` : (p.path ?? "?");
  const repaired = p.kind === "missing_preview" || p.kind === "damaged_preview" ? " — queued to be made again" : " — removed";
  return `${where}: ${p.kind}: ${p.detail}${p.repaired ? repaired : ""}`;
}
