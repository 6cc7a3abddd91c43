// Accounts: register, read with usage, change profile or password, delete (crypto-shredding).
import { hasPassword, hashPassword, verifyPassword } from "../../crypto/password.ts";
import { newId } from "../../crypto/random-id.ts";
import { newUserSalt } from "../../crypto/user-key.ts";
import type { Clock } from "../clock.ts";
import { fail, ok, type Result } from "../errors.ts";
import type { ProfileChange, Registration } from "./input.ts";
import { guessableWords, judgePassword } from "../password-policy.ts";
import type { NewUser, SignedInUser, User, UserRepository } from "./ports.ts";
import { publicUser, type PublicUser } from "./public-user.ts";
import type { Throttle } from "./throttle.ts";

/** How a new user row is stored: plainly, or together with spending an invite (registration.ts). */
type StoreNewUser = (row: NewUser) => Promise<"ok" | "taken" | Result<never>>;

interface Usage {
  images: number;
  bytes: number;
  /** null means unlimited. */
  quotaBytes: number | null;
}

export type AccountView = PublicUser & { usage: Usage };

export interface AccountService {
  register(input: Registration, store?: StoreNewUser): Promise<Result<PublicUser>>;
  describeMe(user: SignedInUser): Promise<AccountView>;
  changeProfile(user: SignedInUser, change: ProfileChange): Promise<Result<PublicUser>>;
  /**
   * Confirms the user's password, throttled like a login: a stolen session or API token
   * must not become an unlimited password oracle. Every confirmation goes through here.
   */
  confirmPassword(user: SignedInUser, password: string, clientIp: string): Promise<Result<void>>;
  /**
   * Needs the current password (not for the first password of an account made by single sign-on);
   * every other session and every API token ends, the caller's session stays.
   */
  changePassword(
    user: SignedInUser,
    currentSessionId: string | undefined,
    change: { currentPassword?: string | undefined; newPassword: string },
    clientIp: string,
  ): Promise<Result<void>>;
  /** The operator's reset: no current password, and every session and API token ends. */
  resetPassword(username: string, newPassword: string): Promise<Result<void>>;
  deleteAccount(user: SignedInUser, password: string, clientIp: string): Promise<Result<void>>;
  deleteUserByName(username: string): Promise<Result<void>>;
  /** Every account with its usage, oldest first (the operator's `user list`). */
  listAccounts(): Promise<AccountView[]>;
}

/** The quota that applies to `user`; null means unlimited (0 in the server-wide default too). */
export function quotaOf(limits: { defaultQuotaBytes: number }, user: Pick<User, "quotaBytes">): number | null {
  const quota = user.quotaBytes ?? limits.defaultQuotaBytes;
  return quota > 0 ? quota : null;
}

async function strongEnough(password: string, user: { username: string; name: string; email: string }): Promise<Result<void>> {
  const verdict = await judgePassword(password, guessableWords(user));
  if (verdict.ok) return ok(undefined);
  return fail("weak_password", verdict.warning ?? "this password is too easy to guess", {
    feedback: { score: verdict.score, warning: verdict.warning, suggestions: verdict.suggestions },
  });
}

