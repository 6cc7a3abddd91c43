// Reads a BMP's headers (file header, DIB header, channel masks, palette) before any pixel is touched.
//
// Accepted: the Windows headers (BITMAPINFOHEADER and its V2–V5 extensions) and OS/2 1.x's
// BITMAPCOREHEADER; 1/2/4/8-bit palettes, 16/24/32-bit pixels, BI_RGB, BI_BITFIELDS and
// BI_ALPHABITFIELDS. Refused with a reason: RLE, embedded JPEG/PNG, CMYK and OS/2 2.x's own
// compressions — rare in files people keep, and each a decoder of its own to get right.

interface ChannelMasks {
  readonly red: number;
  readonly green: number;
  readonly blue: number;
  /** 0 when the image has no alpha. */
  readonly alpha: number;
}

export interface BmpHeader {
  readonly width: number;
  readonly height: number;
  /** Rows are stored top row first (a negative height in the header); else bottom row first. */
  readonly topDown: boolean;
  readonly bitsPerPixel: 1 | 2 | 4 | 8 | 16 | 24 | 32;
  /** Where the first stored row starts, and the distance between rows (each padded to 4 bytes). */
  readonly pixelOffset: number;
  readonly stride: number;
  /** 256 RGB triplets, zero past the file's own entries (an index past them is black, as browsers show it). */
  readonly palette: Uint8Array | null;
  /** For 16- and 32-bit pixels. */
  readonly masks: ChannelMasks | null;
  readonly channels: 3 | 4;
}

export type BmpHeaderResult = { readonly ok: true; readonly header: BmpHeader } | { readonly ok: false; readonly detail: string };

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;
const COMPRESSION_NAMES: Record<number, string> = {
  1: "RLE8",
  2: "RLE4",
  4: "JPEG",
  5: "PNG",
  11: "CMYK",
  12: "CMYK RLE8",
  13: "CMYK RLE4",
};
const CORE_HEADER = 12;
const INFO_HEADERS = new Set([40, 52, 56, 108, 124]);
const FILE_HEADER = 14;
// Where BI_BITFIELDS masks sit: inside the V2+ headers, or right after a BITMAPINFOHEADER.
const MASKS_AT = FILE_HEADER + 40;

const refuse = (detail: string): BmpHeaderResult => ({ ok: false, detail });

/** The position of a mask's lowest set bit (0 for an empty mask). */
export function countTrailingZeros(mask: number): number {
  return mask === 0 ? 0 : 31 - Math.clz32(mask & -mask);
}

// One run of set bits: shifted down, adding 1 carries through all of them and clears every one.
function isContiguous(mask: number): boolean {
  const shifted = mask >>> countTrailingZeros(mask);
  return (shifted & (shifted + 1)) === 0;
}

/** The headers of a BMP file, or why they cannot be used. Reads nothing past them. */
export function readBmpHeader(bytes: Uint8Array): BmpHeaderResult {
  if (bytes.length < FILE_HEADER + 4 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) return refuse("not a BMP file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dibSize = view.getUint32(FILE_HEADER, true);
  const core = dibSize === CORE_HEADER;
  if (!core && !INFO_HEADERS.has(dibSize)) return refuse(`BMP header of ${dibSize} bytes is not a supported kind`);
  if (bytes.length < FILE_HEADER + dibSize) return refuse("the BMP header is truncated");
  const width = core ? view.getUint16(18, true) : view.getInt32(18, true);
  const rawHeight = core ? view.getUint16(20, true) : view.getInt32(22, true);
  const bits = view.getUint16(core ? 24 : 28, true);
  const compression = core ? BI_RGB : view.getUint32(30, true);
  if (width <= 0 || rawHeight === 0 || rawHeight === -(2 ** 31)) return refuse(`BMP size ${width}×${rawHeight} is not an image size`);
  const height = Math.abs(rawHeight);
  const named = COMPRESSION_NAMES[compression];
  if (named) return refuse(`${named}-compressed BMP is not supported`);
  if (![BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS].includes(compression)) return refuse(`BMP compression ${compression} is unknown`);
  if (![1, 2, 4, 8, 16, 24, 32].includes(bits)) return refuse(`${bits} bits per pixel is not a supported BMP depth`);
  const bitsPerPixel = bits as BmpHeader["bitsPerPixel"];

  let tableAt = FILE_HEADER + dibSize;
  let masks: ChannelMasks | null = null;
  if (compression !== BI_RGB) {
    if (bits !== 16 && bits !== 32) return refuse(`BMP bit-field masks need 16 or 32 bits per pixel, not ${bits}`);
    const count = compression === BI_ALPHABITFIELDS || dibSize >= 56 ? 4 : 3;
    if (dibSize === 40) tableAt += count * 4;
    if (bytes.length < MASKS_AT + count * 4) return refuse("the BMP channel masks are truncated");
    const mask = (i: number) => (i < count ? view.getUint32(MASKS_AT + i * 4, true) : 0);
    masks = { red: mask(0), green: mask(1), blue: mask(2), alpha: mask(3) };
    const all = [masks.red, masks.green, masks.blue, masks.alpha];
    if (all.some((m) => !isContiguous(m) || (bits === 16 && m > 0xffff)))
      return refuse("a BMP channel mask is not a run of bits in the pixel");
  } else if (bits === 16) {
    masks = { red: 0x7c00, green: 0x03e0, blue: 0x001f, alpha: 0 }; // 5-5-5, the BI_RGB default
  } else if (bits === 32) {
    // BI_RGB's fourth byte is "reserved": most writers leave it 0, so it is not read as alpha.
    masks = { red: 0xff0000, green: 0xff00, blue: 0xff, alpha: 0 };
  }

  let palette: Uint8Array | null = null;
  if (bits <= 8) {
    const entrySize = core ? 3 : 4;
    const used = core ? 0 : view.getUint32(46, true);
    const entries = Math.min(used === 0 ? 2 ** bits : used, 2 ** bits);
    if (bytes.length < tableAt + entries * entrySize) return refuse("the BMP palette is truncated");
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < entries; i++) {
      const at = tableAt + i * entrySize; // stored B, G, R (and a reserved byte)
      palette.set([bytes[at + 2]!, bytes[at + 1]!, bytes[at]!], i * 3);
    }
    tableAt += entries * entrySize;
  }

  const storedOffset = view.getUint32(10, true);
  return {
    ok: true,
    header: {
      width,
      height,
      topDown: rawHeight < 0,
      bitsPerPixel,
      // Some writers leave the offset 0; the pixels then follow the tables.
      pixelOffset: storedOffset === 0 ? tableAt : storedOffset,
      stride: Math.ceil((width * bits) / 32) * 4,
      palette,
      masks,
      channels: masks && masks.alpha !== 0 ? 4 : 3,
    },
  };
}
