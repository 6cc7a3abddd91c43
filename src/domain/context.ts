// What the account and session rules need from the outside world, wired once in main.
import type { Keyring } from "../crypto/master-key.ts";
import type { SessionSigner } from "../crypto/session-token.ts";
import type { ShareSigner } from "../crypto/share-token.ts";
import type { ThrottleTagger } from "../crypto/throttle-tag.ts";
import type { Logger } from "../logger.ts";
import type { BlobStore } from "../store/blob-store.ts";
import type { Database } from "../store/db.ts";

/**
 * Failed password checks allowed in one window before 429. The pair limit stops one address
 * guessing at one account; the account-wide ceiling is much higher, so one attacker cannot
 * lock the owner out from their own address (README, Accounts with curl).
 */
export interface LoginThrottlePolicy {
  /** Per (username, client address). */
  maxFailuresPerUserAndIp: number;
  /** Per client address, over every username. */
  maxFailuresPerIp: number;
  /** Per username, over every address. */
  maxFailuresPerUser: number;
  windowMs: number;
}

/** Who may register over HTTP (`pixvault user create` always may). */
export interface RegistrationPolicy {
  mode: "open" | "invite" | "closed";
  /** Accounts registered from one client address per window before 429. */
  maxPerIp: number;
  windowMs: number;
}

/** Where the rules report what operators alert on (the server counts them for /metrics). */
export interface DomainEvents {
  integrityError(): void;
  loginFailed(): void;
}

export interface AccountDeps {
  readonly db: Database;
  readonly blobs: BlobStore;
  readonly signer: SessionSigner;
  readonly sessionLifetimeMs: number;
  /** The server-wide quota; 0 = unlimited. A user row may override it. */
  readonly defaultQuotaBytes: number;
  readonly throttle: LoginThrottlePolicy;
  /** Keys rate-limit rows, so they hold no typed username or address in clear. */
  readonly throttleTag: ThrottleTagger;
  readonly registration: RegistrationPolicy;
  readonly now: () => Date;
  readonly events?: DomainEvents;
}

/** What the image rules need: storage, keys and limits. */
export interface ImageDeps extends Pick<AccountDeps, "db" | "blobs" | "defaultQuotaBytes" | "now" | "throttle" | "throttleTag" | "events"> {
  readonly keyring: Keyring;
  /** Largest image accepted, in bytes. */
  readonly maxImageBytes: number;
  /** Integrity failures are logged with the image id (never with key material). */
  readonly logger: Logger;
  /** Signs and checks share-link tokens and password-unlock proofs. */
  readonly shareSigner: ShareSigner;
  /** --public-url, the base of share-link urls; absent means the request's own origin. */
  readonly publicUrl?: string;
}
