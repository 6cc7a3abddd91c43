// Liveness (/healthz) and readiness (/readyz: database and blob store reachable).
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { AppError } from "../domain/errors.ts";
import type { AppEnv } from "./env.ts";
import { anonymous } from "./schemas.ts";

export type ReadinessCheck = () => Promise<void>;

const Health = z.object({ status: z.literal("ok"), version: z.string() }).openapi("Health");
const Ready = z.object({ status: z.literal("ready"), checks: z.record(z.string(), z.literal("ok")) }).openapi("Ready");

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  operationId: "checkHealth",
  summary: "Liveness: the process answers",
  security: anonymous,
  responses: { 200: { description: "alive", content: { "application/json": { schema: Health } } } },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  operationId: "checkReadiness",
  summary: "Readiness: the database and the blob store answer",
  security: anonymous,
  responses: {
    200: { description: "ready", content: { "application/json": { schema: Ready } } },
    503: { description: "a dependency is not ready (problem+json, code service_unavailable)" },
  },
});

export function healthRoutes(version: string, checks: Record<string, ReadinessCheck>) {
  return new OpenAPIHono<AppEnv>()
    .openapi(healthz, (c) => c.json({ status: "ok" as const, version }, 200))
    .openapi(readyz, async (c) => {
      const failed: Record<string, string> = {};
      await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await check();
          } catch (e) {
            failed[name] = e instanceof Error ? e.message : String(e);
          }
        }),
      );
      const names = Object.keys(failed);
      if (names.length > 0) {
        // Names only: the messages may hold paths or URLs that are the operator's business.
        throw AppError.from({
          code: "service_unavailable",
          detail: `not ready: ${names.join(", ")}`,
          extra: { failing: names },
          retryAfterSeconds: 5,
        });
      }
      const ok = Object.fromEntries(Object.keys(checks).map((name) => [name, "ok" as const]));
      return c.json({ status: "ready" as const, checks: ok }, 200);
    });
}
