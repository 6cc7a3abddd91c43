// The tus 1.0 wire protocol around /api/v1/uploads: the version every request must name, the
// headers every answer carries, and the request headers parsed into numbers (bad ones are 400).
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { AppError } from "../domain/errors.ts";
import type { AppEnv } from "./env.ts";
import { problemResponse } from "./problem.ts";

export const RESUMABLE_UPLOADS_PATH = "/api/v1/uploads";
export const TUS_VERSION = "1.0.0";
export const TUS_EXTENSIONS = "creation,creation-with-upload,termination,expiration";
const OFFSET_STREAM = "application/offset+octet-stream";
const UPLOAD_URL = /^\/api\/v1\/uploads\/[^/]+$/;

/** Upload bodies stream into encrypted parts; the JSON body limit does not apply to them. */
export const isResumableUpload = (method: string, path: string) =>
  (method === "POST" && path === RESUMABLE_UPLOADS_PATH) || (method === "PATCH" && UPLOAD_URL.test(path));

/**
 * Tus-Resumable on every answer (401s and 404s included, so mount it before authentication); a
 * request that names no version or another one is 412 with the versions this server speaks.
 * OPTIONS is the one request that may come without it (tus 1.0, core protocol).
 */
export function tusProtocol(): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method !== "OPTIONS" && c.req.header("tus-resumable") !== TUS_VERSION) {
      const detail = `this server speaks tus ${TUS_VERSION}: send Tus-Resumable: ${TUS_VERSION}`;
      c.res = problemResponse(c, { code: "precondition_failed", detail });
      c.res.headers.set("Tus-Version", TUS_VERSION);
    } else {
      await next();
    }
    c.res.headers.set("Tus-Resumable", TUS_VERSION);
  });
}

/** A tus length or offset header: a non-negative integer, or absent. */
export function byteCount(c: Context, name: "Upload-Length" | "Upload-Offset"): number | undefined {
  const value = c.req.header(name);
  if (value === undefined) return undefined;
  const n = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new AppError("bad_request", `${name} must be a whole number of bytes`);
  return n;
}

/** Whether the request carries upload bytes (Content-Type: application/offset+octet-stream). */
export function sendsBytes(c: Context): boolean {
  const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
  return type === OFFSET_STREAM;
}

/** A body in another format (or one with no Content-Type) is not upload bytes: 415. */
export function refuseOtherBodies(c: Context, what: string): void {
  const length = c.req.header("content-length");
  const hasBody = (length !== undefined && length !== "0") || c.req.header("transfer-encoding") !== undefined;
  if (hasBody || what === "PATCH") {
    throw new AppError("unsupported_media_type", `${what} bytes are sent as Content-Type: ${OFFSET_STREAM}`);
  }
}
