// Sends one local image: up to RESUMABLE_FROM bytes as one raw POST /api/v1/images, larger ones
// through the resumable endpoint (falling back to one POST where the server has none).
import { readFile, stat } from "node:fs/promises";
import { type Api, ApiError } from "./api.ts";
import { type RemoteImage, recentImageWithSha } from "./images.ts";
import { ResumableUnavailable, type TusOptions, tusUpload } from "./tus-upload.ts";

/** Files larger than this go through resumable uploads (SPEC §12). */
const RESUMABLE_FROM = 8 * 1024 * 1024;

export interface UploadSettings {
  readonly visibility: "private" | "public";
  readonly tags: readonly string[];
  readonly albumId?: string;
  readonly tus?: TusOptions;
}

export interface Sent {
  readonly id: string;
  /** How it went, when worth saying (resumed after failures, sent whole without resumable uploads). */
  readonly note?: string;
}

export interface UploadState {
  /** Set once a server answered 404/405 for resumable uploads: later large files go straight to one POST. */
  resumableMissing: boolean;
}

export async function uploadFile(
  api: Api,
  file: { readonly path: string; readonly filename: string; readonly size: number; readonly sha256: string },
  settings: UploadSettings,
  state: UploadState,
  moved: (bytes: number) => void,
): Promise<Sent> {
  if (file.size > RESUMABLE_FROM && !state.resumableMissing) {
    try {
      const metadata: Record<string, string> = { filename: file.filename, visibility: settings.visibility, onConflict: "rename" };
      if (settings.tags.length > 0) metadata.tags = settings.tags.join(",");
      if (settings.albumId !== undefined) metadata.album = settings.albumId;
      const result = await tusUpload(api, file.path, file.size, metadata, { ...settings.tus, moved });
      const id = result.imageId ?? (await recentImageWithSha(api, file.sha256))?.id;
      if (id === undefined)
        throw new ApiError(0, "upload_lost", "the connection broke as the upload finished and the image is not on the server");
      return result.resumed > 0 ? { id, note: `resumed ${result.resumed} time(s) after failures` } : { id };
    } catch (e) {
      if (!(e instanceof ResumableUnavailable)) throw e;
      state.resumableMissing = true;
    }
  }
  // Read now, not at scan time: a file that changed meanwhile is sent as it is now.
  const body = file.size > RESUMABLE_FROM ? Bun.file(file.path) : await readFile(file.path);
  if (file.size > RESUMABLE_FROM) await stat(file.path); // unreadable now: an error about the file, not the server
  const query = new URLSearchParams({ filename: file.filename, onConflict: "rename", visibility: settings.visibility });
  if (settings.tags.length > 0) query.set("tags", settings.tags.join(","));
  const { created } = await api.json<{ created: RemoteImage[] }>(
    "POST",
    `/api/v1/images?${query}`,
    { body, headers: { "content-type": "application/octet-stream" } },
    [201],
  );
  moved(file.size);
  const image = created[0];
  if (!image) throw new ApiError(201, "bad_response", "the server stored nothing");
  return state.resumableMissing && file.size > RESUMABLE_FROM
    ? { id: image.id, note: "sent in one request: the server has no resumable uploads" }
    : { id: image.id };
}
