// Turns a decryptable image into a correct HTTP response: 200, 206, 304 or 416, HEAD-aware.
import { AppError } from "../domain/errors.ts";
import { contentDisposition } from "./content-disposition.ts";
import { oneChunk, openBody, readWhole, releaseOnce } from "./content-stream.ts";
import { noneMatch, rangeStillValid, strongEtag } from "./entity-tag.ts";
import { chooseRange } from "./range-header.ts";

// private: a shared cache must never keep one user's image; no-cache: revalidate on every use,
// so an image that was deleted or made private stops being shown from cache.
const DEFAULT_CACHE_CONTROL = "private, no-cache";

/**
 * Bodies up to this size are decrypted into one buffer and sent with one write; larger ones
 * stream segment by segment, memory staying bounded. Both carry their exact Content-Length.
 * One write is cheaper than sixteen for a 1 MiB image, and a megabyte per request in flight
 * is a bound worth keeping.
 */
const WHOLE_BODY_BYTES = 1024 * 1024;

export interface ContentSource {
  /** Plaintext bytes. */
  readonly size: number;
  /** Strong validator, unquoted (e.g. sha256 hex); the quotes are added here. */
  readonly etag: string;
  readonly contentType: string;
  /** Arbitrary unicode from users; made safe for the header here. */
  readonly filename: string;
  readonly lastModified?: Date;
  /** Default "private, no-cache". */
  readonly cacheControl?: string;
  /** Content-Security-Policy of the 200/206/304; absent, the app's strict API policy applies. */
  readonly contentSecurityPolicy?: string;
  /** Plaintext bytes start..endInclusive; each chunk already authenticated. May throw (e.g. integrity errors). */
  read(start: number, endInclusive: number): AsyncIterable<Uint8Array>;
  /** Release resources (close the file). Called exactly once: after the body ends, errors or is cancelled, or when no body is sent (304/416/HEAD). */
  close?(): Promise<void> | void;
  /** A failure after the headers went out (the response is then aborted), or a failing close(): log it. */
  onStreamError?(error: unknown): void;
}

export interface ContentOptions {
  /** `attachment` instead of `inline`: the browser saves the file rather than showing it. */
  readonly download?: boolean;
  /** Bodies up to this many bytes are sent whole, with an exact Content-Length (default WHOLE_BODY_BYTES). */
  readonly wholeBodyBytes?: number;
  /**
   * Runs before any byte is read when a GET answer (200 or 206) will carry the content's last
   * byte — a whole download, however it was split into ranges. Throwing refuses the request.
   */
  readonly beforeLastByte?: () => Promise<void>;
}

/**
 * Errors before the first byte (416, a first chunk that fails authentication) are thrown, so
 * the app's error handler answers them as problem+json like any other failure.
 */
export async function contentResponse(request: Request, source: ContentSource, options: ContentOptions = {}): Promise<Response> {
  const release = releaseOnce(source);
  try {
    const etag = strongEtag(source.etag);
    const cacheControl = source.cacheControl ?? DEFAULT_CACHE_CONTROL;
    const method = request.method;
    const isHead = method === "HEAD";
    // Conditionals and ranges are defined for GET (and HEAD); other methods that answer with
    // the content (a password POST to a share link) always get the whole body.
    const conditional = method === "GET" || isHead;

    if (conditional && noneMatch(request.headers.get("if-none-match"), source.etag)) {
      await release();
      // RFC 9110 §15.4.5: a 304 repeats the validator and caching fields, nothing about a body.
      const notModified = new Headers({ etag, "cache-control": cacheControl });
      if (source.contentSecurityPolicy) notModified.set("content-security-policy", source.contentSecurityPolicy);
      return new Response(null, { status: 304, headers: notModified });
    }

    // Range is defined only for GET (RFC 9110 §14.2), so HEAD describes the whole body.
    const range =
      method === "GET" && rangeStillValid(request.headers.get("if-range"), source.etag)
        ? chooseRange(request.headers.get("range"), source.size)
        : ({ kind: "full" } as const);
    if (range.kind === "unsatisfiable") {
      throw AppError.from({
        code: "range_not_satisfiable",
        detail: `the requested range is outside the ${source.size}-byte content`,
        contentSize: source.size,
      });
    }

    const start = range.kind === "partial" ? range.start : 0;
    const end = range.kind === "partial" ? range.end : source.size - 1;
    const headers = new Headers({
      "content-type": source.contentType,
      "content-length": String(end - start + 1),
      etag,
      "accept-ranges": "bytes",
      "cache-control": cacheControl,
      // Browsers must not reinterpret an image as HTML or script, whatever its bytes look like.
      "x-content-type-options": "nosniff",
      "content-disposition": contentDisposition(source.filename, options.download ? "attachment" : "inline"),
    });
    if (source.contentSecurityPolicy) headers.set("content-security-policy", source.contentSecurityPolicy);
    if (source.lastModified) headers.set("last-modified", source.lastModified.toUTCString());
    if (range.kind === "partial") headers.set("content-range", `bytes ${start}-${end}/${source.size}`);
    const status = range.kind === "partial" ? 206 : 200;

    if (method === "GET" && end === source.size - 1) await options.beforeLastByte?.();

    // Nothing to decrypt: HEAD never sends a body (and Hono would drop an unread stream
    // without cancelling it, leaking the file), and an empty image has no bytes to send.
    if (isHead || end < start) {
      await release();
      return new Response(null, { status, headers });
    }
    if (end - start + 1 <= (options.wholeBodyBytes ?? WHOLE_BODY_BYTES)) {
      return new Response(oneChunk(await readWhole(source, start, end, release)), { status, headers });
    }
    return new Response(await openBody(source, start, end, release), { status, headers });
  } catch (error) {
    await release();
    throw error;
  }
}
