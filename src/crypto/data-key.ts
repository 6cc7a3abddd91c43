// Per-image data keys and their wrapping under a user key, bound to the (user, image) row.
import { randomBytes } from "node:crypto";
import { contextBytes, LABEL } from "./context.ts";
import { IntegrityError } from "./errors.ts";
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES } from "./gcm.ts";
import { seal, unseal } from "./sealed-box.ts";

const WRAPPED_KEY_VERSION = 1;
const PREFIX_BYTES = 1 + 4; // version | master key id u32 BE
export const WRAPPED_KEY_BYTES = PREFIX_BYTES + NONCE_BYTES + KEY_BYTES + TAG_BYTES; // 65
const WHAT = "wrapped data key";

export interface DataKeyContext {
  readonly userId: string;
  readonly imageId: string;
}

export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * version(1) | masterKeyId(u32 BE) | nonce(12) | ciphertext(32) | tag(16).
 * AAD = the 5 prefix bytes || "pixvault/data-key/v1\0" userId "\0" imageId: copying a
 * wrapped key into another row (to read one image with another's key) fails to unwrap.
 */
export function wrapDataKey(userKey: Uint8Array, masterKeyId: number, dataKey: Uint8Array, ctx: DataKeyContext): Buffer {
  if (dataKey.length !== KEY_BYTES) throw new TypeError(`data key must be ${KEY_BYTES} bytes`);
  return seal(userKey, wrapPrefix(masterKeyId), dataKey, wrapContext(ctx));
}

export function unwrapDataKey(userKey: Uint8Array, wrapped: Uint8Array, ctx: DataKeyContext): Buffer {
  checkShape(wrapped);
  return unseal(userKey, wrapped, PREFIX_BYTES, wrapContext(ctx), WHAT);
}

/** The master key version whose user key unwraps this; rotation re-wraps those below current. */
export function wrappedKeyVersion(wrapped: Uint8Array): number {
  checkShape(wrapped);
  return Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.length).readUInt32BE(1);
}

/** Internal: exported for the test vector, which needs the exact AAD bytes. */
function wrapPrefix(masterKeyId: number): Buffer {
  if (!Number.isInteger(masterKeyId) || masterKeyId < 1 || masterKeyId > 0xffffffff) {
    throw new TypeError("master key id must be a u32 >= 1");
  }
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix[0] = WRAPPED_KEY_VERSION;
  prefix.writeUInt32BE(masterKeyId, 1);
  return prefix;
}

function wrapContext(ctx: DataKeyContext): Buffer {
  return contextBytes(LABEL.dataKey, ctx.userId, ctx.imageId);
}

function checkShape(wrapped: Uint8Array): void {
  if (wrapped.length !== WRAPPED_KEY_BYTES) throw new IntegrityError("malformed", WHAT);
  if (wrapped[0] !== WRAPPED_KEY_VERSION) throw new IntegrityError("unsupported_version", WHAT);
}
