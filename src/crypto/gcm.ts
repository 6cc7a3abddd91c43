// The only caller of AES-256-GCM: 16-byte tags everywhere, plaintext released only after final().
import { createCipheriv, createDecipheriv } from "node:crypto";
import { IntegrityError } from "./errors.ts";

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const ALGORITHM = "aes-256-gcm";

/** Returns ciphertext and tag separately so callers can write them without a concat copy. */
export function gcmEncrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = cipher.update(plaintext);
  cipher.final(); // GCM emits nothing here; the call computes the tag
  return { ciphertext, tag: cipher.getAuthTag() };
}

/**
 * Decrypts and verifies. update() hands back bytes before the tag is checked (Bun and
 * Node both do), so they stay local until final() succeeds. authTagLength is pinned:
 * without it a decipher accepts a truncated tag (as short as 4 bytes), which an attacker
 * could forge. `what` names the object in the error message.
 */
export function gcmDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  what: string,
): Buffer {
  if (tag.length !== TAG_BYTES) throw new IntegrityError("malformed", what);
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const unverified = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch {
    unverified.fill(0);
    throw new IntegrityError("authentication_failed", what);
  }
  return unverified;
}
