// The address a request came from, as the socket saw it (used to throttle logins per client).
import type { Context } from "hono";
import { getConnInfo } from "hono/bun";

export function clientIp(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // in-process requests (app.request) have no socket
  }
}
