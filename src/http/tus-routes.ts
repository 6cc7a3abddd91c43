// /api/v1/uploads: resumable uploads over tus 1.0 (SPEC §12): OPTIONS (capabilities), POST
// (creation, creation-with-upload), HEAD (the offset to resume from), PATCH (append; the one that
// completes the upload answers with the image's id, or the §4 problem) and DELETE (termination).
//
// Our own routes rather than @tus/server: its data stores write plaintext and its locks live in
// one process, so an encrypting store, a database lock and an expiry sweep would be ours anyway,
// and its errors are not problem+json. What is left of the protocol is these few header rules.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AppError } from "../domain/errors.ts";
import type { Appended, ResumableUploadService, UploadState } from "../domain/resumable-uploads/resumable-uploads.ts";
import { principalOf } from "./auth.ts";
import type { AppEnv } from "./env.ts";
import { valueOr } from "./problem.ts";
import { byteCount, RESUMABLE_UPLOADS_PATH, refuseOtherBodies, sendsBytes, TUS_EXTENSIONS, TUS_VERSION } from "./tus-protocol.ts";
import { describeTusRoutes } from "./tus-openapi.ts";

const IMAGE_ID_HEADER = "Pixvault-Image-Id";

export function tusRoutes(resumable: ResumableUploadService) {
  const app = new OpenAPIHono<AppEnv>();
  describeTusRoutes(app, resumable.maxBytes);
  const capabilities = {
    "Tus-Version": TUS_VERSION,
    "Tus-Extension": TUS_EXTENSIONS,
    "Tus-Max-Size": String(resumable.maxBytes),
  };
  app.options(RESUMABLE_UPLOADS_PATH, (c) => c.body(null, 204, capabilities));
  app.options(`${RESUMABLE_UPLOADS_PATH}/:id`, (c) => c.body(null, 204, capabilities));

  app.post(RESUMABLE_UPLOADS_PATH, async (c) => {
    if (c.req.header("upload-defer-length") !== undefined) {
      throw new AppError("bad_request", "Upload-Defer-Length is not supported: send Upload-Length");
    }
    const length = byteCount(c, "Upload-Length");
    if (length === undefined) throw new AppError("bad_request", "Upload-Length is required");
    const withBytes = sendsBytes(c);
    if (!withBytes) refuseOtherBodies(c, "POST");
    const metadata = c.req.header("upload-metadata") ?? "";
    const body = withBytes ? bodyOf(c) : undefined;
    const created = valueOr(await resumable.create(principalOf(c).user, { length, metadata, ...(body ? { body } : {}) }));
    return c.body(null, 201, { Location: `${RESUMABLE_UPLOADS_PATH}/${created.state.id}`, ...progress(created) });
  });

  // Hono answers HEAD with the GET route (and drops the body); a plain GET is not part of tus.
  app.get(`${RESUMABLE_UPLOADS_PATH}/:id`, async (c) => {
    if (c.req.method !== "HEAD") throw new AppError("method_not_allowed", "an upload is asked for its offset with HEAD");
    const state = valueOr(await resumable.status(principalOf(c).user, c.req.param("id")));
    const headers = { ...stateHeaders(state), "Upload-Length": String(state.length), "Cache-Control": "no-store" };
    return c.body(null, 200, state.metadata === "" ? headers : { ...headers, "Upload-Metadata": state.metadata });
  });

  app.patch(`${RESUMABLE_UPLOADS_PATH}/:id`, async (c) => {
    if (!sendsBytes(c)) refuseOtherBodies(c, "PATCH");
    const offset = byteCount(c, "Upload-Offset");
    if (offset === undefined) throw new AppError("bad_request", "Upload-Offset is required");
    const appended = valueOr(await resumable.append(principalOf(c).user, c.req.param("id"), offset, bodyOf(c)));
    return c.body(null, 204, progress(appended));
  });

  app.delete(`${RESUMABLE_UPLOADS_PATH}/:id`, async (c) => {
    valueOr(await resumable.terminate(principalOf(c).user, c.req.param("id")));
    return c.body(null, 204);
  });
  return app;
}

function bodyOf(c: Context<AppEnv>): AsyncIterable<Uint8Array> {
  return c.req.raw.body ?? (async function* () {})();
}

/** Upload-Offset and Upload-Expires while the upload goes on; the image's id once it is one. */
function progress(appended: Appended): Record<string, string> {
  if (appended.image) return { "Upload-Offset": String(appended.state.offset), [IMAGE_ID_HEADER]: appended.image.id };
  return stateHeaders(appended.state);
}

function stateHeaders(state: UploadState): Record<string, string> {
  return { "Upload-Offset": String(state.offset), "Upload-Expires": state.expiresAt.toUTCString() };
}
