// What the in-process domain tests send through createTestApp: uploads, listings, share links, blob counts.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { TestApp } from "../../src/test-app.ts";

export interface ImageBody {
  id: string;
  filename: string;
  visibility: "private" | "public";
  size: number;
  sha256: string;
  owner: { id: string; username: string };
}

interface Problem {
  status: number;
  code: string;
  detail: string;
}

export const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/** A raw-body upload with its options in the query, as `curl --data-binary` sends one. */
export function upload(t: TestApp, token: string | undefined, filename: string, bytes: Uint8Array, options: Record<string, string> = {}) {
  return t.request(`/api/v1/images?${new URLSearchParams({ filename, ...options })}`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream", ...bearer(token) },
    body: bytes,
  });
}

export async function uploaded(
  t: TestApp,
  token: string,
  filename: string,
  bytes: Uint8Array,
  options: Record<string, string> = {},
): Promise<ImageBody> {
  const res = await upload(t, token, filename, bytes, options);
  const body = (await res.json()) as { created: ImageBody[] };
  if (res.status !== 201) throw new Error(`upload of ${filename}: ${res.status} ${JSON.stringify(body)}`);
  return body.created[0]!;
}

/** Every image in one listing scope (`mine` or `public`), up to 200. */
export async function listed(t: TestApp, token: string | undefined, scope: "mine" | "public" = "mine"): Promise<ImageBody[]> {
  const res = await t.request(`/api/v1/images?scope=${scope}&limit=200`, { headers: bearer(token) });
  if (res.status !== 200) throw new Error(`listing ${scope}: ${res.status}`);
  return ((await res.json()) as { items: ImageBody[] }).items;
}

export function sendJson(t: TestApp, method: string, path: string, token: string | undefined, body?: unknown) {
  return t.request(path, {
    method,
    headers: { ...bearer(token), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The status and, for problem+json, the code: what a scenario table states. */
export async function outcome(res: {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}): Promise<{ status: number; code?: string }> {
  const text = await res.text();
  // HEAD answers carry no body to name a code.
  if (res.headers.get("content-type") !== "application/problem+json" || text === "") return { status: res.status };
  return { status: res.status, code: (JSON.parse(text) as Problem).code };
}

/** Files under the blob directory: the committed blobs, and (separately) temp files left behind. */
export function blobFiles(t: TestApp): { committed: number; temp: number } {
  const root = t.config.blobStore.kind === "disk" ? t.config.blobStore.dir : "";
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  const all = walk(root);
  const temp = all.filter((f) => f.includes(`${join(root, ".tmp")}/`)).length;
  return { committed: all.length - temp, temp };
}
