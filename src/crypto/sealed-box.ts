// Seals small values (wrapped data keys, filenames, tags) as prefix | nonce | ciphertext | tag.
import { randomBytes } from "node:crypto";
import { IntegrityError } from "./errors.ts";
import { gcmDecrypt, gcmEncrypt, NONCE_BYTES, TAG_BYTES } from "./gcm.ts";

const SEALED_BYTES_VERSION = 1;

/**
 * The prefix (version and any routing fields) goes into the AAD with the caller's context,
 * so every stored byte is authenticated. Random 96-bit nonces: each key seals far fewer
 * than the 2^32 values after which a collision becomes a concern.
 * `nonce` is for test vectors only; a repeated nonce under one key breaks GCM entirely.
 */
export function seal(
  key: Uint8Array,
  prefix: Uint8Array,
  plaintext: Uint8Array,
  context: Uint8Array,
  nonce: Uint8Array = randomBytes(NONCE_BYTES),
): Buffer {
  const aad = Buffer.concat([prefix, context]);
  const { ciphertext, tag } = gcmEncrypt(key, nonce, aad, plaintext);
  return Buffer.concat([prefix, nonce, ciphertext, tag]);
}

/** Inverse of seal for a known prefix length; the caller has already checked the prefix. */
export function unseal(key: Uint8Array, sealed: Uint8Array, prefixLength: number, context: Uint8Array, what: string): Buffer {
  const bodyStart = prefixLength + NONCE_BYTES;
  if (sealed.length < bodyStart + TAG_BYTES) throw new IntegrityError("malformed", what);
  const aad = Buffer.concat([sealed.subarray(0, prefixLength), context]);
  const nonce = sealed.subarray(prefixLength, bodyStart);
  const ciphertext = sealed.subarray(bodyStart, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  return gcmDecrypt(key, nonce, aad, ciphertext, tag, what);
}

/**
 * Encrypts metadata: version(1) | nonce(12) | ciphertext | tag(16). `aad` must name the
 * owner and field (e.g. contextBytes(label, userId, imageId, "filename")) so a sealed
 * value cannot be moved to another row or column.
 */
export function sealBytes(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  return seal(key, Uint8Array.of(SEALED_BYTES_VERSION), plaintext, aad);
}

/** Throws IntegrityError on any mismatch; returns nothing unauthenticated. */
export function openBytes(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer {
  if (sealed.length > 0 && sealed[0] !== SEALED_BYTES_VERSION) {
    throw new IntegrityError("unsupported_version", "sealed value");
  }
  return unseal(key, sealed, 1, aad, "sealed value");
}
