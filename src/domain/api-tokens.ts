// API tokens for scripts: created with a secret shown once, listed without it, revoked.
import { hashApiTokenSecret, newApiTokenSecret } from "../crypto/api-token.ts";
import { newId } from "../crypto/random-id.ts";
import { insertApiToken, listApiTokens, revokeApiToken, type ApiTokenRow } from "../store/api-token-repository.ts";
import type { UserRow } from "../store/user-repository.ts";
import { confirmPassword } from "./accounts.ts";
import type { AccountDeps } from "./context.ts";
import { fail, ok, type Result } from "./errors.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ApiTokenInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

const info = (row: ApiTokenRow): ApiTokenInfo => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  expiresAt: row.expiresAt?.toISOString() ?? null,
});

/**
 * Needs the current password: a token outlives the session that makes it (it may never
 * expire), so a stolen session or cookie alone must not turn into a lasting credential.
 */
export async function createApiToken(
  deps: AccountDeps,
  user: UserRow,
  input: { name: string; expiresInDays?: number | undefined; password: string },
  clientIp: string,
): Promise<Result<{ id: string; name: string; token: string; expiresAt: string | null }>> {
  const confirmed = await confirmPassword(deps, user, input.password, clientIp);
  if (!confirmed.ok) return confirmed;
  const now = deps.now();
  const secret = newApiTokenSecret();
  const expiresAt = input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * DAY_MS) : null;
  const id = newId();
  await insertApiToken(deps.db.orm, {
    id,
    userId: user.id,
    name: input.name,
    tokenHash: hashApiTokenSecret(secret),
    createdAt: now,
    expiresAt,
  });
  return ok({ id, name: input.name, token: secret, expiresAt: expiresAt?.toISOString() ?? null });
}

export async function listTokens(deps: AccountDeps, userId: string): Promise<ApiTokenInfo[]> {
  const now = deps.now();
  return (await listApiTokens(deps.db.orm, userId)).filter((t) => !t.expiresAt || t.expiresAt > now).map(info);
}

export async function revokeToken(deps: AccountDeps, userId: string, id: string): Promise<Result<void>> {
  return (await revokeApiToken(deps.db.orm, userId, id, deps.now()))
    ? ok(undefined)
    : fail("not_found", "no such API token");
}
