// Photo metadata from an original: displayed size, orientation, date taken, camera and GPS position.
//
// takenAt is EXIF DateTimeOriginal as ISO 8601: with its offset when OffsetTimeOriginal gives
// one ("2024-05-01T14:03:22+02:00"), else as the local time the camera recorded, with no offset
// and no "Z" ("2024-05-01T14:03:22"): guessing a zone would move it by hours, and sorting such
// dates as if they were UTC is off by at most the camera's offset.
import exifReader from "exif-reader";
import type { Sharp } from "./sharp-loader.ts";

interface Camera {
  readonly make: string | null;
  readonly model: string | null;
  readonly lens: string | null;
}

interface GeoPosition {
  readonly latitude: number;
  readonly longitude: number;
  readonly altitude?: number;
}

export interface PhotoMetadata {
  /** As displayed: swapped when the orientation turns the image by 90°. */
  readonly width: number;
  readonly height: number;
  /** EXIF orientation still to apply when displaying the stored pixels (1–8; 1 = as stored). */
  readonly orientation: number;
  readonly takenAt: string | null;
  readonly camera: Camera | null;
  readonly location: GeoPosition | null;
}

/** What an EXIF block says about the photo, without the pixels' size. */
export interface ExifFacts {
  /** The EXIF Orientation (1–8; 1 when absent or out of range). */
  readonly orientation: number;
  readonly takenAt: string | null;
  readonly camera: Camera | null;
  readonly location: GeoPosition | null;
}

type Exif = ReturnType<typeof exifReader>;

/**
 * The facts of a raw EXIF block (a TIFF structure, with or without the "Exif\0\0" prefix a
 * JPEG's APP1 segment has), or null when it does not parse: what an upload's head gives
 * before the media job reads the whole file.
 */
export function readExifBlock(block: Uint8Array): ExifFacts | null {
  const exif = parseExif(block);
  if (!exif) return null;
  const value = exif.Image?.Orientation;
  const orientation = typeof value === "number" && value >= 1 && value <= 8 ? value : 1;
  return { orientation, ...photoFacts(exif) };
}

/** The metadata of an image, or null when libvips cannot read its header. */
export async function readPhotoMetadata(sharp: Sharp, bytes: Uint8Array): Promise<PhotoMetadata | null> {
  let meta;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    return null;
  }
  // libvips reports the orientation left to apply; a HEIF decoder has already applied its own
  // (irot/imir), so there it reports none, whatever the EXIF block says.
  const orientation = meta.orientation !== undefined && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const turned = orientation >= 5;
  const exif = parseExif(meta.exif ?? (meta.format === "tiff" ? bytes : undefined));
  return {
    width: (turned ? meta.height : meta.width) ?? 0,
    height: (turned ? meta.width : meta.height) ?? 0,
    orientation,
    ...(exif ? photoFacts(exif) : { takenAt: null, camera: null, location: null }),
  };
}

const photoFacts = (exif: Exif) => ({ takenAt: takenAt(exif), camera: camera(exif), location: location(exif) });

// A TIFF file is itself a TIFF structure whose IFD0 holds the EXIF and GPS pointers.
function parseExif(block: Uint8Array | undefined): Exif | null {
  if (!block) return null;
  try {
    return exifReader(Buffer.from(block.buffer, block.byteOffset, block.byteLength));
  } catch {
    return null;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function takenAt(exif: Exif): string | null {
  const date = exif.Photo?.DateTimeOriginal;
  // exif-reader reads "YYYY:MM:DD HH:MM:SS" into a Date as if it were UTC: its UTC fields are the wall clock.
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return null;
  const year = date.getUTCFullYear();
  // "0000:00:00 00:00:00" means unknown; exif-reader's Date.UTC turns it into 1899-11-30.
  if (year < 1900) return null;
  const subSeconds = /^\d+$/.exec(String(exif.Photo?.SubSecTimeOriginal ?? "").trim())?.[0].slice(0, 3);
  const wallClock =
    `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}` +
    (subSeconds ? `.${subSeconds.padEnd(3, "0")}` : "");
  const offset = /^([+-])(\d{2}):(\d{2})$/.exec(String(exif.Photo?.OffsetTimeOriginal ?? "").trim());
  if (!offset || Number(offset[2]) > 14 || Number(offset[3]) > 59) return wallClock;
  return `${wallClock}${offset[1]}${offset[2]}:${offset[3]}`;
}

function text(value: unknown): string | null {
  const s = (Buffer.isBuffer(value) ? value.toString("utf8") : typeof value === "string" ? value : "").replace(/\0.*$/s, "").trim();
  return s === "" ? null : s.slice(0, 200);
}

function camera(exif: Exif): Camera | null {
  const make = text(exif.Image?.Make);
  const model = text(exif.Image?.Model);
  const lens = text(exif.Photo?.LensModel);
  return make || model || lens ? { make, model, lens } : null;
}

function degrees(dms: unknown, ref: unknown, negative: string): number | null {
  if (!Array.isArray(dms) || dms.length === 0) return null;
  const [d = 0, m = 0, s = 0] = dms.map(Number);
  const value = d + m / 60 + s / 3600;
  if (!Number.isFinite(value)) return null; // "0/0": the camera had no fix
  return String(ref).trim().toUpperCase() === negative ? -value : value;
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

function location(exif: Exif): GeoPosition | null {
  const gps = exif.GPSInfo;
  if (!gps) return null;
  const latitude = degrees(gps.GPSLatitude, gps.GPSLatitudeRef, "S");
  const longitude = degrees(gps.GPSLongitude, gps.GPSLongitudeRef, "W");
  if (latitude === null || longitude === null || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null;
  const position = { latitude: round(latitude, 7), longitude: round(longitude, 7) };
  const altitude = Number(gps.GPSAltitude);
  if (gps.GPSAltitude === undefined || !Number.isFinite(altitude)) return position;
  // GPSAltitudeRef 1 means below sea level.
  return { ...position, altitude: round(Number(gps.GPSAltitudeRef) === 1 ? -altitude : altitude, 2) };
}
