// Wires storage into the rules: the deps every service runs on, built only here (serve, CLI, tests).
import type { ServeConfig } from "../config.ts";
import { createSessionSigner } from "../crypto/session-token.ts";
import { createShareSigner } from "../crypto/share-token.ts";
import { throttleTagger } from "../crypto/throttle-tag.ts";
import type { AccountDeps, ImageDeps } from "../domain/context.ts";
import type { Logger } from "../logger.ts";
import type { Storage } from "./storage.ts";

export type AccountOptions = Partial<Pick<ServeConfig, "sessionLifetimeMs" | "userQuotaBytes" | "loginThrottle" | "registration">> &
  Partial<Pick<AccountDeps, "events" | "now">>;

/** What the account rules run on; CLI commands without a server take the defaults. */
export function accountDeps(storage: Storage, options: AccountOptions = {}): AccountDeps {
  return {
    db: storage.db,
    blobs: storage.blobs,
    signer: createSessionSigner(storage.keyring),
    sessionLifetimeMs: options.sessionLifetimeMs ?? 24 * 3_600_000,
    defaultQuotaBytes: options.userQuotaBytes ?? 0,
    throttle: options.loginThrottle ?? { maxFailuresPerUserAndIp: 5, maxFailuresPerIp: 50, maxFailuresPerUser: 100, windowMs: 15 * 60_000 },
    throttleTag: throttleTagger(storage.keyring),
    registration: options.registration ?? { mode: "open", maxPerIp: 10, windowMs: 3_600_000 },
    // Every time rule (session, share, throttle, invite expiry) reads this clock; tests move it.
    now: options.now ?? (() => new Date()),
    ...(options.events ? { events: options.events } : {}),
  };
}

/** What the image rules run on: the account deps plus keys, limits, a logger and the share-link settings. */
export function imageDeps(
  storage: Storage,
  accounts: AccountDeps,
  config: Pick<ServeConfig, "maxImageBytes" | "publicUrl">,
  logger: Logger,
): ImageDeps {
  return {
    ...accounts,
    keyring: storage.keyring,
    maxImageBytes: config.maxImageBytes,
    logger,
    shareSigner: createShareSigner(storage.keyring),
    ...(config.publicUrl !== undefined ? { publicUrl: config.publicUrl } : {}),
  };
}

export type ServiceConfig = AccountOptions & Pick<ServeConfig, "maxImageBytes" | "publicUrl">;

/** Both sets of deps from one config, as `serve` and the test app run them. */
export function composeServices(
  storage: Storage,
  config: ServiceConfig,
  logger: Logger,
): { accounts: AccountDeps; images: ImageDeps } {
  const accounts = accountDeps(storage, config);
  return { accounts, images: imageDeps(storage, accounts, config, logger) };
}
