// API tokens for scripts: created with a secret shown once, listed without it, revoked.
import { hashApiTokenSecret, newApiTokenSecret } from "../../crypto/api-token.ts";
import { newId } from "../../crypto/random-id.ts";
import type { Clock } from "../clock.ts";
import { fail, ok, type Result } from "../errors.ts";
import type { AccountService } from "./accounts.ts";
import type { ApiToken, ApiTokenRepository, SignedInUser } from "./ports.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

interface ApiTokenInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

interface CreatedApiToken {
  id: string;
  name: string;
  token: string;
  expiresAt: string | null;
}

export interface ApiTokenService {
  /**
   * Needs the current password: a token outlives the session that makes it (it may never
   * expire), so a stolen session or cookie alone must not turn into a lasting credential.
   */
  create(
    user: SignedInUser,
    input: { name: string; expiresInDays?: number | undefined; password: string },
    clientIp: string,
  ): Promise<Result<CreatedApiToken>>;
  /** The user's live tokens, without their secrets. */
  list(userId: string): Promise<ApiTokenInfo[]>;
  revoke(userId: string, id: string): Promise<Result<void>>;
}

const info = (row: ApiToken): ApiTokenInfo => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  expiresAt: row.expiresAt?.toISOString() ?? null,
});

export function createApiTokenService(ports: {
  apiTokens: ApiTokenRepository;
  accounts: Pick<AccountService, "confirmPassword">;
  clock: Clock;
}): ApiTokenService {
  const { apiTokens, accounts, clock } = ports;
  return {
    async create(user, input, clientIp) {
      const confirmed = await accounts.confirmPassword(user, input.password, clientIp);
      if (!confirmed.ok) return confirmed;
      const now = clock.now();
      const secret = newApiTokenSecret();
      const expiresAt = input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * DAY_MS) : null;
      const id = newId();
      await apiTokens.insert({ id, userId: user.id, name: input.name, tokenHash: hashApiTokenSecret(secret), createdAt: now, expiresAt });
      return ok({ id, name: input.name, token: secret, expiresAt: expiresAt?.toISOString() ?? null });
    },

    async list(userId) {
      const now = clock.now();
      return (await apiTokens.list(userId)).filter((t) => !t.expiresAt || t.expiresAt > now).map(info);
    },

    async revoke(userId, id) {
      return (await apiTokens.revoke(userId, id, clock.now())) ? ok(undefined) : fail("not_found", "no such API token");
    },
  };
}
