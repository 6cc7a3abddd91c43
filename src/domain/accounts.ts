// Accounts: register, read with usage, change profile or password, delete (crypto-shredding).
import { newId } from "../crypto/random-id.ts";
import { hashPassword, verifyPassword } from "../crypto/password.ts";
import { newUserSalt } from "../crypto/user-key.ts";
import { replacePassword } from "../store/password-repository.ts";
import {
  deleteUserRow,
  findUserByUsername,
  imageIdsOf,
  insertUser,
  updateUser,
  listUsers,
  usageByUser,
  usageOf,
  type NewUserRow,
  type UserRow,
} from "../store/user-repository.ts";
import type { ProfileChange, Registration } from "./account-input.ts";
import type { AccountDeps } from "./context.ts";
import { fail, ok, type Result } from "./errors.ts";
import { beginPasswordAttempt, passwordAttemptSucceeded } from "./login-throttle.ts";
import { guessableWords, judgePassword } from "./password-policy.ts";
import { publicUser, type PublicUser } from "./users.ts";

async function strongEnough(password: string, user: { username: string; name: string; email: string }) {
  const verdict = await judgePassword(password, guessableWords(user));
  if (verdict.ok) return ok(undefined);
  return fail("weak_password", verdict.warning ?? "this password is too easy to guess", {
    feedback: { score: verdict.score, warning: verdict.warning, suggestions: verdict.suggestions },
  });
}

/** How a new user row is stored: plainly, or together with spending an invite (registration.ts). */
export type StoreNewUser = (row: NewUserRow) => Promise<"ok" | "taken" | Result<never>>;

export async function register(deps: AccountDeps, input: Registration, store?: StoreNewUser): Promise<Result<PublicUser>> {
  const strength = await strongEnough(input.password, input);
  if (!strength.ok) return strength;
  const now = deps.now();
  const row = {
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
  const stored = await (store ?? ((r) => insertUser(deps.db.orm, r)))(row);
  if (stored === "taken") return fail("username_taken", `the username "${input.username}" is taken`);
  if (stored !== "ok") return stored;
  return ok(publicUser({ ...row, quotaBytes: null }));
}

export interface Usage {
  images: number;
  bytes: number;
  /** null means unlimited. */
  quotaBytes: number | null;
}

export function quotaOf(deps: Pick<AccountDeps, "defaultQuotaBytes">, user: Pick<UserRow, "quotaBytes">): number | null {
  const quota = user.quotaBytes ?? deps.defaultQuotaBytes;
  return quota > 0 ? quota : null;
}

export async function describeMe(deps: AccountDeps, user: UserRow): Promise<PublicUser & { usage: Usage }> {
  return { ...publicUser(user), usage: { ...(await usageOf(deps.db.orm, user.id)), quotaBytes: quotaOf(deps, user) } };
}

export async function changeProfile(deps: AccountDeps, user: UserRow, change: ProfileChange): Promise<Result<PublicUser>> {
  const updated = await updateUser(deps.db.orm, user.id, change);
  return updated ? ok(publicUser(updated)) : fail("unauthorized", "this account no longer exists");
}

/**
 * Confirms the user's password, throttled like a login: a stolen session or API token
 * must not become an unlimited password oracle. Every confirmation goes through here.
 */
export async function confirmPassword(deps: AccountDeps, user: UserRow, password: string, clientIp: string): Promise<Result<void>> {
  const allowed = await beginPasswordAttempt(deps, user.username, clientIp);
  if (!allowed.ok) return allowed;
  if (!(await verifyPassword(user.passwordHash, password))) return fail("invalid_credentials", "the password is not correct");
  await passwordAttemptSucceeded(deps, user.username, clientIp);
  return ok(undefined);
}

/** Needs the current password; every other session and every API token ends, the caller's session stays. */
export async function changePassword(
  deps: AccountDeps,
  user: UserRow,
  currentSessionId: string | undefined,
  change: { currentPassword: string; newPassword: string },
  clientIp: string,
): Promise<Result<void>> {
  const confirmed = await confirmPassword(deps, user, change.currentPassword, clientIp);
  if (!confirmed.ok) return confirmed;
  return setPassword(deps, user, change.newPassword, currentSessionId);
}

/** The operator's reset: no current password, and every session and API token ends. */
export async function resetPassword(deps: AccountDeps, username: string, newPassword: string): Promise<Result<void>> {
  const user = await findUserByUsername(deps.db.orm, username);
  if (!user) return fail("not_found", `no user "${username}"`);
  return setPassword(deps, user, newPassword, undefined);
}

/**
 * Stores a new (strong enough) password and ends every session but `keepSessionId`, and every
 * API token: whoever learned the old password may have minted one, and a token must not
 * outlive the password that vouched for it.
 */
async function setPassword(
  deps: AccountDeps,
  user: UserRow,
  newPassword: string,
  keepSessionId: string | undefined,
): Promise<Result<void>> {
  const strength = await strongEnough(newPassword, user);
  if (!strength.ok) return strength;
  await replacePassword(deps.db.orm, user.id, await hashPassword(newPassword), keepSessionId, deps.now());
  return ok(undefined);
}

export async function deleteAccount(deps: AccountDeps, user: UserRow, password: string, clientIp: string): Promise<Result<void>> {
  const confirmed = await confirmPassword(deps, user, password, clientIp);
  if (!confirmed.ok) return confirmed;
  await destroyUser(deps, user.id);
  return ok(undefined);
}

export async function deleteUserByName(deps: AccountDeps, username: string): Promise<Result<void>> {
  const user = await findUserByUsername(deps.db.orm, username);
  if (!user) return fail("not_found", `no user "${username}"`);
  await destroyUser(deps, user.id);
  return ok(undefined);
}

/**
 * Row first (with it the key salt, so every data key is unrecoverable at once), then the
 * blobs. A crash between the two leaves orphan blobs that fsck sweeps, never a row without one.
 */
async function destroyUser(deps: AccountDeps, userId: string): Promise<void> {
  const imageIds = await imageIdsOf(deps.db.orm, userId);
  await deleteUserRow(deps.db.orm, userId);
  for (const id of imageIds) await deps.blobs.delete(id);
}

/** Every account with its usage, oldest first (the operator's `user list`). */
export async function listAccounts(deps: AccountDeps): Promise<(PublicUser & { usage: Usage })[]> {
  const [rows, usage] = await Promise.all([listUsers(deps.db.orm), usageByUser(deps.db.orm)]);
  return rows.map((row) => ({
    ...publicUser(row),
    usage: { ...(usage.get(row.id) ?? { images: 0, bytes: 0 }), quotaBytes: quotaOf(deps, row) },
  }));
}
