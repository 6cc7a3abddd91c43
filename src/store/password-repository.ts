// A new password hash and the end of every credential the old password vouched for, in one transaction.
import { and, eq, isNull, ne } from "drizzle-orm";
import type { Orm } from "./db.ts";
import { apiTokens, sessions, users } from "./schema.ts";

/**
 * Stores `passwordHash` and revokes every live session but `keepSessionId`, and every API
 * token. One batch, so a crash cannot leave the new password with the old credentials alive.
 */
export async function replacePassword(
  orm: Orm,
  userId: string,
  passwordHash: string,
  keepSessionId: string | undefined,
  now: Date,
): Promise<void> {
  const others = keepSessionId === undefined ? undefined : ne(sessions.id, keepSessionId);
  await orm.batch([
    orm.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId)),
    orm
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), others)),
    orm
      .update(apiTokens)
      .set({ revokedAt: now })
      .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt))),
  ]);
}
