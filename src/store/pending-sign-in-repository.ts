// Rows of sign-ins under way at an OpenID Provider (oidc_logins): stored at the start, taken once at the callback.
import { and, eq, gt, lte } from "drizzle-orm";
import type { PendingSignInRepository } from "../domain/accounts/ports.ts";
import type { Orm } from "./db.ts";
import { oidcLogins } from "./schema.ts";

export function pendingSignInRepository(orm: Orm): PendingSignInRepository {
  return {
    async insert(idHash, pending, now) {
      await orm.batch([
        orm.delete(oidcLogins).where(lte(oidcLogins.expiresAt, now)),
        orm.insert(oidcLogins).values({ idHash, ...pending }),
      ]);
    },

    async take(idHash, now) {
      // DELETE … RETURNING: of two callbacks with one cookie (a replay, a double click) only one gets it.
      const [row] = await orm
        .delete(oidcLogins)
        .where(and(eq(oidcLogins.idHash, idHash), gt(oidcLogins.expiresAt, now)))
        .returning();
      if (!row) return undefined;
      const { idHash: _, ...pending } = row;
      return pending;
    },
  };
}
