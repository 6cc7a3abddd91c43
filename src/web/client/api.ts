// The JSON API as the page uses it: same-origin fetches signed in by the session cookie, with
// the CSRF token on every unsafe request, and problem+json turned into ApiError.
import type { z } from "@hono/zod-openapi";
import type { ImageSchema, UserSchema } from "../../http/schemas.ts";

// The response shapes are the server's own OpenAPI schemas (types only: nothing of the
// server is bundled), so the page cannot drift from the API it calls.
export type User = z.infer<typeof UserSchema>;
export type Image = z.infer<typeof ImageSchema>;
export type Visibility = Image["visibility"];

export type PreviewSize = "thumb" | "display";

export interface ShareRequest {
  expiresInSeconds: number;
  password?: string;
  maxDownloads?: number;
}

export interface Me extends User {
  usage: { images: number; bytes: number; quotaBytes: number | null };
}

export interface ImagePage {
  items: Image[];
  nextCursor: string | null;
}

/** Images that are copies of each other (SPEC §9): byte for byte, or by their look. */
export interface DuplicateGroup {
  kind: "identical" | "similar";
  images: Image[];
}

export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
  /** From the Retry-After header of a 429. */
  retryAfterSeconds?: number;
  feedback?: { warning: string | null; suggestions: string[] };
  [member: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
  get code(): string {
    return this.problem.code;
  }
  get status(): number {
    return this.problem.status;
  }
}

const CSRF_HEADER = "X-CSRF-Token";
let csrfToken: string | null = null;
let onSignedOut: () => void = () => {};

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Unsafe requests made with the cookie carry this header; the server refuses them without it. */
export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { [CSRF_HEADER]: csrfToken } : {};
}

/** Called when the server says the session is gone (expired, revoked elsewhere). */
export function whenSignedOut(callback: () => void): void {
  onSignedOut = callback;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...(method === "GET" ? {} : csrfHeaders()) };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? null : JSON.stringify(body) });
  } catch {
    throw new ApiError({ status: 0, code: "network", detail: "the server could not be reached" });
  }
  const text = await res.text();
  const data: unknown = text && /json/.test(res.headers.get("content-type") ?? "") ? JSON.parse(text) : undefined;
  if (res.ok) return data as T;
  const problem = (data as Problem | undefined) ?? { status: res.status, code: "http_error", detail: `HTTP ${res.status}` };
  const retryAfter = Number(res.headers.get("retry-after"));
  if (retryAfter > 0) problem.retryAfterSeconds = retryAfter;
  if (problem.code === "unauthorized" && csrfToken) onSignedOut();
  throw new ApiError(problem);
}

export const images = {
  list: (params: Record<string, string>) => api<ImagePage>("GET", `/api/v1/images?${new URLSearchParams(params)}`),
  get: (id: string) => api<{ image: Image }>("GET", `/api/v1/images/${encodeURIComponent(id)}`).then((r) => r.image),
  change: (id: string, change: Partial<Pick<Image, "filename" | "visibility" | "tags" | "description">>) =>
    api<{ image: Image }>("PATCH", `/api/v1/images/${encodeURIComponent(id)}`, change).then((r) => r.image),
  remove: (ids: string[]) =>
    api<{ deleted: string[]; failed: { id: string; code: string; detail: string }[] }>("POST", "/api/v1/images/delete", { ids }),
  duplicates: () => api<{ groups: DuplicateGroup[] }>("GET", "/api/v1/images/duplicates").then((r) => r.groups),
  share: (id: string, request: ShareRequest) =>
    api<{ url: string; expiresAt: string }>("POST", `/api/v1/images/${encodeURIComponent(id)}/shares`, request),
};

export const contentUrl = (id: string, download = false) =>
  `/api/v1/images/${encodeURIComponent(id)}/content${download ? "?download=1" : ""}`;

/** A preview the server makes from the original: the grid and the viewer never load originals. */
export const previewUrl = (id: string, size: PreviewSize) => `/api/v1/images/${encodeURIComponent(id)}/preview?size=${size}`;
