// tus Upload-Metadata (`key base64,key base64`) and what pixvault reads from it: the §4 upload
// options of the image the upload becomes. Parsed at creation (bad input is refused there) and
// again at the finish, from the sealed header.
import { z } from "zod";
import { fail, ok, type Result } from "../errors.ts";
import { sanitizeFilename } from "../images/filenames.ts";
import { uploadOptionsSchema, type UploadOptions } from "../images/input.ts";

/** What the finished upload becomes: a file of this name, with these options, maybe in an album. */
export interface UploadRequest {
  readonly filename: string;
  readonly options: UploadOptions;
  readonly albumId: string | undefined;
}

// A header bigger than this is no image's metadata (the description, the longest field, is 2000 characters).
const MAX_METADATA_BYTES = 16 * 1024;
const KEY = /^[\x21-\x2b\x2d-\x7e]+$/; // printable ASCII without space and comma
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * What an Upload-Metadata header asks for: bad_request when it is malformed, validation_failed
 * when a value is refused (a filename is required; unknown keys, such as a client's `filetype`,
 * are ignored).
 */
export function readUploadMetadata(header: string): Result<UploadRequest> {
  const pairs = decodeMetadata(header);
  return pairs.ok ? uploadRequestOf(pairs.value) : pairs;
}

function decodeMetadata(header: string): Result<Map<string, string>> {
  if (Buffer.byteLength(header) > MAX_METADATA_BYTES) return malformed(`it is longer than ${MAX_METADATA_BYTES} bytes`);
  const pairs = new Map<string, string>();
  if (header.trim() === "") return ok(pairs);
  const text = new TextDecoder("utf-8", { fatal: true });
  for (const item of header.split(",")) {
    const [key, value = "", ...rest] = item.trim().split(" ");
    if (key === undefined || !KEY.test(key) || rest.length > 0) return malformed("each pair must be `key base64value`");
    if (pairs.has(key)) return malformed(`the key ${key} appears twice`);
    if (!BASE64.test(value)) return malformed(`the value of ${key} is not base64`);
    try {
      pairs.set(key, text.decode(Buffer.from(value, "base64")));
    } catch {
      return malformed(`the value of ${key} is not UTF-8`);
    }
  }
  return ok(pairs);
}

const albumSchema = z.string().min(1).max(64).optional();

function uploadRequestOf(pairs: Map<string, string>): Result<UploadRequest> {
  const raw = pairs.get("filename");
  if (raw === undefined) {
    return fail("validation_failed", "Upload-Metadata needs a filename", { errors: [{ field: "filename", message: "is required" }] });
  }
  const filename = sanitizeFilename(raw);
  if (!filename.ok) return filename;
  const picked: Record<string, string> = {};
  for (const name of ["visibility", "tags", "description", "onConflict"] as const) {
    const value = pairs.get(name);
    if (value !== undefined) picked[name] = value;
  }
  const options = uploadOptionsSchema.safeParse(picked);
  const album = albumSchema.safeParse(pairs.get("album") || undefined);
  if (!options.success || !album.success) {
    const errors = [
      ...(options.error?.issues ?? []).map((i) => ({ field: i.path.map(String).join("."), message: i.message })),
      ...(album.error ? [{ field: "album", message: "must be an album id" }] : []),
    ];
    return fail("validation_failed", `${errors.length} upload option(s) are invalid`, { errors });
  }
  return ok({ filename: filename.value, options: options.data, albumId: album.data });
}

const malformed = (why: string): Result<never> => fail("bad_request", `Upload-Metadata is malformed: ${why}`);
