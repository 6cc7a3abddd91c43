// `pixvault analyse [--rebuild]`: analyses (SPEC §9) the images whose previews were made before
// analysis existed (--rebuild: every image with previews again), from their stored previews, with
// the preview flags of `serve` (`--analysis off` too); a progress bar like `pixvault previews`.
// SIGINT or SIGTERM stops it after the running image; running it again goes on with the rest.
import { ConfigError, PREVIEW_FLAGS, parseStorageConfig, previewConfigFrom } from "../config.ts";
import { composeStoredAnalysis } from "../compose/previews.ts";
import { openStorage } from "../compose/storage.ts";
import { analyseBacklog, type StoredAnalysisPorts } from "../domain/analysis/stored-analysis.ts";
import { createConsoleLogger } from "../logger.ts";
import { claimLocalDataDir } from "./data-dir-guard.ts";
import { progressReporter } from "./progress.ts";
import { describeStorageError, INTERRUPTED, stopOnSignal } from "./stop-signal.ts";

export async function analyseCommand(argv: string[]): Promise<number> {
  const { config, raw, bools, positionals } = parseStorageConfig(argv, { booleans: ["rebuild"], flags: PREVIEW_FLAGS });
  if (positionals.length > 0) throw new ConfigError(`analyse: unexpected argument "${positionals[0]}"`);
  const previewConfig = previewConfigFrom(raw);
  const lock = claimLocalDataDir(config, {
    command: "analyse",
    advice: "the server analyses new images itself after their previews; stop it to run this instead",
  });
  try {
    const logger = createConsoleLogger();
    const storage = await openStorage(config, logger);
    const ports = composeStoredAnalysis(storage, config.dataDir, previewConfig, { ...logger, info: () => {} });
    try {
      return await analyseAll(ports, bools.has("rebuild"));
    } catch (error) {
      console.error(
        `pixvault: analyse: stopped on a storage error (${describeStorageError(error)}); fix it and run pixvault analyse again`,
      );
      return 1;
    } finally {
      await ports.processor.close();
      storage.close();
    }
  } finally {
    lock?.release();
  }
}

async function analyseAll(ports: StoredAnalysisPorts, rebuild: boolean): Promise<number> {
  if (rebuild) await ports.jobs.requeueAnalysis();
  const total = (await ports.jobs.analysisCounts()).pending;
  const started = performance.now();
  let done = 0;
  let failed = 0;
  const progress = progressReporter();
  const show = () => progress.update(total === 0 ? 1 : done / total, `analyse: ${done}/${total} images, ${failed} failed`);
  const stop = stopOnSignal(() => progress.interrupt("analyse: stopping after the running image (a second signal quits at once)"));
  try {
    show();
    await analyseBacklog(
      ports,
      (_imageId, status) => {
        done += 1;
        if (status === "failed") failed += 1;
        show();
      },
      () => stop.requested,
    );
  } finally {
    progress.done();
    stop.remove();
  }
  const counts = await ports.jobs.analysisCounts();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `analyse: ${done - failed} analysed, ${failed} failed in ${seconds.toFixed(1)} s; ` +
      `now ${counts.ready} ready, ${counts.failed} failed, ${counts.pending} pending (those without previews wait for them)`,
  );
  if (stop.requested) {
    console.log("analyse: stopped: run pixvault analyse again to go on");
    return INTERRUPTED;
  }
  return 0;
}
