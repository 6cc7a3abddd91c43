// createTestApp(): the whole app in process — real SQLite file, disk blobs, fresh master key — on a clock the test moves.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type App } from "./app.ts";
import { composeServices, composeSingleSignOn } from "./compose/services.ts";
import { openStorage, type Storage } from "./compose/storage.ts";
import { backfillSearchTerms } from "./compose/maintenance.ts";
import { parseServeConfig, type ServeConfig } from "./config.ts";
import type { AccountServices } from "./domain/accounts/services.ts";
import type { ImageServices } from "./domain/images/services.ts";
import type { AnalysisJobs } from "./domain/analysis/analysis-jobs.ts";
import type { PreviewJobs } from "./domain/previews/jobs.ts";
import { listen, type Listener } from "./http/listen.ts";
import { createLogger } from "./logger.ts";

/**
 * Time as every rule sees it (sessions, share links, throttling windows, invites): real time
 * shifted by however far the test moved it, so it still runs forward between requests.
 */
export interface TestClock {
  now(): Date;
  advance(ms: number): void;
  set(date: Date | number): void;
}

export function testClock(start: Date | number = Date.now()): TestClock {
  let offset = new Date(start).getTime() - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    advance: (ms) => {
      offset += ms;
    },
    set: (date) => {
      offset = new Date(date).getTime() - Date.now();
    },
  };
}

interface RequestOptions {
  /** The client address the throttles see (in process there is no socket). */
  ip?: string;
}

export interface SignedUp {
  id: string;
  username: string;
  password: string;
  /** A session JWT, for `Authorization: Bearer`. */
  token: string;
}

export interface TestApp {
  readonly app: App;
  readonly clock: TestClock;
  readonly config: ServeConfig;
  /** The deps the routes run on, for tests that look behind the HTTP surface. */
  readonly accounts: AccountServices;
  readonly images: ImageServices;
  readonly previews: PreviewJobs;
  readonly analysis: AnalysisJobs;
  /** Every log line written so far (JSON lines). */
  readonly logs: string[];
  request(path: string, init?: RequestInit, options?: RequestOptions): Promise<Response>;
  /** Registers a user (strong password unless given) and signs in; throws unless both succeed. */
  signUp(username?: string, password?: string): Promise<SignedUp>;
  /** A session JWT; throws unless the login succeeds. */
  signIn(username: string, password: string): Promise<string>;
  /** Serves the app on 127.0.0.1 through the binary's own adapter, for clients that need a URL; resolves to it. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

let users = 0;

/** `flags` are `pixvault serve` flags (`--user-quota-bytes 1000`), parsed as the binary parses them; the environment is ignored. */
export async function createTestApp(options: { flags?: readonly string[]; clock?: TestClock; version?: string } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), "pixvault-app-"));
  const logs: string[] = [];
  // The binary logs from "info" up; so does the test app, so log checks see what production writes.
  const logger = createLogger((line) => logs.push(line));
  let storage: Storage;
  let config: ServeConfig;
  try {
    config = parseServeConfig(["--data-dir", join(dir, "data"), ...(options.flags ?? [])], {});
    storage = await openStorage(config, logger);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  await backfillSearchTerms(storage, logger);
  const clock = options.clock ?? testClock();
  const { accounts, images, media, comments } = composeServices(storage, { ...config, now: clock.now }, logger);
  const sso = await composeSingleSignOn(storage, { ...config, now: clock.now }, accounts);
  media.start();
  const app = createApp({
    logger,
    version: options.version ?? "test",
    readiness: {},
    accounts,
    sso,
    images,
    comments,
    trustProxy: config.trustProxy,
  });

  let listener: Listener | undefined;
  const request = async (path: string, init: RequestInit = {}, opts: RequestOptions = {}) =>
    await app.request(path, init, { incoming: { socket: { remoteAddress: opts.ip ?? "192.0.2.1" } } });
  const postJson = (path: string, body: unknown) =>
    request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  async function signIn(username: string, password: string): Promise<string> {
    const res = await postJson("/api/v1/sessions", { username, password });
    const body = (await res.json()) as { token?: string };
    if (res.status !== 201 || !body.token) throw new Error(`sign-in of ${username}: ${res.status} ${JSON.stringify(body)}`);
    return body.token;
  }

  async function signUp(username = `user${++users}x${process.pid}`, password = `Pv-${crypto.randomUUID()}-q9`): Promise<SignedUp> {
    const res = await postJson("/api/v1/users", { username, password, name: `Test ${username}`, email: `${username}@example.com` });
    const body = (await res.json()) as { user?: { id: string; username: string } };
    if (res.status !== 201 || !body.user) throw new Error(`sign-up of ${username}: ${res.status} ${JSON.stringify(body)}`);
    return { id: body.user.id, username: body.user.username, password, token: await signIn(username, password) };
  }

  return {
    app,
    clock,
    config,
    accounts,
    images,
    previews: media.previews,
    analysis: media.analysis,
    logs,
    request,
    signUp,
    signIn,
    async listen() {
      listener ??= await listen(app.fetch, { host: "127.0.0.1", port: 0 });
      return listener.url;
    },
    async close() {
      if (listener) {
        listener.closeConnections();
        await listener.stop();
      }
      await media.stop();
      storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
