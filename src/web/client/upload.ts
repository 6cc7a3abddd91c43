// One file up with XMLHttpRequest, the browser API that reports upload progress (fetch does
// not), as multipart with the options before the file, as the server reads them; a file over
// 8 MiB for one's own images goes as a resumable upload instead (resumable-upload.ts).
import { csrfHeaders, type Image, type Problem, type Visibility } from "./api.ts";

export interface UploadOptions {
  visibility: Visibility;
  tags: string;
  onConflict: "fail" | "rename" | "replace";
}

export type UploadOutcome = { ok: true; image: Image } | { ok: false; problem: Problem };

export interface UploadRequest {
  done: Promise<UploadOutcome>;
  abort(): void;
}

/** Files over this go up as resumable uploads (SPEC §12), when they go to one's own images. */
const RESUMABLE_FROM_BYTES = 8 * 1024 * 1024;

/** `url`: where to (an album link takes uploads too); only the options given are sent. */
export function uploadFile(
  file: File,
  options: Partial<UploadOptions>,
  onProgress: (sentBytes: number) => void,
  url = "/api/v1/images",
): UploadRequest {
  if (file.size > RESUMABLE_FROM_BYTES && url === "/api/v1/images") return resumable(file, options, onProgress);
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  for (const [name, value] of Object.entries(options)) form.append(name, value);
  form.append("file", file, file.name);
  const done = new Promise<UploadOutcome>((resolve) => {
    // The multipart framing adds a few hundred bytes; progress is reported in the file's own bytes.
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(Math.min(file.size, Math.round((e.loaded / e.total) * file.size)));
    });
    xhr.addEventListener("load", () => resolve(outcome(xhr)));
    xhr.addEventListener("error", () => resolve(failed(0, "network", "the upload was cut off")));
    xhr.addEventListener("abort", () => resolve(failed(0, "aborted", "cancelled")));
  });
  xhr.open("POST", url);
  xhr.setRequestHeader("accept", "application/json");
  for (const [name, value] of Object.entries(csrfHeaders())) xhr.setRequestHeader(name, value);
  xhr.send(form);
  return { done, abort: () => xhr.abort() };
}

/** The tus client is loaded the first time a file needs it. */
function resumable(file: File, options: Partial<UploadOptions>, onProgress: (sentBytes: number) => void): UploadRequest {
  let started: UploadRequest | undefined;
  let cancelled = false;
  const done = import("./resumable-upload.ts").then(
    ({ uploadResumable }) => {
      if (cancelled) return failed(0, "aborted", "cancelled");
      started = uploadResumable(file, options, onProgress);
      return started.done;
    },
    () => failed(0, "network", "the upload could not start"),
  );
  return {
    done,
    abort: () => {
      cancelled = true;
      started?.abort();
    },
  };
}

function outcome(xhr: XMLHttpRequest): UploadOutcome {
  let body: { created?: Image[]; failed?: Problem[] } & Partial<Problem>;
  try {
    body = JSON.parse(xhr.responseText);
  } catch {
    return failed(xhr.status, "http_error", `HTTP ${xhr.status}`);
  }
  const image = body.created?.[0];
  if (image) return { ok: true, image };
  const problem = body.failed?.[0] ?? body;
  return failed(problem.status ?? xhr.status, problem.code ?? "http_error", problem.detail ?? `HTTP ${xhr.status}`);
}

function failed(status: number, code: string, detail: string): UploadOutcome {
  return { ok: false, problem: { status, code, detail } };
}
