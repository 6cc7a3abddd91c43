// Opens what every command works on: data dir, database (migrated), master key, blob store.
import { existsSync, mkdirSync } from "node:fs";
import { relative, isAbsolute } from "node:path";
import type { ServeConfig, StorageConfig } from "../config.ts";
import { createSessionSigner } from "../crypto/session-token.ts";
import { createShareSigner } from "../crypto/share-token.ts";
import { throttleTagger } from "../crypto/throttle-tag.ts";
import type { AccountDeps, ImageDeps } from "../domain/context.ts";
import { diskBlobStore, type BlobStore } from "../store/blob-store.ts";
import { s3BlobStore } from "../store/s3-blob-store.ts";
import { MasterKeyError } from "../crypto/errors.ts";
import { adoptStagedKeyFile, loadOrCreateMasterKey } from "../crypto/master-key-file.ts";
import { keyCheck, verifyKeyCheck, withIndexVersion, type Keyring } from "../crypto/master-key.ts";
import type { Logger } from "../logger.ts";
import { DatabaseOpenError, openDatabase, type Database } from "../store/db.ts";
import { claimIndexVersion, findIndexVersion, insertKeyCheck, listKeyChecks } from "../store/master-key-repository.ts";
import { MigrationError, migrate } from "../store/migrate.ts";
import { masterKeyPassphrase } from "./passphrase.ts";
import { StartupError } from "./startup-error.ts";

export interface Storage {
  readonly db: Database;
  readonly keyring: Keyring;
  readonly blobs: BlobStore;
  /** The local blob directory; undefined when blobs live in a bucket. */
  readonly blobDir: string | undefined;
  close(): void;
}

/** What the account rules run on; CLI commands without a server take the defaults. */
export function accountDeps(
  storage: Storage,
  options: Partial<Pick<ServeConfig, "sessionLifetimeMs" | "userQuotaBytes" | "loginThrottle" | "registration">> &
    Pick<AccountDeps, "events"> = {},
): AccountDeps {
  return {
    db: storage.db,
    blobs: storage.blobs,
    signer: createSessionSigner(storage.keyring),
    sessionLifetimeMs: options.sessionLifetimeMs ?? 24 * 3_600_000,
    defaultQuotaBytes: options.userQuotaBytes ?? 0,
    throttle: options.loginThrottle ?? { maxFailuresPerUserAndIp: 5, maxFailuresPerIp: 50, maxFailuresPerUser: 100, windowMs: 15 * 60_000 },
    throttleTag: throttleTagger(storage.keyring),
    registration: options.registration ?? { mode: "open", maxPerIp: 10, windowMs: 3_600_000 },
    now: () => new Date(),
    ...(options.events ? { events: options.events } : {}),
  };
}

/** What the image rules run on: the account deps plus keys, limits, a logger and the share-link settings. */
export function imageDeps(
  storage: Storage,
  accounts: AccountDeps,
  config: Pick<ServeConfig, "maxImageBytes" | "publicUrl">,
  logger: Logger,
): ImageDeps {
  return {
    ...accounts,
    keyring: storage.keyring,
    maxImageBytes: config.maxImageBytes,
    logger,
    shareSigner: createShareSigner(storage.keyring),
    ...(config.publicUrl !== undefined ? { publicUrl: config.publicUrl } : {}),
  };
}

/** `remindKeyLocation`: the server repeats the key-location warning at every start; one-shot commands do not. */
export async function openStorage(config: StorageConfig, logger: Logger, remindKeyLocation = false): Promise<Storage> {
  const blobDir = config.blobStore.kind === "disk" ? config.blobStore.dir : undefined;
  try {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    if (blobDir) mkdirSync(blobDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new StartupError(`cannot create the data directory ${config.dataDir}: ${(e as Error).message}`);
  }
  const db = await openDatabase(config.databaseUrl).catch((e: unknown) => {
    throw e instanceof DatabaseOpenError ? new StartupError(e.message) : e;
  });
  try {
    const { applied, total } = await migrate(db.client);
    if (applied.length > 0) logger.info("database migrated", { applied, total });
    const keyring = await loadKeyring(config, db, logger, remindKeyLocation);
    const blobs = config.blobStore.kind === "disk" ? diskBlobStore(config.blobStore.dir) : s3BlobStore(config.blobStore);
    return { db, keyring, blobs, blobDir, close: () => db.close() };
  } catch (e) {
    db.close();
    if (e instanceof MigrationError || e instanceof MasterKeyError) throw new StartupError(e.message);
    throw e;
  }
}

/** Loads (or on a fresh database, creates) the key file and proves it is this database's key. */
async function loadKeyring(config: StorageConfig, db: Database, logger: Logger, remind: boolean): Promise<Keyring> {
  const path = config.masterKeyFile;
  const stored = await listKeyChecks(db.orm);
  if (stored.length > 0 && !existsSync(path)) {
    // Creating a fresh key here would silently orphan every image already stored.
    throw new StartupError(
      `master key file ${path} is missing, and this database's images cannot be read without it; restore it or point --master-key-file at it`,
    );
  }
  let { keyring, created } = await loadOrCreateMasterKey(path, masterKeyPassphrase());
  const fits = (k: Keyring) => stored.every((row) => (row.retiredAt !== null && k.get(row.id) === undefined) || verifyKeyCheck(k, row.id, row.check));
  if (!fits(keyring)) {
    const adopted = await adoptStagedKeyFile(path, masterKeyPassphrase(), fits);
    if (adopted) {
      keyring = adopted;
      logger.warn("master key rotation finished: it had committed in the database but stopped before putting the key file in place", { path });
    }
  }
  for (const row of stored) {
    if (row.retiredAt !== null && keyring.get(row.id) === undefined) continue; // retired on purpose
    if (!verifyKeyCheck(keyring, row.id, row.check)) {
      throw new StartupError(
        `master key file ${path} does not match this database (key version ${row.id}); use the key file this database was created with`,
      );
    }
  }
  for (const version of keyring.versions) {
    if (!stored.some((row) => row.id === version.id)) await insertKeyCheck(db.orm, version.id, keyCheck(keyring, version.id));
  }
  let indexVersion = await findIndexVersion(db.orm);
  if (indexVersion === undefined) {
    await claimIndexVersion(db.orm, keyring.current.id);
    indexVersion = await findIndexVersion(db.orm);
  }
  const inside = isInside(config.dataDir, path);
  if (created) {
    logger.warn("master key created", {
      path,
      mode: "0600",
      advice: inside
        ? "The key sits inside the data directory: that keeps backups taken without it unreadable, but protects nothing if this disk is copied or stolen. For real deployments move it out of the data directory (--master-key-file) and back it up separately; without it no image can ever be read."
        : "Back this file up separately from the data; without it no image can ever be read.",
    });
  } else if (inside && remind) {
    logger.warn("master key inside the data directory", {
      path,
      advice: "Anyone with a copy of the data directory and this file can read every image; move it out (--master-key-file) for real deployments.",
    });
  }
  if (indexVersion === undefined) throw new StartupError("the database names no master key version for its indexes");
  try {
    return withIndexVersion(keyring, indexVersion);
  } catch (e) {
    // A retired version still keys the indexes: the key file lost a version it needs.
    throw new StartupError(e instanceof Error ? e.message : String(e));
  }
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}
