// Makes an image's two previews: `thumb` and `display`, oriented, metadata-free, WebP or JPEG.
//
// The original is decoded once, to the display size (libvips shrinks JPEG and WebP while
// decoding them, and streams the rest line by line); the thumb is made from those pixels.
// The pixel count is checked from the header before any decoding, and libvips refuses past
// it too (limitInputPixels), so a decompression bomb costs a header read. Most formats then
// decode in strips (~60 MiB for 48 MP), but some only decode whole: interlaced PNG, GIF,
// progressive JPEG (its coefficients), HEIF; their estimated buffer is held to maxDecodeBytes.
// BMP, which libvips cannot read, is decoded by bmp-decoder.ts, and HEVC-coded HEIC by libheif
// (heic-decoder.ts), each already shrunk to about twice the display size, then resized here like the rest.
import type { Sharp } from "./sharp-loader.ts";
import type { HeicDecoder } from "./heic-decoder.ts";
import { decodeBmp } from "./bmp-decoder.ts";

const PREVIEW_EDGES = { thumb: 400, display: 2048 } as const;
const DEFAULT_MAX_PIXELS = 200_000_000;
const DEFAULT_MAX_DECODE_BYTES = 512 * 2 ** 20;

export interface Preview {
  readonly contentType: "image/webp" | "image/jpeg";
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

type PreviewFailure = "unsupported_type" | "too_many_pixels" | "undecodable" | "timeout" | "decoder_unavailable";

export type PreviewsResult =
  | { readonly ok: true; readonly thumb: Preview; readonly display: Preview }
  | { readonly ok: false; readonly reason: PreviewFailure; readonly detail: string };

export interface PreviewOptions {
  /** Images with more pixels are refused (`--max-image-pixels`). */
  readonly maxPixels?: number;
  /** Formats that decode whole are refused when their buffer would exceed this (default 512 MiB). */
  readonly maxDecodeBytes?: number;
  /** Each libvips pipeline is stopped after this long. */
  readonly timeoutSeconds?: number;
  /** Decodes HEVC-coded HEIF, which libvips here cannot; without it such images fail. */
  readonly heic?: HeicDecoder;
}

type Failure = Extract<PreviewsResult, { ok: false }>;
type Metadata = Awaited<ReturnType<ReturnType<Sharp>["metadata"]>>;

interface Pixels {
  readonly data: Buffer;
  readonly info: { readonly width: number; readonly height: number; readonly channels: 1 | 2 | 3 | 4 };
}

const fail = (reason: PreviewFailure, detail: string): Failure => ({ ok: false, reason, detail });

// The sniffed types libvips decodes here; BMP is absent (libvips has no BMP loader: see bmp-decoder.ts).
const DECODED_BY_LIBVIPS = new Set([
  "image/jpeg",
  "image/png",
  "image/apng",
  "image/gif",
  "image/webp",
  "image/avif",
  "image/heic",
  "image/heif",
  "image/heic-sequence",
  "image/heif-sequence",
  "image/tiff",
]);

function failureOf(e: unknown): Failure {
  const message = (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
  if (/pixel limit/i.test(message)) return fail("too_many_pixels", message);
  if (/^timeout/i.test(message)) return fail("timeout", message);
  return fail("undecodable", message);
}

async function encode(sharp: Sharp, pixels: Pixels): Promise<Preview> {
  const { width, height, channels } = pixels.info;
  const raw = { raw: { width, height, channels } };
  const webp = await sharp(pixels.data, raw).webp({ quality: 80, effort: 2 }).toBuffer();
  // JPEG has no alpha channel, and WebP is usually the smaller; JPEG wins only when it is smaller.
  const jpeg = channels % 2 === 0 ? undefined : await sharp(pixels.data, raw).jpeg({ quality: 82 }).toBuffer();
  const smaller =
    jpeg && jpeg.length < webp.length
      ? { contentType: "image/jpeg" as const, bytes: jpeg }
      : { contentType: "image/webp" as const, bytes: webp };
  return { ...smaller, width, height };
}

function fitInside(edge: number) {
  return { width: edge, height: edge, fit: "inside", withoutEnlargement: true } as const;
}

// Bytes per pixel of the whole-frame buffer, measured with libvips 8.18 at 48 MP (plus margin).
function wholeFrameBytesPerPixel(meta: Metadata): number {
  const sampleBytes = meta.depth === "ushort" || meta.depth === "short" ? 2 : meta.depth === "uchar" || meta.depth === "char" ? 1 : 4;
  if (meta.format === "png" && meta.isProgressive) return (meta.channels ?? 4) * sampleBytes + 1;
  if (meta.format === "jpeg" && meta.isProgressive) return 3.5;
  if (meta.format === "gif" || meta.format === "heif") return 6;
  return 0;
}

/** Why an image must not be decoded at all (too many pixels, too big a whole-frame buffer), or null. */
function budgetFailure(meta: Metadata, maxPixels: number, maxDecodeBytes: number): Failure | null {
  const { width = 0, height = 0 } = meta;
  if (width * height > maxPixels) return fail("too_many_pixels", `${width}×${height} is more than ${maxPixels} pixels`);
  const buffer = width * height * wholeFrameBytesPerPixel(meta);
  if (buffer <= maxDecodeBytes) return null;
  const mib = (n: number) => Math.ceil(n / 2 ** 20);
  return fail(
    "too_many_pixels",
    `${width}×${height} ${meta.format} decodes whole, needing ~${mib(buffer)} MiB (at most ${mib(maxDecodeBytes)})`,
  );
}

/** The original at display size, as raw pixels, or why it cannot be. */
async function displayPixels(sharp: Sharp, bytes: Uint8Array, maxPixels: number, options: PreviewOptions): Promise<Pixels | Failure> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    return failureOf(e);
  }
  const refused = budgetFailure(meta, maxPixels, options.maxDecodeBytes ?? DEFAULT_MAX_DECODE_BYTES);
  if (refused) return refused;
  const timeout = { seconds: options.timeoutSeconds ?? 60 };
  try {
    // failOn "error": a photo with a recoverable flaw (a truncated tail) still gets a preview.
    return (await sharp(bytes, { limitInputPixels: maxPixels, failOn: "error", pages: 1 })
      .rotate()
      .resize(fitInside(PREVIEW_EDGES.display))
      .timeout(timeout)
      .raw()
      .toBuffer({ resolveWithObject: true })) as Pixels;
  } catch (e) {
    const failure = failureOf(e);
    // libvips here decodes AV1 HEIF (AVIF) only. Its header check names the codec from the
    // brand ("hevc" for mif1 too, AV1 or not), so a "hevc" HEIF is tried here first, and the
    // WASM decoder gets what libvips could not decode.
    if (meta.format !== "heif" || meta.compression !== "hevc" || failure.reason !== "undecodable") return failure;
  }
  if (!options.heic) return fail("decoder_unavailable", "no HEVC decoder is available for this HEIC image");
  // Shrunk like BMP: libheif has no shrink-on-load, and a 24 MP frame is ~72 MB.
  const decoded = await options.heic.decode(bytes, maxPixels, 2 * PREVIEW_EDGES.display);
  if (!decoded.ok) return fail(decoded.reason, decoded.detail);
  // libheif has already applied the image's rotation and mirroring (irot/imir).
  const { width, height, channels } = decoded;
  return displayFromRaw(sharp, { data: decoded.pixels, info: { width, height, channels } }, options);
}

