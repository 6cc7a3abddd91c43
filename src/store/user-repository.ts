// Rows of users: plain reads and writes, no rules (those live in domain/accounts).
import { and, count, eq, isNull, ne, sql, sum } from "drizzle-orm";
import type { StoredUsage, UserRepository } from "../domain/accounts/ports.ts";
import { partBlobId } from "../domain/resumable-uploads/parts.ts";
import { truncateWal, type Orm } from "./db.ts";
import { preparedQuery } from "./prepared-queries.ts";
import { apiTokens, images, resumableUploads, sessions, users } from "./schema.ts";
import { isUniqueViolation } from "./storage-errors.ts";

// Prepared (measured hot, bench/RESULTS.md: GET /api/v1/me); the other queries are drizzle built per call.
const USAGE_OF = Symbol("usage of a user");

// Deleting a user waits this long at most for the WAL to empty (see `delete`).
const SHRED_WAIT_MS = 1_000;

export function userRepository(orm: Orm): UserRepository {
  return {
    async insert(row) {
      try {
        await orm.insert(users).values(row);
        return "ok";
      } catch (e) {
        if (isUniqueViolation(e)) return "taken";
        throw e;
      }
    },

    async findByUsername(username) {
      return (await orm.select().from(users).where(sql`lower(${users.username}) = lower(${username})`).limit(1))[0];
    },

    list: () => orm.select().from(users).orderBy(users.createdAt, users.id),

    async update(id, fields, now) {
      return (
        await orm
          .update(users)
          .set({ ...fields, updatedAt: now })
          .where(eq(users.id, id))
          .returning()
      )[0];
    },

    async replacePassword(id, passwordHash, keepSessionId, now) {
      const others = keepSessionId === undefined ? undefined : ne(sessions.id, keepSessionId);
      await orm.batch([
        orm.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, id)),
        orm
          .update(sessions)
          .set({ revokedAt: now })
          .where(and(eq(sessions.userId, id), isNull(sessions.revokedAt), others)),
        orm
          .update(apiTokens)
          .set({ revokedAt: now })
          .where(and(eq(apiTokens.userId, id), isNull(apiTokens.revokedAt))),
      ]);
    },

    async imageIds(id) {
      const imageIds = (await orm.select({ id: images.id }).from(images).where(eq(images.ownerId, id))).map((r) => r.id);
      // Unfinished resumable uploads are the user's files too: their parts go with the account.
      const uploads = await orm
        .select({ id: resumableUploads.id, parts: resumableUploads.parts })
        .from(resumableUploads)
        .where(eq(resumableUploads.ownerId, id));
      return [...imageIds, ...uploads.flatMap((u) => Array.from({ length: u.parts }, (_, n) => partBlobId(u.id, n)))];
    },

    /**
     * Sessions, tokens, images and tags go with the row (ON DELETE CASCADE). Then the WAL is
     * emptied, so that the zeroed pages (secure_delete) are the only ones left and no file holds
     * the user's key salt, wrapped keys, email or name (crypto-shredding: README, Images with
     * curl). That step is best effort and brief: a process reading for long leaves it to the
     * next checkpoint (at the latest when the server stops), and the deletion stands either way.
     */
    async delete(id) {
      const deleted = (await orm.delete(users).where(eq(users.id, id)).returning({ id: users.id })).length > 0;
      if (deleted) await truncateWal(orm.$client, SHRED_WAIT_MS).catch(() => false);
      return deleted;
    },

    async usage(id): Promise<StoredUsage> {
      const query = preparedQuery(orm, USAGE_OF, (db) =>
        db
          .select({ n: count(), bytes: sum(images.size) })
          .from(images)
          .where(eq(images.ownerId, sql.placeholder("userId")))
          .prepare(),
      );
      const row = (await query.all({ userId: id }))[0];
      return { images: Number(row?.n ?? 0), bytes: Number(row?.bytes ?? 0) };
    },

    async usageByUser() {
      const rows = await orm
        .select({ ownerId: images.ownerId, n: count(), bytes: sum(images.size) })
        .from(images)
        .groupBy(images.ownerId);
      return new Map(rows.map((r) => [r.ownerId, { images: Number(r.n), bytes: Number(r.bytes ?? 0) }]));
    },
  };
}
