// Rows of api_tokens: the secret's hash, never the secret.
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { ApiTokenRepository } from "../domain/accounts/ports.ts";
import type { Orm } from "./db.ts";
import { preparedQuery } from "./prepared-queries.ts";
import { apiTokens, users } from "./schema.ts";

// Prepared (measured hot, see prepared-queries.ts): every request signed in by an API token.
const TOKEN_BY_HASH = Symbol("api token by hash");

export function apiTokenRepository(orm: Orm): ApiTokenRepository {
  return {
    async insert(row) {
      await orm.insert(apiTokens).values(row);
    },

    async findByHash(tokenHash) {
      const query = preparedQuery(orm, TOKEN_BY_HASH, (db) =>
        db
          .select({ token: apiTokens, user: users })
          .from(apiTokens)
          .innerJoin(users, eq(users.id, apiTokens.userId))
          .where(eq(apiTokens.tokenHash, sql.placeholder("hash")))
          .limit(1)
          .prepare(),
      );
      return (await query.all({ hash: tokenHash }))[0];
    },

    list: (userId) =>
      orm
        .select()
        .from(apiTokens)
        .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
        .orderBy(desc(apiTokens.createdAt), apiTokens.id),

    async revoke(userId, id, now) {
      const rows = await orm
        .update(apiTokens)
        .set({ revokedAt: now })
        .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
        .returning({ id: apiTokens.id });
      return rows.length > 0;
    },

    async touch(id, now) {
      await orm.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, id));
    },
  };
}
