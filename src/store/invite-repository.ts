// Rows of invites, and the one transaction that spends an invite on a new user.
import { and, desc, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { InviteRepository } from "../domain/accounts/ports.ts";
import type { Orm } from "./db.ts";
import { invites, users } from "./schema.ts";
import { isUniqueViolation } from "./storage-errors.ts";

export function inviteRepository(orm: Orm): InviteRepository {
  return {
    async insert(row) {
      await orm.insert(invites).values(row);
    },

    list: () => orm.select().from(invites).orderBy(desc(invites.createdAt), invites.id),

    async findByHash(codeHash) {
      return (await orm.select().from(invites).where(eq(invites.codeHash, codeHash)).limit(1))[0];
    },

    async revoke(id, now) {
      const rows = await orm
        .update(invites)
        .set({ revokedAt: sql`coalesce(${invites.revokedAt}, ${now.getTime()})` })
        .where(eq(invites.id, id))
        .returning({ id: invites.id });
      return rows.length === 1;
    },

    async insertUserSpending(user, codeHash, now) {
      try {
        return await orm.transaction(async (tx) => {
          const spent = await tx
            .update(invites)
            .set({ uses: sql`${invites.uses} + 1` })
            .where(
              and(eq(invites.codeHash, codeHash), isNull(invites.revokedAt), gt(invites.expiresAt, now), lt(invites.uses, invites.maxUses)),
            )
            .returning({ id: invites.id });
          if (spent.length !== 1) return "invite_invalid" as const;
          // A clash throws, and the transaction's rollback gives the use back.
          await tx.insert(users).values(user);
          return "ok" as const;
        });
      } catch (e) {
        if (isUniqueViolation(e)) return "taken";
        throw e;
      }
    },
  };
}
