// /a/:token — an album for anyone holding its link: the web UI's page, the album, its images,
// their previews and bytes, its zip, and the password that unlocks it. Public: no bearer token
// or session cookie is read here; a password-protected link is opened by its own unlock cookie.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { albumLinkPageSchema } from "../domain/album-links/input.ts";
import type { ImageServices } from "../domain/images/services.ts";
import { shareUnlockSchema } from "../domain/shares/input.ts";
import type { Logger } from "../logger.ts";
import { albumLinkUrl } from "./album-share-routes.ts";
import { archiveResponse } from "./archive-routes.ts";
import { clientIp } from "./client-ip.ts";
import { contentResponse } from "./content-response.ts";
import type { AppEnv } from "./env.ts";
import { imageContentSource } from "./image-content-source.ts";
import { valueOr } from "./problem.ts";
import { anonymous, downloadFlag, ImageSchema, json, previewSizeSchema, problem } from "./schemas.ts";
import { serveAsset } from "./web-routes.ts";

/** Path-scoped to one link (Path=/a/<token>), so one name serves every album a browser has unlocked. */
const ALBUM_UNLOCK_COOKIE = "pxv_album";

// Any string: a token too long or malformed is just a link that does not exist (404), not bad input.
export const tokenParam = z.object({ token: z.string() });
const imageParams = tokenParam.extend({ imageId: z.string().min(1).max(64) });

const linkDead = { 404: problem("not_found: unknown, tampered, revoked, or the album is gone"), 410: problem("link_expired") };
const locked = { 401: problem("unauthorized: the link has a password and this browser has not unlocked it") };
const binary = (type: string, description: string) => ({
  description,
  content: { [type]: { schema: z.string().openapi({ format: "binary" }) } },
});

const pageRoute = createRoute({
  method: "get",
  path: "/a/{token}",
  operationId: "openAlbumLinkPage",
  summary:
    "The web UI's page for an album link: the same page as /, which shows the album (or why the link is dead) from the JSON routes below",
  tags: ["Album links"],
  security: anonymous,
  request: { params: tokenParam },
  responses: {
    200: {
      description: "the web UI (whatever the token: the page itself reveals nothing)",
      content: { "text/html": { schema: z.string() } },
    },
  },
});

const SharedAlbumSchema = z
  .union([
    z.object({ locked: z.literal(true), expiresAt: z.string() }),
    z.object({
      locked: z.literal(false),
      album: z.object({
        name: z.string(),
        description: z.string().nullable(),
        imageCount: z.number(),
        coverImageId: z.string().nullable(),
      }),
      expiresAt: z.string(),
      allowDownload: z.boolean(),
      allowUpload: z.boolean(),
    }),
  ])
  .openapi("SharedAlbum");

const albumRoute = createRoute({
  method: "get",
  path: "/a/{token}/album",
  operationId: "getLinkedAlbum",
  summary: "The album behind the link, or `{locked: true, expiresAt}` until its password is given",
  tags: ["Album links"],
  security: anonymous,
  request: { params: tokenParam },
  responses: { 200: json(SharedAlbumSchema, "the album, or that it is locked"), ...linkDead },
});

const unlockRoute = createRoute({
  method: "post",
  path: "/a/{token}/unlock",
  operationId: "unlockAlbumLink",
  summary: "Give an album link's password; sets an HttpOnly cookie for this link (10 minutes at most, never past the link's expiry)",
  tags: ["Album links"],
  security: anonymous,
  request: { params: tokenParam, body: { content: { "application/json": { schema: shareUnlockSchema } }, required: true } },
  responses: {
    204: { description: "unlocked (or the link has no password): the cookie is set" },
    401: problem("invalid_credentials"),
    ...linkDead,
    422: problem("validation_failed (no password)"),
    429: problem("rate_limited (Retry-After says when to try again)"),
  },
});

const imagesRoute = createRoute({
  method: "get",
  path: "/a/{token}/images",
  operationId: "listLinkedAlbumImages",
  summary: "The album's images, newest first, as anyone but their owner sees them (no location)",
  tags: ["Album links"],
  security: anonymous,
  request: { params: tokenParam, query: albumLinkPageSchema },
  responses: {
    200: json(z.object({ items: z.array(ImageSchema), nextCursor: z.string().nullable() }), "one page"),
    ...locked,
    ...linkDead,
    422: problem("validation_failed (limit, cursor)"),
  },
});

const previewRoute = createRoute({
  method: "get",
  path: "/a/{token}/images/{imageId}/preview",
  operationId: "getLinkedAlbumPreview",
  summary: "A preview of an image in the album: thumb (400 px) or display (2048 px)",
  tags: ["Album links"],
  security: anonymous,
  request: { params: imageParams, query: z.object({ size: previewSizeSchema.default("thumb"), download: downloadFlag }) },
  responses: {
    200: binary("image/*", "the preview"),
    206: { description: "a byte range of the preview" },
    304: { description: "not modified" },
    ...locked,
    404: problem("not_found: the link is not live, or the image is not in the album"),
    410: problem("link_expired"),
    416: problem("range_not_satisfiable"),
    422: problem("preview_unavailable"),
  },
});

