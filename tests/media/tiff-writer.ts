// Hand-made TIFF structures for tests: EXIF blocks with values libvips will not write (GPSAltitudeRef 1, GPS in a TIFF).
type TagValue =
  | { readonly type: "ascii"; readonly value: string }
  | { readonly type: "byte" | "short" | "long"; readonly value: readonly number[] }
  | { readonly type: "rational"; readonly value: readonly number[] };

export type Ifd = Readonly<Record<number, TagValue>>;

const TYPE = { byte: 1, ascii: 2, short: 3, long: 4, rational: 5 } as const;
const SIZE = { byte: 1, ascii: 1, short: 2, long: 4, rational: 8 } as const;
const GPS_IFD_POINTER = 0x8825;
const STRIP_OFFSETS = 273;

function encodeValue(v: TagValue): Buffer {
  if (v.type === "ascii") return Buffer.from(`${v.value}\0`, "latin1");
  const out = Buffer.alloc(SIZE[v.type] * v.value.length);
  v.value.forEach((n, i) => {
    if (v.type === "byte") out.writeUInt8(n, i);
    else if (v.type === "short") out.writeUInt16LE(n, i * 2);
    else if (v.type === "long") out.writeUInt32LE(n, i * 4);
    else {
      out.writeUInt32LE(Math.round(n * 10_000), i * 8);
      out.writeUInt32LE(10_000, i * 8 + 4);
    }
  });
  return out;
}

/**
 * A little-endian TIFF: IFD0 (pointing to a GPS IFD when one is given), then every value too big
 * for its entry, then `pixels` (IFD0's StripOffsets is set to them when pixels are given).
 */
export function tiffBlock(ifd0: Ifd, gps?: Ifd, pixels?: Uint8Array): Buffer {
  const tags0: Record<number, TagValue> = { ...ifd0 };
  if (gps) tags0[GPS_IFD_POINTER] = { type: "long", value: [0] };
  if (pixels) tags0[STRIP_OFFSETS] = { type: "long", value: [0] };
  const ifdSize = (ifd: Ifd) => 2 + Object.keys(ifd).length * 12 + 4;
  const ifd0At = 8;
  const gpsAt = ifd0At + ifdSize(tags0);
  let dataAt = gpsAt + (gps ? ifdSize(gps) : 0);
  const values = new Map<TagValue, Buffer>();
  for (const v of [...Object.values(tags0), ...Object.values(gps ?? {})]) values.set(v, encodeValue(v));
  const bigValues = [...values.values()].filter((b) => b.length > 4);
  const pixelsAt = dataAt + bigValues.reduce((n, b) => n + b.length, 0);
  if (gps) tags0[GPS_IFD_POINTER] = { type: "long", value: [gpsAt] };
  if (pixels) tags0[STRIP_OFFSETS] = { type: "long", value: [pixelsAt] };
  const out = Buffer.alloc(pixelsAt + (pixels?.length ?? 0));
  out.write("II*\0", 0, "latin1");
  out.writeUInt32LE(ifd0At, 4);
  const writeIfd = (at: number, ifd: Ifd) => {
    const tags = Object.keys(ifd)
      .map(Number)
      .sort((a, b) => a - b);
    out.writeUInt16LE(tags.length, at);
    tags.forEach((tag, i) => {
      const v = ifd[tag]!;
      const bytes = values.get(v) ?? encodeValue(v);
      const e = at + 2 + i * 12;
      out.writeUInt16LE(tag, e);
      out.writeUInt16LE(TYPE[v.type], e + 2);
      out.writeUInt32LE(v.type === "ascii" ? bytes.length : v.value.length, e + 4);
      if (bytes.length <= 4) bytes.copy(out, e + 8);
      else {
        out.writeUInt32LE(dataAt, e + 8);
        bytes.copy(out, dataAt);
        dataAt += bytes.length;
      }
    });
  };
  writeIfd(ifd0At, tags0);
  if (gps) writeIfd(gpsAt, gps);
  if (pixels) out.set(pixels, pixelsAt);
  return out;
}

/** GPS IFD entries for a position given in signed degrees (and metres), refs from the signs. */
export function gpsIfd(latitude: number, longitude: number, altitude?: number): Ifd {
  const dms = (deg: number) => {
    const a = Math.abs(deg);
    const d = Math.floor(a);
    const m = Math.floor((a - d) * 60);
    return [d, m, (a - d - m / 60) * 3600];
  };
  const ifd: Record<number, TagValue> = {
    1: { type: "ascii", value: latitude < 0 ? "S" : "N" },
    2: { type: "rational", value: dms(latitude) },
    3: { type: "ascii", value: longitude < 0 ? "W" : "E" },
    4: { type: "rational", value: dms(longitude) },
  };
  if (altitude !== undefined) {
    ifd[5] = { type: "byte", value: [altitude < 0 ? 1 : 0] }; // GPSAltitudeRef: 1 is below sea level
    ifd[6] = { type: "rational", value: [Math.abs(altitude)] };
  }
  return ifd;
}

/** The JPEG with an APP1 Exif segment holding `tiff` inserted right after its SOI. */
export function jpegWithExif(jpeg: Uint8Array, tiff: Uint8Array): Buffer {
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
  const header = Buffer.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}
