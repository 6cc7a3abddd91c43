// A small client for the image API in tests: upload (multipart or raw), list, read, change.
import { expect } from "bun:test";
import { call } from "./accounts.ts";
import type { ImageBody, ImagePage, UploadBody } from "./api-bodies.ts";
import { jsonOf } from "./http.ts";

/** Every field of the image object (README, Images with curl), sorted: what an image in any answer has, no more. */
export const IMAGE_FIELDS = [
  "analysis",
  "camera",
  "contentType",
  "createdAt",
  "description",
  "filename",
  "height",
  "id",
  "location",
  "owner",
  "previews",
  "sha256",
  "size",
  "tags",
  "takenAt",
  "updatedAt",
  "visibility",
  "width",
];

export interface UploadFile {
  name: string;
  bytes: Uint8Array;
  /** What the client claims; the server must ignore it. */
  type?: string;
}

/** Multipart upload with `file` parts; options go first as form fields unless `inQuery`. */
export async function uploadFiles(
  url: string,
  token: string | undefined,
  files: UploadFile[],
  options: Record<string, string> = {},
  inQuery = false,
): Promise<Response> {
  const form = new FormData();
  if (!inQuery) for (const [k, v] of Object.entries(options)) form.append(k, v);
  for (const f of files) form.append("file", new File([f.bytes], f.name, { type: f.type ?? "application/octet-stream" }));
  const query = inQuery ? `?${new URLSearchParams(options)}` : "";
  return call(url, "POST", `/api/v1/images${query}`, { body: form, ...(token ? { token } : {}) });
}

/** Uploads one file and returns its image object (asserting 201). */
export async function uploadOne(url: string, token: string, file: UploadFile, options: Record<string, string> = {}): Promise<ImageBody> {
  const res = await uploadFiles(url, token, [file], options);
  const body = await jsonOf<UploadBody>(res);
  if (res.status !== 201) throw new Error(`upload of ${file.name} failed: ${res.status} ${JSON.stringify(body)}`);
  expect(body.created).toHaveLength(1);
  return body.created[0]!;
}

/** Raw body upload, as `curl --data-binary @a.png "…?filename=a.png"` sends it. */
export function uploadRaw(
  url: string,
  token: string,
  bytes: Uint8Array,
  query: Record<string, string>,
  method = "POST",
): Promise<Response> {
  return call(url, method, `/api/v1/images?${new URLSearchParams(query)}`, {
    token,
    body: bytes,
    headers: { "content-type": "application/octet-stream" },
  });
}

export async function listImages(url: string, token: string | undefined, query: Record<string, string> = {}): Promise<ImagePage> {
  const res = await call(url, "GET", `/api/v1/images?${new URLSearchParams(query)}`, token ? { token } : {});
  const body = await jsonOf<ImagePage>(res);
  if (res.status !== 200) throw new Error(`list failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Every item of a listing, following nextCursor to the end. */
export async function listAll(url: string, token: string | undefined, query: Record<string, string> = {}): Promise<ImageBody[]> {
  const items: ImageBody[] = [];
  let cursor: string | undefined;
  do {
    const page = await listImages(url, token, { ...query, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

export async function contentOf(
  url: string,
  token: string | undefined,
  id: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return call(url, "GET", `/api/v1/images/${id}/content`, { headers, ...(token ? { token } : {}) });
}

export async function bytesOf(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

export function sha256Hex(bytes: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
}
