// Keyed tags for rate-limit rows, so the table never holds typed usernames or addresses in clear.
import { createHmac } from "node:crypto";
import { INSTANCE_KEY } from "./context.ts";
import type { Keyring } from "./master-key.ts";
import { deriveInstanceKey } from "./user-key.ts";

/** HMAC-SHA256 of a list of parts; the same parts always give the same tag. */
export type ThrottleTagger = (...parts: string[]) => Buffer;

/**
 * Keyed by the index version: the database records it, so every instance and every CLI
 * command on the same database derives the same key (`user unlock` finds the server's rows).
 * The parts are JSON-encoded: typed text may hold any character, NUL included, and
 * ("a,b", "c") must not tag like ("a", "b,c").
 */
export function throttleTagger(keyring: Keyring): ThrottleTagger {
  const key = deriveInstanceKey(keyring.indexVersion.key, INSTANCE_KEY.throttle);
  return (...parts) => createHmac("sha256", key).update(JSON.stringify(parts)).digest();
}
