// Fixed-window counters in the database, so every instance of a cluster sees the same counts.
// Keys and subjects arrive already keyed-hashed: this table never sees what was typed.
import { eq, inArray, lte, sql } from "drizzle-orm";
import type { ThrottleRepository } from "../domain/accounts/ports.ts";
import type { Orm } from "./db.ts";
import { rateLimits } from "./schema.ts";

const asBuffer = (key: Uint8Array) => Buffer.from(key.buffer, key.byteOffset, key.byteLength);

export function rateLimitRepository(orm: Orm): ThrottleRepository {
  return {
    async hit(hits, nowMs, windowMs) {
      // A window that has ended restarts at one; every increment is atomic (one upsert each).
      const ended = sql`${rateLimits.expiresAt} <= ${nowMs}`;
      const upserts = hits.map(({ key, subject }) =>
        orm
          .insert(rateLimits)
          .values({
            key: asBuffer(key),
            subject: subject && asBuffer(subject),
            windowStart: new Date(nowMs),
            count: 1,
            expiresAt: new Date(nowMs + windowMs),
          })
          .onConflictDoUpdate({
            target: rateLimits.key,
            set: {
              count: sql`CASE WHEN ${ended} THEN 1 ELSE ${rateLimits.count} + 1 END`,
              windowStart: sql`CASE WHEN ${ended} THEN ${nowMs} ELSE ${rateLimits.windowStart} END`,
              expiresAt: sql`CASE WHEN ${ended} THEN ${nowMs + windowMs} ELSE ${rateLimits.expiresAt} END`,
            },
          })
          .returning({ count: rateLimits.count, windowStart: rateLimits.windowStart }),
      );
      if (upserts.length === 0) return [];
      const results = await orm.batch(upserts as [(typeof upserts)[number], ...(typeof upserts)[number][]]);
      return results.map((rows) => ({ count: Number(rows[0]!.count), windowStart: rows[0]!.windowStart.getTime() }));
    },

    async settle({ clear = [], release = [] }) {
      const writes = [
        ...clear.map((key) => orm.delete(rateLimits).where(eq(rateLimits.key, asBuffer(key)))),
        ...release.map((key) =>
          orm
            .update(rateLimits)
            .set({ count: sql`${rateLimits.count} - 1` })
            .where(sql`${rateLimits.key} = ${asBuffer(key)} AND ${rateLimits.count} > 0`),
        ),
      ];
      if (writes.length > 0) await orm.batch(writes as [(typeof writes)[number], ...(typeof writes)[number][]]);
    },

    async clearSubject(subject) {
      return (
        await orm
          .delete(rateLimits)
          .where(eq(rateLimits.subject, asBuffer(subject)))
          .returning({ key: rateLimits.key })
      ).length;
    },

    /** A bounded write, so a purge never holds the write lock for long; the expiry index makes the scan cheap. */
    async purgeExpired(nowMs, limit) {
      const due = orm
        .select({ key: rateLimits.key })
        .from(rateLimits)
        .where(lte(rateLimits.expiresAt, new Date(nowMs)))
        .limit(limit);
      return (await orm.delete(rateLimits).where(inArray(rateLimits.key, due)).returning({ key: rateLimits.key })).length;
    },
  };
}
