// /api/v1/albums/:id/shares: the album's owner makes, lists and revokes album links (/a/:token).
// Another user's album is 404, as on every album route.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { albumLinkRequestSchema } from "../domain/album-links/input.ts";
import type { ImageServices } from "../domain/images/services.ts";
import { principalOf } from "./auth.ts";
import type { AppEnv } from "./env.ts";
import { valueOr } from "./problem.ts";
import { bearer, json, problem } from "./schemas.ts";

const AlbumLinkSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    hasPassword: z.boolean(),
    allowDownload: z.boolean(),
    allowUpload: z.boolean(),
  })
  .openapi("AlbumLink");

const albumId = z.object({ id: z.string().min(1).max(64) });
const ownerOnly = { 401: problem("unauthorized"), 404: problem("not_found (no such album of yours)") };

const createLinkRoute = createRoute({
  method: "post",
  path: "/api/v1/albums/{id}/shares",
  operationId: "createAlbumLink",
  summary: "Make an album link (60 s to 30 days, default 7 days; optional password; allowDownload (true), allowUpload (false))",
  security: bearer,
  request: { params: albumId, body: { content: { "application/json": { schema: albumLinkRequestSchema } }, required: true } },
  responses: {
    201: json(
      z.object({ id: z.string(), url: z.string(), token: z.string(), expiresAt: z.string() }),
      "the link (its token is shown only here)",
    ),
    ...ownerOnly,
    422: problem("validation_failed"),
  },
});

const listLinksRoute = createRoute({
  method: "get",
  path: "/api/v1/albums/{id}/shares",
  operationId: "listAlbumLinks",
  summary: "The album's links that still work (no tokens)",
  security: bearer,
  request: { params: albumId },
  responses: { 200: json(z.object({ items: z.array(AlbumLinkSchema) }), "live links, newest first"), ...ownerOnly },
});

const revokeLinksRoute = createRoute({
  method: "delete",
  path: "/api/v1/albums/{id}/shares",
  operationId: "revokeAlbumLinks",
  summary: "Revoke every link of the album, tokens already handed out included",
  security: bearer,
  request: { params: albumId },
  responses: { 204: { description: "revoked" }, ...ownerOnly },
});

/** Where the album lives for link holders: under --public-url, else this request's origin. */
export function albumLinkUrl(settings: Pick<ImageServices, "publicUrl">, c: Context, token: string): string {
  return `${settings.publicUrl ?? new URL(c.req.url).origin}/a/${token}`;
}

export function albumShareRoutes(services: Pick<ImageServices, "albumLinks" | "publicUrl">) {
  const links = services.albumLinks;
  return new OpenAPIHono<AppEnv>()
    .openapi(createLinkRoute, async (c) => {
      const link = valueOr(await links.create(principalOf(c).user, c.req.valid("param").id, c.req.valid("json")));
      return c.json({ id: link.id, url: albumLinkUrl(services, c, link.token), token: link.token, expiresAt: link.expiresAt }, 201);
    })
    .openapi(listLinksRoute, async (c) => {
      const items = valueOr(await links.list(principalOf(c).user, c.req.valid("param").id));
      return c.json({ items }, 200);
    })
    .openapi(revokeLinksRoute, async (c) => {
      valueOr(await links.revoke(principalOf(c).user, c.req.valid("param").id));
      return c.body(null, 204);
    });
}
