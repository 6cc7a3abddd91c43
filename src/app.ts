// createApp(deps): the HTTP application — middleware, routers, errors, OpenAPI document.
import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import type { AccountServices } from "./domain/accounts/services.ts";
import type { SingleSignOn } from "./domain/accounts/single-sign-on.ts";
import { oidcRoutes } from "./http/oidc-routes.ts";
import type { ImageServices } from "./domain/images/services.ts";
import type { Logger } from "./logger.ts";
import { accountRoutes } from "./http/account-routes.ts";
import { resolveClientIp } from "./http/client-ip.ts";
import { registrationRoutes } from "./http/registration-routes.ts";
import type { Cidr } from "./config-values.ts";
import { identify } from "./http/auth.ts";
import { sessionRoutes } from "./http/session-routes.ts";
import { tokenRoutes } from "./http/token-routes.ts";
import type { AppEnv } from "./http/env.ts";
import { accessLog } from "./http/access-log.ts";
import { limitBodies } from "./http/body-limit.ts";
import { notFound, onError } from "./http/errors.ts";
import type { ServerMetrics } from "./metrics/server-metrics.ts";
import { healthRoutes, type ReadinessCheck } from "./http/health-routes.ts";
import { metricsRoutes } from "./http/metrics-routes.ts";
import { archiveRoutes } from "./http/archive-routes.ts";
import { imageRoutes } from "./http/image-routes.ts";
import { albumRoutes } from "./http/album-routes.ts";
import { commentRoutes } from "./http/comment-routes.ts";
import type { CommentService } from "./domain/comments/comments.ts";
import { shareRoutes } from "./http/share-routes.ts";
import { albumShareRoutes } from "./http/album-share-routes.ts";
import { albumLinkRoutes } from "./http/album-link-routes.ts";
import { albumLinkUploadRoutes, isGuestUpload } from "./http/album-link-upload-routes.ts";
import { UPLOAD_PATH, uploadRoutes } from "./http/upload-routes.ts";
import { isResumableUpload, RESUMABLE_UPLOADS_PATH, tusProtocol } from "./http/tus-protocol.ts";
import { tusRoutes } from "./http/tus-routes.ts";
import { API_CSP, securityHeaders } from "./http/security-headers.ts";
import { noStoreWhenSignedIn } from "./http/cache-policy.ts";
import { bearer } from "./http/schemas.ts";
import { validationHook } from "./http/validation.ts";
import { webRoutes } from "./http/web-routes.ts";

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

export function createApp(deps: AppDeps) {
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
  const streamsUploads = (c: { req: { path: string; method: string } }) =>
    (c.req.path === UPLOAD_PATH && (c.req.method === "POST" || c.req.method === "PUT")) || isGuestUpload(c.req.method, c.req.path);
  app.use((c, next) => (streamsUploads(c) || isResumableUpload(c.req.method, c.req.path) ? next() : limit(c, next)));
  // Before authentication: its 401s are tus answers too.
  app.use(`${RESUMABLE_UPLOADS_PATH}/*`, tusProtocol());

  app.route("/", healthRoutes(deps.version, deps.readiness));
  if (deps.metrics) app.route("/", metricsRoutes(deps.metrics, deps.metricsToken));
  // The web UI's session cookie is Secure when browsers come over https (TLS here or at a proxy).
  const secureCookies = (deps.tls ?? false) || (deps.images?.publicUrl?.startsWith("https:") ?? false);
  if (deps.accounts) {
    app.use("/api/*", identify(deps.accounts.sessions, secureCookies));
    app.route("/", accountRoutes(deps.accounts));
    app.route("/", registrationRoutes(deps.accounts.registration));
    app.route("/", sessionRoutes(deps.accounts.sessions, secureCookies));
    app.route("/", tokenRoutes(deps.accounts.tokens));
    app.route("/", oidcRoutes(deps.sso, deps.logger, { secureCookies, publicUrl: deps.images?.publicUrl }));
  }
  if (deps.accounts && deps.images) {
    app.route("/", uploadRoutes(deps.images.uploads));
    app.route("/", tusRoutes(deps.images.resumableUploads));
    // Before imageRoutes: "archive" would otherwise match GET /api/v1/images/{id}.
    app.route("/", archiveRoutes(deps.images.archives, deps.logger));
    app.route("/", imageRoutes(deps.images.images, deps.logger));
    app.route("/", albumRoutes(deps.images.albums));
    if (deps.comments) app.route("/", commentRoutes(deps.comments));
    app.route("/", shareRoutes(deps.images, deps.logger, deps.tls ?? false));
    app.route("/", albumShareRoutes(deps.images));
    app.route("/", albumLinkRoutes(deps.images, deps.logger, deps.tls ?? false));
    app.route("/", albumLinkUploadRoutes(deps.images));
    app.route("/", webRoutes());
  }

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "A session JWT from POST /api/v1/sessions, or an API token (pxv_…) from POST /api/v1/tokens",
  });

  app.doc31("/api/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "pixvault",
      version: deps.version,
      description: "Self-hosted, encrypted image repository. Errors are RFC 9457 problem+json with a `code`.",
      license: { name: "MIT", url: "https://opensource.org/license/mit" },
    },
    // Relative: the document is right wherever the server is reached (directly or behind a proxy).
    servers: [{ url: "/" }],
    // The default for an operation that declares none; anonymous ones say `security: []`.
    security: bearer,
  });

  app.notFound(notFound);
  app.onError(onError(deps.logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
