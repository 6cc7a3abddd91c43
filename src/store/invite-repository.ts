// Rows of invites, and the one transaction that spends an invite on a new user.
import { desc, eq } from "drizzle-orm";
import type { Database, Orm } from "./db.ts";
import { invites, users } from "./schema.ts";
import { isUniqueViolation, type NewUserRow } from "./user-repository.ts";

export type InviteRow = typeof invites.$inferSelect;

export async function insertInvite(orm: Orm, row: typeof invites.$inferInsert): Promise<void> {
  await orm.insert(invites).values(row);
}

export async function listInviteRows(orm: Orm): Promise<InviteRow[]> {
  return orm.select().from(invites).orderBy(desc(invites.createdAt), invites.id);
}

export async function findInviteByHash(orm: Orm, codeHash: Buffer): Promise<InviteRow | undefined> {
  return (await orm.select().from(invites).where(eq(invites.codeHash, codeHash)).limit(1))[0];
}

export async function findInviteById(orm: Orm, id: string): Promise<InviteRow | undefined> {
  return (await orm.select().from(invites).where(eq(invites.id, id)).limit(1))[0];
}

/** Marks the invite revoked (the first revocation's time stays); false if there is no such invite. */
export async function revokeInviteRow(db: Database, id: string, now: Date): Promise<boolean> {
  const result = await db.client.execute({
    sql: "UPDATE invites SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
    args: [now.getTime(), id],
  });
  return result.rowsAffected === 1;
}

/**
 * Takes one use of a live invite and inserts the user, in one write transaction: two
 * sign-ups racing for an invite's last use cannot both get it, and a sign-up that fails
 * (username taken) gives its use back by rolling back.
 */
export async function insertUserWithInvite(
  db: Database,
  user: NewUserRow,
  codeHash: Buffer,
  now: Date,
): Promise<"ok" | "taken" | "invite_invalid"> {
  const insert = db.orm.insert(users).values(user).toSQL();
  const tx = await db.client.transaction("write");
  try {
    const spent = await tx.execute({
      sql: `UPDATE invites SET uses = uses + 1
            WHERE code_hash = ? AND revoked_at IS NULL AND expires_at > ? AND uses < max_uses`,
      args: [codeHash, now.getTime()],
    });
    if (spent.rowsAffected !== 1) {
      await tx.rollback();
      return "invite_invalid";
    }
    try {
      await tx.execute({ sql: insert.sql, args: insert.params as never });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      await tx.rollback();
      return "taken";
    }
    await tx.commit();
    return "ok";
  } finally {
    tx.close();
  }
}
