// Wires storage into the rules: the deps every service runs on, built only here (serve, CLI, tests).
import type { ServeConfig, StorageConfig } from "../config.ts";
import { createSessionSigner } from "../crypto/session-token.ts";
import { createShareSigner } from "../crypto/share-token.ts";
import { createAlbumLinkSigner } from "../crypto/album-link-token.ts";
import { throttleTagger } from "../crypto/throttle-tag.ts";
import { createAccountServices, type AccountServices } from "../domain/accounts/services.ts";
import type { Clock } from "../domain/clock.ts";
import type { DomainEvents } from "../domain/context.ts";
import { createImageServices, type ImageServices } from "../domain/images/services.ts";
import { type CommentService, commentService } from "../domain/comments/comments.ts";
import { commentRepository } from "../store/comment-repository.ts";
import { createConsoleLogger, type Logger } from "../logger.ts";
import { apiTokenRepository } from "../store/api-token-repository.ts";
import { imageRepository } from "../store/image-repository.ts";
import { albumRepository } from "../store/album-repository.ts";
import { albumLinkRepository } from "../store/album-link-repository.ts";
import { inviteRepository } from "../store/invite-repository.ts";
import { rateLimitRepository } from "../store/rate-limit-repository.ts";
import { sessionRepository } from "../store/session-repository.ts";
import { shareRepository } from "../store/share-repository.ts";
import { userRepository } from "../store/user-repository.ts";
import { resumableUploadRepository } from "../store/resumable-upload-repository.ts";
import type { PreviewJobs } from "../domain/previews/jobs.ts";
import { composeMediaJobs, type MediaJobs } from "./previews.ts";
import type { OidcConfig } from "../config-oidc.ts";
import { createSingleSignOn, type SingleSignOn } from "../domain/accounts/single-sign-on.ts";
import { discoverProvider, relyingParty } from "../oidc/relying-party.ts";
import { identityRepository } from "../store/identity-repository.ts";
import { pendingSignInRepository } from "../store/pending-sign-in-repository.ts";
import { openStorage, type Storage } from "./storage.ts";

type AccountOptions = Partial<Pick<ServeConfig, "sessionLifetimeMs" | "userQuotaBytes" | "loginThrottle" | "registration">> & {
  readonly events?: DomainEvents;
  /** Every time rule (session, share, throttle, invite expiry) reads this clock; tests move it. */
  readonly now?: () => Date;
};

const clockOf = (options: AccountOptions): Clock => ({ now: options.now ?? (() => new Date()) });

/** The account services on this storage; CLI commands without a server take the defaults. */
function accountServices(storage: Storage, options: AccountOptions = {}): AccountServices {
  const orm = storage.db.orm;
  return createAccountServices(
    {
      users: userRepository(orm),
      sessions: sessionRepository(orm),
      apiTokens: apiTokenRepository(orm),
      invites: inviteRepository(orm),
      rateLimits: rateLimitRepository(orm),
      blobs: storage.blobs,
      signer: createSessionSigner(storage.keyring),
      throttleTag: throttleTagger(storage.keyring),
      clock: clockOf(options),
      events: options.events,
    },
    {
      sessionLifetimeMs: options.sessionLifetimeMs ?? 24 * 3_600_000,
      defaultQuotaBytes: options.userQuotaBytes ?? 0,
      loginThrottle: options.loginThrottle ?? {
        maxFailuresPerUserAndIp: 5,
        maxFailuresPerIp: 50,
        maxFailuresPerUser: 100,
        windowMs: 15 * 60_000,
      },
      registration: options.registration ?? { mode: "open", maxPerIp: 10, windowMs: 3_600_000 },
    },
  );
}

/** The image, upload, archive and share services on this storage, with the accounts' throttle. */
function imageServices(
  storage: Storage,
  accounts: Pick<AccountServices, "throttle">,
  previews: PreviewJobs,
  config: ServiceConfig,
  logger: Logger,
): ImageServices {
  const orm = storage.db.orm;
  return createImageServices(
    {
      images: imageRepository(orm),
      albums: albumRepository(orm),
      shares: shareRepository(orm),
      albumLinks: albumLinkRepository(orm),
      blobs: storage.blobs,
      keyring: storage.keyring,
      shareSigner: createShareSigner(storage.keyring),
      albumLinkSigner: createAlbumLinkSigner(storage.keyring),
      throttle: accounts.throttle,
      clock: clockOf(config),
      logger,
      events: config.events,
      previews,
      resumableUploads: resumableUploadRepository(orm),
    },
    { maxImageBytes: config.maxImageBytes, defaultQuotaBytes: config.userQuotaBytes ?? 0, publicUrl: config.publicUrl },
  );
}

export type ServiceConfig = AccountOptions & Pick<ServeConfig, "maxImageBytes" | "publicUrl" | "dataDir" | "previews">;

/** Every set of deps from one config, as `serve` and the test app run them (the preview pool not yet started). */
export function composeServices(
  storage: Storage,
  config: ServiceConfig,
  logger: Logger,
): { accounts: AccountServices; images: ImageServices; media: MediaJobs; comments: CommentService } {
  const accounts = accountServices(storage, config);
  const media = composeMediaJobs(storage, config.dataDir, config.previews, { clock: clockOf(config), logger, events: config.events });
  const orm = storage.db.orm;
  const comments = commentService({
    images: imageRepository(orm),
    comments: commentRepository(orm),
    keyring: storage.keyring,
    throttle: accounts.throttle,
    clock: clockOf(config),
    logger,
    events: config.events,
  });
  return { accounts, images: imageServices(storage, accounts, media.previews, config, logger), media, comments };
}

/**
 * Single sign-on with the configured provider, read from its discovery document now (serve
 * refuses to start without it: a DiscoveryError says why); undefined when none is configured.
 */
export async function composeSingleSignOn(
  storage: Storage,
  config: AccountOptions & { readonly oidc?: OidcConfig | undefined },
  accounts: Pick<AccountServices, "sessions">,
): Promise<SingleSignOn | undefined> {
  const { oidc } = config;
  if (!oidc) return undefined;
  const provider = relyingParty(oidc, await discoverProvider(oidc));
  const orm = storage.db.orm;
  return createSingleSignOn({
    provider,
    name: oidc.name,
    autoRegister: oidc.autoRegister,
    identities: identityRepository(orm),
    pending: pendingSignInRepository(orm),
    sessions: accounts.sessions,
    clock: clockOf(config),
  });
}

/** Runs one CLI command's work on the account services of the data it names, then closes it. */
export async function withAccountServices<T>(config: StorageConfig, work: (services: AccountServices) => Promise<T>): Promise<T> {
  const storage = await openStorage(config, createConsoleLogger());
  try {
    return await work(accountServices(storage));
  } finally {
    storage.close();
  }
}