export function createAccountService(ports: {
  users: UserRepository;
  /** Blobs of a deleted user's images. */
  blobs: { delete(id: string): Promise<void> };
  throttle: Pick<Throttle, "beginLogin" | "loginSucceeded">;
  clock: Clock;
  /** The server-wide quota; 0 = unlimited. A user row may override it. */
  defaultQuotaBytes: number;
}): AccountService {
  const { users, blobs, throttle, clock } = ports;
  const quota = (user: Pick<User, "quotaBytes">) => quotaOf(ports, user);

  const confirmPassword = async (user: SignedInUser, password: string, clientIp: string): Promise<Result<void>> => {
    const allowed = await throttle.beginLogin(user.username, clientIp);
    if (!allowed.ok) return allowed;
    // The hash is read here, not carried with the request.
    const stored = await users.findByUsername(user.username);
    if (!stored || stored.id !== user.id || !(await verifyPassword(stored.passwordHash, password))) {
      return fail("invalid_credentials", "the password is not correct");
    }
    await throttle.loginSucceeded(user.username, clientIp);
    return ok(undefined);
  };

  /**
   * Stores a new (strong enough) password and ends every session but `keepSessionId`, and every
   * API token: whoever learned the old password may have minted one, and a token must not
   * outlive the password that vouched for it.
   */
  const setPassword = async (user: SignedInUser, newPassword: string, keepSessionId: string | undefined): Promise<Result<void>> => {
    const strength = await strongEnough(newPassword, user);
    if (!strength.ok) return strength;
    await users.replacePassword(user.id, await hashPassword(newPassword), keepSessionId, clock.now());
    return ok(undefined);
  };

  /**
   * Row first (with it the key salt, so every data key is unrecoverable at once), then the
   * blobs. A crash between the two leaves orphan blobs that fsck sweeps, never a row without one.
   */
  const destroyUser = async (userId: string): Promise<void> => {
    const imageIds = await users.imageIds(userId);
    await users.delete(userId);
    for (const id of imageIds) await blobs.delete(id);
  };

  const byName = async (username: string, work: (user: User) => Promise<Result<void>>): Promise<Result<void>> => {
    const user = await users.findByUsername(username);
    return user ? work(user) : fail("not_found", `no user "${username}"`);
  };

  return {
    async register(input, store = (row) => users.insert(row)) {
      const strength = await strongEnough(input.password, input);
      if (!strength.ok) return strength;
      const now = clock.now();
      const row: NewUser = {
        id: newId(),
        username: input.username,
        name: input.name,
        email: input.email,
        passwordHash: await hashPassword(input.password),
        // The user key is derived from this salt and the master key, never stored.
        keySalt: newUserSalt(),
        createdAt: now,
        updatedAt: now,
      };
      const stored = await store(row);
      if (stored === "taken") return fail("username_taken", `the username "${input.username}" is taken`);
      if (stored !== "ok") return stored;
      return ok(publicUser(row));
    },

    async describeMe(user) {
      return { ...publicUser(user), usage: { ...(await users.usage(user.id)), quotaBytes: quota(user) } };
    },

    async changeProfile(user, change) {
      const updated = await users.update(user.id, change, clock.now());
      return updated ? ok(publicUser(updated)) : fail("unauthorized", "this account no longer exists");
    },

    confirmPassword,

    async changePassword(user, currentSessionId, change, clientIp) {
      // An account made by single sign-on has no password to confirm: its first one is set with the session alone.
      const stored = await users.findByUsername(user.username);
      const firstPassword = stored?.id === user.id && !hasPassword(stored.passwordHash);
      if (!firstPassword) {
        const confirmed = await confirmPassword(user, change.currentPassword ?? "", clientIp);
        if (!confirmed.ok) return confirmed;
      }
      return setPassword(user, change.newPassword, currentSessionId);
    },

    resetPassword: (username, newPassword) => byName(username, (user) => setPassword(user, newPassword, undefined)),

    async deleteAccount(user, password, clientIp) {
      const confirmed = await confirmPassword(user, password, clientIp);
      if (!confirmed.ok) return confirmed;
      await destroyUser(user.id);
      return ok(undefined);
    },

    deleteUserByName: (username) =>
      byName(username, async (user) => {
        await destroyUser(user.id);
        return ok(undefined);
      }),

    async listAccounts() {
      const [rows, usage] = await Promise.all([users.list(), users.usageByUser()]);
      return rows.map((row) => ({
        ...publicUser(row),
        usage: { ...(usage.get(row.id) ?? { images: 0, bytes: 0 }), quotaBytes: quota(row) },
      }));
    },
  };
}
