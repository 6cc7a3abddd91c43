// One log line per request: method, route pattern, status, duration, bytes — never the raw
// path (share tokens live in paths), query, headers or bodies.
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../logger.ts";
import type { RequestSample } from "../metrics/server-metrics.ts";
import type { NodeBindings } from "./node-adapter.ts";

/** `onRequest` sees the same facts as the log line (metrics). */
export function accessLog(logger: Logger, onRequest?: (sample: RequestSample) => void): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const headersAfter = (performance.now() - started) / 1000;
    const line = (bytesOut: number, aborted = false) => {
      const bytesIn = Number(c.req.header("content-length") ?? 0) || 0;
      logger.info("request", {
        requestId: c.get("requestId"),
        method: c.req.method,
        route: c.req.routePath,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        bytesIn,
        bytesOut,
        ...(aborted ? { aborted } : {}),
      });
      onRequest?.({ method: c.req.method, route: c.req.routePath, status: c.res.status, seconds: headersAfter, bytesIn, bytesOut });
    };
    const length = c.res.headers.get("content-length");
    const body = c.res.body;
    if (length !== null || body === null) {
      line(length === null ? 0 : Number(length));
      return;
    }
    // Length unknown until the body is sent. The server counts what it writes; in-process
    // (app.request) a counting stream stands in for it.
    const whenSent = (c.env as Partial<NodeBindings> | undefined)?.whenSent;
    if (whenSent) {
      whenSent((bytes, aborted) => line(bytes, aborted));
      return;
    }
    let bytes = 0;
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          bytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
        flush: () => line(bytes),
        cancel: () => line(bytes, true),
      } as Transformer<Uint8Array, Uint8Array>),
    );
    c.res = new Response(counted, c.res);
  };
}
