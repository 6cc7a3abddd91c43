// Opens the database (SQLite file or a libSQL server) and sets the pragmas we rely on.
import { createClient, type Client } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { LocalClient } from "./local-client.ts";
import * as schema from "./schema.ts";

export type Orm = LibSQLDatabase<typeof schema> & { readonly $client: Client };
/** The drizzle transaction `orm.transaction` hands its callback. */
export type WriteTx = Parameters<Parameters<Orm["transaction"]>[0]>[0];

export interface Database {
  readonly client: Client;
  readonly orm: Orm;
  readonly url: string;
  /** The SQLite file, when the database is local. */
  readonly file?: string;
  /** Folds the WAL into the database file, so a stopped server's data is all in `pixvault.db`. */
  checkpoint(): Promise<void>;
  close(): void;
}

export class DatabaseOpenError extends Error {
  override name = "DatabaseOpenError";
}

/** The path behind a `file:` URL (percent-encoded or plain). */
export function databaseFilePath(url: string): string | undefined {
  if (!url.startsWith("file:")) return undefined;
  if (url.startsWith("file://")) return fileURLToPath(url);
  return decodeURIComponent(url.slice("file:".length));
}

export async function openDatabase(url: string, busyTimeoutMs = 5000): Promise<Database> {
  const file = databaseFilePath(url);
  if (file) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let client: Client;
  try {
    client = file
      ? new LocalClient(file, busyTimeoutMs)
      : createClient({ url, timeout: busyTimeoutMs } as Parameters<typeof createClient>[0]);
    if (file) {
      // Password hashes live here; SQLite gives the -wal/-shm files the same mode.
      chmodSync(file, 0o600);
      await applyLocalPragmas(client);
    } else await client.execute("SELECT 1");
  } catch (e) {
    throw new DatabaseOpenError(`cannot open database ${file ?? url}: ${e instanceof Error ? e.message : e}`);
  }
  return {
    client,
    orm: drizzle(client, { schema }),
    url,
    ...(file ? { file } : {}),
    checkpoint: async () => {
      if (!(await truncateWal(client, busyTimeoutMs))) throw new Error("another process kept the WAL from being checkpointed");
    },
    close: () => client.close(),
  };
}

/**
 * Empties a local database's WAL, waiting at most `waitMs` for other processes; true when
 * done (and always for a libSQL server, whose files are not ours). After a deletion it is what
 * makes `secure_delete` final: until then the WAL still holds the pages as they were.
 */
export async function truncateWal(client: Client, waitMs: number): Promise<boolean> {
  return client instanceof LocalClient ? client.truncateWal(Date.now() + waitMs) : true;
}

async function applyLocalPragmas(client: Client): Promise<void> {
  // LocalClient sets WAL, synchronous and foreign keys on its writer; a file it cannot switch
  // to WAL (a read-only directory, an old journal held by another tool) must not start.
  const mode = await client.execute("PRAGMA journal_mode");
  if (String(mode.rows[0]?.[0]).toLowerCase() !== "wal") throw new Error("the database cannot use WAL journaling");
  const fk = await client.execute("PRAGMA foreign_keys");
  if (Number(fk.rows[0]?.[0]) !== 1) throw new Error("foreign keys cannot be enabled");
}

/** Readiness: the database answers a query. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.client.execute("SELECT 1");
}
