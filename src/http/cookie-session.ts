// The web UI's session cookie (HttpOnly, SameSite=Strict, Path=/api): set at login, read when
// a request has no Authorization header, and never trusted for an unsafe method without the
// CSRF token bound to it. Bearer clients never meet any of this.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { SessionService } from "../domain/accounts/sessions.ts";
import { csrfTokenValid } from "../domain/accounts/web-sessions.ts";
import { AppError } from "../domain/errors.ts";
import type { AppEnv } from "./env.ts";

export const SESSION_COOKIE = "pxv_session";
export const CSRF_HEADER = "X-CSRF-Token";
/** Only the API needs the cookie: pages, assets and share links (/s/…) never carry it. */
const COOKIE_PATH = "/api";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Routes that act for no account: a stale or foreign cookie must not block signing in again. */
const ACCOUNTLESS = new Set(["POST /api/v1/sessions", "POST /api/v1/users"]);

export function setSessionCookie(c: Context, token: string, expiresAt: Date, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, token, {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: "Strict",
    secure,
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
  });
}

export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: "Strict", secure });
}

/**
 * Signs the request in by its cookie. A dead cookie (expired, revoked, forged) is dropped:
 * the request goes on signed out, so public pages keep working. A live one on an unsafe
 * method without its CSRF token is 403: another site may have sent it.
 */
export async function identifyByCookie(sessions: SessionService, c: Context<AppEnv>, secure: boolean): Promise<void> {
  const token = getCookie(c, SESSION_COOKIE);
  if (token === undefined || ACCOUNTLESS.has(`${c.req.method} ${c.req.path}`)) return;
  const session = await sessions.authenticateCookie(token);
  if (!session) {
    clearSessionCookie(c, secure);
    return;
  }
  if (!SAFE_METHODS.has(c.req.method) && !csrfTokenValid(token, c.req.header(CSRF_HEADER))) {
    throw new AppError(
      "forbidden",
      `a request signed in by the session cookie must send the ${CSRF_HEADER} header on ${c.req.method} ` +
        "(GET /api/v1/sessions/current gives it)",
    );
  }
  c.set("principal", session.principal);
  c.set("sessionCookie", { csrfToken: session.csrfToken });
}

/**
 * A cookie session may only be started by this site's own pages: a form on another site
 * must not sign the browser in to an account of the attacker's choosing (login CSRF).
 * Sec-Fetch-Site is sent by every current browser; clients that omit it are not browsers.
 */
export function refuseCrossSiteLogin(c: Context): void {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    throw new AppError("forbidden", "a cookie session can only be started from this site's own pages");
  }
}
