// One log line per request: method, route pattern, status, duration, bytes — never the raw
// path (share tokens live in paths), query, headers or bodies.
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../logger.ts";

export function accessLog(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const line = (bytesOut: number | null, aborted = false) =>
      logger.info("request", {
        requestId: c.get("requestId"),
        method: c.req.method,
        route: c.req.routePath,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        bytesIn: Number(c.req.header("content-length") ?? 0),
        bytesOut,
        ...(aborted ? { aborted } : {}),
      });
    const length = c.res.headers.get("content-length");
    const body = c.res.body;
    if (length !== null || body === null) {
      line(length === null ? 0 : Number(length));
      return;
    }
    // Length unknown until the body is sent: count it on the way out and log at the end.
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
