// Streams a multipart/form-data request into fields and file bodies, never holding a whole file or body.
import Busboy, { type BusboyFileStream, type BusboyInstance } from "@fastify/busboy";
import { AppError } from "../domain/errors.ts";

export type UploadPart =
  | { kind: "field"; name: string; value: string }
  | {
      kind: "file";
      name: string;
      filename: string | undefined;
      contentType: string | undefined;
      body: AsyncIterable<Uint8Array>;
    };

export interface MultipartLimits {
  maxParts: number;
  maxFieldBytes: number;
  maxHeaderBytes?: number;
}

// What sits in memory per request: at most one body chunk plus one file stream's buffer (FILE_BUFFER
// plus the chunk that overflowed it). Bodies are read only when a part or file bytes are wanted.
const FILE_BUFFER = 64 * 1024;
// Enough for a 255-byte filename percent-encoded in `filename*` several times over. Busboy drops
// header bytes past this limit instead of buffering them.
const DEFAULT_HEADER_BYTES = 16 * 1024;
// RFC 2046 §5.1.1: 1-70 characters from a small set, not ending in a space.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

export function isMultipart(request: Request): boolean {
  return /^multipart\/form-data\s*(;|$)/i.test(request.headers.get("content-type") ?? "");
}

/** Yields parts in body order. A file part's body must be consumed (or abandoned by moving on) before the next part is produced; abandoned bodies are drained and discarded. */
export async function* parseMultipart(request: Request, limits: MultipartLimits): AsyncGenerator<UploadPart> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!isMultipart(request)) throw badRequest("the body must be multipart/form-data");
  const boundary = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  if (!BOUNDARY.test(boundary?.[1] ?? boundary?.[2] ?? "")) {
    throw badRequest("multipart/form-data needs a boundary parameter of 1-70 characters (RFC 2046)");
  }
  if (!request.body) throw badRequest("the multipart body is empty");
  const reading = new MultipartReading(request.body, contentType, limits);
  try {
    for (let part = await reading.next(); part; part = await reading.next()) yield part;
  } finally {
    reading.close();
  }
}

/** The two calls made on the request body's reader. */
interface BodyReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

/** One request being parsed: pumps body chunks into busboy while someone is waiting for what they produce. */
class MultipartReading {
  private readonly reader: BodyReader;
  private readonly parser: BusboyInstance;
  private readonly ready: UploadPart[] = [];
  private waiters: Array<() => void> = [];
  private latestFile: FileBody | undefined;
  private handedOut: FileBody | undefined;
  private failure: AppError | undefined;
  private finished = false;
  private closed = false;

  constructor(body: ReadableStream<Uint8Array>, contentType: string, limits: MultipartLimits) {
    this.reader = body.getReader();
    try {
      this.parser = Busboy({
        headers: { "content-type": contentType },
        // The raw name goes to the caller, which strips paths itself (and reports what it stripped).
        preservePath: true,
        fileHwm: FILE_BUFFER,
        // A part is a file if it says so by a filename or a non-text type; a nameless image is still a file.
        isPartAFile: (_name, type, filename) => filename !== undefined || type !== "text/plain",
        limits: {
          parts: limits.maxParts,
          fieldSize: limits.maxFieldBytes,
          headerSize: limits.maxHeaderBytes ?? DEFAULT_HEADER_BYTES,
        },
      });
    } catch (error) {
      this.reader.cancel().catch(() => {});
      throw badRequest(`malformed multipart/form-data header: ${messageOf(error)}`);
    }
    this.parser.on("file", (name, stream, filename, _encoding, type) => {
      this.latestFile = new FileBody(stream);
      // Browsers send filename="" for an empty file input: that is no filename.
      this.push({ kind: "file", name, filename: filename || undefined, contentType: type || undefined, body: this.latestFile });
    });
    this.parser.on("field", (name, value, _nameTruncated, valueTruncated) => {
      // A transport limit like the body size, not a rule about the value: 413, naming the field.
      if (valueTruncated)
        this.fail(new AppError("payload_too_large", `form field "${name.slice(0, 100)}" is over ${limits.maxFieldBytes} bytes`));
      else this.push({ kind: "field", name, value });
    });
    // The request is well formed but bigger than the server accepts: 413, like an oversized body.
    this.parser.on("partsLimit", () => this.fail(new AppError("payload_too_large", `a request may hold at most ${limits.maxParts} parts`)));
    this.parser.on("error", (error) => this.fail(badRequest(`malformed multipart/form-data body: ${messageOf(error)}`)));
    this.parser.on("finish", () => {
      this.finished = true;
      this.notify();
    });
    void this.pump();
  }

