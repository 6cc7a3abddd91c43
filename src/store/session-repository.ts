// Rows of sessions: one per login; revoking sets revoked_at and the JWT stops working.
import { and, eq, gt, isNull, ne } from "drizzle-orm";
import type { Orm } from "./db.ts";
import { sessions } from "./schema.ts";

export type SessionRow = typeof sessions.$inferSelect;

export async function insertSession(orm: Orm, row: typeof sessions.$inferInsert): Promise<void> {
  await orm.insert(sessions).values(row);
}

/** The session if it exists, is not revoked and has not expired. */
export async function findLiveSession(orm: Orm, id: string, now: Date): Promise<SessionRow | undefined> {
  return (
    await orm
      .select()
      .from(sessions)
      .where(and(eq(sessions.id, id), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
      .limit(1)
  )[0];
}

export async function revokeSession(orm: Orm, id: string, now: Date): Promise<void> {
  await orm.update(sessions).set({ revokedAt: now }).where(and(eq(sessions.id, id), isNull(sessions.revokedAt)));
}

/** Revokes every live session of the user except `keepId` (a password change keeps the caller's). */
export async function revokeOtherSessions(orm: Orm, userId: string, keepId: string | undefined, now: Date): Promise<void> {
  const others = keepId === undefined ? undefined : ne(sessions.id, keepId);
  await orm
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), others));
}
