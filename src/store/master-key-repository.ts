// Rows of master_keys: which key versions this database was written with, and their checks.
import type { Orm } from "./db.ts";
import { masterKeys } from "./schema.ts";

export interface StoredKeyCheck {
  id: number;
  check: Uint8Array;
}

export async function listKeyChecks(orm: Orm): Promise<StoredKeyCheck[]> {
  return orm.select({ id: masterKeys.id, check: masterKeys.check }).from(masterKeys).orderBy(masterKeys.id);
}

export async function insertKeyCheck(orm: Orm, id: number, check: Uint8Array): Promise<void> {
  await orm
    .insert(masterKeys)
    .values({ id, check: Buffer.from(check), createdAt: new Date() })
    .onConflictDoNothing();
}
