// Derives per-user keys, their sub-keys, and instance-wide keys from the master key (HKDF-SHA256).
import { hkdfSync, randomBytes } from "node:crypto";
import { contextBytes, type InstanceKeyLabel, LABEL, type UserSubkeyLabel } from "./context.ts";
import { KEY_BYTES } from "./gcm.ts";

const USER_SALT_BYTES = 32;
const NO_SALT = Buffer.alloc(0); // RFC 5869: HashLen zeros; the input is already a uniform key

/** Stored in the user's row. Deleting it (with the row) crypto-shreds the user's data keys. */
export function newUserSalt(): Buffer {
  return randomBytes(USER_SALT_BYTES);
}

/**
 * HKDF(ikm = master key of one version, salt = user salt, info = label \0 userId).
 * The random salt makes each user key independent even if user ids are reused.
 */
export function deriveUserKey(masterKey: Uint8Array, userSalt: Uint8Array, userId: string): Buffer {
  if (userSalt.length !== USER_SALT_BYTES) throw new TypeError(`user salt must be ${USER_SALT_BYTES} bytes`);
  return hkdf(masterKey, userSalt, contextBytes(LABEL.userKey, userId));
}

/** One key per use (metadata sealing, blind-index HMAC) so no key serves two algorithms. */
export function deriveSubkey(userKey: Uint8Array, label: UserSubkeyLabel): Buffer {
  return hkdf(userKey, NO_SALT, contextBytes(label));
}

/**
 * Keys not tied to a user (public-namespace blind index, JWT signing). They change when
 * the master key version does; callers decide which version to derive from.
 */
export function deriveInstanceKey(masterKey: Uint8Array, label: InstanceKeyLabel): Buffer {
  return hkdf(masterKey, NO_SALT, contextBytes(label));
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Buffer {
  if (ikm.length !== KEY_BYTES) throw new TypeError(`key must be ${KEY_BYTES} bytes`);
  return Buffer.from(hkdfSync("sha256", ikm, salt, info, KEY_BYTES));
}
