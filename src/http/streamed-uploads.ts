// Which requests are uploads that stream their body file by file: the whole-body limit skips
// them (each file is held to --max-image-bytes instead), and the app's shell must tell them
// apart without loading the upload routers (src/lazy-app.ts).
export const UPLOAD_PATH = "/api/v1/images";

const GUEST_UPLOAD = /^\/a\/[^/]+\/images$/;

/** POST or PUT /api/v1/images, or a guest's POST /a/{token}/images. */
export function isStreamedUpload(method: string, path: string): boolean {
  return (path === UPLOAD_PATH && (method === "POST" || method === "PUT")) || (method === "POST" && GUEST_UPLOAD.test(path));
}
