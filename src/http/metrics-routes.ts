// GET /metrics: Prometheus text format; behind `Authorization: Bearer <--metrics-token>` when set.
import { timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { AppError } from "../domain/errors.ts";
import type { ServerMetrics } from "../metrics/server-metrics.ts";
import type { AppEnv } from "./env.ts";

export function metricsRoutes(metrics: ServerMetrics, token: string | undefined) {
  return new Hono<AppEnv>().get("/metrics", async (c) => {
    if (token !== undefined && !sameSecret(c.req.header("authorization") ?? "", `Bearer ${token}`)) {
      throw new AppError("unauthorized", "/metrics needs `Authorization: Bearer <metrics token>`");
    }
    return c.body(await metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" });
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
