// `pixvault serve`: lock the data dir, open storage, listen, log, and drain gracefully on SIGTERM/SIGINT/SIGHUP.
import { statSync } from "node:fs";
import { parseServeConfig, type ServeConfig } from "../config.ts";
import { createLogger, describeError, type Logger } from "../logger.ts";
import { listen, type Listener } from "../http/listen.ts";
import { lazyApp } from "../lazy-app.ts";
import { createServerMetrics } from "../metrics/server-metrics.ts";
import { exposedSecretMode } from "../crypto/secret-file-mode.ts";
import { databaseFilePath, pingDatabase } from "../store/db.ts";
import { imageTotals } from "../store/image-repository.ts";
import { analysisJobRepository } from "../store/analysis-job-repository.ts";
import { mediaJobRepository } from "../store/media-job-repository.ts";
import { sweepTempBlobs } from "../store/temp-blob-sweep.ts";
import { VERSION } from "../version.ts";
import { claimDataDir, probeWritable } from "./data-dir-guard.ts";
import { StartupError } from "./startup-error.ts";
import { startThrottlePurge } from "./throttle-purge.ts";
import { startUploadSweep } from "./upload-sweep.ts";
import { composeServices, composeSingleSignOn } from "../compose/services.ts";
import { DiscoveryError } from "../oidc/relying-party.ts";
import { openStorage, type Storage } from "../compose/storage.ts";
import { backfillSearchTerms } from "../compose/maintenance.ts";

export async function serve(argv: string[]): Promise<number> {
  const config = parseServeConfig(argv);
  const logger = createLogger();
  refuseExposedTlsKey(config);
  // A local database is one server's; instances share storage only through a libSQL server (§6).
  const local = databaseFilePath(config.databaseUrl) !== undefined;
  const lock = local
    ? claimDataDir(config.dataDir, {
        command: "serve",
        advice: "one server per data directory: stop that one, or give this one its own --data-dir",
        create: true,
      })
    : undefined;
  const storage = await openWritableStorage(config, local, logger);
  await removeLeftoverTempBlobs(storage, logger, lock !== undefined);
  await backfillSearchTerms(storage, logger);
  const metrics = createServerMetrics({
    stored: () => imageTotals(storage.db.orm),
    previews: () => mediaJobRepository(storage.db.orm).counts(),
    analysis: () => analysisJobRepository(storage.db.orm).counts(),
  });
  const { accounts, images, media, comments } = composeServices(storage, { ...config, events: metrics.events }, logger);
  const sso = await singleSignOn(storage, config, accounts);
  const app = lazyApp({
    logger,
    version: VERSION,
    tls: config.tls !== undefined,
    metrics,
    ...(config.metricsToken !== undefined ? { metricsToken: config.metricsToken } : {}),
    trustProxy: config.trustProxy,
    accounts,
    sso,
    images,
    comments,
    readiness: {
      database: () => pingDatabase(storage.db),
      blobStore: () => storage.blobs.check(),
    },
  });
  let server: Listener;
  try {
    server = await listen(app, {
      host: config.host,
      port: config.port,
      headerTimeoutMs: config.headerTimeoutMs,
      bodyIdleTimeoutMs: config.bodyIdleTimeoutMs,
      ...(config.tls ? { tls: config.tls } : {}),
    });
  } catch (e) {
    storage.close();
    throw listenError(e, config);
  }
  const purge = startThrottlePurge(accounts.throttle, logger, config.loginThrottle.windowMs);
  const uploadSweep = startUploadSweep(images.resumableUploads, logger);
  media.start();
  // The purge and the preview workers stop before the database closes under them.
  const stopping = {
    ...storage,
    beforeClose: () => media.stop(),
    close: () => {
      purge.stop();
      uploadSweep.stop();
      return storage.close();
    },
  };
  // The signal handlers go in before "listening" tells anyone (a supervisor, a test) that the
  // server is up: registered just after it, an immediate SIGTERM killed the process outright in
  // 23 of 30 tries with Bun 1.4.5.
  const stopped = waitForShutdown(server, stopping, logger, config.shutdownGraceMs);
  logger.info("listening", {
    url: server.url,
    version: VERSION,
    dataDir: config.dataDir,
    database: redactUrl(config.databaseUrl),
  });
  const code = await stopped;
  lock?.release();
  return code;
}

/** Opens storage while the data directory's write probe runs beside it. */
async function openWritableStorage(config: ServeConfig, local: boolean, logger: Logger): Promise<Storage> {
  const [probed, opened] = await Promise.allSettled([
    probeWritable(config, local),
    openStorage(config, logger, { remindKeyLocation: true }),
  ]);
  // An unwritable directory explains whatever opening storage ran into: that error first.
  if (probed.status === "rejected") {
    if (opened.status === "fulfilled") opened.value.close();
    throw probed.reason;
  }
  if (opened.status === "rejected") throw opened.reason;
  return opened.value;
}

