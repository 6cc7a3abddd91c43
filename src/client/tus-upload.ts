// A large file through the server's resumable uploads (tus 1.0 at /api/v1/uploads, SPEC §12):
// created with its length and Upload-Metadata, then sent in PATCHes of CHUNK_BYTES. A broken
// connection, a 5xx or a busy upload is retried from the offset a HEAD reports, with backoff, so
// the bytes already sent are never sent again; the PATCH that completes it names the image.
import { open } from "node:fs/promises";
import { type Api, ApiError, ConnectionError, problemOf } from "./api.ts";

const TUS = { "tus-resumable": "1.0.0" };
const UPLOADS_PATH = "/api/v1/uploads";
const IMAGE_ID_HEADER = "pixvault-image-id";

/** The server has no /api/v1/uploads (404/405): send the file in one request instead. */
export class ResumableUnavailable extends Error {
  override name = "ResumableUnavailable";
}

export interface TusOptions {
  /** Bytes per PATCH: each one is a point to resume from. */
  readonly chunkBytes?: number;
  /** Waits before each retry after a failure; their number is how many failures in a row are borne. */
  readonly retryDelaysMs?: readonly number[];
  /** Bytes that reached the server (may be called with a negative number when a broken PATCH kept less than was counted). */
  readonly moved?: (bytes: number) => void;
}

const DEFAULTS = { chunkBytes: 8 * 1024 * 1024, retryDelaysMs: [500, 1000, 2000, 4000, 8000, 15000] };

export interface TusResult {
  /** The image's id, or undefined when the answer naming it was lost (the upload did finish). */
  readonly imageId: string | undefined;
  /** How many times the transfer was resumed after a failure. */
  readonly resumed: number;
}

/** Uploads `path` (`size` bytes) with this metadata; throws ApiError for a refusal, the last failure when retries run out. */
export async function tusUpload(
  api: Api,
  path: string,
  size: number,
  metadata: Readonly<Record<string, string>>,
  options: TusOptions = {},
): Promise<TusResult> {
  const { chunkBytes, retryDelaysMs } = { ...DEFAULTS, ...options };
  const moved = options.moved ?? (() => {});
  const created = await api.send("POST", UPLOADS_PATH, {
    headers: { ...TUS, "upload-length": String(size), "upload-metadata": encodeMetadata(metadata) },
  });
  if (created.status === 404 || created.status === 405) {
    await created.body?.cancel();
    throw new ResumableUnavailable("this server has no resumable uploads");
  }
  if (created.status !== 201 || !created.headers.has("location")) throw await problemOf(created);
  const location = new URL(created.headers.get("location")!, `${api.connection.server}/`).href;
  await created.body?.cancel();

  const file = await open(path, "r");
  const buffer = Buffer.alloc(Math.min(chunkBytes, Math.max(size, 1)));
  let offset = 0;
  let failures = 0;
  let resumed = 0;
  /** After a failure: wait, then ask the server where to go on from. */
  const recover = async (error: Error): Promise<"go-on" | "gone"> => {
    for (;;) {
      failures += 1;
      const delay = retryDelaysMs[failures - 1];
      if (delay === undefined) throw error;
      await Bun.sleep(delay);
      try {
        const head = await api.send("HEAD", location, { headers: TUS });
        if (head.status === 404 || head.status === 410) return "gone";
        const reported = Number(head.headers.get("upload-offset"));
        if (head.status !== 200 || !Number.isSafeInteger(reported)) {
          error = head.status >= 500 ? new ApiError(head.status, "server_error", `HEAD answered ${head.status}`) : await problemOf(head);
          if (head.status < 500) throw error;
          continue;
        }
        moved(reported - offset);
        offset = reported;
        resumed += 1;
        return "go-on";
      } catch (e) {
        if (!(e instanceof ConnectionError)) throw e;
        error = e;
      }
    }
  };
  try {
    for (;;) {
      const length = Math.min(buffer.length, size - offset);
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      if (bytesRead !== length) throw new Error(`${path} became shorter while it was sent`);
      let res: Response;
      try {
        res = await api.send("PATCH", location, {
          headers: { ...TUS, "upload-offset": String(offset), "content-type": "application/offset+octet-stream" },
          body: buffer.subarray(0, length),
        });
      } catch (e) {
        if (!(e instanceof ConnectionError)) throw e;
        if ((await recover(e)) === "gone") return { imageId: undefined, resumed };
        continue;
      }
      if (res.status === 204) {
        await res.body?.cancel();
        const imageId = res.headers.get(IMAGE_ID_HEADER);
        const reported = Number(res.headers.get("upload-offset") ?? offset + length);
        moved(reported - offset);
        offset = reported;
        failures = 0;
        if (imageId) return { imageId, resumed };
        continue;
      }
      const problem = await problemOf(res);
      // The finish refused the image (409 name_conflict, 413, 415, 422): final. A busy or moved upload, or the server's own trouble: resume.
      const retryable = (res.status === 409 && problem.code === "conflict") || res.status === 408 || res.status >= 500;
      if (!retryable) throw problem;
      if ((await recover(problem)) === "gone") return { imageId: undefined, resumed };
    }
  } catch (e) {
    // Give the unfinished upload back at once rather than let it hold quota for 24 h.
    await api.send("DELETE", location, { headers: TUS }).then(
      (r) => r.body?.cancel(),
      () => {},
    );
    throw e;
  } finally {
    await file.close();
  }
}

/** tus Upload-Metadata: `key base64(value)` pairs, comma-separated. */
function encodeMetadata(metadata: Readonly<Record<string, string>>): string {
  return Object.entries(metadata)
    .map(([key, value]) => `${key} ${Buffer.from(value, "utf8").toString("base64")}`)
    .join(",");
}
