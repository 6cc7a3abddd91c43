// /api/v1/sessions: log in (a session JWT, or for the web UI an HttpOnly cookie), see the
// current session, and log out (that token or cookie stops working).
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { loginSchema } from "../domain/accounts/input.ts";
import { publicUser } from "../domain/accounts/public-user.ts";
import type { SessionService } from "../domain/accounts/sessions.ts";
import { cookieGrant } from "../domain/accounts/web-sessions.ts";
import { principalOf } from "./auth.ts";
import { clientIp } from "./client-ip.ts";
import { clearSessionCookie, CSRF_HEADER, refuseCrossSiteLogin, SESSION_COOKIE, setSessionCookie } from "./cookie-session.ts";
import type { AppEnv } from "./env.ts";
import { valueOr } from "./problem.ts";
import { anonymous, bearer, json, problem, UserSchema } from "./schemas.ts";

const loginBody = loginSchema.extend({
  cookie: z
    .boolean()
    .optional()
    .openapi({
      description:
        "true: set the session as an HttpOnly SameSite=Strict cookie instead of returning the token; " +
        `unsafe requests signed in by it must send ${CSRF_HEADER}`,
    }),
});

const BearerGrant = z
  .object({ token: z.string(), tokenType: z.literal("Bearer"), expiresAt: z.string(), user: UserSchema })
  .openapi("SessionGrant");
const CookieGrant = z
  .object({ tokenType: z.literal("Cookie"), expiresAt: z.string(), user: UserSchema, csrfToken: z.string() })
  .openapi("CookieSessionGrant");

const loginRoute = createRoute({
  method: "post",
  path: "/api/v1/sessions",
  operationId: "createSession",
  summary: "Log in",
  security: anonymous,
  request: { body: { content: { "application/json": { schema: loginBody } }, required: true } },
  responses: {
    201: json(z.union([BearerGrant, CookieGrant]), "logged in (with cookie:true, the token is in the Set-Cookie header only)"),
    401: problem("invalid_credentials"),
    403: problem("forbidden (cookie:true from another site's page)"),
    429: problem("rate_limited (Retry-After says when to try again)"),
  },
});

const currentRoute = createRoute({
  method: "get",
  path: "/api/v1/sessions/current",
  operationId: "getCurrentSession",
  summary: `Who is signed in; for the session cookie also the CSRF token to send in ${CSRF_HEADER}`,
  security: bearer,
  responses: {
    200: json(
      z.object({ user: UserSchema, via: z.enum(["bearer", "cookie"]), csrfToken: z.string().nullable() }).openapi("CurrentSession"),
      "the caller",
    ),
    401: problem("unauthorized"),
  },
});

const logoutRoute = createRoute({
  method: "delete",
  path: "/api/v1/sessions/current",
  operationId: "deleteCurrentSession",
  summary: "Log out: this token (or the session cookie) stops working at once",
  security: bearer,
  responses: {
    204: { description: "logged out" },
    401: problem("unauthorized"),
    403: problem(`forbidden (cookie without ${CSRF_HEADER})`),
  },
});

/** `secureCookies`: browsers reach the server over https, so the cookie is `Secure`. */
export function sessionRoutes(sessions: SessionService, secureCookies = false) {
  const app = new OpenAPIHono<AppEnv>()
    .openapi(loginRoute, async (c) => {
      const { cookie, ...credentials } = c.req.valid("json");
      if (cookie) refuseCrossSiteLogin(c);
      const grant = valueOr(await sessions.login(credentials, clientIp(c)));
      if (!cookie) return c.json(grant, 201);
      setSessionCookie(c, grant.token, new Date(grant.expiresAt), secureCookies);
      return c.json(cookieGrant(grant), 201);
    })
    .openapi(currentRoute, async (c) => {
      const { user } = principalOf(c);
      const csrfToken = c.get("sessionCookie")?.csrfToken ?? null;
      return c.json({ user: publicUser(user), via: csrfToken === null ? ("bearer" as const) : ("cookie" as const), csrfToken }, 200);
    })
    .openapi(logoutRoute, async (c) => {
      await sessions.logout(principalOf(c));
      if (c.get("sessionCookie")) clearSessionCookie(c, secureCookies);
      return c.body(null, 204);
    });
  app.openAPIRegistry.registerComponent("securitySchemes", "sessionCookie", {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description: `The web UI's session (POST /api/v1/sessions with cookie:true); unsafe methods also need ${CSRF_HEADER}`,
  });
  return app;
}
