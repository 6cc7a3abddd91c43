// Blobs in an S3-compatible bucket through Bun's S3 client. Blobs are already encrypted, so
// the bucket's operator learns nothing but sizes. An object appears only when its upload
// completes (large ones go up as multipart), so there are no temp files; reads are Range GETs
// of the bytes a request needs.
import type { BlobReader, BlobStore, BlobWriter } from "./blob-store.ts";

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3Location {
  readonly bucket: string;
  /** Key prefix, without leading or trailing slashes ("" for the bucket root). */
  readonly prefix: string;
  readonly endpoint?: string;
  readonly region?: string;
  /** From config.ts, which reads the AWS_* variables. */
  readonly credentials?: S3Credentials;
}

// Multipart parts: large enough for few requests, small enough to keep memory bounded per upload.
const PART_BYTES = 8 * 1024 * 1024;

export function s3BlobStore(location: S3Location): BlobStore {
  const { endpoint, region, credentials } = location;
  const client = new Bun.S3Client({
    bucket: location.bucket,
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(credentials ?? {}),
  });
  const prefix = location.prefix.replace(/^\/+|\/+$/g, "");
  const keyOf = (imageId: string) => (prefix ? `${prefix}/${imageId}` : imageId);

  return {
    async create(imageId) {
      return s3Writer(client.file(keyOf(imageId)));
    },
    async open(imageId) {
      const file = client.file(keyOf(imageId));
      try {
        return s3Reader(file, (await file.stat()).size);
      } catch (e) {
        if (isMissing(e)) return undefined;
        throw e;
      }
    },
    async delete(imageId) {
      try {
        await client.file(keyOf(imageId)).delete();
      } catch (e) {
        if (!isMissing(e)) throw e;
      }
    },
    async check() {
      // A cheap request that needs the bucket and the credentials.
      await client.exists(keyOf(".pixvault-readiness"));
    },
  };
}

/** One ranged GET per read; the response body is the buffer, so there is no scratch to fill. */
function s3Reader(file: Bun.S3File, size: number): BlobReader {
  return {
    size,
    read: async (position, length) => (length === 0 ? new Uint8Array(0) : await file.slice(position, position + length).bytes()),
    close: async () => {},
  };
}

function s3Writer(file: Bun.S3File): BlobWriter {
  const sink = file.writer({ partSize: PART_BYTES, type: "application/octet-stream" });
  let state: "open" | "committed" | "aborted" = "open";
  return {
    async write(chunks) {
      if (state !== "open") throw new Error("blob writer is closed");
      for (const chunk of chunks) {
        const pending = sink.write(chunk);
        // A full part is on its way: wait, so an upload never holds more than a part or two.
        if (pending instanceof Promise) await pending;
      }
    },
    async commit() {
      if (state !== "open") throw new Error("blob writer is closed");
      state = "committed";
      // The object exists (durably, as S3 defines it) once the upload completes.
      await sink.end();
    },
    async abort() {
      if (state !== "open") return;
      state = "aborted";
      // Bun's writer has no abort: finish what was sent, then remove it.
      await Promise.resolve(sink.end()).catch(() => {});
      await file.delete().catch(() => {});
    },
  };
}

function isMissing(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? "";
  const message = e instanceof Error ? e.message : String(e);
  return code === "NoSuchKey" || code === "ENOENT" || /NoSuchKey|not found|404/i.test(`${code} ${message}`);
}
