// Fixed-window counters in the database, so every instance of a cluster sees the same counts.
// Keys and subjects arrive already keyed-hashed: this table never sees what was typed.
import type { Client } from "@libsql/client";

export interface WindowCount {
  count: number;
  windowStart: number;
}

/**
 * Adds one to the key's window, starting a new window when the old one has ended. Atomic.
 * `subject` groups the rows about one account, so they can be cleared together.
 */
export async function hitWindow(
  client: Client,
  key: Uint8Array,
  subject: Uint8Array | null,
  now: number,
  windowMs: number,
): Promise<WindowCount> {
  const row = (
    await client.execute({
      sql: `INSERT INTO rate_limits (key, subject, window_start, count, expires_at) VALUES (?1, ?2, ?3, 1, ?4)
            ON CONFLICT(key) DO UPDATE SET
              count = CASE WHEN expires_at <= ?3 THEN 1 ELSE count + 1 END,
              window_start = CASE WHEN expires_at <= ?3 THEN ?3 ELSE window_start END,
              expires_at = CASE WHEN expires_at <= ?3 THEN ?4 ELSE expires_at END
            RETURNING count, window_start`,
      args: [key, subject, now, now + windowMs],
    })
  ).rows[0]!;
  return { count: Number(row.count), windowStart: Number(row.window_start) };
}

export async function clearWindow(client: Client, key: Uint8Array): Promise<void> {
  await client.execute({ sql: "DELETE FROM rate_limits WHERE key = ?", args: [key] });
}

/** Takes back one hit (an attempt that turned out legitimate, or was refused unchecked). */
export async function releaseHit(client: Client, key: Uint8Array): Promise<void> {
  await client.execute({ sql: "UPDATE rate_limits SET count = count - 1 WHERE key = ? AND count > 0", args: [key] });
}

/** Deletes every row about one subject; returns how many there were. */
export async function clearSubject(client: Client, subject: Uint8Array): Promise<number> {
  return (await client.execute({ sql: "DELETE FROM rate_limits WHERE subject = ?", args: [subject] })).rowsAffected;
}

/**
 * Deletes up to `limit` rows whose window has ended (a bounded write, so a purge never holds
 * the write lock for long); returns how many went. The expiry index makes the scan cheap.
 */
export async function purgeExpiredWindows(client: Client, now: number, limit: number): Promise<number> {
  const result = await client.execute({
    sql: "DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE expires_at <= ? LIMIT ?)",
    args: [now, limit],
  });
  return result.rowsAffected;
}
