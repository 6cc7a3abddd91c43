// The body of a content response: a pull-based stream over a source's authenticated chunks.
import { release } from "../buffer-handover.ts";
import { borrow } from "../recycled-buffers.ts";
import type { ContentSource } from "./content-response.ts";

/** Closes the source at most once; a failing close is logged through onStreamError, never thrown. */
export function releaseOnce(source: ContentSource): () => Promise<void> {
  let released: Promise<void> | undefined;
  return () =>
    (released ??= (async () => {
      try {
        await source.close?.();
      } catch (error) {
        source.onStreamError?.(error);
      }
    })());
}

/**
 * Pulls the first chunk before returning, so a blob that fails authentication at its start
 * throws here and becomes a normal error response instead of a 200 with a broken body.
 * After that, chunks are decrypted only when the client takes one (highWaterMark 0), so a
 * slow or vanished client stops the work. A default stream, not `type: "bytes"`: nothing
 * here reads with BYOB, and byte streams would detach the source's buffers on enqueue.
 */
export async function openBody(
  source: ContentSource,
  start: number,
  end: number,
  release: () => Promise<void>,
): Promise<ReadableStream<Uint8Array>> {
  const iterator = source.read(start, end)[Symbol.asyncIterator]();
  let remaining = end - start + 1;
  let stopped = false;

  // The next non-empty chunk, or null at a clean end. Any other byte count than the one
  // promised in Content-Length is a broken source: fail rather than send a wrong body.
  const next = async (): Promise<Uint8Array | null> => {
    for (;;) {
      const step = await iterator.next();
      if (stopped) return null;
      if (step.done) {
        if (remaining !== 0) throw new Error(`content source ended ${remaining} bytes early`);
        return null;
      }
      if (step.value.byteLength > remaining) throw new Error("content source yielded more bytes than requested");
      remaining -= step.value.byteLength;
      // Empty chunks are skipped: some servers frame an empty write as the end of the body.
      if (step.value.byteLength > 0) return step.value;
    }
  };
  const stop = async () => {
    stopped = true;
    try {
      await iterator.return?.();
    } catch (error) {
      source.onStreamError?.(error);
    }
    await release();
  };

  const first = await next().catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  // Unreachable (next() throws on an early end before anything can stop it); narrows the type.
  if (first === null) {
    await stop();
    throw new Error("content source yielded nothing for a non-empty range");
  }

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(first);
      },
      async pull(controller) {
        try {
          const chunk = await next();
          if (stopped) return; // cancelled while this chunk was being read
          if (chunk === null) {
            // Released before the end is signalled, so a finished body means a closed file.
            await stop();
            controller.close();
          } else {
            controller.enqueue(chunk);
          }
        } catch (error) {
          if (stopped) return;
          // Headers are out: the only honest signal left is an aborted body, never more bytes.
          // The error goes to onStreamError (the structured log); the listener then cuts the
          // connection, so the client sees an incomplete body, never a short clean one.
          source.onStreamError?.(error);
          await stop();
          controller.error();
        }
      },
      async cancel() {
        if (!stopped) await stop();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * The whole range decrypted into one buffer (for bodies small enough that Bun then sends an
 * exact Content-Length). A failure anywhere throws before any byte is sent. One buffer of
 * the final size, not a Blob of parts: the Blob constructor copies every part again. The
 * buffer is borrowed (recycled-buffers.ts): the listener gives it back once it is sent.
 */
export async function readWhole(
  source: ContentSource,
  start: number,
  end: number,
  close: () => Promise<void>,
): Promise<Uint8Array<ArrayBuffer>> {
  const length = end - start + 1;
  // Unzeroed: every byte is written below, or the function throws.
  const body = borrow(length);
  let filled = 0;
  try {
    for await (const chunk of source.read(start, end)) {
      if (filled + chunk.byteLength > length) throw new Error(`content source gave more than ${length} bytes`);
      body.set(chunk, filled);
      filled += chunk.byteLength;
      // Copied: a decrypted segment's memory serves the next one.
      release(chunk);
    }
  } finally {
    await close();
  }
  if (filled !== length) throw new Error(`content source gave ${filled} bytes for a ${length}-byte range`);
  return body;
}

/**
 * A body that is already in memory, as a stream of that one buffer: `new Response(bytes)` copies
 * the bytes, and reading such a body copies them again; a stream hands the same buffer on, and
 * the listener writes it with one call (node-adapter.ts).
 */
export function oneChunk(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}
