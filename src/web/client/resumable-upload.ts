// Large files go up through tus (SPEC §12, /api/v1/uploads) with tus-js-client: a connection that
// breaks resumes from the server's offset (HEAD, then the rest) with back-off, and the same file
// chosen again after a reload resumes where it stopped (its upload URL is kept in localStorage
// until it finishes). Loaded only when a file is that large.
import { DetailedError, type HttpResponse, Upload } from "tus-js-client";
import { csrfHeaders, images, type Problem } from "./api.ts";
import type { UploadOptions, UploadOutcome, UploadRequest } from "./upload.ts";

export function uploadResumable(file: File, options: Partial<UploadOptions>, onProgress: (sentBytes: number) => void): UploadRequest {
  let settle: (outcome: UploadOutcome) => void = () => {};
  const done = new Promise<UploadOutcome>((resolve) => {
    settle = resolve;
  });
  const metadata: Record<string, string> = { filename: file.name };
  for (const [name, value] of Object.entries(options)) if (value !== undefined && value !== "") metadata[name] = value;
  const upload = new Upload(file, {
    endpoint: "/api/v1/uploads",
    metadata,
    headers: csrfHeaders(),
    retryDelays: [0, 1000, 3000, 5000, 10_000, 20_000, 30_000],
    removeFingerprintOnSuccess: true,
    onProgress: (sent) => onProgress(sent),
    onShouldRetry: (error) => retryable(error),
    onSuccess: ({ lastResponse }) => {
      const id = lastResponse.getHeader("Pixvault-Image-Id");
      if (!id) return settle(failed(lastResponse.getStatus(), "http_error", "the server did not say which image it stored"));
      images.get(id).then(
        (image) => settle({ ok: true, image }),
        () => settle(failed(0, "network", "the image was stored, but could not be read back")),
      );
    },
    onError: (error) => settle({ ok: false, problem: problemOf(error) }),
  });
  upload
    .findPreviousUploads()
    .then((previous) => {
      const last = previous[0];
      if (last) upload.resumeFromPreviousUpload(last);
      upload.start();
    })
    .catch(() => upload.start());
  return {
    done,
    abort: () => {
      // Cancelled: the server drops what it holds (and the quota it reserved).
      upload.abort(true).catch(() => {});
      settle(failed(0, "aborted", "cancelled"));
    },
  };
}

/**
 * Network failures, a busy upload or a moved offset (409 conflict) and server errors are worth
 * another try; the finish's own refusals (415, 413, 409 name_conflict) are the answer.
 */
function retryable(error: Error): boolean {
  const response = error instanceof DetailedError ? error.originalResponse : null;
  if (!response) return true;
  const status = response.getStatus();
  if (status === 409) return problemIn(response)?.code === "conflict";
  return status === 423 || status >= 500;
}

function problemOf(error: Error): Problem {
  const response = error instanceof DetailedError ? error.originalResponse : null;
  if (!response) return { status: 0, code: "network", detail: "the upload was cut off" };
  return problemIn(response) ?? { status: response.getStatus(), code: "http_error", detail: `HTTP ${response.getStatus()}` };
}

function problemIn(response: HttpResponse): Problem | undefined {
  try {
    const body = JSON.parse(response.getBody()) as Partial<Problem>;
    return typeof body.code === "string" ? { status: response.getStatus(), detail: "", ...body, code: body.code } : undefined;
  } catch {
    return undefined;
  }
}

function failed(status: number, code: string, detail: string): UploadOutcome {
  return { ok: false, problem: { status, code, detail } };
}
