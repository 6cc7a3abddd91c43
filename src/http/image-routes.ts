// /api/v1/images: list, read metadata and content, change, delete one or many.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { ImageContent } from "../domain/images/content.ts";
import type { ImageService } from "../domain/images/images.ts";
import { bulkSelectionSchema, imageChangeSchema, listQuerySchema } from "../domain/images/input.ts";
import type { Logger } from "../logger.ts";
import { principalOf } from "./auth.ts";
import { contentResponse } from "./content-response.ts";
import { imageContentSource } from "./image-content-source.ts";
import type { AppEnv } from "./env.ts";
import { statusOf, valueOr } from "./problem.ts";
import { bearer, downloadFlag, ImageSchema, imageIdParam, json, optionalBearer, previewSizeSchema, problem } from "./schemas.ts";

const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/images",
  operationId: "listImages",
  summary: "List your images (scope=mine) or everyone's public images (scope=public)",
  description:
    "Pages follow `nextCursor` until it is null. A `q` search decrypts the names it looks at, so one request " +
    "looks at a bounded number of images (fewer without a token): a search page may hold fewer than `limit` " +
    "items, even none, and still carry a `nextCursor` to go on from. `sort=taken` orders by date taken, newest " +
    "first (an offset-less takenAt counts as UTC; an image without one sorts as if taken when it was uploaded); " +
    "`takenFrom`/`takenTo` keep images taken on those days, inclusive (the day the camera recorded), leaving out " +
    "undated ones. The date taken is encrypted, so these order and filter in the server's memory over the newest " +
    "10,000 uploads that match the other filters (2,000 without a token); older uploads are not reached by them.",
  security: optionalBearer,
  request: { query: listQuerySchema },
  responses: {
    200: json(z.object({ items: z.array(ImageSchema), nextCursor: z.string().nullable() }), "one page"),
    401: problem("unauthorized (scope=mine without a token)"),
    422: problem("validation_failed"),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/api/v1/images/{id}",
  operationId: "getImage",
  summary: "An image's metadata",
  security: optionalBearer,
  request: { params: imageIdParam },
  responses: { 200: json(z.object({ image: ImageSchema }), "the image"), 404: problem("not_found") },
});

const duplicatesRoute = createRoute({
  method: "get",
  path: "/api/v1/images/duplicates",
  operationId: "listDuplicateImages",
  summary: "Your images grouped as identical (same SHA-256) or similar (perceptual hashes within 8 bits)",
  description:
    "A resized or re-encoded copy is similar; an image whose analysis is not ready yet can only be identical. " +
    "An identical set takes part in similar groups once, so no pair is in both kinds.",
  security: bearer,
  responses: {
    200: json(
      z.object({ groups: z.array(z.object({ kind: z.enum(["identical", "similar"]), images: z.array(ImageSchema) })) }),
      "the groups, each of two images or more",
    ),
    401: problem("unauthorized"),
  },
});

const contentRoute = createRoute({
  method: "get",
  path: "/api/v1/images/{id}/content",
  operationId: "getImageContent",
  summary: "The decrypted image bytes (Range, If-None-Match; ?download=1 for an attachment)",
  security: optionalBearer,
  request: { params: imageIdParam, query: z.object({ download: downloadFlag }) },
  responses: {
    200: { description: "the image", content: { "image/*": { schema: z.string().openapi({ format: "binary" }) } } },
    206: { description: "a byte range of the image" },
    304: { description: "not modified" },
    404: problem("not_found"),
    416: problem("range_not_satisfiable"),
    500: problem("integrity_error"),
  },
});

