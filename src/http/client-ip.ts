// The address a request came from, as the socket saw it (used to throttle logins per client).
import type { Context } from "hono";
import type { NodeBindings } from "./node-adapter.ts";

export function clientIp(c: Context): string {
  // In-process requests (app.request in tests) have no socket.
  return (c.env as Partial<NodeBindings> | undefined)?.incoming?.socket?.remoteAddress ?? "unknown";
}
