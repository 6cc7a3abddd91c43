// Rows of users: plain reads and writes, no rules (those live in domain/accounts).
import { eq, sql, count, sum } from "drizzle-orm";
import { truncateWal, type Orm } from "./db.ts";
import { preparedQuery } from "./prepared-queries.ts";
import { images, users } from "./schema.ts";

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;

/** SQLite reports constraint failures as errors; a unique clash is an expected outcome. */
export function isUniqueViolation(e: unknown): boolean {
  const text = `${(e as { code?: string }).code ?? ""} ${(e as Error).message ?? ""} ${String((e as { cause?: unknown }).cause ?? "")}`;
  return /UNIQUE constraint failed|SQLITE_CONSTRAINT_UNIQUE|SQLITE_CONSTRAINT_PRIMARYKEY/.test(text);
}

export async function insertUser(orm: Orm, row: NewUserRow): Promise<"ok" | "taken"> {
  try {
    await orm.insert(users).values(row);
    return "ok";
  } catch (e) {
    if (isUniqueViolation(e)) return "taken";
    throw e;
  }
}

export async function findUserById(orm: Orm, id: string): Promise<UserRow | undefined> {
  return (await orm.select().from(users).where(eq(users.id, id)).limit(1))[0];
}

export async function findUserByUsername(orm: Orm, username: string): Promise<UserRow | undefined> {
  return (await orm.select().from(users).where(sql`lower(${users.username}) = lower(${username})`).limit(1))[0];
}

export async function listUsers(orm: Orm): Promise<UserRow[]> {
  return orm.select().from(users).orderBy(users.createdAt, users.id);
}

export async function updateUser(
  orm: Orm,
  id: string,
  fields: Partial<Pick<UserRow, "name" | "email" | "passwordHash">>,
): Promise<UserRow | undefined> {
  return (await orm.update(users).set({ ...fields, updatedAt: new Date() }).where(eq(users.id, id)).returning())[0];
}

/**
 * Deletes the user; sessions, tokens, images and tags go with it (ON DELETE CASCADE). Then the
 * WAL is emptied, so that the zeroed pages (secure_delete) are the only ones left and no file
 * holds the user's key salt, wrapped keys, email or name (crypto-shredding: README, Images
 * with curl). That step is best effort and brief: a process reading for long leaves it to the next checkpoint
 * (at the latest when the server stops), and the deletion stands either way.
 */
export async function deleteUserRow(orm: Orm, id: string): Promise<boolean> {
  const deleted = (await orm.delete(users).where(eq(users.id, id)).returning({ id: users.id })).length > 0;
  if (deleted) await truncateWal(orm.$client, SHRED_WAIT_MS).catch(() => false);
  return deleted;
}

const SHRED_WAIT_MS = 1_000;

export async function imageIdsOf(orm: Orm, userId: string): Promise<string[]> {
  return (await orm.select({ id: images.id }).from(images).where(eq(images.ownerId, userId))).map((r) => r.id);
}

const USAGE_OF = Symbol("usage of a user");

export async function usageOf(orm: Orm, userId: string): Promise<{ images: number; bytes: number }> {
  const query = preparedQuery(orm, USAGE_OF, (db) =>
    db.select({ n: count(), bytes: sum(images.size) }).from(images).where(eq(images.ownerId, sql.placeholder("userId"))).prepare(),
  );
  const row = (await query.all({ userId }))[0];
  return { images: Number(row?.n ?? 0), bytes: Number(row?.bytes ?? 0) };
}

/** Image count and bytes of every user that has images, in one query. */
export async function usageByUser(orm: Orm): Promise<Map<string, { images: number; bytes: number }>> {
  const rows = await orm
    .select({ ownerId: images.ownerId, n: count(), bytes: sum(images.size) })
    .from(images)
    .groupBy(images.ownerId);
  return new Map(rows.map((r) => [r.ownerId, { images: Number(r.n), bytes: Number(r.bytes ?? 0) }]));
}
