// `pixvault previews [--rebuild | --retry-failed]`: makes the previews of existing data (images
// stored before previews existed, jobs a crash left behind) with the preview flags of `serve`;
// a progress bar on a terminal, plain lines otherwise. SIGINT or SIGTERM stops it after the
// running jobs: what is done stays done, and running it again goes on with the rest.
import { ConfigError, PREVIEW_FLAGS, parseStorageConfig, previewConfigFrom } from "../config.ts";
import type { PreviewJobs } from "../domain/previews/jobs.ts";
import { drainWithProgress, withOfflineMediaJobs } from "./drain-progress.ts";
import { INTERRUPTED } from "./stop-signal.ts";

type Which = "missing" | "all" | "failed";

/** Failures listed one per line in the summary; the rest are counted. */
const LISTED_FAILURES = 20;

export async function previewsCommand(argv: string[]): Promise<number> {
  const { config, raw, bools, positionals } = parseStorageConfig(argv, { booleans: ["rebuild", "retry-failed"], flags: PREVIEW_FLAGS });
  if (positionals.length > 0) throw new ConfigError(`previews: unexpected argument "${positionals[0]}"`);
  if (bools.has("rebuild") && bools.has("retry-failed")) {
    throw new ConfigError("--retry-failed: not with --rebuild, which makes every image's previews again, failed ones included");
  }
  const which: Which = bools.has("rebuild") ? "all" : bools.has("retry-failed") ? "failed" : "missing";
  return withOfflineMediaJobs(
    "previews",
    "the server makes previews itself in the background (--preview-workers); stop it to run this instead",
    config,
    previewConfigFrom(raw),
    (media) => makePreviews(media.previews, which),
  );
}

async function makePreviews(jobs: PreviewJobs, which: Which): Promise<number> {
  if (which !== "missing") await jobs.requeue(which);
  const report = await drainWithProgress("previews", jobs.drain, (await jobs.counts()).pending);
  const { done, failed, trouble } = report;
  const counts = await jobs.counts();
  console.log(
    `previews: ${done - failed.length} made, ${failed.length} failed in ${report.seconds.toFixed(1)} s; ` +
      `now ${counts.ready} ready, ${counts.failed} failed, ${counts.pending} pending`,
  );
  for (const imageId of failed.slice(0, LISTED_FAILURES)) {
    console.log(`image ${imageId}: failed: ${(await jobs.status(imageId))?.reason ?? "deleted since"}`);
  }
  if (failed.length > LISTED_FAILURES) console.log(`… and ${failed.length - LISTED_FAILURES} more failed`);
  if (failed.length > 0) console.log("previews: those images keep their originals; --retry-failed tries them again");
  if (trouble !== undefined) {
    console.error(`pixvault: previews: stopped on a storage error (${trouble}); fix it and run pixvault previews again`);
    return 1;
  }
  if (report.interrupted) {
    console.log(`previews: stopped; ${counts.pending} still pending: run pixvault previews again to go on`);
    return INTERRUPTED;
  }
  if (counts.pending > 0) console.log(`previews: ${counts.pending} pending are being made by another instance`);
  return 0;
}
