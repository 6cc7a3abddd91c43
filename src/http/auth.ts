// Authentication: resolves `Authorization: Bearer …` (or, without one, the web UI's session
// cookie) to a principal, or answers 401.
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { AppError } from "../domain/errors.ts";
import type { Principal, SessionService } from "../domain/accounts/sessions.ts";
import { identifyByCookie } from "./cookie-session.ts";
import type { AppEnv } from "./env.ts";

const BEARER = /^Bearer[ ]+([^\s]+)\s*$/i;

function unauthorized(detail: string): AppError {
  return new AppError("unauthorized", detail);
}

/**
 * A bearer credential that is present must be valid; absent is fine here (public routes).
 * A request with an Authorization header is never judged by its cookie.
 */
export function identify(sessions: SessionService, secureCookies = false): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization");
    if (header !== undefined) {
      const token = BEARER.exec(header)?.[1];
      if (!token || token.length > 4096) throw unauthorized("the Authorization header must be `Bearer <token>`");
      const principal = await sessions.authenticate(token);
      if (!principal) throw unauthorized("the token is invalid, expired or revoked");
      c.set("principal", principal);
    } else {
      await identifyByCookie(sessions, c, secureCookies);
    }
    await next();
  });
}

/** The caller, or a 401 when the route needs one and there is none. */
export function principalOf(c: { get(key: "principal"): Principal | undefined }): Principal {
  const principal = c.get("principal");
  if (!principal) throw unauthorized("this route needs `Authorization: Bearer <token>`");
  return principal;
}
