// Rows of sessions: one per login; revoking sets revoked_at and the JWT stops working.
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { SessionRepository } from "../domain/accounts/ports.ts";
import type { Orm } from "./db.ts";
import { preparedQuery } from "./prepared-queries.ts";
import { sessions, users } from "./schema.ts";

// Prepared (measured hot, see prepared-queries.ts): every request signed in by a session.
const LIVE_SESSION_USER = Symbol("live session user");

export function sessionRepository(orm: Orm): SessionRepository {
  return {
    async insert(row) {
      await orm.insert(sessions).values(row);
    },

    async findLiveUser(id, userId, now) {
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
    },

    async revoke(id, now) {
      await orm
        .update(sessions)
        .set({ revokedAt: now })
        .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)));
    },
  };
}
