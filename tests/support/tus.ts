// A small tus 1.0 client for the resumable upload tests: the requests a tus client makes, over
// a real socket (fetch to a URL) or in process (the test app's request()).
export type Send = (path: string, init: RequestInit) => Promise<Response>;

export const TUS = { "Tus-Resumable": "1.0.0" } as const;
const OFFSET_STREAM = { "Content-Type": "application/offset+octet-stream" } as const;

/** Sends to a running server's base URL. */
export const overHttp =
  (baseUrl: string): Send =>
  (path, init) =>
    fetch(`${baseUrl}${path}`, init);

/** `filename <base64>,tags <base64>`: what Upload-Metadata carries. */
export function metadataHeader(pairs: Record<string, string>): string {
  return Object.entries(pairs)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString("base64")}`)
    .join(",");
}

export interface TusClient {
  /** POST /api/v1/uploads; with `body`, creation-with-upload. */
  create(length: number, metadata: Record<string, string>, body?: Uint8Array): Promise<Response>;
  head(location: string): Promise<Response>;
  patch(location: string, offset: number, bytes: Uint8Array): Promise<Response>;
  terminate(location: string): Promise<Response>;
  /** Creates and sends `bytes` in PATCHes of `chunk` bytes; the last response (its Pixvault-Image-Id when all went well). */
  upload(bytes: Uint8Array, metadata: Record<string, string>, chunk?: number): Promise<Response>;
}

export function tusClient(send: Send, token: string): TusClient {
  const auth = { Authorization: `Bearer ${token}`, ...TUS };
  const client: TusClient = {
    create: (length, metadata, body) =>
      send("/api/v1/uploads", {
        method: "POST",
        headers: {
          ...auth,
          "Upload-Length": String(length),
          "Upload-Metadata": metadataHeader(metadata),
          ...(body ? OFFSET_STREAM : {}),
        },
        ...(body ? { body } : {}),
      }),
    head: (location) => send(location, { method: "HEAD", headers: auth }),
    patch: (location, offset, bytes) =>
      send(location, { method: "PATCH", headers: { ...auth, ...OFFSET_STREAM, "Upload-Offset": String(offset) }, body: bytes }),
    terminate: (location) => send(location, { method: "DELETE", headers: auth }),
    async upload(bytes, metadata, chunk = bytes.length) {
      const created = await client.create(bytes.length, metadata);
      if (created.status !== 201) return created;
      const location = created.headers.get("location")!;
      let offset = 0;
      for (;;) {
        const res = await client.patch(location, offset, bytes.subarray(offset, offset + chunk));
        if (res.status !== 204 || res.headers.has("pixvault-image-id")) return res;
        offset = Number(res.headers.get("upload-offset"));
      }
    },
  };
  return client;
}
