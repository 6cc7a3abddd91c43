// Rows of single-sign-on identities: plain reads and writes; which may be linked or removed is domain/accounts' call.
import { and, asc, count, eq, ne, or, sql } from "drizzle-orm";
import type { IdentityRepository } from "../domain/accounts/ports.ts";
import type { Orm } from "./db.ts";
import { userIdentities, users } from "./schema.ts";
import { isForeignKeyViolation, isUniqueViolation } from "./storage-errors.ts";

export function identityRepository(orm: Orm): IdentityRepository {
  return {
    async findUser(issuer, subject) {
      const [found] = await orm
        .select({ identity: userIdentities, user: users })
        .from(userIdentities)
        .innerJoin(users, eq(users.id, userIdentities.userId))
        .where(and(eq(userIdentities.issuer, issuer), eq(userIdentities.subject, subject)))
        .limit(1);
      return found;
    },

    listByUser: (userId) =>
      orm
        .select()
        .from(userIdentities)
        .where(eq(userIdentities.userId, userId))
        .orderBy(asc(userIdentities.createdAt), asc(userIdentities.id)),

    async insert(identity) {
      try {
        await orm.insert(userIdentities).values(identity);
        return "ok";
      } catch (e) {
        if (isUniqueViolation(e)) return "taken";
        if (isForeignKeyViolation(e)) return "user_gone";
        throw e;
      }
    },

    async insertWithUser(user, identity) {
      try {
        await orm.transaction(async (tx) => {
          await tx.insert(users).values(user);
          await tx.insert(userIdentities).values(identity);
        });
        return "ok";
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        // Which constraint clashed: the identity was linked meanwhile, or the username was taken.
        const [clash] = await orm
          .select({ n: count() })
          .from(userIdentities)
          .where(and(eq(userIdentities.issuer, identity.issuer), eq(userIdentities.subject, identity.subject)));
        return (clash?.n ?? 0) > 0 ? "identity_taken" : "username_taken";
      }
    },

    async removeUnlessLast(userId, id, noPassword) {
      return orm.transaction(async (tx) => {
        const mine = and(eq(userIdentities.id, id), eq(userIdentities.userId, userId));
        const [target] = await tx.select({ id: userIdentities.id }).from(userIdentities).where(mine);
        if (!target) return "not_found" as const;
        const otherWayIn = or(
          sql`exists (select 1 from ${users} where ${users.id} = ${userId} and ${users.passwordHash} <> ${noPassword})`,
          sql`exists (select 1 from ${userIdentities} where ${and(eq(userIdentities.userId, userId), ne(userIdentities.id, id))})`,
        );
        const removed = await tx.delete(userIdentities).where(and(mine, otherWayIn)).returning({ id: userIdentities.id });
        return removed.length > 0 ? ("removed" as const) : ("last" as const);
      });
    },

    async touch(id, now) {
      await orm.update(userIdentities).set({ lastUsedAt: now }).where(eq(userIdentities.id, id));
    },
  };
}
