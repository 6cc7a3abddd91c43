// A small client for share links in tests: make, list, revoke, open, and unlock with a password.
import { call, type SecretJar } from "./accounts.ts";
import type { ListedShare, ShareBody } from "./api-bodies.ts";
import { jsonOf } from "./http.ts";

/** A link as POST /api/v1/images/:id/shares returns it, token included. */
export type CreatedShare = ShareBody;

export function postShare(baseUrl: string, token: string | undefined, imageId: string, body: unknown = {}): Promise<Response> {
  return call(baseUrl, "POST", `/api/v1/images/${imageId}/shares`, { json: body, ...(token ? { token } : {}) });
}

/** Makes a link (asserting 201) and remembers its token and password as secrets. */
export async function createShare(
  baseUrl: string,
  token: string,
  imageId: string,
  body: { expiresInSeconds?: number; maxDownloads?: number; password?: string } = {},
  jar?: SecretJar,
): Promise<CreatedShare> {
  const res = await postShare(baseUrl, token, imageId, body);
  const created = await jsonOf<ShareBody>(res);
  if (res.status !== 201) throw new Error(`share of ${imageId} failed: ${res.status} ${JSON.stringify(created)}`);
  jar?.add(created.token, body.password);
  return created;
}

export async function listShares(baseUrl: string, token: string, imageId: string): Promise<ListedShare[]> {
  const res = await call(baseUrl, "GET", `/api/v1/images/${imageId}/shares`, { token });
  const body = await jsonOf<{ items: ListedShare[] }>(res);
  if (res.status !== 200) throw new Error(`share listing failed: ${res.status} ${JSON.stringify(body)}`);
  return body.items;
}

/** GET (or another method) of /s/<token>, never following redirects. */
export function openShare(
  baseUrl: string,
  shareToken: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${baseUrl}/s/${shareToken}`, { method: init.method ?? "GET", headers: init.headers ?? {}, redirect: "manual" });
}

/** POSTs a password as a browser form does (or as JSON), never following the redirect. */
export function postPassword(
  baseUrl: string,
  shareToken: string,
  password: string,
  opts: { json?: boolean; headers?: Record<string, string> } = {},
): Promise<Response> {
  const body = opts.json ? JSON.stringify({ password }) : new URLSearchParams({ password }).toString();
  const contentType = opts.json ? "application/json" : "application/x-www-form-urlencoded";
  return fetch(`${baseUrl}/s/${shareToken}`, {
    method: "POST",
    headers: { "content-type": contentType, ...opts.headers },
    body,
    redirect: "manual",
  });
}

/** The `name=value` and attributes of the unlock cookie a response sets. */
export function unlockCookie(res: Response): { pair: string; attributes: string[] } | undefined {
  const header = res.headers.getSetCookie().find((c) => c.startsWith("pxv_share="));
  if (!header) return undefined;
  const [pair, ...attributes] = header.split(";").map((p) => p.trim());
  return { pair: pair!, attributes };
}
