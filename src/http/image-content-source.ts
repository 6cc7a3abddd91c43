// An opened image as the ContentSource that contentResponse turns into 200/206/304/416.
import { AppError } from "../domain/errors.ts";
import type { ImageContent } from "../domain/images/content.ts";
import type { Logger } from "../logger.ts";
import type { ContentSource } from "./content-response.ts";
import { IMAGE_CSP } from "./security-headers.ts";

export function imageContentSource(
  { image, blob, etag, contentType, filename }: ImageContent,
  logger: Logger,
  cacheControl: string,
): ContentSource {
  return {
    size: blob.plaintextLength,
    etag,
    contentType,
    filename,
    lastModified: new Date(image.updatedAt),
    cacheControl,
    contentSecurityPolicy: IMAGE_CSP,
    read: (start, end) => blob.readRange(start, end),
    close: () => blob.close(),
    // Integrity failures are logged by the domain with their reason; this catches the rest.
    onStreamError: (error) => {
      if (!(error instanceof AppError)) logger.error("image stream failed", { imageId: image.id, error: String(error) });
    },
  };
}
