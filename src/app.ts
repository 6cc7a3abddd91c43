// createApp(deps): the whole HTTP application — the shell (app-shell.ts), then the API's routers in
// the order they match, then the OpenAPI document.
import { createAppShell, type AppDeps } from "./app-shell.ts";
import { identify } from "./http/auth.ts";
import { oidcRoutes } from "./http/oidc-routes.ts";
import { accountRoutes } from "./http/account-routes.ts";
import { registrationRoutes } from "./http/registration-routes.ts";
import { sessionRoutes } from "./http/session-routes.ts";
import { tokenRoutes } from "./http/token-routes.ts";
import { archiveRoutes } from "./http/archive-routes.ts";
import { imageRoutes } from "./http/image-routes.ts";
import { albumRoutes } from "./http/album-routes.ts";
import { commentRoutes } from "./http/comment-routes.ts";
import { shareRoutes } from "./http/share-routes.ts";
import { albumShareRoutes } from "./http/album-share-routes.ts";
import { albumLinkRoutes } from "./http/album-link-routes.ts";
import { albumLinkUploadRoutes } from "./http/album-link-upload-routes.ts";
import { uploadRoutes } from "./http/upload-routes.ts";
import { tusRoutes } from "./http/tus-routes.ts";
import { bearer } from "./http/schemas.ts";
import { webRoutes } from "./http/web-routes.ts";

export function createApp(deps: AppDeps) {
  const app = createAppShell(deps);
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

  return app;
}

export type App = ReturnType<typeof createApp>;
