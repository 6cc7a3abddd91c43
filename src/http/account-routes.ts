// /api/v1/users (register) and /api/v1/me (read, change, change password, delete).
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { passwordChangeSchema, passwordConfirmationSchema, profileChangeSchema, signUpSchema } from "../domain/accounts/input.ts";
import type { AccountServices } from "../domain/accounts/services.ts";
import { principalOf } from "./auth.ts";
import { clientIp } from "./client-ip.ts";
import type { AppEnv } from "./env.ts";
import { valueOr } from "./problem.ts";
import { anonymous, bearer, json, problem, UserSchema } from "./schemas.ts";

const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const MeSchema = UserSchema.extend({
  usage: z.object({ images: z.number(), bytes: z.number(), quotaBytes: z.number().nullable() }),
}).openapi("Me");

const registerRoute = createRoute({
  method: "post",
  path: "/api/v1/users",
  operationId: "registerUser",
  summary: "Register an account",
  description:
    "Follows the server's registration mode (GET /api/v1/registration): `invite` needs a code made by " +
    "`pixvault invite create` in `invite`; `closed` refuses every sign-up. Limited per client address.",
  security: anonymous,
  request: body(signUpSchema),
  responses: {
    201: json(z.object({ user: UserSchema }), "created"),
    403: problem("registration_closed, or invite_invalid (the invite is missing, unknown, revoked, expired or used up)"),
    409: problem("username_taken"),
    422: problem("validation_failed or weak_password"),
    429: problem("rate_limited (too many accounts registered from this address; Retry-After says when to try again)"),
  },
});

const meRoute = createRoute({
  method: "get",
  path: "/api/v1/me",
  operationId: "getMe",
  summary: "The caller, with storage usage",
  security: bearer,
  responses: { 200: json(z.object({ user: MeSchema }), "the caller"), 401: problem("unauthorized") },
});

const patchMeRoute = createRoute({
  method: "patch",
  path: "/api/v1/me",
  operationId: "updateMe",
  summary: "Change name or email",
  security: bearer,
  request: body(profileChangeSchema),
  responses: { 200: json(z.object({ user: UserSchema }), "changed"), 401: problem("unauthorized"), 422: problem("validation_failed") },
});

const passwordRoute = createRoute({
  method: "put",
  path: "/api/v1/me/password",
  operationId: "changePassword",
  summary: "Change password; every other session and every API token is revoked",
  security: bearer,
  request: body(passwordChangeSchema),
  responses: {
    204: { description: "changed; the caller's session stays, every other session and every API token (the caller's too) no longer works" },
    401: problem("unauthorized or invalid_credentials"),
    422: problem("validation_failed, or weak_password (too short or too easy to guess; `feedback` says why)"),
    429: problem("rate_limited (too many wrong current passwords)"),
  },
});

const deleteMeRoute = createRoute({
  method: "delete",
  path: "/api/v1/me",
  operationId: "deleteMe",
  summary: "Delete the account: images, blobs, keys, sessions and tokens",
  security: bearer,
  request: body(passwordConfirmationSchema),
  responses: { 204: { description: "deleted" }, 401: problem("unauthorized or invalid_credentials") },
});

export function accountRoutes({ accounts, registration }: Pick<AccountServices, "accounts" | "registration">) {
  return new OpenAPIHono<AppEnv>()
    .openapi(registerRoute, async (c) => {
      const user = valueOr(await registration.signUp(c.req.valid("json"), clientIp(c)));
      return c.json({ user }, 201);
    })
    .openapi(meRoute, async (c) => c.json({ user: await accounts.describeMe(principalOf(c).user) }, 200))
    .openapi(patchMeRoute, async (c) => {
      const user = valueOr(await accounts.changeProfile(principalOf(c).user, c.req.valid("json")));
      return c.json({ user }, 200);
    })
    .openapi(passwordRoute, async (c) => {
      const me = principalOf(c);
      valueOr(await accounts.changePassword(me.user, me.sessionId, c.req.valid("json"), clientIp(c)));
      return c.body(null, 204);
    })
    .openapi(deleteMeRoute, async (c) => {
      valueOr(await accounts.deleteAccount(principalOf(c).user, c.req.valid("json").password, clientIp(c)));
      return c.body(null, 204);
    });
}
