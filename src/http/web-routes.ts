// The web UI: `/` (its one page) and `/assets/*` (hashed, cached forever), embedded in the
// executable. The page gets its own strict CSP; everything else keeps the API's.
import { Hono, type Context } from "hono";
import { AppError } from "../domain/errors.ts";
import { webAssets } from "../web/web-assets.ts";
import type { AppEnv } from "./env.ts";
import { noneMatch, strongEtag } from "./entity-tag.ts";

/**
 * Scripts, styles, images and fetches only from this origin; no inline script or style,
 * no eval, no plugin, no frame; Trusted Types with no policy, so no code can turn a string
 * into HTML or script (the UI builds its DOM with createElement and textContent).
 */
const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join("; ");

export function webRoutes() {
  return new Hono<AppEnv>()
    .get("/", (c) => serveAsset(c, "index.html"))
    .get("/assets/:name", (c) => {
      const name = c.req.param("name");
      if (name === "index.html") throw notFound(c);
      return serveAsset(c, name);
    });
}

/** Also the page of an album link (/a/:token): the same UI, which shows the album from the link's JSON routes. */
export async function serveAsset(c: Context<AppEnv>, name: string): Promise<Response> {
  const asset = (await webAssets()).get(name);
  if (!asset) throw notFound(c);
  const gzip = asset.gzipped !== undefined && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
  // Each encoding is its own representation, so each has its own strong tag.
  const tag = gzip ? `${asset.etag}-gz` : asset.etag;
  const headers: Record<string, string> = {
    "content-type": asset.contentType,
    "cache-control": asset.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    etag: strongEtag(tag),
    vary: "Accept-Encoding",
  };
  if (name === "index.html") headers["content-security-policy"] = WEB_CSP;
  if (noneMatch(c.req.header("if-none-match") ?? null, tag)) return c.body(null, 304, headers);
  const body = gzip ? asset.gzipped! : asset.body;
  if (gzip) headers["content-encoding"] = "gzip";
  headers["content-length"] = String(body.byteLength);
  return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
}

function notFound(c: Context): AppError {
  return new AppError("not_found", `no route for ${c.req.method} ${c.req.path}`);
}
