// POST /a/:token/images: guests add images to an album through a link that allows it. The body is
// read exactly as POST /api/v1/images reads it (multipart `file` parts, or a raw body with
// ?filename=); each file becomes the album owner's private image.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { uploadOptionsSchema } from "../domain/images/input.ts";
import type { ImageServices } from "../domain/images/services.ts";
import { tokenParam, unlockProof } from "./album-link-routes.ts";
import { clientIp } from "./client-ip.ts";
import type { AppEnv } from "./env.ts";
import { valueOr } from "./problem.ts";
import { anonymous, ImageSchema, problem } from "./schemas.ts";
import { receiveUploads } from "./upload-routes.ts";

export function albumLinkUploadRoutes(services: Pick<ImageServices, "guestUploads">) {
  const guests = services.guestUploads;
  const app = new OpenAPIHono<AppEnv>();
  describeGuestUpload(app);
  app.post("/a/:token/images", async (c) => {
    const guest = valueOr(await guests.begin(c.req.param("token"), unlockProof(c), clientIp(c)));
    return receiveUploads(c, (source, options) => guests.upload(guest, source, options));
  });
  return app;
}

function describeGuestUpload(app: OpenAPIHono<AppEnv>): void {
  const results = z.object({
    created: z.array(ImageSchema),
    failed: z.array(z.object({ filename: z.string().nullable(), status: z.number(), code: z.string(), detail: z.string() })),
  });
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/a/{token}/images",
    operationId: "uploadToLinkedAlbum",
    summary:
      "Add images to the album through a link that allows uploads: each becomes the album owner's private image " +
      "(their quota; a name they already use is renamed; visibility and onConflict are ignored); at most 60 files an hour per address",
    tags: ["Album links"],
    security: anonymous,
    request: {
      params: tokenParam,
      query: uploadOptionsSchema.pick({ tags: true, description: true }).partial().extend({ filename: z.string().optional() }),
      body: {
        content: {
          "multipart/form-data": { schema: z.object({ file: z.array(z.string().openapi({ format: "binary" })) }) },
          "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) },
        },
      },
    },
    responses: {
      201: { description: "every file stored and added to the album", content: { "application/json": { schema: results } } },
      207: { description: "some files stored, some failed", content: { "application/json": { schema: results } } },
      401: problem("unauthorized: the link has a password and this browser has not unlocked it"),
      403: problem("forbidden: the link does not take uploads"),
      404: problem("not_found: unknown, tampered, revoked, or the album is gone"),
      410: problem("link_expired"),
      413: problem("payload_too_large or quota_exceeded (the owner's; all files failed)"),
      415: problem("unsupported_media_type (all files failed)"),
      429: problem("rate_limited (Retry-After)"),
    },
  });
}
