// /api/v1/albums: an owner's albums and the images in them (SPEC §10). Another user's album is
// 404 on every route, as one that never existed.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AlbumService } from "../domain/albums/albums.ts";
import { albumChangeSchema, albumImagesSchema, newAlbumSchema } from "../domain/albums/input.ts";
import { principalOf } from "./auth.ts";
import type { AppEnv } from "./env.ts";
import { valueOr } from "./problem.ts";
import { bearer, json, problem } from "./schemas.ts";

const AlbumSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    imageCount: z.number(),
    coverImageId: z.string().nullable().openapi({ description: "the chosen cover, else the image added last; null when empty" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Album");

const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });
const albumId = z.object({ id: z.string().min(1).max(64) });
const one = (description: string) => json(z.object({ album: AlbumSchema }), description);
const unauthorized = problem("unauthorized");
const notFound = problem("not_found (no such album of yours)");

const createAlbumRoute = createRoute({
  method: "post",
  path: "/api/v1/albums",
  operationId: "createAlbum",
  summary: "Create an album",
  security: bearer,
  request: body(newAlbumSchema),
  responses: { 201: one("created"), 401: unauthorized, 422: problem("validation_failed") },
});

const listAlbumsRoute = createRoute({
  method: "get",
  path: "/api/v1/albums",
  operationId: "listAlbums",
  summary: "Your albums, newest first",
  security: bearer,
  responses: { 200: json(z.object({ items: z.array(AlbumSchema) }), "your albums"), 401: unauthorized },
});

const getAlbumRoute = createRoute({
  method: "get",
  path: "/api/v1/albums/{id}",
  operationId: "getAlbum",
  summary: "One album (its images: GET /api/v1/images?album=ID)",
  security: bearer,
  request: { params: albumId },
  responses: { 200: one("the album"), 401: unauthorized, 404: notFound },
});

const updateAlbumRoute = createRoute({
  method: "patch",
  path: "/api/v1/albums/{id}",
  operationId: "updateAlbum",
  summary: "Rename, describe or choose the cover",
  security: bearer,
  request: { params: albumId, ...body(albumChangeSchema) },
  responses: { 200: one("changed"), 401: unauthorized, 404: notFound, 422: problem("validation_failed") },
});

const deleteAlbumRoute = createRoute({
  method: "delete",
  path: "/api/v1/albums/{id}",
  operationId: "deleteAlbum",
  summary: "Delete an album; its images stay",
  security: bearer,
  request: { params: albumId },
  responses: { 204: { description: "deleted" }, 401: unauthorized, 404: notFound },
});

const addImagesRoute = createRoute({
  method: "post",
  path: "/api/v1/albums/{id}/images",
  operationId: "addAlbumImages",
  summary: "Add your images to the album (already there: no change)",
  security: bearer,
  request: { params: albumId, ...body(albumImagesSchema) },
  responses: {
    200: one("the album after the change"),
    401: unauthorized,
    404: problem("not_found: no such album of yours, or some ids are not your images (listed in `missing`, nothing added)"),
    422: problem("validation_failed"),
  },
});

const removeImagesRoute = createRoute({
  method: "delete",
  path: "/api/v1/albums/{id}/images",
  operationId: "removeAlbumImages",
  summary: "Take images out of the album (the images stay)",
  security: bearer,
  request: { params: albumId, ...body(albumImagesSchema) },
  responses: { 200: one("the album after the change"), 401: unauthorized, 404: notFound, 422: problem("validation_failed") },
});

export function albumRoutes(albums: AlbumService) {
  return new OpenAPIHono<AppEnv>()
    .openapi(createAlbumRoute, async (c) => c.json({ album: valueOr(await albums.create(principalOf(c).user, c.req.valid("json"))) }, 201))
    .openapi(listAlbumsRoute, async (c) => c.json({ items: valueOr(await albums.list(principalOf(c).user)) }, 200))
    .openapi(getAlbumRoute, async (c) => c.json({ album: valueOr(await albums.get(principalOf(c).user, c.req.valid("param").id)) }, 200))
    .openapi(updateAlbumRoute, async (c) => {
      const album = valueOr(await albums.update(principalOf(c).user, c.req.valid("param").id, c.req.valid("json")));
      return c.json({ album }, 200);
    })
    .openapi(deleteAlbumRoute, async (c) => {
      valueOr(await albums.remove(principalOf(c).user, c.req.valid("param").id));
      return c.body(null, 204);
    })
    .openapi(addImagesRoute, async (c) => {
      const album = valueOr(await albums.addImages(principalOf(c).user, c.req.valid("param").id, c.req.valid("json").ids));
      return c.json({ album }, 200);
    })
    .openapi(removeImagesRoute, async (c) => {
      const album = valueOr(await albums.removeImages(principalOf(c).user, c.req.valid("param").id, c.req.valid("json").ids));
      return c.json({ album }, 200);
    });
}
