// Fixed-window counters in the database, so every instance of a cluster sees the same counts.
import type { Client } from "@libsql/client";

export interface WindowCount {
  count: number;
  windowStart: number;
}

/** Adds one to the key's window, starting a new window when the old one has ended. Atomic. */
export async function hitWindow(client: Client, key: string, now: number, windowMs: number): Promise<WindowCount> {
  const expired = now - windowMs;
  const row = (
    await client.execute({
      sql: `INSERT INTO rate_limits (key, window_start, count, expires_at) VALUES (?1, ?2, 1, ?4)
            ON CONFLICT(key) DO UPDATE SET
              count = CASE WHEN window_start <= ?3 THEN 1 ELSE count + 1 END,
              expires_at = CASE WHEN window_start <= ?3 THEN ?4 ELSE expires_at END,
              window_start = CASE WHEN window_start <= ?3 THEN ?2 ELSE window_start END
            RETURNING count, window_start`,
      args: [key, now, expired, now + windowMs],
    })
  ).rows[0]!;
  return { count: Number(row.count), windowStart: Number(row.window_start) };
}

export async function clearWindow(client: Client, key: string): Promise<void> {
  await client.execute({ sql: "DELETE FROM rate_limits WHERE key = ?", args: [key] });
}

/** Takes back one hit (an attempt that turned out legitimate). */
export async function releaseHit(client: Client, key: string): Promise<void> {
  await client.execute({ sql: "UPDATE rate_limits SET count = count - 1 WHERE key = ? AND count > 0", args: [key] });
}
