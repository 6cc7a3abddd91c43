// Rows of api_tokens: the secret's hash, never the secret.
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Orm } from "./db.ts";
import { preparedQuery } from "./prepared-queries.ts";
import { apiTokens, users } from "./schema.ts";
import type { UserRow } from "./user-repository.ts";

export type ApiTokenRow = typeof apiTokens.$inferSelect;

export async function insertApiToken(orm: Orm, row: typeof apiTokens.$inferInsert): Promise<void> {
  await orm.insert(apiTokens).values(row);
}

const TOKEN_BY_HASH = Symbol("api token by hash");

/** The token with this hash and its owner, in one query. */
export async function findApiTokenByHash(orm: Orm, tokenHash: Buffer): Promise<{ token: ApiTokenRow; user: UserRow } | undefined> {
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
}

export async function listApiTokens(orm: Orm, userId: string): Promise<ApiTokenRow[]> {
  return orm
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt), apiTokens.id);
}

export async function revokeApiToken(orm: Orm, userId: string, id: string, now: Date): Promise<boolean> {
  const rows = await orm
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return rows.length > 0;
}

export async function touchApiToken(orm: Orm, id: string, now: Date): Promise<void> {
  await orm.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, id));
}
