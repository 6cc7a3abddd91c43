// JPEGs as phones write them, made with sharp: EXIF date taken (with or without its offset),
// orientation, camera and GPS position, each optional, so a test says which one it is about.
import { testSharp } from "./previews-api.ts";

export interface ExifPhoto {
  width?: number;
  height?: number;
  /** EXIF DateTimeOriginal, "YYYY:MM:DD HH:MM:SS". */
  taken?: string;
  /** OffsetTimeOriginal, "+02:00". */
  offset?: string;
  orientation?: number;
  camera?: { make: string; model: string };
  /** Written as degrees, minutes and hundredths of seconds; north and east when positive. */
  gps?: { latitude: number; longitude: number };
  /** Makes otherwise equal photos differ (distinct bytes, distinct sha256). */
  seed?: number;
}

function dms(value: number): string {
  const abs = Math.abs(value);
  const degrees = Math.floor(abs);
  const minutes = Math.floor((abs - degrees) * 60);
  const seconds = Math.round(((abs - degrees) * 60 - minutes) * 60 * 100);
  return `${degrees}/1 ${minutes}/1 ${seconds}/100`;
}

export async function exifJpeg(photo: ExifPhoto = {}): Promise<Buffer> {
  const { width = 60, height = 40, seed = 0 } = photo;
  const ifd0: Record<string, string> = photo.camera ? { Make: photo.camera.make, Model: photo.camera.model } : {};
  const ifd2: Record<string, string> = {
    ...(photo.taken ? { DateTimeOriginal: photo.taken } : {}),
    ...(photo.offset ? { OffsetTimeOriginal: photo.offset } : {}),
  };
  const gps = photo.gps;
  const ifd3: Record<string, string> = gps
    ? {
        GPSLatitudeRef: gps.latitude < 0 ? "S" : "N",
        GPSLatitude: dms(gps.latitude),
        GPSLongitudeRef: gps.longitude < 0 ? "W" : "E",
        GPSLongitude: dms(gps.longitude),
      }
    : {};
  const background = { r: (seed * 37) % 256, g: (seed * 91) % 256, b: 128 };
  let image = testSharp()({ create: { width, height, channels: 3, background } })
    .jpeg()
    .withExif({ IFD0: ifd0, IFD2: ifd2, IFD3: ifd3 });
  if (photo.orientation !== undefined) image = image.withMetadata({ orientation: photo.orientation });
  return image.toBuffer();
}
