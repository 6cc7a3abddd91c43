// Single sign-on routes (SPEC §13): /api/v1/auth/oidc (is it on, under which label),
// /start and /callback of the authorization code flow, and /api/v1/me/identities.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { SingleSignOn } from "../domain/accounts/single-sign-on.ts";
import type { Logger } from "../logger.ts";
import { principalOf } from "./auth.ts";
import { setSessionCookie } from "./cookie-session.ts";
import type { AppEnv } from "./env.ts";
import { valueOr } from "./problem.ts";
import { anonymous, bearer, json, problem } from "./schemas.ts";

const FLOW_COOKIE = "pxv_oidc";
const FLOW_PATH = "/api/v1/auth/oidc";
const CALLBACK_PATH = `${FLOW_PATH}/callback`;
/** Query values past this are not something a provider sends. */
const MAX_PARAM = 4096;

const redirect = (description: string) => ({
  description,
  headers: z.object({ location: z.string().openapi({ description: "where the browser goes next" }) }),
});

const infoRoute = createRoute({
  method: "get",
  path: FLOW_PATH,
  operationId: "getSingleSignOn",
  summary: "Whether single sign-on is on, and the label of its button",
  security: anonymous,
  responses: {
    200: json(z.object({ enabled: z.boolean(), name: z.string().nullable() }).openapi("SingleSignOn"), "the server's single sign-on"),
  },
});

const startRoute = createRoute({
  method: "get",
  path: `${FLOW_PATH}/start`,
  operationId: "startSingleSignOn",
  summary: "Send the browser to the OpenID Provider (signed in by the session cookie: link the identity to this account)",
  description:
    "Authorization code flow with PKCE (S256), scopes `openid profile email`; `state` and `nonce` are bound to an " +
    "HttpOnly, SameSite=Lax cookie that lives 10 minutes. A browser navigation, not an API call.",
  security: anonymous,
  responses: { 302: redirect("to the provider's authorization endpoint"), 404: problem("not_found (single sign-on is off)") },
});

const callbackRoute = createRoute({
  method: "get",
  path: CALLBACK_PATH,
  operationId: "finishSingleSignOn",
  summary: "Where the provider sends the browser back: signs in (or links) and redirects",
  description:
    "Success: a session cookie and a redirect to `/` (a link: to `/#/account`). Failure: a redirect to " +
    "`/#/sign-in?error=CODE`, CODE one of state_invalid, access_denied, provider_error, exchange_failed, " +
    "token_invalid, provider_unavailable, account_unknown, identity_taken; never a session.",
  security: anonymous,
  request: {
    query: z.object({
      code: z.string().optional(),
      state: z.string().optional(),
      error: z.string().optional(),
      error_description: z.string().optional(),
      iss: z.string().optional(),
    }),
  },
  responses: { 303: redirect("to the web UI"), 404: problem("not_found (single sign-on is off)") },
});

const IdentitySchema = z
  .object({
    id: z.string(),
    issuer: z.string(),
    subject: z.string(),
    email: z.string().nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("Identity");

const listIdentitiesRoute = createRoute({
  method: "get",
  path: "/api/v1/me/identities",
  operationId: "listIdentities",
  summary: "The single-sign-on identities linked to the caller's account",
  security: bearer,
  responses: { 200: json(z.object({ items: z.array(IdentitySchema) }), "oldest first"), 401: problem("unauthorized") },
});

const unlinkRoute = createRoute({
  method: "delete",
  path: "/api/v1/me/identities/{id}",
  operationId: "unlinkIdentity",
  summary: "Unlink an identity",
  security: bearer,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    204: { description: "unlinked" },
    401: problem("unauthorized"),
    404: problem("not_found"),
    409: problem("conflict (it is the account's only way to sign in: no password and no other identity)"),
  },
});

/** `sso` absent: single sign-on is off (the info route says so; the flow routes are 404). */
export function oidcRoutes(
  sso: SingleSignOn | undefined,
  logger: Logger,
  options: { secureCookies: boolean; publicUrl?: string | undefined },
) {
  const app = new OpenAPIHono<AppEnv>().openapi(infoRoute, (c) => c.json({ enabled: sso !== undefined, name: sso?.name ?? null }, 200));
  if (!sso) return app;
  // The provider must be told the address browsers use: --public-url, else the one this request came to.
  const callbackUrl = (c: Context) => `${options.publicUrl ?? new URL(c.req.url).origin}${CALLBACK_PATH}`;
  const flowCookie = { path: FLOW_PATH, httpOnly: true, sameSite: "Lax", secure: options.secureCookies } as const;

  return app
    .openapi(startRoute, async (c) => {
      // Only the session cookie links: it is SameSite=Strict, so another site's link cannot start a link.
      const linkTo = c.get("sessionCookie") ? principalOf(c).user : undefined;
      const begun = await sso.begin(linkTo, callbackUrl(c));
      setCookie(c, FLOW_COOKIE, begun.cookie, { ...flowCookie, maxAge: begun.maxAgeSeconds });
      return c.redirect(begun.location, 302);
    })
    .openapi(callbackRoute, async (c) => {
      const query = c.req.valid("query");
      const param = (value: string | undefined) => (value !== undefined && value.length <= MAX_PARAM ? value : undefined);
      const cookie = getCookie(c, FLOW_COOKIE);
      deleteCookie(c, FLOW_COOKIE, flowCookie);
      const done = await sso.complete({
        cookie: param(cookie),
        code: param(query.code),
        state: param(query.state),
        error: query.error === undefined ? undefined : (param(query.error) ?? "provider_error"),
        redirectUri: callbackUrl(c),
      });
      if (!done.ok) {
        logger.info("single sign-on failed", { reason: done.failure });
        return c.redirect(`/#/sign-in?error=${done.failure}`, 303);
      }
      if (done.value.kind === "linked") return c.redirect("/#/account", 303);
      const { grant } = done.value;
      setSessionCookie(c, grant.token, new Date(grant.expiresAt), options.secureCookies);
      return c.redirect("/", 303);
    })
    .openapi(listIdentitiesRoute, async (c) => c.json({ items: await sso.identities(principalOf(c).user) }, 200))
    .openapi(unlinkRoute, async (c) => {
      valueOr(await sso.unlink(principalOf(c).user, c.req.valid("param").id));
      return c.body(null, 204);
    });
}
