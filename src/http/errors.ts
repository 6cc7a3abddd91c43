// Turns anything a route throws into problem+json: expected errors keep their code, a locked
// database or a full disk becomes 503 / 507, and everything else becomes a 500 that reveals no
// internals (the log has the details).
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError } from "../domain/errors.ts";
import { storageCondition } from "../domain/storage-conditions.ts";
import { describeError, type Logger } from "../logger.ts";
import { BODY_TIMEOUT_DETAIL } from "./idle-watch.ts";
import type { NodeBindings } from "./node-adapter.ts";
import { problemResponse } from "./problem.ts";

export function onError(logger: Logger): ErrorHandler {
  return (err: Error, c: Context) => {
    // However a route reports its failed body (a JSON route says 400), the client got 408.
    if ((c.env as Partial<NodeBindings> | undefined)?.bodyTimedOut?.()) {
      return problemResponse(c, { code: "request_timeout", detail: BODY_TIMEOUT_DETAIL });
    }
    if (err instanceof AppError) return problemResponse(c, err);
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's own 4xx (e.g. a JSON body that does not parse).
      const code = err.status === 413 ? "payload_too_large" : "bad_request";
      return problemResponse(c, { code, detail: err.message || "the request could not be read" });
    }
    const requestId = c.get("requestId") as string | undefined;
    // A locked database or a full disk: the client learns which (503 / 507), the operator too.
    const condition = storageCondition(err);
    if (condition) {
      logger.warn("storage unavailable", {
        requestId,
        route: c.req.routePath,
        code: condition.code,
        error: err.name,
        message: err.message,
      });
      return problemResponse(c, condition);
    }
    logger.error("unhandled error", { requestId, route: c.req.routePath, ...describeError(err) });
    return problemResponse(c, {
      code: "internal_error",
      detail: `an unexpected error occurred; quote request id ${requestId ?? "-"} when reporting it`,
    });
  };
}

export const notFound: NotFoundHandler = (c) =>
  problemResponse(c, { code: "not_found", detail: `no route for ${c.req.method} ${c.req.path}` });
