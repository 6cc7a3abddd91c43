// Caps request bodies so no route buffers more than it should; routes that stream
// (uploads) opt out here and enforce their own per-file limits.
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../domain/errors.ts";

export function limitBodies(maxBytes: number, streams: (c: Context) => boolean): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError("payload_too_large", `request bodies on this route are limited to ${maxBytes} bytes`);
    },
  });
  return (c, next) => (streams(c) ? next() : limit(c, next));
}
