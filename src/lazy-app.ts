// The server's fetch handler. The API's routers and their schemas are a third of the work before
// listening, and /healthz needs none of them: the shell answers its own routes at once, and the
// whole app is built by the first request for anything else, which waits for it (never a 404).
import { createAppShell, type AppDeps } from "./app-shell.ts";
import type { FetchHandler } from "./http/node-adapter.ts";

export function lazyApp(deps: AppDeps): FetchHandler {
  const shell = createAppShell(deps);
  // Method ALL marks middleware. The whole app answers these paths exactly as the shell does: it
  // is the same shell, and nothing registered after a route that answers runs.
  const shellPaths = new Set(shell.routes.filter((r) => r.method !== "ALL").map((r) => r.path));
  let app: FetchHandler | undefined;
  let building: Promise<FetchHandler> | undefined;
  const build = () =>
    (building ??= import("./app.ts").then(({ createApp }) => {
      app = createApp(deps).fetch;
      return app;
    }));
  return (request, env) => {
    if (app) return app(request, env);
    if (shellPaths.has(new URL(request.url).pathname)) return shell.fetch(request, env);
    return build().then((fetch) => fetch(request, env));
  };
}
