// Analysis (SPEC §9) in tests: wait for an image's analysis, and make solid-colour images for colour search.
import type { ImageBody } from "./api-bodies.ts";
import { imageOnce, testSharp } from "./previews-api.ts";

/** Polls GET /api/v1/images/:id until its analysis is no longer pending. */
export const analysedImage = (url: string, token: string, id: string, timeoutMs = 60_000): Promise<ImageBody> =>
  imageOnce(url, token, id, (image) => image.analysis.status !== "pending", "analysis", timeoutMs);

/** A 300×200 PNG of one colour. */
export const solidPng = (r: number, g: number, b: number): Promise<Buffer> =>
  testSharp()({ create: { width: 300, height: 200, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
