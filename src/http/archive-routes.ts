// POST /api/v1/images/archive and GET …/archive?ids=a,b: a selection as one zip, with an exact
// Content-Length and byte ranges (GET), streamed and decrypted segment by segment.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Archive, ArchiveService } from "../domain/archives/archives.ts";
import { AppError } from "../domain/errors.ts";
import type { Viewer } from "../domain/images/access.ts";
import { archiveSelectionSchema, bulkSelectionSchema, MAX_BULK_IDS, type ArchiveSelection } from "../domain/images/input.ts";
import type { Logger } from "../logger.ts";
import { contentResponse } from "./content-response.ts";
import type { AppEnv } from "./env.ts";
import { valueOr } from "./problem.ts";
import { optionalBearer, problem } from "./schemas.ts";

const ARCHIVE_PATH = "/api/v1/images/archive";

const zipResponses = {
  200: { description: "the zip", content: { "application/zip": { schema: z.string().openapi({ format: "binary" }) } } },
  206: { description: "a byte range of the zip (GET with Range; resume with `curl -C -`)" },
  401: problem("unauthorized (all without a token)"),
  404: problem("not_found: some ids are unknown or not readable (listed in `missing`)"),
  416: problem("range_not_satisfiable"),
  422: problem("validation_failed"),
  500: problem("integrity_error"),
};

const getArchiveQuery = z.object({
  ids: z.string().optional().openapi({ description: "comma-separated image ids", example: "a1b2,c3d4" }),
  all: z.enum(["1", "true"]).optional().openapi({ description: "all of your own images instead of ids" }),
  album: z.string().min(1).max(64).optional().openapi({ description: "one of your albums instead of ids" }),
});

const postRoute = createRoute({
  method: "post",
  path: ARCHIVE_PATH,
  operationId: "createArchive",
  summary: "A zip of the selected images (`{ids:[…]}`, `{all:true}` for all of yours, or `{album:ID}`)",
  security: optionalBearer,
  request: { body: { content: { "application/json": { schema: archiveSelectionSchema } }, required: true } },
  responses: zipResponses,
});

const getRoute = createRoute({
  method: "get",
  path: ARCHIVE_PATH,
  operationId: "getArchive",
  summary: "The same zip for a plain link or `curl -OJ` (Range and If-Range supported)",
  security: optionalBearer,
  request: { query: getArchiveQuery },
  responses: zipResponses,
});

export function archiveRoutes(archives: ArchiveService, logger: Logger) {
  const respond = async (request: Request, viewer: Viewer, selection: ArchiveSelection) =>
    archiveResponse(request, valueOr(await archives.open(viewer, selection)), logger);
  return new OpenAPIHono<AppEnv>()
    .openapi(postRoute, async (c) => (await respond(c.req.raw, c.get("principal")?.user, c.req.valid("json"))) as never)
    .openapi(getRoute, async (c) => (await respond(c.req.raw, c.get("principal")?.user, selectionOf(c.req.valid("query")))) as never);
}

function selectionOf(query: z.infer<typeof getArchiveQuery>): ArchiveSelection {
  if (query.album !== undefined && query.all === undefined && query.ids === undefined) return { album: query.album };
  if (query.all !== undefined && query.ids === undefined && query.album === undefined) return { all: true };
  const ids = (query.ids ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  const parsed = bulkSelectionSchema.safeParse({ ids });
  const both = query.all !== undefined || query.album !== undefined;
  if (both || !parsed.success) {
    const message = both ? "give one of ids, all or album" : (parsed.error?.issues[0]?.message ?? "invalid ids");
    throw new AppError("validation_failed", `the selection is not valid: ${message}`, {
      errors: [{ field: "ids", message: ids.length > MAX_BULK_IDS ? `at most ${MAX_BULK_IDS} ids` : message }],
    });
  }
  return parsed.data;
}

export function archiveResponse(request: Request, archive: Archive, logger: Logger): Promise<Response> {
  return contentResponse(
    request,
    {
      size: archive.layout.size,
      etag: archive.etag,
      contentType: "application/zip",
      filename: archive.filename,
      // Originals, usually private ones: kept by no cache (README, HTTP conventions: Caching).
      cacheControl: "no-store",
      read: (start, end) => archive.read(start, end),
      // Integrity failures are logged with the image id by the domain; log anything else here.
      onStreamError: (error) => {
        if (!(error instanceof AppError)) logger.error("archive stream failed", { error: String(error) });
      },
    },
    { download: true },
  );
}
