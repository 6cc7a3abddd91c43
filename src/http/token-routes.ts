// /api/v1/tokens: API tokens for scripts — the secret is shown once, then only its name.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { apiTokenRequestSchema } from "../domain/accounts/input.ts";
import type { ApiTokenService } from "../domain/accounts/api-tokens.ts";
import { principalOf } from "./auth.ts";
import { clientIp } from "./client-ip.ts";
import type { AppEnv } from "./env.ts";
import { valueOr } from "./problem.ts";
import { bearer, json, problem } from "./schemas.ts";

const TokenInfo = z
  .object({ id: z.string(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(), expiresAt: z.string().nullable() })
  .openapi("ApiToken");

const createTokenRoute = createRoute({
  method: "post",
  path: "/api/v1/tokens",
  operationId: "createToken",
  summary: "Create an API token (the secret is in this response only)",
  description:
    "Needs the caller's current password in `password`; wrong guesses are throttled like logins. " +
    "A password change or `pixvault user reset-password` revokes every API token of the user.",
  security: bearer,
  request: { body: { content: { "application/json": { schema: apiTokenRequestSchema } }, required: true } },
  responses: {
    201: json(z.object({ id: z.string(), name: z.string(), token: z.string(), expiresAt: z.string().nullable() }), "created"),
    401: problem("unauthorized, or invalid_credentials (the password is wrong)"),
    422: problem("validation_failed"),
    429: problem("rate_limited (too many wrong passwords; Retry-After says when to try again)"),
  },
});

const listTokensRoute = createRoute({
  method: "get",
  path: "/api/v1/tokens",
  operationId: "listTokens",
  summary: "The caller's live API tokens, without secrets",
  security: bearer,
  responses: { 200: json(z.object({ items: z.array(TokenInfo) }), "tokens"), 401: problem("unauthorized") },
});

const revokeTokenRoute = createRoute({
  method: "delete",
  path: "/api/v1/tokens/{id}",
  operationId: "revokeToken",
  summary: "Revoke an API token",
  security: bearer,
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 204: { description: "revoked" }, 401: problem("unauthorized"), 404: problem("not_found") },
});

export function tokenRoutes(tokens: ApiTokenService) {
  return new OpenAPIHono<AppEnv>()
    .openapi(createTokenRoute, async (c) => {
      const created = valueOr(await tokens.create(principalOf(c).user, c.req.valid("json"), clientIp(c)));
      return c.json(created, 201);
    })
    .openapi(listTokensRoute, async (c) => c.json({ items: await tokens.list(principalOf(c).user.id) }, 200))
    .openapi(revokeTokenRoute, async (c) => {
      valueOr(await tokens.revoke(principalOf(c).user.id, c.req.valid("param").id));
      return c.body(null, 204);
    });
}
