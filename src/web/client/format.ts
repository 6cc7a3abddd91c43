// How sizes and dates read on screen.

const UNITS = ["bytes", "KB", "MB", "GB", "TB"];

/** 1 KB = 1000 bytes, as file managers show it. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatDate(iso: string | null): string {
  if (!iso) return "never";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/;

/**
 * A date taken as the camera's clock read it where the photo was taken ("1 May 2024, 14:03"),
 * with the offset when EXIF had one: not moved into the viewer's time zone.
 */
export function formatTaken(iso: string): string {
  const m = WALL_CLOCK.exec(iso);
  if (!m) return iso;
  const [, y, mo, d, hh, mm] = m.map(Number) as number[];
  const wall = new Date(Date.UTC(y!, mo! - 1, d!, hh!, mm!));
  const text = wall.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
  const offset = /([+-]\d{2}:\d{2})$/.exec(iso)?.[1];
  return offset ? `${text} (UTC${offset})` : text;
}

/**
 * The month an image belongs to in the timeline: the month taken (its wall clock), else the
 * month uploaded (in the viewer's time zone). `key` sorts ("2024-05"), `label` reads ("May 2024").
 */
export function monthOf(takenAt: string | null | undefined, createdAt: string): { key: string; label: string } {
  const m = takenAt ? WALL_CLOCK.exec(takenAt) : null;
  const [year, month] = m ? [Number(m[1]), Number(m[2])] : [new Date(createdAt).getFullYear(), new Date(createdAt).getMonth() + 1];
  const label = new Date(Date.UTC(year, month - 1, 1)).toLocaleString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
  return { key: `${year}-${String(month).padStart(2, "0")}`, label };
}

/** 48.858156, 2.2945 → "48.85816° N, 2.29450° E". */
export function formatPosition(latitude: number, longitude: number): string {
  const part = (value: number, positive: string, negative: string) => `${Math.abs(value).toFixed(5)}° ${value < 0 ? negative : positive}`;
  return `${part(latitude, "N", "S")}, ${part(longitude, "E", "W")}`;
}