/** A TLS private key others can read lets them impersonate this server; group-read is the ssl-cert group convention. */
function refuseExposedTlsKey(config: ServeConfig): void {
  if (!config.tls) return;
  const file = config.tls.keyFile;
  const exposed = exposedSecretMode(statSync(file).mode, { groupMayRead: true });
  if (exposed)
    throw new StartupError(`TLS key file ${file} is ${exposed}; run chmod 600 ${file} (or 640, owned by a group of the server's user)`);
}

// Without the lock, other instances may share this blob directory (§6) and be writing their
// temp files right now: only files older than any upload in flight can be garbage.
const SHARED_TEMP_MIN_AGE_MS = 3_600_000;

/** Temp blobs of a crashed process: their rows never committed, so they are garbage. */
async function removeLeftoverTempBlobs(storage: Storage, logger: Logger, exclusive: boolean): Promise<void> {
  try {
    if (storage.blobDir === undefined) return; // a bucket has no temp files
    const removed = await sweepTempBlobs(storage.blobDir, { olderThanMs: exclusive ? 0 : SHARED_TEMP_MIN_AGE_MS });
    if (removed > 0) logger.warn("removed leftover temp files of interrupted uploads", { count: removed });
  } catch (e) {
    storage.close();
    throw new StartupError(`cannot clean the blob temp directory: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function listenError(e: unknown, config: ServeConfig): Error {
  const code = (e as { code?: string }).code;
  const where = `${config.host}:${config.port}`;
  if (code === "EADDRINUSE") {
    return new StartupError(`cannot listen on ${where}: the port is already in use (another pixvault? choose --port)`);
  }
  if (code === "EACCES") return new StartupError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`);
  if (code === "EADDRNOTAVAIL") return new StartupError(`cannot listen on ${where}: no such address on this machine (--host)`);
  return new StartupError(`cannot listen on ${where}: ${e instanceof Error ? e.message : String(e)}`);
}

// SIGHUP stops gracefully too: there is no configuration to reload (flags and environment are
// read once), and a hung-up terminal means whoever started it is gone. SIGUSR1/SIGUSR2 would
// kill the process by default (Bun does not take SIGUSR1 for its inspector): logged, ignored.
const STOP_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
const IGNORED_SIGNALS = ["SIGUSR1", "SIGUSR2"] as const;

/** Resolves with the exit code once the server has drained (or the grace period ran out). */
function waitForShutdown(
  server: Listener,
  storage: Storage & { beforeClose(): Promise<void> },
  logger: Logger,
  graceMs: number,
): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn("second signal: closing open connections now", { signal });
        server.closeConnections();
        return;
      }
      stopping = true;
      logger.info("shutting down: finishing in-flight requests", { signal, graceMs });
      const force = setTimeout(() => {
        logger.warn("grace period over: closing open connections");
        server.closeConnections();
      }, graceMs);
      server
        .stop()
        .catch((e: unknown) => logger.error("error while stopping", describeError(e)))
        .finally(async () => {
          clearTimeout(force);
          for (const s of STOP_SIGNALS) process.off(s, onSignal);
          for (const s of IGNORED_SIGNALS) process.off(s, onIgnored);
          await storage.beforeClose().catch((e: unknown) => logger.warn("stopping preview workers failed", describeError(e)));
          // A stopped server leaves one self-contained pixvault.db (copyable on its own).
          await storage.db.checkpoint().catch((e: unknown) => logger.warn("WAL checkpoint failed", describeError(e)));
          storage.close();
          logger.info("stopped");
          resolve(0);
        });
    };
    const onIgnored = (signal: NodeJS.Signals) => logger.info("signal ignored: SIGTERM, SIGINT or SIGHUP stop the server", { signal });
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
    for (const s of IGNORED_SIGNALS) process.on(s, onIgnored);
  });
}

/** Remote database URLs may carry credentials; the log gets scheme, host and port only. */
function redactUrl(url: string): string {
  if (url.startsWith("file:")) return url;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(unparseable)";
  }
}

/** The provider is read before listening: a server whose sign-in cannot work says so at once. */
async function singleSignOn(storage: Storage, config: ServeConfig, accounts: Parameters<typeof composeSingleSignOn>[2]) {
  try {
    return await composeSingleSignOn(storage, config, accounts);
  } catch (e) {
    if (!(e instanceof DiscoveryError)) throw e;
    storage.close();
    throw new StartupError(`single sign-on: ${e.message} (--oidc-issuer)`);
  }
}
