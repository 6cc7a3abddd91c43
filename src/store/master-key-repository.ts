// Rows of master_keys: which key versions this database was written with, and their checks.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Orm } from "./db.ts";
import { masterKeys } from "./schema.ts";

export interface StoredKeyCheck {
  id: number;
  check: Uint8Array;
  /** Set once rotate-master-key --retire-old removed this version from the key file. */
  retiredAt: Date | null;
}

export async function listKeyChecks(orm: Orm): Promise<StoredKeyCheck[]> {
  return orm
    .select({ id: masterKeys.id, check: masterKeys.check, retiredAt: masterKeys.retiredAt })
    .from(masterKeys)
    .orderBy(masterKeys.id);
}

export async function insertKeyCheck(orm: Orm, id: number, check: Uint8Array): Promise<void> {
  await orm
    .insert(masterKeys)
    .values({ id, check: Buffer.from(check), createdAt: new Date() })
    .onConflictDoNothing();
}

/** The key version whose keys compute the blind indexes; undefined on a database that has none yet. */
export async function findIndexVersion(orm: Orm): Promise<number | undefined> {
  const [row] = await orm.select({ id: masterKeys.id }).from(masterKeys).where(eq(masterKeys.keysIndexes, 1)).limit(1);
  return row?.id;
}

/** Marks `id` as the index version unless one is marked (a fresh database, or two first starts at once). */
export async function claimIndexVersion(orm: Orm, id: number): Promise<void> {
  await orm
    .update(masterKeys)
    .set({ keysIndexes: 1 })
    .where(and(eq(masterKeys.id, id), sql`NOT EXISTS (SELECT 1 FROM master_keys WHERE keys_indexes = 1)`));
}

export async function retireKeyChecks(orm: Orm, ids: readonly number[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await orm
    .update(masterKeys)
    .set({ retiredAt: at })
    .where(inArray(masterKeys.id, [...ids]));
}
