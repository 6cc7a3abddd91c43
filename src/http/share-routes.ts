// /api/v1/images/:id/shares: the owner makes, lists and revokes share links; /s/:token serves them.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { ImageServices } from "../domain/images/services.ts";
import { shareRequestSchema } from "../domain/shares/input.ts";
import type { Logger } from "../logger.ts";
import type { AppEnv } from "./env.ts";
import { valueOr } from "./problem.ts";
import { bearer, imageIdParam, json, problem } from "./schemas.ts";
import { shareLinkRoutes, shareUrl } from "./share-link-routes.ts";

const ShareInfoSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    maxDownloads: z.number().nullable(),
    downloads: z.number(),
    hasPassword: z.boolean(),
  })
  .openapi("ShareLink");

const ownerOnly = {
  401: problem("unauthorized"),
  403: problem("forbidden (someone else's public image)"),
  404: problem("not_found"),
};

const createShareRoute = createRoute({
  method: "post",
  path: "/api/v1/images/{id}/shares",
  operationId: "createShareLink",
  summary: "Make a share link (60 s to 7 days, default 30 min; optional maxDownloads and password)",
  security: bearer,
  request: { params: imageIdParam, body: { content: { "application/json": { schema: shareRequestSchema } }, required: true } },
  responses: {
    201: json(
      z.object({ id: z.string(), url: z.string(), token: z.string(), expiresAt: z.string() }),
      "the link (its token is shown only here)",
    ),
    ...ownerOnly,
    422: problem("validation_failed"),
  },
});

const listSharesRoute = createRoute({
  method: "get",
  path: "/api/v1/images/{id}/shares",
  operationId: "listShareLinks",
  summary: "The image's links that still work, with their download counts (no tokens)",
  security: bearer,
  request: { params: imageIdParam },
  responses: { 200: json(z.object({ items: z.array(ShareInfoSchema) }), "live links, newest first"), ...ownerOnly },
});

const revokeSharesRoute = createRoute({
  method: "delete",
  path: "/api/v1/images/{id}/shares",
  operationId: "revokeShareLinks",
  summary: "Revoke every share link of the image",
  security: bearer,
  request: { params: imageIdParam },
  responses: { 204: { description: "revoked" }, ...ownerOnly },
});

/** `tls`: the server itself speaks https (unlock cookies are then Secure). */
export function shareRoutes(services: Pick<ImageServices, "shareLinks" | "sharedImages" | "publicUrl">, logger: Logger, tls: boolean) {
  const shares = services.shareLinks;
  return new OpenAPIHono<AppEnv>()
    .openapi(createShareRoute, async (c) => {
      // No principalOf: a private image is 404 to everyone else, signed in or not.
      const share = valueOr(await shares.create(c.req.valid("param").id, c.get("principal")?.user, c.req.valid("json")));
      return c.json({ id: share.id, url: shareUrl(services, c, share.token), token: share.token, expiresAt: share.expiresAt }, 201);
    })
    .openapi(listSharesRoute, async (c) => {
      const items = valueOr(await shares.list(c.req.valid("param").id, c.get("principal")?.user));
      return c.json({ items }, 200);
    })
    .openapi(revokeSharesRoute, async (c) => {
      valueOr(await shares.revoke(c.req.valid("param").id, c.get("principal")?.user));
      return c.body(null, 204);
    })
    .route("/", shareLinkRoutes(services, logger, tls));
}
