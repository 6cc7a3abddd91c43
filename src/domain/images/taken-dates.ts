// When an image was taken, as listings order and filter by it: opened from the sealed photo
// fields, and remembered in a small LRU so that paging by date does not decrypt every image again.
import type { Keyring } from "../../crypto/master-key.ts";
import { openPhoto } from "../previews/media-result.ts";
import { openImageKeys, ownerOf } from "./keys.ts";
import type { OwnedImage } from "./ports.ts";

export interface TakenDate {
  /**
   * The instant, in ms since the epoch, that orders images: a takenAt with an offset is compared
   * by its instant; one without (the camera recorded only its wall clock) is read as if UTC, off
   * by at most the camera's offset, since guessing a zone would be no better.
   */
  readonly instant: number;
  /** The calendar day the camera recorded (its wall clock, not moved to UTC) as YYYYMMDD, which takenFrom/takenTo match. */
  readonly day: number;
}

/** Dates taken opened from sealed rows, remembered for the rows as they are now. */
export interface TakenDates {
  /** null when the image has no takenAt. Throws IntegrityError when the sealed fields were tampered with. */
  of(keyring: Keyring, row: OwnedImage): TakenDate | null;
}

/**
 * About 150 bytes an entry: 20,000 cover a 10,000-image listing scan with room for others, in
 * about 3 MB. The entries hold dates only (never keys or other metadata).
 */
const DEFAULT_ENTRIES = 20_000;

export function takenDateCache(maxEntries = DEFAULT_ENTRIES): TakenDates {
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recently used first.
  const entries = new Map<string, TakenDate | null>();
  return {
    of(keyring, row) {
      if (!row.photoEnc) return null;
      // The media job rewrites photo_enc without touching updatedAt, so the key also holds the
      // sealed value's last 16 bytes (its AEAD tag): a new seal is a new entry, never a stale hit.
      const key = `${row.id}:${row.updatedAt.getTime()}:${row.photoEnc.subarray(-16).toString("base64")}`;
      const cached = entries.get(key);
      if (cached !== undefined) {
        entries.delete(key);
        entries.set(key, cached);
        return cached;
      }
      const { metadata } = openImageKeys(keyring, ownerOf(row), row.id, row.wrappedKey);
      const date = parseTakenAt(openPhoto(metadata, row.photoEnc)?.takenAt ?? null);
      entries.set(key, date);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      return date;
    },
  };
}

// What src/media/exif.ts writes: a wall clock with milliseconds when recorded, and the offset when known.
const TAKEN_AT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:(Z)|([+-])(\d{2}):(\d{2}))?$/;

function parseTakenAt(takenAt: string | null): TakenDate | null {
  const m = takenAt ? TAKEN_AT.exec(takenAt) : null;
  if (!m) return null;
  const [year, month, date, hours, minutes, seconds] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? "0").padEnd(3, "0"));
  const wallClock = Date.UTC(year, month - 1, date, hours, minutes, seconds, ms);
  if (Number.isNaN(wallClock)) return null;
  const offsetMinutes = m[9] ? (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) : 0;
  return { instant: wallClock - offsetMinutes * 60_000, day: year * 10_000 + month * 100 + date };
}

/** "2024-05-01" → 20240501; undefined for a blank or absent date. */
export function dayNumber(isoDate: string | undefined): number | undefined {
  if (!isoDate) return undefined;
  const [year, month, date] = isoDate.split("-").map(Number) as [number, number, number];
  return year * 10_000 + month * 100 + date;
}
