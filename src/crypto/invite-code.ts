// Invite codes: a recognisable `pxi_` prefix, 256 random bits, stored only as SHA-256.
import { createHash, randomBytes } from "node:crypto";

export function newInviteCode(): string {
  return `pxi_${randomBytes(32).toString("base64url")}`;
}

/** 256 bits of entropy: a fast hash suffices, and it lets the code be looked up by hash. */
export function hashInviteCode(code: string): Buffer {
  return createHash("sha256").update(code.trim()).digest();
}