const previewRoute = createRoute({
  method: "get",
  path: "/api/v1/images/{id}/preview",
  operationId: "getImagePreview",
  summary: "A preview: thumb (longest edge 400 px) or display (2048 px); made first if it is not made yet",
  description:
    "Oriented, metadata-free WebP or JPEG, never larger than the original. Same access rules as /content. " +
    "An image whose previews could not be made answers 422 preview_unavailable (its original is still there).",
  security: optionalBearer,
  request: { params: imageIdParam, query: z.object({ size: previewSizeSchema.default("thumb"), download: downloadFlag }) },
  responses: {
    200: {
      description: "the preview",
      content: {
        "image/webp": { schema: z.string().openapi({ format: "binary" }) },
        "image/jpeg": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    206: { description: "a byte range of the preview" },
    304: { description: "not modified" },
    404: problem("not_found"),
    416: problem("range_not_satisfiable"),
    422: problem("preview_unavailable, or validation_failed (size)"),
    500: problem("integrity_error"),
  },
});

const patchRoute = createRoute({
  method: "patch",
  path: "/api/v1/images/{id}",
  operationId: "updateImage",
  summary: "Rename, change visibility, tags or description",
  security: bearer,
  request: { params: imageIdParam, ...body(imageChangeSchema) },
  responses: {
    200: json(z.object({ image: ImageSchema }), "changed"),
    401: problem("unauthorized"),
    403: problem("forbidden"),
    404: problem("not_found"),
    409: problem("name_conflict"),
    422: problem("validation_failed"),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/api/v1/images/{id}",
  operationId: "deleteImage",
  summary: "Delete an image",
  security: bearer,
  request: { params: imageIdParam },
  responses: { 204: { description: "deleted" }, 401: problem("unauthorized"), 403: problem("forbidden"), 404: problem("not_found") },
});

const bulkDeleteRoute = createRoute({
  method: "post",
  path: "/api/v1/images/delete",
  operationId: "deleteImages",
  summary: "Delete several images ({ids}) or all of yours ({all:true})",
  security: bearer,
  request: body(bulkSelectionSchema),
  responses: {
    200: json(
      z.object({
        deleted: z.array(z.string()),
        failed: z.array(z.object({ id: z.string(), status: z.number(), code: z.string(), detail: z.string() })),
      }),
      "per-id results",
    ),
    401: problem("unauthorized"),
    422: problem("validation_failed"),
  },
});

function serveImageBytes(request: Request, content: ImageContent, download: string | undefined, logger: Logger) {
  // A private image is kept by no cache, not even the browser's (README, HTTP conventions: Caching);
  // neither is the owner's original of a public image that others get without its location.
  const cacheControl = content.image.visibility === "public" && content.sameForEveryone ? "public, no-cache" : "no-store";
  const asAttachment = ["1", "true"].includes(download ?? "");
  return contentResponse(request, imageContentSource(content, logger, cacheControl), { download: asAttachment });
}

export function imageRoutes(images: ImageService, logger: Logger) {
  return (
    new OpenAPIHono<AppEnv>()
      .openapi(bulkDeleteRoute, async (c) => {
        const result = await images.deleteMany(principalOf(c).user, c.req.valid("json"));
        return c.json({ deleted: result.deleted, failed: result.failed.map((f) => ({ ...f, status: statusOf(f.code) })) }, 200);
      })
      .openapi(listRoute, async (c) => c.json(valueOr(await images.list(c.get("principal")?.user, c.req.valid("query"))), 200))
      // Before /images/{id}, which would take "duplicates" for an id.
      .openapi(duplicatesRoute, async (c) => c.json(await images.duplicates(principalOf(c).user), 200))
      .openapi(getRoute, async (c) => {
        const image = valueOr(await images.get(c.req.valid("param").id, c.get("principal")?.user));
        return c.json({ image }, 200);
      })
      .openapi(contentRoute, async (c) => {
        const content = valueOr(await images.openContent(c.req.valid("param").id, c.get("principal")?.user));
        return serveImageBytes(c.req.raw, content, c.req.valid("query").download, logger) as never;
      })
      .openapi(previewRoute, async (c) => {
        const { size, download } = c.req.valid("query");
        const content = valueOr(await images.openPreview(c.req.valid("param").id, c.get("principal")?.user, size));
        return serveImageBytes(c.req.raw, content, download, logger) as never;
      })
      .openapi(patchRoute, async (c) => {
        const image = valueOr(await images.change(c.req.valid("param").id, c.get("principal")?.user, c.req.valid("json")));
        return c.json({ image }, 200);
      })
      .openapi(deleteRoute, async (c) => {
        // No principalOf here: a private image is 404 to everyone else, signed in or not.
        valueOr(await images.delete(c.req.valid("param").id, c.get("principal")?.user));
        return c.body(null, 204);
      })
  );
}
