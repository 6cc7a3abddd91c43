// /s/:token — a shared image for anyone holding the link, with the password form when the
// link has one. Public: no bearer token is read here.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, type DomainError } from "../domain/errors.ts";
import type { ImageServices } from "../domain/images/services.ts";
import { shareUnlockSchema } from "../domain/shares/input.ts";
import type { Logger } from "../logger.ts";
import { clientIp } from "./client-ip.ts";
import { contentResponse } from "./content-response.ts";
import type { AppEnv } from "./env.ts";
import { imageContentSource } from "./image-content-source.ts";
import { problemHeaders, statusOf, valueOr } from "./problem.ts";
import { anonymous, downloadFlag, previewSizeSchema, problem } from "./schemas.ts";
import { PASSWORD_PAGE_CSP, passwordPage } from "./share-password-page.ts";

/** Path-scoped to one link, so one name serves every link a browser has unlocked. */
const UNLOCK_COOKIE = "pxv_share";

// Any string: a token too long or malformed is just a link that does not exist (404), not bad input.
const tokenParam = z.object({ token: z.string() });

const getRoute = createRoute({
  method: "get",
  path: "/s/{token}",
  operationId: "openShareLink",
  summary:
    "A shared image, no login (Range, If-None-Match, HEAD, ?download=1; ?size=thumb|display for a preview, not counted as a download); a password-protected link answers a form",
  security: anonymous,
  request: { params: tokenParam, query: z.object({ download: downloadFlag, size: previewSizeSchema.optional() }) },
  responses: {
    200: {
      description: "the image, or (password-protected link without a valid unlock cookie) the password form",
      content: { "image/*": { schema: z.string().openapi({ format: "binary" }) }, "text/html": { schema: z.string() } },
    },
    206: { description: "a byte range of the image" },
    304: { description: "not modified" },
    404: problem("not_found: unknown, tampered, revoked, or the image is gone"),
    410: problem("link_expired / link_exhausted"),
    416: problem("range_not_satisfiable"),
    422: problem("preview_unavailable (?size= of an image that has no previews)"),
  },
});

const unlockRoute = createRoute({
  method: "post",
  path: "/s/{token}",
  operationId: "unlockShareLink",
  summary: "Give a share link's password (form field or JSON, never in the url); sets a 10-minute cookie for this link",
  security: anonymous,
  request: {
    params: tokenParam,
    body: {
      content: {
        "application/x-www-form-urlencoded": { schema: shareUnlockSchema },
        "application/json": { schema: shareUnlockSchema },
      },
      required: false,
    },
  },
  responses: {
    303: { description: "unlocked: a cookie scoped to this link is set; follow Location (GET /s/{token})" },
    401: problem("invalid_credentials (browsers asking for text/html get the form again)"),
    404: problem("not_found"),
    410: problem("link_expired / link_exhausted"),
    422: problem("validation_failed (no password)"),
    429: problem("rate_limited (Retry-After says when to try again)"),
  },
});

/** Where the link lives for its recipients: under --public-url, else this request's origin. */
export function shareUrl(settings: Pick<ImageServices, "publicUrl">, c: Context, token: string): string {
  return `${settings.publicUrl ?? new URL(c.req.url).origin}/s/${token}`;
}

export function shareLinkRoutes(services: Pick<ImageServices, "sharedImages" | "publicUrl">, logger: Logger, tls: boolean) {
  const shared = services.sharedImages;
  // Secure when browsers reach us over https: directly, or through a proxy named by --public-url.
  const secureCookie = tls || (services.publicUrl?.startsWith("https:") ?? false);

  const formPage = (c: Context, status: ContentfulStatusCode, notice?: string, headers: Record<string, string> = {}) =>
    c.html(passwordPage(notice), status, { ...headers, "content-security-policy": PASSWORD_PAGE_CSP, "cache-control": "no-store" });

  return new OpenAPIHono<AppEnv>()
    .openapi(getRoute, async (c) => {
      const { token } = c.req.valid("param");
      const { size, download: downloadParam } = c.req.valid("query");
      const opened = valueOr(await shared.open(token, getCookie(c, UNLOCK_COOKIE), size));
      if (opened.kind === "locked") return formPage(c, 200) as never;
      const download = ["1", "true"].includes(downloadParam ?? "");
      const source = imageContentSource(opened.content, logger, "no-store");
      // Previews are how the link is looked at, not a download of the image: never counted.
      if (size) return (await contentResponse(c.req.raw, source, { download })) as never;
      // Every answer that delivers the image's last byte counts (a 200, or a 206 ending there),
      // so ranges cannot assemble the image uncounted; a link used up meanwhile sends no byte.
      // no-store: a revoked or used-up link must not go on being served from a cache.
      const beforeLastByte = async () => valueOr(await shared.countDownload(token));
      return (await contentResponse(c.req.raw, source, { download, beforeLastByte })) as never;
    })
    .openapi(unlockRoute, async (c) => {
      const { token } = c.req.valid("param");
      const password = c.req.valid("json").password ?? c.req.valid("form").password;
      if (password === undefined) {
        throw new AppError("validation_failed", "1 field(s) are invalid", { errors: [{ field: "password", message: "is required" }] });
      }
      const result = await shared.unlock(token, password, clientIp(c));
      if (!result.ok && wantsHtml(c) && (result.error.code === "invalid_credentials" || result.error.code === "rate_limited")) {
        return formPage(c, statusOf(result.error.code) as ContentfulStatusCode, notice(result.error), retryAfter(result.error)) as never;
      }
      const unlock = valueOr(result);
      const url = shareUrl(services, c, token);
      if (unlock) {
        setCookie(c, UNLOCK_COOKIE, unlock.proof, {
          path: new URL(url).pathname,
          httpOnly: true,
          sameSite: "Strict",
          secure: secureCookie,
          maxAge: unlock.maxAgeSeconds,
        });
      }
      c.header("cache-control", "no-store");
      return c.redirect(url, 303) as never;
    });
}

/** Browsers (which ask for text/html) get the form again; API clients get problem+json. */
function wantsHtml(c: Context): boolean {
  return /\btext\/html\b/i.test(c.req.header("accept") ?? "");
}

function notice(error: DomainError): string {
  if (error.code === "rate_limited") return `Too many wrong passwords. Try again in ${error.retryAfterSeconds ?? 60} seconds.`;
  return "That password is not correct.";
}

function retryAfter(error: DomainError): Record<string, string> {
  const { "retry-after": wait } = problemHeaders(error);
  return wait === undefined ? {} : { "retry-after": wait };
}
