// OpenAPI descriptions of response bodies shared by several routers.
import { z } from "@hono/zod-openapi";

export const UserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    name: z.string(),
    email: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("User");

const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    code: z.string(),
  })
  .openapi("Problem");

/** A problem+json response for the OpenAPI document. */
export const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** An OpenAPI security requirement list: any one entry grants access; `{}` is "no credentials". */
type Security = { [scheme: string]: string[] }[];
/** Routes that need a caller: a bearer token, or the web UI's session cookie (identify() accepts either on /api). */
export const bearer: Security = [{ bearerAuth: [] }, { sessionCookie: [] }];
/** Routes that anyone may call, and that show more to a caller with a token. */
export const optionalBearer: Security = [{}, ...bearer];
/** Routes that take no credentials (the document's default is `bearer`). */
export const anonymous: Security = [];

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const ImageSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    visibility: z.enum(["private", "public"]),
    owner: z.object({ id: z.string(), username: z.string() }),
    contentType: z.string(),
    size: z.number(),
    width: z.number().nullable(),
    height: z.number().nullable(),
    sha256: z.string(),
    tags: z.array(z.string()),
    description: z.string().nullable(),
    previews: z.object({
      status: z.enum(["pending", "ready", "failed"]),
      reason: z.string().optional().openapi({ description: "why it failed, e.g. too_many_pixels, undecodable, timeout" }),
    }),
    analysis: z
      .object({
        status: z.enum(["pending", "ready", "failed"]),
        colors: z.array(z.string()).openapi({ description: "up to five dominant colours, #rrggbb, largest area first" }),
        labels: z
          .array(z.object({ name: z.string(), score: z.number() }))
          .openapi({ description: "COCO objects found by the built-in model, score ≥ 0.4; empty with --analysis off" }),
      })
      .openapi({ description: "SPEC §9, made after the previews; empty lists until ready" }),
    takenAt: z.string().nullable().openapi({ description: "EXIF DateTimeOriginal, ISO 8601, with its offset when recorded" }),
    camera: z.object({ make: z.string().nullable(), model: z.string().nullable(), lens: z.string().nullable() }).nullable(),
    location: z
      .object({ latitude: z.number(), longitude: z.number(), altitude: z.number().optional() })
      .nullable()
      .openapi({ description: "where the photo was taken: shown to its owner only, null for everyone else" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Image");

/** `?size=` of a preview: thumb (400 px) or display (2048 px). */
export const previewSizeSchema = z.enum(["thumb", "display"]);

/** `?download=1` asks for an attachment. */
export const downloadFlag = z.enum(["0", "1", "true", "false"]).optional();

export const imageIdParam = z.object({ id: z.string().min(1).max(64) });

export const CommentSchema = z
  .object({
    id: z.string(),
    author: z.object({ username: z.string(), name: z.string() }),
    body: z.string().openapi({ description: "plain text as posted (trimmed); never HTML: show it as text" }),
    createdAt: z.string(),
  })
  .openapi("Comment");
