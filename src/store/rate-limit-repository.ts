// Fixed-window counters in the database, so every instance of a cluster sees the same counts.
// Keys and subjects arrive already keyed-hashed: this table never sees what was typed.
import type { Client } from "@libsql/client";

export interface WindowCount {
  count: number;
  windowStart: number;
}

export interface Hit {
  readonly key: Uint8Array;
  /** Groups the rows about one account, so they can be cleared together; null for others. */
  readonly subject: Uint8Array | null;
}

/**
 * Adds one to each key's window, starting a new window where the old one has ended. Each
 * increment is atomic, and all of them are one transaction (one commit per attempt).
 */
export async function hitWindows(client: Client, hits: readonly Hit[], now: number, windowMs: number): Promise<WindowCount[]> {
  const results = await client.batch(
    hits.map(({ key, subject }) => ({
      sql: `INSERT INTO rate_limits (key, subject, window_start, count, expires_at) VALUES (?1, ?2, ?3, 1, ?4)
            ON CONFLICT(key) DO UPDATE SET
              count = CASE WHEN expires_at <= ?3 THEN 1 ELSE count + 1 END,
              window_start = CASE WHEN expires_at <= ?3 THEN ?3 ELSE window_start END,
              expires_at = CASE WHEN expires_at <= ?3 THEN ?4 ELSE expires_at END
            RETURNING count, window_start`,
      args: [key, subject, now, now + windowMs],
    })),
    "write",
  );
  return results.map((r) => ({ count: Number(r.rows[0]!.count), windowStart: Number(r.rows[0]!.window_start) }));
}

/**
 * Deletes the `clear` windows and takes one hit back from each `release` window (an attempt
 * that turned out legitimate, or was refused unchecked), in one transaction.
 */
export async function settleWindows(client: Client, change: { clear?: readonly Uint8Array[]; release?: readonly Uint8Array[] }): Promise<void> {
  await client.batch(
    [
      ...(change.clear ?? []).map((key) => ({ sql: "DELETE FROM rate_limits WHERE key = ?", args: [key] })),
      ...(change.release ?? []).map((key) => ({ sql: "UPDATE rate_limits SET count = count - 1 WHERE key = ? AND count > 0", args: [key] })),
    ],
    "write",
  );
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
