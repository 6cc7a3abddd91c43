// The OpenAPI description of /api/v1/uploads (tus 1.0): headers in, headers out, problem+json on failure.
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./env.ts";
import { anonymous, bearer, problem } from "./schemas.ts";
import { RESUMABLE_UPLOADS_PATH, TUS_EXTENSIONS, TUS_VERSION } from "./tus-protocol.ts";

const header = (description: string) => z.string().openapi({ description });
const tusResumable = header(`always ${TUS_VERSION}; another value (or none) is 412`);
const uploadPath = `${RESUMABLE_UPLOADS_PATH}/{id}`;
const idParam = z.object({ id: z.string().min(1).max(64) });
const bytes = { "application/offset+octet-stream": { schema: z.string().openapi({ format: "binary" }) } };
const answer = (description: string, headers: Record<string, string>) => ({
  description,
  headers: z.object(Object.fromEntries(Object.entries(headers).map(([name, text]) => [name, header(text)]))),
});
const offset = "the bytes stored so far: resume from here";
const expires = "when the unfinished upload and its data are removed (24 h after its creation), RFC 9110 date";
const imageId = "set once the upload is complete: the id of the image it became";
const common = {
  401: problem("unauthorized"),
  404: problem("not_found: no such upload of yours (another user's, terminated, finished or expired)"),
  412: problem("precondition_failed: Tus-Resumable is not 1.0.0 (Tus-Version says what is)"),
};
const finishFailures = {
  409: problem(
    "conflict: Upload-Offset is not the upload's offset (or another request is writing it); name_conflict when the finished image's name is taken",
  ),
  413: problem("payload_too_large (past Upload-Length, or --max-image-bytes) or quota_exceeded"),
  415: problem("unsupported_media_type: not application/offset+octet-stream, or the finished bytes are not an accepted image"),
};

export function describeTusRoutes(app: OpenAPIHono<AppEnv>, maxBytes: number): void {
  const registry = app.openAPIRegistry;
  registry.registerPath({
    method: "options",
    path: RESUMABLE_UPLOADS_PATH,
    operationId: "describeResumableUploads",
    summary: "What this tus server supports",
    tags: ["Resumable uploads"],
    security: anonymous,
    responses: {
      204: answer("the server's tus capabilities", {
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": TUS_EXTENSIONS,
        "Tus-Max-Size": `the largest Upload-Length accepted (--max-image-bytes, ${maxBytes} here)`,
      }),
    },
  });
  registry.registerPath({
    method: "post",
    path: RESUMABLE_UPLOADS_PATH,
    operationId: "createResumableUpload",
    summary: "Start a resumable upload (tus creation; with a body: creation-with-upload)",
    description:
      "Upload-Metadata: `key base64(value)` pairs, comma-separated: `filename` (required) and optionally `visibility`, " +
      "`tags`, `description`, `onConflict` (as for POST /api/v1/images) and `album` (an album of yours: the image joins it). " +
      "The declared length counts against your quota until the upload finishes, is terminated or expires (24 h). " +
      "Bytes are encrypted as they arrive.",
    tags: ["Resumable uploads"],
    security: bearer,
    request: {
      headers: z.object({
        "tus-resumable": tusResumable,
        "upload-length": header("the file's size in bytes"),
        "upload-metadata": header("`filename <base64>` and the options above").optional(),
      }),
      body: { content: bytes, required: false },
    },
    responses: {
      201: answer("created; Location is the upload's URL", {
        Location: "/api/v1/uploads/{id}",
        "Upload-Offset": offset,
        "Upload-Expires": expires,
        "Pixvault-Image-Id": imageId,
      }),
      400: problem("bad_request: Upload-Length missing or not a number, Upload-Metadata malformed"),
      ...common,
      ...finishFailures,
      422: problem("validation_failed: no filename, or an option is invalid"),
      429: problem("rate_limited: 100 unfinished uploads already"),
    },
  });
  registry.registerPath({
    method: "head",
    path: uploadPath,
    operationId: "getResumableUploadOffset",
    summary: "Where to resume: the upload's offset",
    tags: ["Resumable uploads"],
    security: bearer,
    request: { params: idParam, headers: z.object({ "tus-resumable": tusResumable }) },
    responses: {
      200: answer("the upload's state", {
        "Upload-Offset": offset,
        "Upload-Length": "as declared",
        "Upload-Metadata": "as sent at creation",
        "Upload-Expires": expires,
      }),
      ...common,
    },
  });
  registry.registerPath({
    method: "patch",
    path: uploadPath,
    operationId: "appendToResumableUpload",
    summary: "Send bytes from Upload-Offset; the PATCH that completes the upload makes it an image",
    description:
      "A body that breaks off keeps the bytes that arrived (HEAD says how many). The completing PATCH is judged like " +
      "POST /api/v1/images (type, size, name, quota) and answers its problem+json on failure; the upload is gone either way.",
    tags: ["Resumable uploads"],
    security: bearer,
    request: {
      params: idParam,
      headers: z.object({ "tus-resumable": tusResumable, "upload-offset": header("the upload's current offset") }),
      body: { content: bytes, required: true },
    },
    responses: {
      204: answer("stored", { "Upload-Offset": offset, "Upload-Expires": expires, "Pixvault-Image-Id": imageId }),
      400: problem("bad_request: Upload-Offset missing or not a number"),
      ...common,
      ...finishFailures,
    },
  });
  registry.registerPath({
    method: "delete",
    path: uploadPath,
    operationId: "terminateResumableUpload",
    summary: "Give up an upload: it and its data are removed (tus termination)",
    tags: ["Resumable uploads"],
    security: bearer,
    request: { params: idParam, headers: z.object({ "tus-resumable": tusResumable }) },
    responses: { 204: { description: "removed" }, ...common },
  });
}
