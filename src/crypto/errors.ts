// The typed failures of the crypto core; messages never carry key material or plaintext.

/** Why authentication failed; for logs and fsck, never shown to end users as detail. */
export type IntegrityReason =
  | "malformed" // length or structure that the writer can never produce
  | "unsupported_version" // magic or version this code does not read
  | "wrong_key" // key id in the header does not match the data key given
  | "commitment_mismatch" // not the blob the row expects (other image, rollback, other key)
  | "authentication_failed"; // an AES-GCM tag did not verify (tampering, truncation, reordering)

/** Any authentication failure of stored ciphertext; callers map it to HTTP 500 integrity_error. */
export class IntegrityError extends Error {
  readonly code = "integrity_error" as const;
  readonly reason: IntegrityReason;

  constructor(reason: IntegrityReason, what: string) {
    super(`${what} failed integrity check: ${reason}`);
    this.name = "IntegrityError";
    this.reason = reason;
  }
}

/** The master key file is missing its guarantees (unreadable, malformed, too open). */
export class MasterKeyError extends Error {
  readonly code = "master_key_error" as const;

  constructor(message: string) {
    super(message);
    this.name = "MasterKeyError";
  }
}
