// /api/v1/sessions: log in (a session JWT) and log out (that token stops working).
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { loginSchema } from "../domain/account-input.ts";
import type { AccountDeps } from "../domain/context.ts";
import { login, logout } from "../domain/sessions.ts";
import { principalOf } from "./auth.ts";
import { clientIp } from "./client-ip.ts";
import type { AppEnv } from "./env.ts";
import { valueOr } from "./problem.ts";
import { bearer, json, problem, UserSchema } from "./schemas.ts";

const loginRoute = createRoute({
  method: "post",
  path: "/api/v1/sessions",
  summary: "Log in",
  request: { body: { content: { "application/json": { schema: loginSchema } }, required: true } },
  responses: {
    201: json(
      z.object({ token: z.string(), tokenType: z.literal("Bearer"), expiresAt: z.string(), user: UserSchema }).openapi("SessionGrant"),
      "logged in",
    ),
    401: problem("invalid_credentials"),
    429: problem("rate_limited (Retry-After says when to try again)"),
  },
});

const logoutRoute = createRoute({
  method: "delete",
  path: "/api/v1/sessions/current",
  summary: "Log out: this token stops working at once",
  security: bearer,
  responses: { 204: { description: "logged out" }, 401: problem("unauthorized") },
});

export function sessionRoutes(deps: AccountDeps) {
  return new OpenAPIHono<AppEnv>()
    .openapi(loginRoute, async (c) => c.json(valueOr(await login(deps, c.req.valid("json"), clientIp(c))), 201))
    .openapi(logoutRoute, async (c) => {
      await logout(deps, principalOf(c));
      return c.body(null, 204);
    });
}
