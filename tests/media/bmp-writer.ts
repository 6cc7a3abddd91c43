// Hand-made BMP files for tests (sharp writes none): every depth, header kind, row order and mask layout.

export interface Rgba {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly a?: number;
}

export interface BmpSpec {
  readonly width: number;
  readonly height: number;
  readonly bits: 1 | 2 | 4 | 8 | 16 | 24 | 32;
  /** DIB header size: 12 (OS/2 core), 40 (BITMAPINFOHEADER), 108 (V4), 124 (V5). Default 40. */
  readonly header?: 12 | 40 | 108 | 124;
  readonly topDown?: boolean;
  /** BI_RGB (0) by default; 3 is BI_BITFIELDS, 6 BI_ALPHABITFIELDS, 1 RLE8 (for refusals). */
  readonly compression?: 0 | 1 | 3 | 6;
  /** [red, green, blue, alpha] for 16/32 bits; the BI_RGB defaults otherwise. */
  readonly masks?: readonly [number, number, number, number];
  /** For 1–8 bits: the colours, and each pixel's index into them. */
  readonly palette?: readonly Rgba[];
  /** The colour (or, with a palette, the index) of the pixel at (x, y), y = 0 the top row. */
  readonly pixel: (x: number, y: number) => Rgba | number;
}

const DEFAULT_MASKS = { 16: [0x7c00, 0x03e0, 0x001f, 0], 32: [0xff0000, 0xff00, 0xff, 0] } as const;

function pack(value: number, mask: number): number {
  if (mask === 0) return 0;
  const shift = 31 - Math.clz32(mask & -mask);
  const max = mask >>> shift;
  return (Math.round((value * max) / 255) << shift) >>> 0;
}

/** A BMP file for `spec`, its rows bottom-up unless topDown, each padded to 4 bytes. */
export function bmpFile(spec: BmpSpec): Buffer {
  const { width, height, bits, header = 40, topDown = false, compression = 0, palette = [] } = spec;
  const core = header === 12;
  const masks = spec.masks ?? (bits === 16 || bits === 32 ? DEFAULT_MASKS[bits] : [0, 0, 0, 0]);
  // A BITMAPINFOHEADER carries its masks after it; V4/V5 hold them inside.
  const maskBytes = compression === 3 && header === 40 ? 12 : compression === 6 && header === 40 ? 16 : 0;
  const paletteBytes = palette.length * (core ? 3 : 4);
  const stride = Math.ceil((width * bits) / 32) * 4;
  const pixelOffset = 14 + header + maskBytes + paletteBytes;
  const out = Buffer.alloc(pixelOffset + stride * height);
  out.write("BM", 0, "latin1");
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(pixelOffset, 10);
  out.writeUInt32LE(header, 14);
  if (core) {
    out.writeUInt16LE(width, 18);
    out.writeUInt16LE(height, 20);
    out.writeUInt16LE(1, 22);
    out.writeUInt16LE(bits, 24);
  } else {
    out.writeInt32LE(width, 18);
    out.writeInt32LE(topDown ? -height : height, 22);
    out.writeUInt16LE(1, 26);
    out.writeUInt16LE(bits, 28);
    out.writeUInt32LE(compression, 30);
    out.writeUInt32LE(stride * height, 34);
    out.writeUInt32LE(palette.length, 46);
    if (compression === 3 || compression === 6 || header > 40) {
      for (const [i, m] of masks.entries()) out.writeUInt32LE(m, 54 + i * 4);
    }
  }
  for (const [i, c] of palette.entries()) out.set([c.b, c.g, c.r], 14 + header + maskBytes + i * (core ? 3 : 4));
  for (let y = 0; y < height; y++) {
    const row = pixelOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const p = spec.pixel(x, y);
      if (typeof p === "number") {
        const bit = x * bits;
        out[row + (bit >> 3)]! |= p << (8 - bits - (bit & 7));
      } else if (bits === 24) {
        out.set([p.b, p.g, p.r], row + x * 3);
      } else {
        const value = (pack(p.r, masks[0]) | pack(p.g, masks[1]) | pack(p.b, masks[2]) | pack(p.a ?? 255, masks[3])) >>> 0;
        if (bits === 16) out.writeUInt16LE(value, row + x * 2);
        else out.writeUInt32LE(value, row + x * 4);
      }
    }
  }
  return out;
}

/** A BMP's headers claiming `width`×`height` 24-bit pixels (a negative height: top-down), with none of them in the file. */
export function bmpHeaderClaiming(width: number, height: number): Buffer {
  const bytes = bmpFile({ width: 1, height: 1, bits: 24, pixel: () => ({ r: 0, g: 0, b: 0 }) }).subarray(0, 54);
  bytes.writeInt32LE(width, 18);
  bytes.writeInt32LE(height, 22);
  return bytes;
}

const QUADRANT_COLOURS = {
  topLeft: { r: 255, g: 0, b: 0 },
  topRight: { r: 0, g: 255, b: 0 },
  bottomLeft: { r: 0, g: 0, b: 255 },
  bottomRight: { r: 255, g: 255, b: 255 },
} as const;

/**
 * A BMP of four coloured quadrants (QUADRANT_COLOURS), in any depth, showing row and channel
 * order; at 1 bit (two colours) the top half is red and the bottom half blue.
 */
export function quadrantBmp(spec: Omit<BmpSpec, "pixel" | "palette">): { bytes: Buffer; colourAt: (x: number, y: number) => Rgba } {
  const { topLeft, topRight, bottomLeft, bottomRight } = QUADRANT_COLOURS;
  const colourAt = (x: number, y: number): Rgba => {
    const top = y < spec.height / 2;
    if (spec.bits === 1) return top ? topLeft : bottomLeft;
    const left = x < spec.width / 2;
    return top ? (left ? topLeft : topRight) : left ? bottomLeft : bottomRight;
  };
  const palette: readonly Rgba[] | undefined =
    spec.bits === 1 ? [topLeft, bottomLeft] : spec.bits <= 8 ? Object.values(QUADRANT_COLOURS) : undefined;
  const bytes = bmpFile({
    ...spec,
    ...(palette ? { palette } : {}),
    pixel: (x, y) => (palette ? palette.indexOf(colourAt(x, y)) : colourAt(x, y)),
  });
  return { bytes, colourAt };
}
