// A small client for previews in tests: fetch one, wait for an image's previews to be made, and sharp to decode what came back.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSharp, type Sharp } from "../../src/media/sharp-loader.ts";
import { call } from "./accounts.ts";
import type { ImageBody } from "./api-bodies.ts";
import { jsonOf } from "./http.ts";

let loaded: Sharp | undefined;

/** sharp, loaded once per test process, to decode what the server answers. */
export function testSharp(): Sharp {
  if (loaded) return loaded;
  const load = loadSharp({ libDir: mkdtempSync(join(tmpdir(), "pxv-lib-")) });
  if (!load.ok) throw new Error(`sharp did not load: ${load.reason}`);
  loaded = load.sharp;
  return loaded;
}

/** GET /api/v1/images/:id/preview (no `size` when it is undefined). */
export function previewOf(
  url: string,
  token: string | undefined,
  id: string,
  size: string | undefined = "thumb",
  headers: Record<string, string> = {},
): Promise<Response> {
  const query = size === undefined ? "" : `?size=${encodeURIComponent(size)}`;
  return call(url, "GET", `/api/v1/images/${id}/preview${query}`, { headers, ...(token ? { token } : {}) });
}

export async function imageOf(url: string, token: string | undefined, id: string): Promise<ImageBody> {
  const res = await call(url, "GET", `/api/v1/images/${id}`, token ? { token } : {});
  const body = await jsonOf<{ image: ImageBody }>(res);
  if (res.status !== 200) throw new Error(`GET image ${id}: ${res.status} ${JSON.stringify(body)}`);
  return body.image;
}

/** Polls GET /api/v1/images/:id (never the preview route, which would make them) until its previews are no longer pending. */
export function settledImage(url: string, token: string, id: string, timeoutMs = 30_000): Promise<ImageBody> {
  return imageOnce(url, token, id, (image) => image.previews.status !== "pending", "previews", timeoutMs);
}

/** Polls GET /api/v1/images/:id until `settled` holds of it; `what` names what is waited for in the timeout's error. */
export async function imageOnce(
  url: string,
  token: string,
  id: string,
  settled: (image: ImageBody) => boolean,
  what: string,
  timeoutMs: number,
): Promise<ImageBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const image = await imageOf(url, token, id);
    if (settled(image)) return image;
    if (Date.now() > deadline) throw new Error(`${what} of ${id} still pending after ${timeoutMs} ms`);
    await Bun.sleep(50);
  }
}
