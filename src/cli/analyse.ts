// `pixvault analyse [--rebuild]`: analyses (SPEC §9) the images whose previews were made before
// analysis existed (--rebuild: every image with previews again), from their stored previews, with
// the preview flags of `serve` (`--analysis off` too); a progress bar like `pixvault previews`.
// SIGINT or SIGTERM stops it after the running image; running it again goes on with the rest.
// It drains the same stage the server runs in the background (its leases, its retries).
import { ConfigError, PREVIEW_FLAGS, parseStorageConfig, previewConfigFrom } from "../config.ts";
import type { AnalysisJobs } from "../domain/analysis/analysis-jobs.ts";
import { drainWithProgress, withOfflineMediaJobs } from "./drain-progress.ts";
import { INTERRUPTED } from "./stop-signal.ts";

export async function analyseCommand(argv: string[]): Promise<number> {
  const { config, raw, bools, positionals } = parseStorageConfig(argv, { booleans: ["rebuild"], flags: PREVIEW_FLAGS });
  if (positionals.length > 0) throw new ConfigError(`analyse: unexpected argument "${positionals[0]}"`);
  return withOfflineMediaJobs(
    "analyse",
    "the server analyses new images itself after their previews; stop it to run this instead",
    config,
    previewConfigFrom(raw),
    (media) => analyseAll(media.analysis, bools.has("rebuild")),
  );
}

async function analyseAll(jobs: AnalysisJobs, rebuild: boolean): Promise<number> {
  if (rebuild) await jobs.requeue();
  const report = await drainWithProgress("analyse", jobs.drain, (await jobs.counts()).pending);
  const { done, failed, trouble } = report;
  const counts = await jobs.counts();
  console.log(
    `analyse: ${done - failed.length} analysed, ${failed.length} failed in ${report.seconds.toFixed(1)} s; ` +
      `now ${counts.ready} ready, ${counts.failed} failed, ${counts.pending} pending (those without previews wait for them)`,
  );
  if (trouble !== undefined) {
    console.error(`pixvault: analyse: stopped on a storage error (${trouble}); fix it and run pixvault analyse again`);
    return 1;
  }
  if (report.interrupted) {
    console.log("analyse: stopped: run pixvault analyse again to go on");
    return INTERRUPTED;
  }
  return 0;
}
