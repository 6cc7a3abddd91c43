// Cache-Control for answers to signed-in requests (README, HTTP conventions: Caching): what a credential
// unlocked — account data, private listings, private originals — is kept by no cache at all.
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { SESSION_COOKIE } from "./cookie-session.ts";

/**
 * One place instead of one header per route, so a route added later cannot forget it. A
 * handler that chose a policy keeps it: a public image is the same bytes for everyone.
 */
export function noStoreWhenSignedIn(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.res.headers.has("cache-control")) return;
    // Any credential counts, even one that turns out dead: the answer still depends on it.
    if (c.req.header("authorization") !== undefined || getCookie(c, SESSION_COOKIE) !== undefined) {
      c.res.headers.set("cache-control", "no-store");
    }
  };
}
