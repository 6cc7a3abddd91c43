// The storage half of the config, shared by serve and every command: data directory, database,
// blob store (with the bucket's AWS_* settings) and master key file (with its passphrase).
// config.ts hands it the flags and the environment it read; this file reads neither itself.
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, parseBlobStore, parseDatabaseUrl, parseHttpUrl } from "./config-values.ts";
import type { S3Credentials, S3Location } from "./store/s3-blob-store.ts";

export type BlobStoreConfig = { kind: "disk"; dir: string } | ({ kind: "s3" } & S3Location);

/** Unlocks a key file sealed under a passphrase (protect-master-key); not a flag, so it stays out of `ps`. */
export const PASSPHRASE_ENV = "PIXVAULT_MASTER_KEY_PASSPHRASE";

export interface StorageConfig {
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly blobStore: BlobStoreConfig;
  readonly masterKeyFile: string;
  /** From PASSPHRASE_ENV; absent means ask on a terminal, if there is one. */
  readonly masterKeyPassphrase?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `flags` holds the storage flags given (or their PIXVAULT_* twins), by flag name. */
export function storageFrom(flags: ReadonlyMap<string, string>, env: Env): StorageConfig {
  const dataDir = resolve(flags.get("data-dir") ?? "data");
  if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
    throw new ConfigError(`--data-dir: "${dataDir}" exists and is not a directory`);
  }
  const databaseUrl = parseDatabaseUrl(flags.get("database-url") ?? pathToFileURL(join(dataDir, "pixvault.db")).href);
  const blobStore = withS3Environment(parseBlobStore(flags.get("blob-store") ?? join(dataDir, "blobs"), dataDir), env);
  const masterKeyFile = resolve(flags.get("master-key-file") ?? join(dataDir, "master.key"));
  const masterKeyPassphrase = env[PASSPHRASE_ENV] || undefined;
  return { dataDir, databaseUrl, blobStore, masterKeyFile, ...(masterKeyPassphrase ? { masterKeyPassphrase } : {}) };
}

/** A bucket's endpoint and region from the URL win over AWS_ENDPOINT_URL / AWS_REGION; credentials come only from AWS_*. */
function withS3Environment(store: BlobStoreConfig, env: Env): BlobStoreConfig {
  if (store.kind !== "s3") return store;
  const endpoint = store.endpoint ?? (env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT || undefined);
  if (endpoint !== undefined && store.endpoint === undefined) {
    try {
      parseHttpUrl("blob-store endpoint", endpoint);
    } catch {
      throw new ConfigError(`AWS_ENDPOINT_URL: expected an http:// or https:// URL, got "${endpoint}"`);
    }
  }
  const region = store.region ?? (env.AWS_REGION || undefined);
  const credentials = s3Credentials(env);
  return Object.freeze({
    ...store,
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(credentials ? { credentials: Object.freeze(credentials) } : {}),
  });
}

function s3Credentials(env: Env): S3Credentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY || undefined;
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  if (accessKeyId === undefined && secretAccessKey === undefined && sessionToken === undefined) return undefined;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new ConfigError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: set both (or neither) for an s3:// blob store");
  }
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}