  async next(): Promise<UploadPart | undefined> {
    // The consumer moved on: whatever is left of the previous file is read and thrown away.
    this.handedOut?.abandon();
    this.handedOut = undefined;
    for (;;) {
      if (this.failure) throw this.failure;
      const part = this.ready.shift();
      if (part) {
        if (part.kind === "file") this.handedOut = part.body as FileBody;
        this.notify();
        return part;
      }
      if (this.finished) return undefined;
      await this.changed();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.latestFile?.fail(badRequest("the multipart reading was closed before this file was read"));
    this.notify();
    // Stop reading from the client. Parser listeners stay: busboy may still emit a late 'error'.
    this.reader.cancel().catch(() => {});
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        // Read only when nothing produced is waiting to be taken: the consumer's pace sets the body's.
        while (this.ready.length > 0 && !this.stopped()) await this.changed();
        if (this.stopped()) return;
        const { done, value } = await this.reader.read();
        if (this.stopped()) return;
        if (done || !value) {
          // Busboy reports an unclosed or truncated body as 'error' (on the open file too) when it ends.
          this.parser.end();
          return;
        }
        await new Promise<void>((resolve, reject) => {
          // Busboy calls back only once the open file stream has room: this is the back-pressure.
          this.parser.write(Buffer.from(value.buffer, value.byteOffset, value.byteLength), (error) => (error ? reject(error) : resolve()));
        });
      }
    } catch (error) {
      this.fail(error instanceof AppError ? error : badRequest(`the request body could not be read: ${messageOf(error)}`));
    }
  }

  private stopped(): boolean {
    return this.closed || this.finished || this.failure !== undefined;
  }

  private push(part: UploadPart): void {
    if (this.stopped()) return;
    this.ready.push(part);
    this.notify();
  }

  private fail(error: AppError): void {
    if (this.closed || this.failure) return;
    this.failure = error;
    // Only the latest file can still be open; an unfinished file must never look complete.
    this.latestFile?.fail(error);
    this.notify();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** One file part's bytes, read once; ends only when busboy saw the part's closing delimiter. */
class FileBody implements AsyncIterable<Uint8Array> {
  private failure: AppError | undefined;
  private ended = false;
  private claimed = false;
  private abandoned = false;
  private wake: (() => void) | undefined;

  constructor(private readonly stream: BusboyFileStream) {
    stream.on("readable", () => (this.abandoned ? this.discard() : this.notify()));
    stream.on("end", () => {
      this.ended = true;
      this.notify();
    });
    // Busboy reports "Part terminated early" here; the request-level error usually got here first.
    stream.on("error", (error) => this.fail(badRequest(`the file part is incomplete: ${messageOf(error)}`)));
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    if (this.claimed || this.abandoned) throw new Error("a file body can be read once, before moving to the next part");
    this.claimed = true;
    for (;;) {
      if (this.failure) throw this.failure;
      // Moving on discards the rest: reading on would hand out a file with a hole in it.
      if (this.abandoned) throw new Error("the file body was abandoned by moving to the next part");
      const chunk = this.stream.read() as Buffer | null;
      if (chunk !== null) {
        yield chunk;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    this.discard();
    this.notify();
  }

  fail(error: AppError): void {
    if (this.ended || this.failure) return;
    this.failure = error;
    this.notify();
  }

  private discard(): void {
    // Reading frees room in the stream, which lets busboy take the next body chunk.
    while (this.stream.read() !== null);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function badRequest(detail: string): AppError {
  return new AppError("bad_request", detail);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
