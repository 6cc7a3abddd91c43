// createApp(deps): the HTTP application — middleware, routers, errors, OpenAPI document.
import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import type { Logger } from "./logger.ts";
import type { AppEnv } from "./http/env.ts";
import { accessLog } from "./http/access-log.ts";
import { limitBodies } from "./http/body-limit.ts";
import { notFound, onError } from "./http/errors.ts";
import { healthRoutes, type ReadinessCheck } from "./http/health-routes.ts";
import { API_CSP, securityHeaders } from "./http/security-headers.ts";
import { validationHook } from "./http/validation.ts";

export interface AppDeps {
  readonly logger: Logger;
  readonly version: string;
  readonly readiness: Record<string, ReadinessCheck>;
  /** Largest JSON or form body on routes that do not stream (default 1 MiB). */
  readonly maxJsonBytes?: number;
  readonly tls?: boolean;
}

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use(requestId());
  app.use(accessLog(deps.logger));
  app.use(securityHeaders(deps.tls ?? false));
  app.use(async (c, next) => {
    await next();
    if (!c.res.headers.has("content-security-policy")) c.res.headers.set("content-security-policy", API_CSP);
  });
  app.use(limitBodies(deps.maxJsonBytes ?? 1024 * 1024, () => false));

  app.route("/", healthRoutes(deps.version, deps.readiness));

  app.doc31("/api/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "pixvault",
      version: deps.version,
      description: "Self-hosted, encrypted image repository. Errors are RFC 9457 problem+json with a `code`.",
    },
  });

  app.notFound(notFound);
  app.onError(onError(deps.logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
