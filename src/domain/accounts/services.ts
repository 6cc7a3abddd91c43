// The account services built from their ports, each given only what it uses; compose.ts
// supplies the repositories, the clock and the policies.
import type { SessionSigner } from "../../crypto/session-token.ts";
import type { ThrottleTagger } from "../../crypto/throttle-tag.ts";
import type { Clock } from "../clock.ts";
import type { DomainEvents } from "../context.ts";
import { createAccountService, type AccountService } from "./accounts.ts";
import { createApiTokenService, type ApiTokenService } from "./api-tokens.ts";
import { createInviteService, type InviteService } from "./invites.ts";
import type { ApiTokenRepository, InviteRepository, SessionRepository, ThrottleRepository, UserRepository } from "./ports.ts";
import { createRegistrationService, type RegistrationPolicy, type RegistrationService } from "./registration.ts";
import { createSessionService, type SessionService } from "./sessions.ts";
import { createThrottle, type LoginThrottlePolicy, type Throttle } from "./throttle.ts";

export interface AccountServices {
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  readonly tokens: ApiTokenService;
  readonly invites: InviteService;
  readonly registration: RegistrationService;
  /** Also guards share-link passwords (the image side gets it from here). */
  readonly throttle: Throttle;
}

export interface AccountPorts {
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly apiTokens: ApiTokenRepository;
  readonly invites: InviteRepository;
  readonly rateLimits: ThrottleRepository;
  readonly blobs: { delete(id: string): Promise<void> };
  readonly signer: SessionSigner;
  /** Keys rate-limit rows, so they hold no typed username or address in clear. */
  readonly throttleTag: ThrottleTagger;
  readonly clock: Clock;
  readonly events?: DomainEvents | undefined;
}

export interface AccountSettings {
  readonly sessionLifetimeMs: number;
  /** The server-wide quota; 0 = unlimited. A user row may override it. */
  readonly defaultQuotaBytes: number;
  readonly loginThrottle: LoginThrottlePolicy;
  readonly registration: RegistrationPolicy;
}

export function createAccountServices(ports: AccountPorts, settings: AccountSettings): AccountServices {
  const { clock } = ports;
  const throttle = createThrottle({ limits: ports.rateLimits, policy: settings.loginThrottle, tag: ports.throttleTag, clock });
  const accounts = createAccountService({
    users: ports.users,
    blobs: ports.blobs,
    throttle,
    clock,
    defaultQuotaBytes: settings.defaultQuotaBytes,
  });
  const invites = createInviteService({ invites: ports.invites, clock });
  return {
    accounts,
    sessions: createSessionService({
      users: ports.users,
      sessions: ports.sessions,
      apiTokens: ports.apiTokens,
      throttle,
      signer: ports.signer,
      clock,
      lifetimeMs: settings.sessionLifetimeMs,
      events: ports.events,
    }),
    tokens: createApiTokenService({ apiTokens: ports.apiTokens, accounts, clock }),
    invites,
    registration: createRegistrationService({ policy: settings.registration, accounts, invites, throttle }),
    throttle,
  };
}
