// Sign-up over HTTP: the server's registration mode, the invite it may need, and a limit per
// client address. `pixvault user create` calls `register` directly and skips all three.
import { fail, type Result } from "../errors.ts";
import type { SignUp } from "./input.ts";
import type { AccountService } from "./accounts.ts";
import type { InviteService } from "./invites.ts";
import type { PublicUser } from "./public-user.ts";
import type { Throttle } from "./throttle.ts";

/** Who may register over HTTP (`pixvault user create` always may). */
export interface RegistrationPolicy {
  mode: "open" | "invite" | "closed";
  /** Accounts registered from one client address per window before 429. */
  maxPerIp: number;
  windowMs: number;
}

export interface RegistrationService {
  mode(): RegistrationPolicy["mode"];
  signUp(input: SignUp, clientIp: string): Promise<Result<PublicUser>>;
}

export function createRegistrationService(ports: {
  policy: RegistrationPolicy;
  accounts: Pick<AccountService, "register">;
  invites: Pick<InviteService, "usable" | "insertUserSpending">;
  throttle: Pick<Throttle, "takeFromBudget" | "returnToBudget">;
}): RegistrationService {
  const { policy, accounts, invites, throttle } = ports;
  return {
    mode: () => policy.mode,

    async signUp(input, clientIp) {
      const { mode, maxPerIp, windowMs } = policy;
      if (mode === "closed") return fail("registration_closed", "this server does not take sign-ups; ask its operator for an account");
      const { invite, ...registration } = input;
      const inviteHash = mode === "invite" ? await invites.usable(invite) : undefined;
      if (inviteHash && !inviteHash.ok) return inviteHash;

      const perAddress = { name: "register:ip", part: clientIp, max: maxPerIp, windowMs };
      const allowed = await throttle.takeFromBudget(perAddress, "too many accounts registered from this address; wait before trying again");
      if (!allowed.ok) return allowed;
      const created = await accounts.register(
        registration,
        inviteHash && ((row) => invites.insertUserSpending(row, invite, inviteHash.value)),
      );
      // The limit counts accounts made: a refused sign-up (weak password, taken name) costs nothing.
      if (!created.ok) await throttle.returnToBudget(perAddress);
      return created;
    },
  };
}
