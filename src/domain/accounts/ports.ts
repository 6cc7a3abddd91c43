// What the account rules need from storage: interfaces only; src/store implements them and owns
// every query and transaction behind them.

export interface User {
  readonly id: string;
  readonly username: string;
  readonly name: string;
  readonly email: string;
  readonly passwordHash: string;
  /** HKDF salt of the user key; deleting the row crypto-shreds every key below it. */
  readonly keySalt: Buffer;
  /** Per-user override; null means the server's default. */
  readonly quotaBytes: number | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type NewUser = Omit<User, "quotaBytes">;

/** The user a request runs as: what handlers and rules need, never the password hash. */
export type SignedInUser = Omit<User, "passwordHash">;

export interface StoredUsage {
  readonly images: number;
  readonly bytes: number;
}

export interface UserRepository {
  /** "taken" when the username (case-insensitive) already exists. */
  insert(user: NewUser): Promise<"ok" | "taken">;
  findByUsername(username: string): Promise<User | undefined>;
  /** Oldest first. */
  list(): Promise<User[]>;
  update(id: string, fields: { name?: string | undefined; email?: string | undefined }, now: Date): Promise<User | undefined>;
  /**
   * Stores the new hash and revokes every live session but `keepSessionId`, and every API
   * token, in one transaction: a crash cannot leave the new password with old credentials alive.
   */
  replacePassword(id: string, passwordHash: string, keepSessionId: string | undefined, now: Date): Promise<void>;
  /** The blob ids of the user's images and of their unfinished resumable uploads' parts (blobs outlive the row until deleted). */
  imageIds(id: string): Promise<string[]>;
  /** Deletes the row and everything hanging off it, then shreds what the WAL still holds. */
  delete(id: string): Promise<boolean>;
  usage(id: string): Promise<StoredUsage>;
  /** Every user that has images. */
  usageByUser(): Promise<Map<string, StoredUsage>>;
}

export interface SessionRepository {
  insert(session: { id: string; userId: string; createdAt: Date; expiresAt: Date }): Promise<void>;
  /** The user of a session that exists, is not revoked and has not expired. */
  findLiveUser(id: string, userId: string, now: Date): Promise<User | undefined>;
  revoke(id: string, now: Date): Promise<void>;
}

export interface ApiToken {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface ApiTokenRepository {
  insert(token: { id: string; userId: string; name: string; tokenHash: Buffer; createdAt: Date; expiresAt: Date | null }): Promise<void>;
  /** The token with this hash and its owner, in one lookup. */
  findByHash(tokenHash: Buffer): Promise<{ token: ApiToken; user: User } | undefined>;
  /** The user's unrevoked tokens, newest first. */
  list(userId: string): Promise<ApiToken[]>;
  /** false when the user has no such unrevoked token. */
  revoke(userId: string, id: string, now: Date): Promise<boolean>;
  touch(id: string, now: Date): Promise<void>;
}

export interface Invite {
  readonly id: string;
  readonly maxUses: number;
  readonly uses: number;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
}

export interface InviteRepository {
  insert(invite: Invite & { codeHash: Buffer }): Promise<void>;
  /** Newest first. */
  list(): Promise<Invite[]>;
  findByHash(codeHash: Buffer): Promise<Invite | undefined>;
  /** Marks it revoked (the first revocation's time stays); false when there is no such invite. */
  revoke(id: string, now: Date): Promise<boolean>;
  /**
   * Takes one use of a live invite and inserts the user in one transaction: two sign-ups
   * racing for the last use cannot both get it, and a taken username gives the use back.
   */
  insertUserSpending(user: NewUser, codeHash: Buffer, now: Date): Promise<"ok" | "taken" | "invite_invalid">;
}

/** One fixed-window counter row; keys and subjects arrive keyed-hashed. */
interface Hit {
  readonly key: Uint8Array;
  /** Groups the rows about one account, so they can be cleared together; null for others. */
  readonly subject: Uint8Array | null;
}

interface WindowCount {
  readonly count: number;
  readonly windowStart: number;
}

export interface ThrottleRepository {
  /** Adds one to each key's window (a new window where the old one ended), atomically and in one commit. */
  hit(hits: readonly Hit[], nowMs: number, windowMs: number): Promise<WindowCount[]>;
  /** Deletes the `clear` windows and takes one hit back from each `release` window, in one commit. */
  settle(change: { clear?: readonly Uint8Array[]; release?: readonly Uint8Array[] }): Promise<void>;
  /** Deletes every row about one subject; returns how many there were. */
  clearSubject(subject: Uint8Array): Promise<number>;
  /** Deletes up to `limit` rows whose window has ended; returns how many went. */
  purgeExpired(nowMs: number, limit: number): Promise<number>;
}

/** A provider identity (`issuer` + `subject`) linked to one account (single sign-on). */
export interface Identity {
  readonly id: string;
  readonly userId: string;
  readonly issuer: string;
  readonly subject: string;
  readonly email: string | null;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

export interface IdentityRepository {
  /** The account an identity belongs to. */
  findUser(issuer: string, subject: string): Promise<{ identity: Identity; user: User } | undefined>;
  /** Oldest first. */
  listByUser(userId: string): Promise<Identity[]>;
  /** "taken" when the identity already belongs to an account (this one or another); "user_gone" when the account was deleted. */
  insert(identity: Identity): Promise<"ok" | "taken" | "user_gone">;
  /** A new account and its first identity in one transaction: neither exists without the other. */
  insertWithUser(user: NewUser, identity: Identity): Promise<"ok" | "username_taken" | "identity_taken">;
  /**
   * Removes the user's identity unless it is their last way in: no other identity and a password
   * hash equal to `noPassword`. Decided and done in one transaction, so two unlinks cannot race past it.
   */
  removeUnlessLast(userId: string, id: string, noPassword: string): Promise<"removed" | "not_found" | "last">;
  touch(id: string, now: Date): Promise<void>;
}

/** A sign-in under way at the provider, found by the hash of the browser's cookie. */
interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** The signed-in user who started it to link an identity; null for a sign-in. */
  readonly linkUserId: string | null;
  readonly expiresAt: Date;
}

export interface PendingSignInRepository {
  /** Stores one (and drops those whose time is over). */
  insert(idHash: Buffer, pending: PendingSignIn, now: Date): Promise<void>;
  /** Deletes and returns it if it has not expired: each can be completed once, by any instance. */
  take(idHash: Buffer, now: Date): Promise<PendingSignIn | undefined>;
}