const contentRoute = createRoute({
  method: "get",
  path: "/a/{token}/images/{imageId}/content",
  operationId: "getLinkedAlbumContent",
  summary: "An image in the album, without its location (Range, If-None-Match; ?download=1 for an attachment)",
  tags: ["Album links"],
  security: anonymous,
  request: { params: imageParams, query: z.object({ download: downloadFlag }) },
  responses: {
    200: binary("image/*", "the image"),
    206: { description: "a byte range of the image" },
    304: { description: "not modified" },
    ...locked,
    403: problem("forbidden: the link does not allow downloads"),
    404: problem("not_found: the link is not live, or the image is not in the album"),
    410: problem("link_expired"),
    416: problem("range_not_satisfiable"),
    422: problem("preview_unavailable (no copy without its location can be made)"),
  },
});

const archiveRoute = createRoute({
  method: "get",
  path: "/a/{token}/archive",
  operationId: "getLinkedAlbumArchive",
  summary: "The album as a zip, without locations (exact length, Range: resume with `curl -C -`)",
  tags: ["Album links"],
  security: anonymous,
  request: { params: tokenParam },
  responses: {
    200: binary("application/zip", "the zip"),
    206: { description: "a byte range of the zip" },
    ...locked,
    403: problem("forbidden: the link does not allow downloads"),
    ...linkDead,
    416: problem("range_not_satisfiable"),
    422: problem("validation_failed (too many images for one zip)"),
  },
});

/** The unlock proof this browser holds for the link, if any. */
export const unlockProof = (c: Context) => getCookie(c, ALBUM_UNLOCK_COOKIE);

/** `tls`: the server itself speaks https (unlock cookies are then Secure). */
export function albumLinkRoutes(services: Pick<ImageServices, "sharedAlbums" | "publicUrl">, logger: Logger, tls: boolean) {
  const albums = services.sharedAlbums;
  // Secure when browsers reach us over https: directly, or through a proxy named by --public-url.
  const secureCookie = tls || (services.publicUrl?.startsWith("https:") ?? false);
  const bytes = (c: Context, content: Parameters<typeof imageContentSource>[0], download: string | undefined) =>
    contentResponse(c.req.raw, imageContentSource(content, logger, "no-store"), { download: ["1", "true"].includes(download ?? "") });

  const app = new OpenAPIHono<AppEnv>();
  // What a link opens is kept by no cache: a revoked link, or an image taken out of the album,
  // must not go on being served from one.
  app.use("/a/*", async (c, next) => {
    await next();
    c.res.headers.set("cache-control", "no-store");
  });
  return (
    app
      // No lookup: whatever the token, the page is the same bytes; the UI asks /a/:token/album.
      .openapi(pageRoute, async (c) => (await serveAsset(c, "index.html")) as never)
      .openapi(albumRoute, async (c) => {
        const album = valueOr(await albums.album(c.req.valid("param").token, unlockProof(c)));
        return c.json(album, 200);
      })
      .openapi(unlockRoute, async (c) => {
        const { token } = c.req.valid("param");
        const unlock = valueOr(await albums.unlock(token, c.req.valid("json").password, clientIp(c)));
        if (unlock) {
          setCookie(c, ALBUM_UNLOCK_COOKIE, unlock.proof, {
            path: new URL(albumLinkUrl(services, c, token)).pathname,
            httpOnly: true,
            sameSite: "Strict",
            secure: secureCookie,
            maxAge: unlock.maxAgeSeconds,
          });
        }
        return c.body(null, 204);
      })
      .openapi(imagesRoute, async (c) => {
        const page = valueOr(await albums.images(c.req.valid("param").token, unlockProof(c), c.req.valid("query")));
        return c.json(page, 200);
      })
      .openapi(previewRoute, async (c) => {
        const { token, imageId } = c.req.valid("param");
        const { size, download } = c.req.valid("query");
        return (await bytes(c, valueOr(await albums.open(token, unlockProof(c), imageId, size)), download)) as never;
      })
      .openapi(contentRoute, async (c) => {
        const { token, imageId } = c.req.valid("param");
        return (await bytes(c, valueOr(await albums.open(token, unlockProof(c), imageId)), c.req.valid("query").download)) as never;
      })
      .openapi(archiveRoute, async (c) => {
        const archive = valueOr(await albums.archive(c.req.valid("param").token, unlockProof(c)));
        return (await archiveResponse(c.req.raw, archive, logger)) as never;
      })
  );
}
