// Worker thread entry: decodes the primary image of a HEIC to RGBA with libheif (WASM), for heic-decoder.ts.
import decode from "heic-decode";

declare const self: Worker;

// libheif-js console.logs its failures with whole WASM objects; they come back as replies instead.
console.log = () => {};

export interface HeicRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly maxPixels: number;
}

export type HeicReply =
  | { readonly id: number; readonly ok: true; readonly width: number; readonly height: number; readonly rgba: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly reason: "too_many_pixels" | "undecodable"; readonly detail: string };

self.onmessage = async ({ data: { id, bytes, maxPixels } }: MessageEvent<HeicRequest>) => {
  let reply: HeicReply;
  try {
    const images = await decode.all({ buffer: bytes });
    try {
      // heic-decode's `all` lists the top-level images in file order; the first is the primary one, as its `one` assumes.
      const first = images[0];
      if (!first) throw new Error("no image in the HEIF file");
      if (first.width * first.height > maxPixels) {
        reply = { id, ok: false, reason: "too_many_pixels", detail: `${first.width}×${first.height} is more than ${maxPixels} pixels` };
      } else {
        const { width, height, data } = await first.decode();
        reply = { id, ok: true, width, height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
      }
    } finally {
      images.dispose();
    }
  } catch (e) {
    reply = { id, ok: false, reason: "undecodable", detail: e instanceof Error ? e.message : String(e) };
  }
  self.postMessage(reply, reply.ok ? [reply.rgba.buffer as ArrayBuffer] : []);
};
