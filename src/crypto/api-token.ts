// API token secrets: a recognisable `pxv_` prefix, 256 random bits, stored only as SHA-256.
import { createHash, randomBytes } from "node:crypto";

const API_TOKEN_PREFIX = "pxv_";

export function newApiTokenSecret(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function isApiTokenSecret(bearer: string): boolean {
  return bearer.startsWith(API_TOKEN_PREFIX) && /^pxv_[A-Za-z0-9_-]{43}$/.test(bearer);
}

/** The secret has 256 bits of entropy, so a fast hash suffices (no password stretching needed). */
export function hashApiTokenSecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}
