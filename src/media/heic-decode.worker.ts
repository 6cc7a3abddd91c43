// Worker thread entry: decodes the primary image of a HEIC with libheif (WASM), for heic-decoder.ts.
//
// libheif-js is used directly rather than through heic-decode: heic-decode always asks for RGBA
// and copies the whole frame out of the WASM heap, which for a 24 MP photo held ~96 MB beside
// libheif's own ~200 MB. Here the frame comes as RGB (RGBA only when the image has alpha) and is
// box-shrunk to about twice the display size while it is copied out, so what crosses to the
// main thread is a few MB.
import libheif from "libheif-js/wasm-bundle";
import { boxShrink } from "./box-shrink.ts";

declare const self: Worker;

// libheif-js console.logs its failures with whole WASM objects; they come back as replies instead.
console.log = () => {};

export interface HeicRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly maxPixels: number;
  /** The longest edge of the pixels returned: larger images are shrunk by a whole factor. */
  readonly maxEdge: number;
}

/** A decoded primary image: what heic-decoder.ts hands to previews.ts. */
export interface DecodedHeic {
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  readonly pixels: Uint8Array;
  /** Pixels of the frame libheif decoded, before the shrink. */
  readonly decodedPixels: number;
}

export type HeicReply = { readonly id: number } & (
  | ({ readonly ok: true } & DecodedHeic)
  | { readonly ok: false; readonly reason: "too_many_pixels" | "undecodable"; readonly detail: string }
);

async function decodePrimary(bytes: Uint8Array, maxPixels: number, maxEdge: number): Promise<DecodedHeic | string> {
  await libheif.ready;
  const decoder = new libheif.HeifDecoder();
  const images = decoder.decode(bytes);
  try {
    // The top-level images come in file order; the first is the primary one (as heic-decode assumes).
    const first = images[0];
    if (!first) throw new Error("no image in the HEIF file");
    const [width, height] = [first.get_width(), first.get_height()];
    if (width * height > maxPixels) return `${width}×${height} is more than ${maxPixels} pixels`;
    const channels = first.has_alpha_channel() ? 4 : 3;
    const chroma = channels === 4 ? libheif.heif_chroma.heif_chroma_interleaved_RGBA : libheif.heif_chroma.heif_chroma_interleaved_RGB;
    const image = await libheif.heif_js_decode_image2(first.handle, libheif.heif_colorspace.heif_colorspace_RGB, chroma);
    if (!image || image.code) throw new Error(`HEIF decoding failed${image?.message ? `: ${image.message}` : ""}`);
    try {
      const plane = image.channels.find((c) => c.id.value === libheif.heif_channel.heif_channel_interleaved.value);
      if (!plane) throw new Error("HEIF decoding gave no interleaved plane");
      const { data, ...size } = boxShrink(plane.data, plane.width, plane.height, plane.stride, channels, maxEdge);
      return { width: size.width, height: size.height, channels, pixels: data, decodedPixels: plane.width * plane.height };
    } finally {
      libheif.heif_image_release(image.image);
    }
  } finally {
    for (const image of images) image.free();
    decoder.decoder?.delete();
  }
}

self.onmessage = async ({ data: { id, bytes, maxPixels, maxEdge } }: MessageEvent<HeicRequest>) => {
  let reply: HeicReply;
  try {
    const decoded = await decodePrimary(bytes, maxPixels, maxEdge);
    reply = typeof decoded === "string" ? { id, ok: false, reason: "too_many_pixels", detail: decoded } : { id, ok: true, ...decoded };
  } catch (e) {
    reply = { id, ok: false, reason: "undecodable", detail: e instanceof Error ? e.message : String(e) };
  }
  self.postMessage(reply, reply.ok ? [reply.pixels.buffer as ArrayBuffer] : []);
};
