// POST /api/v1/images: multipart (`file` parts, repeatable) or a raw body with ?filename=.
// The body is streamed file by file into the upload rules; nothing buffers a whole file.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, type DomainError, type Result } from "../domain/errors.ts";
import { uploadOptionsSchema, type UploadOptions } from "../domain/images/input.ts";
import type { UploadService, UploadSource } from "../domain/images/uploads.ts";
import type { ImageObject } from "../domain/images/view.ts";
import { principalOf } from "./auth.ts";
import type { AppEnv } from "./env.ts";
import { isMultipart, parseMultipart } from "./multipart.ts";
import { PROBLEM_CONTENT_TYPE, problemBody, problemHeaders, statusOf } from "./problem.ts";
import { bearer, ImageSchema, problem } from "./schemas.ts";
import { UPLOAD_PATH } from "./streamed-uploads.ts";
import { fieldErrors } from "./validation.ts";

const OPTION_NAMES = ["visibility", "tags", "description", "onConflict"] as const;
const LIMITS = { maxParts: 1000, maxFieldBytes: 16 * 1024, maxHeaderBytes: 16 * 1024 };

interface FileFailure {
  filename: string | null;
  status: number;
  code: string;
  detail: string;
}

export function uploadRoutes(uploads: UploadService) {
  const app = new OpenAPIHono<AppEnv>();
  describeUpload(app);
  // PUT takes the same raw body: `curl -T a.png "…/api/v1/images?filename=a.png"` sends a PUT.
  app.on(["POST", "PUT"], UPLOAD_PATH, async (c) => {
    const session = await uploads.begin(principalOf(c).user);
    return receiveUploads(c, (source, options) => uploads.upload(session, source, options));
  });
  return app;
}

/** Stores one file of the request (a signed-in user's own, or a guest's through an album link). */
type StoreFile = (source: UploadSource, options: UploadOptions) => Promise<Result<ImageObject>>;

/** Reads the request's files (multipart, or a raw body with ?filename=), stores each with `store`, and answers 201/207/the first failure. */
export async function receiveUploads(c: Context<AppEnv>, store: StoreFile): Promise<Response> {
  const query = new URL(c.req.url).searchParams;
  const created: ImageObject[] = [];
  const failed: FileFailure[] = [];
  let firstError: DomainError | undefined;
  const record = (filename: string | undefined, result: Result<ImageObject>) => {
    if (result.ok) created.push(result.value);
    else {
      firstError ??= result.error;
      failed.push(failure(filename, result.error));
    }
  };

  if (isMultipart(c.req.raw)) {
    const fields: Record<string, string> = pickOptions((name) => query.get(name));
    for await (const part of parseMultipart(c.req.raw, LIMITS)) {
      // Option fields apply to the files after them; put them first (curl -F order is kept).
      if (part.kind === "field") {
        if ((OPTION_NAMES as readonly string[]).includes(part.name)) fields[part.name] = part.value;
        continue;
      }
      const options = parseOptions(fields);
      const result = options.ok ? await store(part, options.value) : options;
      record(part.filename, result);
    }
  } else {
    const filename = query.get("filename") ?? undefined;
    if (filename === undefined) {
      throw new AppError("validation_failed", "a raw upload needs ?filename= (or send multipart/form-data with file parts)", {
        errors: [{ field: "filename", message: "is required" }],
      });
    }
    const options = parseOptions(pickOptions((name) => query.get(name)));
    if (!options.ok) throw new AppError(options.error.code, options.error.detail, options.error.extra);
    record(filename, await store(rawSource(c.req.raw, filename), options.value));
  }
  return respond(c, created, failed, firstError);
}

function pickOptions(get: (name: string) => string | null): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of OPTION_NAMES) {
    const value = get(name);
    if (value !== null) picked[name] = value;
  }
  return picked;
}

function parseOptions(fields: Record<string, string>): Result<UploadOptions> {
  const parsed = uploadOptionsSchema.safeParse(fields);
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors = fieldErrors(parsed.error.issues);
  return { ok: false, error: { code: "validation_failed", detail: `${errors.length} upload option(s) are invalid`, extra: { errors } } };
}

function rawSource(request: Request, filename: string): UploadSource {
  const length = request.headers.get("content-length");
  const declaredSize = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
  return { filename, body: rawBody(request), ...(declaredSize !== undefined ? { declaredSize } : {}) };
}

async function* rawBody(request: Request): AsyncGenerator<Uint8Array> {
  if (!request.body) return;
  try {
    for await (const chunk of request.body) yield chunk;
  } catch (e) {
    // A stalled body is request_timeout (the adapter's idle watch), not the client's framing.
    if (e instanceof AppError) throw e;
    throw new AppError("bad_request", "the upload was interrupted before the body was complete");
  }
}

function failure(filename: string | undefined, error: DomainError): FileFailure {
  return { filename: filename ?? null, status: statusOf(error.code), code: error.code, detail: error.detail, ...error.extra };
}

/** 201 if every file was stored, 207 if some were, else the first failure as problem+json (with its Retry-After). */
function respond(c: Context<AppEnv>, created: ImageObject[], failed: FileFailure[], firstError: DomainError | undefined): Response {
  if (created.length === 0 && failed.length === 0) {
    throw new AppError("validation_failed", "the request has no file parts", { errors: [{ field: "file", message: "is required" }] });
  }
  if (created.length === 0) {
    const first = failed[0]!;
    const body = { ...problemBody({ code: first.code as DomainError["code"], detail: first.detail }), created, failed };
    const headers = { ...(firstError ? problemHeaders(firstError) : {}), "content-type": PROBLEM_CONTENT_TYPE };
    return c.body(JSON.stringify(body), first.status as ContentfulStatusCode, headers);
  }
  return c.json({ created, failed }, failed.length === 0 ? 201 : 207);
}

function describeUpload(app: OpenAPIHono<AppEnv>): void {
  const results = z.object({
    created: z.array(ImageSchema),
    failed: z.array(z.object({ filename: z.string().nullable(), status: z.number(), code: z.string(), detail: z.string() })),
  });
  app.openAPIRegistry.registerPath({
    method: "post",
    path: UPLOAD_PATH,
    operationId: "uploadImages",
    summary: "Upload one or many images (multipart `file` parts, or a raw body with ?filename=)",
    security: bearer,
    request: {
      query: uploadOptionsSchema.partial().extend({ filename: z.string().optional() }),
      body: {
        content: {
          "multipart/form-data": { schema: z.object({ file: z.array(z.string().openapi({ format: "binary" })) }) },
          "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) },
        },
      },
    },
    responses: {
      201: { description: "every file stored", content: { "application/json": { schema: results } } },
      207: { description: "some files stored, some failed", content: { "application/json": { schema: results } } },
      401: problem("unauthorized"),
      409: problem("name_conflict (all files failed)"),
      413: problem("payload_too_large or quota_exceeded (all files failed)"),
      415: problem("unsupported_media_type (all files failed)"),
    },
  });
}
