// Rows of sessions: one per login; revoking sets revoked_at and the JWT stops working.
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Orm } from "./db.ts";
import { preparedQuery } from "./prepared-queries.ts";
import { sessions, users } from "./schema.ts";
import type { UserRow } from "./user-repository.ts";

export type SessionRow = typeof sessions.$inferSelect;

export async function insertSession(orm: Orm, row: typeof sessions.$inferInsert): Promise<void> {
  await orm.insert(sessions).values(row);
}

const LIVE_SESSION_USER = Symbol("live session user");

/** The user of a session that exists, is not revoked and has not expired — one query per request. */
export async function findLiveSessionUser(orm: Orm, id: string, userId: string, now: Date): Promise<UserRow | undefined> {
  const query = preparedQuery(orm, LIVE_SESSION_USER, (db) =>
    db
      .select({ user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(
          eq(sessions.id, sql.placeholder("id")),
          eq(sessions.userId, sql.placeholder("userId")),
          isNull(sessions.revokedAt),
          gt(sessions.expiresAt, sql.placeholder("nowMs")),
        ),
      )
      .limit(1)
      .prepare(),
  );
  return (await query.all({ id, userId, nowMs: now.getTime() }))[0]?.user;
}

export async function revokeSession(orm: Orm, id: string, now: Date): Promise<void> {
  await orm.update(sessions).set({ revokedAt: now }).where(and(eq(sessions.id, id), isNull(sessions.revokedAt)));
}
