// Sign-up over HTTP: the server's registration mode, the invite it may need, and a limit per
// client address. `pixvault user create` calls `register` directly and skips all three.
import { insertUserWithInvite } from "../store/invite-repository.ts";
import type { SignUp } from "./account-input.ts";
import { register } from "./accounts.ts";
import type { AccountDeps } from "./context.ts";
import { fail, type Result } from "./errors.ts";
import { inviteRefusal, usableInvite } from "./invites.ts";
import { returnToBudget, takeFromBudget, type Counter } from "./login-throttle.ts";
import type { PublicUser } from "./users.ts";

export function registrationMode(deps: Pick<AccountDeps, "registration">): AccountDeps["registration"]["mode"] {
  return deps.registration.mode;
}

export async function signUp(deps: AccountDeps, input: SignUp, clientIp: string): Promise<Result<PublicUser>> {
  const { mode, maxPerIp, windowMs } = deps.registration;
  if (mode === "closed") return fail("registration_closed", "this server does not take sign-ups; ask its operator for an account");
  const { invite, ...registration } = input;
  const inviteHash = mode === "invite" ? await usableInvite(deps, invite) : undefined;
  if (inviteHash && !inviteHash.ok) return inviteHash;

  const perAddress: Counter = { key: deps.throttleTag("register:ip", clientIp), subject: null, max: maxPerIp };
  const allowed = await takeFromBudget(deps, perAddress, windowMs, "too many accounts registered from this address; wait before trying again");
  if (!allowed.ok) return allowed;
  const created = await register(
    deps,
    registration,
    inviteHash &&
      (async (row) => {
        const stored = await insertUserWithInvite(deps.db, row, inviteHash.value, deps.now());
        if (stored !== "invite_invalid") return stored;
        // Used up, expired or revoked since the first look: say which.
        const why = await usableInvite(deps, invite);
        return why.ok ? fail("invite_invalid", inviteRefusal(undefined)) : why;
      }),
  );
  // The limit counts accounts made: a refused sign-up (weak password, taken name) costs nothing.
  if (!created.ok) await returnToBudget(deps, perAddress);
  return created;
}
