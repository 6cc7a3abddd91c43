// A link's password, for image share links and album links alike: throttled like logins — per
// (link, address), per address and per link — and counted before the check, so parallel guesses
// cannot slip past the limit. A correct one earns a signed proof for the browser's cookie.
import { verifyPassword } from "../../crypto/password.ts";
import type { Throttle } from "../accounts/throttle.ts";
import type { Clock } from "../clock.ts";
import { fail, ok, type Result } from "../errors.ts";

/** How long a correct password keeps a link open in that browser (never past the link's own expiry). */
const UNLOCK_SECONDS = 10 * 60;

export interface Unlock {
  /** A signed proof, bound to this link and epoch, for the link's cookie. */
  proof: string;
  maxAgeSeconds: number;
}

export interface LinkPasswordPorts {
  readonly throttle: Pick<Throttle, "beginShareUnlock" | "shareUnlockSucceeded">;
  readonly clock: Clock;
}

/**
 * Checks `password` against the link's; `undefined` when the link has none (nothing to unlock).
 * `signProof` signs the unlock proof that expires at `exp` (seconds).
 */
export async function unlockWithPassword(
  ports: LinkPasswordPorts,
  link: { readonly id: string; readonly passwordHash: string | null; readonly expiresAt: Date },
  password: string,
  clientIp: string,
  what: string,
  signProof: (exp: number, now: Date) => Promise<string>,
): Promise<Result<Unlock | undefined>> {
  if (link.passwordHash === null) return ok(undefined);
  const allowed = await ports.throttle.beginShareUnlock(link.id, clientIp);
  if (!allowed.ok) return allowed;
  if (!(await verifyPassword(link.passwordHash, password)))
    return fail("invalid_credentials", `the password of this ${what} is not correct`);
  await ports.throttle.shareUnlockSucceeded(link.id, clientIp);
  const now = ports.clock.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const exp = Math.min(nowSeconds + UNLOCK_SECONDS, Math.floor(link.expiresAt.getTime() / 1000));
  return ok({ proof: await signProof(exp, now), maxAgeSeconds: exp - nowSeconds });
}
