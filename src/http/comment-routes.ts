// /api/v1/images/{id}/comments: list, post and delete the comments of an image.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { CommentService } from "../domain/comments/comments.ts";
import { commentInputSchema, commentListQuerySchema } from "../domain/comments/input.ts";
import type { AppEnv } from "./env.ts";
import { valueOr } from "./problem.ts";
import { bearer, CommentSchema, imageIdParam, json, optionalBearer, problem } from "./schemas.ts";

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/images/{id}/comments",
  operationId: "listComments",
  summary: "An image's comments, oldest first",
  description: "Whoever can read the image reads its comments (anyone, for a public image). Pages follow `nextCursor` until it is null.",
  security: optionalBearer,
  request: { params: imageIdParam, query: commentListQuerySchema },
  responses: {
    200: json(z.object({ items: z.array(CommentSchema), nextCursor: z.string().nullable() }), "one page"),
    404: problem("not_found (no such image, or one the caller may not read)"),
    422: problem("validation_failed"),
  },
});

const postRoute = createRoute({
  method: "post",
  path: "/api/v1/images/{id}/comments",
  operationId: "postComment",
  summary: "Comment on an image you can read",
  description: "The body is plain text, 1–2000 characters after trimming. At most 30 comments per user in 10 minutes.",
  security: bearer,
  request: { params: imageIdParam, body: { content: { "application/json": { schema: commentInputSchema } }, required: true } },
  responses: {
    201: json(z.object({ comment: CommentSchema }), "posted"),
    401: problem("unauthorized"),
    404: problem("not_found"),
    422: problem("validation_failed"),
    429: problem("rate_limited (see Retry-After)"),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/api/v1/images/{id}/comments/{commentId}",
  operationId: "deleteComment",
  summary: "Delete a comment (its author, or the image's owner)",
  security: bearer,
  request: { params: imageIdParam.extend({ commentId: z.string().min(1).max(64) }) },
  responses: { 204: { description: "deleted" }, 401: problem("unauthorized"), 403: problem("forbidden"), 404: problem("not_found") },
});

export function commentRoutes(comments: CommentService) {
  return (
    new OpenAPIHono<AppEnv>()
      .openapi(listRoute, async (c) => {
        const page = valueOr(await comments.list(c.req.valid("param").id, c.get("principal")?.user, c.req.valid("query")));
        return c.json(page, 200);
      })
      // No principalOf: a private image is 404 to everyone else, signed in or not, before any 401.
      .openapi(postRoute, async (c) => {
        const comment = valueOr(await comments.post(c.req.valid("param").id, c.get("principal")?.user, c.req.valid("json")));
        return c.json({ comment }, 201);
      })
      .openapi(deleteRoute, async (c) => {
        const { id, commentId } = c.req.valid("param");
        valueOr(await comments.delete(id, commentId, c.get("principal")?.user));
        return c.body(null, 204);
      })
  );
}
