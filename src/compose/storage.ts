// Opens what every command works on: data dir, database (migrated), master key, blob store.
import { mkdirSync } from "node:fs";
import type { StorageConfig } from "../config.ts";
import { MasterKeyError } from "../crypto/errors.ts";
import type { Keyring } from "../crypto/master-key.ts";
import type { Logger } from "../logger.ts";
import { diskBlobStore, type BlobStore } from "../store/blob-store.ts";
import { DatabaseOpenError, openDatabase, type Database } from "../store/db.ts";
import { MigrationError, migrate } from "../store/migrate.ts";
import { s3BlobStore } from "../store/s3-blob-store.ts";
import { StartupError } from "../cli/startup-error.ts";
import { loadKeyring, type KeyringOptions } from "./keyring.ts";
import { withPreviewBlobs } from "./preview-blobs.ts";

export interface Storage {
  readonly db: Database;
  readonly keyring: Keyring;
  readonly blobs: BlobStore;
  /** The local blob directory; undefined when blobs live in a bucket. */
  readonly blobDir: string | undefined;
  close(): void;
}

export type OpenStorageOptions = KeyringOptions;

export async function openStorage(config: StorageConfig, logger: Logger, options: OpenStorageOptions = {}): Promise<Storage> {
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
    const keyring = await loadKeyring(config, db, logger, options);
    const store = config.blobStore.kind === "disk" ? diskBlobStore(config.blobStore.dir) : s3BlobStore(config.blobStore);
    const blobs = withPreviewBlobs(store);
    return { db, keyring, blobs, blobDir, close: () => db.close() };
  } catch (e) {
    db.close();
    if (e instanceof MigrationError || e instanceof MasterKeyError) throw new StartupError(e.message);
    throw e;
  }
}