/** Pixels decoded outside libvips (HEIC, BMP), resized to display size. */
async function displayFromRaw(
  sharp: Sharp,
  pixels: { readonly data: Uint8Array; readonly info: Pixels["info"] },
  options: PreviewOptions,
): Promise<Pixels | Failure> {
  try {
    return (await sharp(pixels.data, { raw: pixels.info, limitInputPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS })
      .resize(fitInside(PREVIEW_EDGES.display))
      .timeout({ seconds: options.timeoutSeconds ?? 60 })
      .raw()
      .toBuffer({ resolveWithObject: true })) as Pixels;
  } catch (e) {
    return failureOf(e);
  }
}

/** A BMP at display size. Its decoder has already checked the pixel count and shrunk it while decoding. */
async function bmpDisplayPixels(sharp: Sharp, bytes: Uint8Array, maxPixels: number, options: PreviewOptions): Promise<Pixels | Failure> {
  const timeoutMs = (options.timeoutSeconds ?? 60) * 1000;
  const decoded = await decodeBmp(bytes, { maxPixels, maxEdge: 2 * PREVIEW_EDGES.display, timeoutMs });
  if (!decoded.ok) return fail(decoded.reason, decoded.detail);
  return displayFromRaw(
    sharp,
    { data: decoded.data, info: { width: decoded.width, height: decoded.height, channels: decoded.channels } },
    options,
  );
}

/** The thumb and display previews of an original whose sniffed MIME type is `contentType`. */
export async function makePreviews(
  sharp: Sharp,
  original: { readonly bytes: Uint8Array; readonly contentType: string },
  options: PreviewOptions = {},
): Promise<PreviewsResult> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const bmp = original.contentType === "image/bmp";
  if (!bmp && !DECODED_BY_LIBVIPS.has(original.contentType)) {
    return fail("unsupported_type", `no decoder for ${original.contentType}`);
  }
  const display = await (bmp ? bmpDisplayPixels : displayPixels)(sharp, original.bytes, maxPixels, options);
  if ("ok" in display) return display;
  try {
    const thumb = (await sharp(display.data, { raw: display.info })
      .resize(fitInside(PREVIEW_EDGES.thumb))
      .raw()
      .toBuffer({ resolveWithObject: true })) as Pixels;
    return { ok: true, thumb: await encode(sharp, thumb), display: await encode(sharp, display) };
  } catch (e) {
    return failureOf(e);
  }
}
