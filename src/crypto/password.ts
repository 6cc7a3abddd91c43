// Password hashing with Argon2id at OWASP's recommended parameters (m=19 MiB, t=2, p=1).
// The native addon is loaded on the first hash or check, not at start: a server listens sooner
// (SPEC §7, cold start) and one that nobody signs in to never maps it.
const argon2 = () => import("@node-rs/argon2");

/** @node-rs/argon2's `Algorithm.Argon2id` (a const enum, which isolated modules cannot import). */
const ARGON2ID = 2;

const ARGON2_PARAMS = {
  algorithm: ARGON2ID,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * The password hash of an account made by single sign-on: not a hash of anything, so no
 * password matches it (like "!" in /etc/shadow) until the user sets one.
 */
export const NO_PASSWORD = "!";

export const hasPassword = (passwordHash: string): boolean => passwordHash !== NO_PASSWORD;

export async function hashPassword(password: string): Promise<string> {
  return (await argon2()).hash(password, ARGON2_PARAMS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await (await argon2()).verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash never authenticates
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real check when there is no user, so response timing does
 * not tell an attacker which usernames exist.
 */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= hashPassword("pixvault-no-such-user-dummy-password");
  await verifyPassword(await dummyHash, password);
  return false;
}
