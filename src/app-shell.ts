// createAppShell(deps): what every request passes through (middleware, error mapping) and the routes
// a supervisor polls (liveness, readiness, metrics); app.ts mounts the API's routers after these.
import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import type { AccountServices } from "./domain/accounts/services.ts";
import type { SingleSignOn } from "./domain/accounts/single-sign-on.ts";
import type { ImageServices } from "./domain/images/services.ts";
import type { CommentService } from "./domain/comments/comments.ts";
import type { Logger } from "./logger.ts";
import type { Cidr } from "./config-values.ts";
import type { ServerMetrics } from "./metrics/server-metrics.ts";
import { resolveClientIp } from "./http/client-ip.ts";
import type { AppEnv } from "./http/env.ts";
import { accessLog } from "./http/access-log.ts";
import { limitBodies } from "./http/body-limit.ts";
import { notFound, onError } from "./http/errors.ts";
import { healthRoutes, type ReadinessCheck } from "./http/health-routes.ts";
import { metricsRoutes } from "./http/metrics-routes.ts";
import { isStreamedUpload } from "./http/streamed-uploads.ts";
import { isResumableUpload, RESUMABLE_UPLOADS_PATH, tusProtocol } from "./http/tus-protocol.ts";
import { API_CSP, securityHeaders } from "./http/security-headers.ts";
import { noStoreWhenSignedIn } from "./http/cache-policy.ts";
import { validationHook } from "./http/validation.ts";

export interface AppDeps {
  readonly logger: Logger;
  readonly version: string;
  readonly readiness: Record<string, ReadinessCheck>;
  /** Accounts, sessions and tokens; absent in tests of the bare HTTP shell. */
  readonly accounts?: AccountServices;
  /** Single sign-on with an OpenID Provider; absent when none is configured. */
  readonly sso?: SingleSignOn | undefined;
  /** Images, uploads, archives and share links; absent in tests of the bare HTTP shell. */
  readonly images?: ImageServices;
  /** Comments on images (SPEC §10); absent in tests of the bare HTTP shell. */
  readonly comments?: CommentService;
  /** Largest JSON or form body on routes that do not stream (default 1 MiB). */
  readonly maxJsonBytes?: number;
  readonly tls?: boolean;
  /** Counted per request and served on /metrics (with `metricsToken`, behind that bearer token). */
  readonly metrics?: ServerMetrics;
  readonly metricsToken?: string;
  /** --trust-proxy: X-Forwarded-For is believed only from these addresses. */
  readonly trustProxy?: readonly Cidr[];
}

export function createAppShell(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use(requestId());
  app.use(resolveClientIp(deps.trustProxy ?? []));
  app.use(accessLog(deps.logger, deps.metrics?.recordRequest));
  app.use(securityHeaders(deps.tls ?? false));
  app.use(noStoreWhenSignedIn());
  app.use(async (c, next) => {
    await next();
    if (!c.res.headers.has("content-security-policy")) c.res.headers.set("content-security-policy", API_CSP);
    // Responses built as plain Response objects (image content) skip Hono's header merge.
    if (!c.res.headers.has("x-request-id")) c.res.headers.set("x-request-id", c.get("requestId"));
  });
  const limit = limitBodies(deps.maxJsonBytes ?? 1024 * 1024);
  // Uploads stream file by file and enforce --max-image-bytes per file themselves.
  app.use((c, next) =>
    isStreamedUpload(c.req.method, c.req.path) || isResumableUpload(c.req.method, c.req.path) ? next() : limit(c, next),
  );
  // Before authentication: its 401s are tus answers too.
  app.use(`${RESUMABLE_UPLOADS_PATH}/*`, tusProtocol());

  app.route("/", healthRoutes(deps.version, deps.readiness));
  if (deps.metrics) app.route("/", metricsRoutes(deps.metrics, deps.metricsToken));

  app.notFound(notFound);
  app.onError(onError(deps.logger));
  return app;
}
