// The image routes the client uses (SPEC §4): listing every page, one image, bulk delete and share links.
import type { Api } from "./api.ts";

/** The image object as the server sends it (the fields the client reads). */
export interface RemoteImage {
  readonly id: string;
  readonly filename: string;
  readonly visibility: "private" | "public";
  readonly owner?: { readonly id: string; readonly username: string };
  readonly contentType: string;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly sha256: string;
  readonly tags: readonly string[];
  readonly takenAt?: string | null;
  readonly createdAt: string;
  readonly updatedAt?: string;
}

/** Filters of GET /api/v1/images; `label` is passed on as it is (SPEC §9 analysis). */
export interface ListFilter {
  readonly scope?: "mine" | "public";
  readonly tag?: string;
  readonly album?: string;
  readonly label?: string;
  readonly sort?: "newest" | "oldest";
}

/** Every image the filter selects, following nextCursor to the end (200 a page). */
export async function* listImages(api: Api, filter: ListFilter): AsyncGenerator<RemoteImage[]> {
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: "200" });
    for (const [key, value] of Object.entries(filter)) if (value !== undefined) query.set(key, value);
    if (cursor !== undefined) query.set("cursor", cursor);
    const page = await api.json<{ items: RemoteImage[]; nextCursor: string | null }>("GET", `/api/v1/images?${query}`);
    yield page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

export async function listAll(api: Api, filter: ListFilter): Promise<RemoteImage[]> {
  const all: RemoteImage[] = [];
  for await (const page of listImages(api, filter)) all.push(...page);
  return all;
}

export async function getImage(api: Api, id: string): Promise<RemoteImage> {
  return (await api.json<{ image: RemoteImage }>("GET", `/api/v1/images/${encodeURIComponent(id)}`)).image;
}

export interface DeleteResult {
  readonly deleted: readonly string[];
  readonly failed: readonly { readonly id: string; readonly status: number; readonly code: string }[];
}

export function deleteImages(api: Api, ids: readonly string[]): Promise<DeleteResult> {
  return api.json<DeleteResult>("POST", "/api/v1/images/delete", { json: { ids } }, [200]);
}

export interface ShareRequest {
  readonly expiresInSeconds?: number;
  readonly maxDownloads?: number;
  readonly password?: string;
}

export function createShare(api: Api, id: string, request: ShareRequest): Promise<{ id: string; url: string; expiresAt: string }> {
  return api.json("POST", `/api/v1/images/${encodeURIComponent(id)}/shares`, { json: request }, [201]);
}

/** The caller's newest image with this sha256 among the latest 200 (an upload whose answer was lost). */
export async function recentImageWithSha(api: Api, sha256: string): Promise<RemoteImage | undefined> {
  const page = await api.json<{ items: RemoteImage[] }>("GET", "/api/v1/images?scope=mine&sort=newest&limit=200");
  return page.items.find((image) => image.sha256 === sha256);
}
