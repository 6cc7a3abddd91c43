// Single sign-on end to end: dist/pixvault alone in an empty directory, configured for a real
// OpenID Provider (tests/support/oidc-provider.ts on 127.0.0.1), driven by headless Chromium
// through the provider's own login and consent pages — sign in as a new account, link and unlink
// on the account page, and the failures the sign-in page explains. Run by .ci/run after the build.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../support/browser.ts";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.ts";
import { startServer, tempDir, type RunningServer } from "../support/pixvault.ts";
import { useBuiltBinary } from "./built-binary.ts";

const STEP_MS = 30_000;
const LABEL = "Test IdP";
const CAROL = { preferred_username: "carol", name: "Carol Example", email: "carol@example.org" };
const CAROL_PASSWORD = "violet kettle over nine bridges";

const dir = tempDir("pixvault-e2e-oidc-");
let provider: TestOidcProvider;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  useBuiltBinary(dir.path);
  provider = await startOidcProvider({ accounts: { carol: CAROL } });
  const secretFile = join(dir.path, "oidc-client-secret");
  writeFileSync(secretFile, provider.clientSecret, { mode: 0o600 });
  server = await startServer(
    [
      ...["--oidc-issuer", provider.issuer, "--oidc-client-id", provider.clientId, "--oidc-client-secret-file", secretFile],
      ...["--oidc-name", LABEL, "--oidc-auto-register"],
    ],
    { cwd: dir.path },
  );
  provider.allowRedirectUri(`${server.url}/api/v1/auth/oidc/callback`);
  browser = await launchChromium();
}, STEP_MS);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await provider?.stop();
  dir.remove();
});

/** A browser profile of its own: no cookie of the app or of the provider from another test (closed with the browser). */
async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  context.setDefaultTimeout(10_000);
  // The provider's development pages @import a web font: nothing leaves 127.0.0.1.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  return { context, page };
}

const heading = (p: Page, name: string) => p.getByRole("heading", { level: 1, name });
const status = (p: Page) => p.getByRole("status");
const atApp = (url: URL) => url.origin === server.url;

/**
 * Starts single sign-on with `start` (a click), then answers the provider's development pages
 * until it sends the browser back to pixvault's callback: its login form (any password), then its
 * consent. A provider that still has a session and a grant skips both, showing no page at all.
 */
async function throughProvider(page: Page, login: string, start: () => Promise<void>): Promise<void> {
  const back = page.waitForResponse((r) => r.url().startsWith(`${server.url}/api/v1/auth/oidc/callback`), { timeout: 20_000 });
  await start();
  const loginField = page.locator('input[name="login"]');
  const consent = page.getByRole("button", { name: "Continue" });
  for (let step = 0; step < 4; step++) {
    const next = await Promise.race([
      back.then(() => "back" as const),
      loginField.waitFor().then(() => "login" as const),
      consent.waitFor().then(() => "consent" as const),
    ]);
    if (next === "back") break;
    if (next === "login") {
      await loginField.fill(login);
      await page.locator('input[name="password"]').fill("any password");
      await page.getByRole("button", { name: "Sign-in" }).click();
      await loginField.waitFor({ state: "detached" });
    } else {
      await consent.click();
      await consent.waitFor({ state: "detached" });
    }
  }
  await back;
  await page.waitForURL(atApp);
}

function sessionCookie(context: BrowserContext) {
  // All of the context's cookies: a URL would filter by path, and this one lives under /api.
  return context.cookies().then((cookies) => cookies.find((c) => c.name === "pxv_session"));
}

describe("single sign-on in Chromium against a real OpenID Provider", () => {
  let carol: { context: BrowserContext; page: Page };

  test(
    "sign in with the provider: its login and consent pages, then back signed in as a new account",
    async () => {
      carol = await newPage();
      const { page, context } = carol;
      await page.goto(server.url);
      await heading(page, "Sign in").waitFor();
      const button = page.getByRole("button", { name: `Sign in with ${LABEL}` });
      await throughProvider(page, "carol", () => button.click());

      await heading(page, "My images").waitFor();
      // The account was made from the provider's preferred_username.
      await expect(page.getByRole("navigation").textContent()).resolves.toContain("carol");
      expect(await sessionCookie(context)).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/api" });
      // The flow's own cookie is spent with the callback.
      expect((await context.cookies()).some((c) => c.name === "pxv_oidc")).toBe(false);
    },
    STEP_MS,
  );

  test(
    "account page: the identity is listed; the only way in cannot be unlinked until a first password is set; link again",
    async () => {
      const { page } = carol;
      await page.getByRole("link", { name: "Account" }).click();
      await heading(page, "Account").waitFor();
      const section = page.getByRole("region", { name: "Single sign-on" });
      await section.getByText(CAROL.email).waitFor();
      await expect(section.locator(".identities").textContent()).resolves.toContain(provider.issuer);

      await section.getByRole("button", { name: `Unlink ${CAROL.email}` }).click();
      await status(page)
        .getByText(/^Not unlinked: this is the account's only way to sign in/)
        .waitFor();
      await section.getByText(CAROL.email).waitFor();

      // An account made by single sign-on has no password: its first one needs no current password.
      await page.getByLabel("New password", { exact: true }).fill(CAROL_PASSWORD);
      await page.getByRole("button", { name: "Change password" }).click();
      await status(page)
        .getByText(/^Password changed/)
        .waitFor();

      await section.getByRole("button", { name: `Unlink ${CAROL.email}` }).click();
      await section.getByText(`No ${LABEL} account is linked.`).waitFor();

      // Linking is the same navigation while signed in; the server lands back on the account page.
      await throughProvider(page, "carol", () => section.getByRole("button", { name: `Link ${LABEL} account` }).click());
      await heading(page, "Account").waitFor();
      expect(new URL(page.url()).hash).toBe("#/account");
      await page.getByRole("region", { name: "Single sign-on" }).getByText(CAROL.email).waitFor();

      // The first password signs in too.
      await page.getByRole("button", { name: "Sign out" }).click();
      await heading(page, "Sign in").waitFor();
      await page.getByLabel("Username", { exact: true }).fill("carol");
      await page.getByLabel("Password", { exact: true }).fill(CAROL_PASSWORD);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await heading(page, "My images").waitFor();
    },
    STEP_MS,
  );

  test(
    "failures land on the sign-in page with words, never a session: cancelled at the provider, a forged callback, a made-up code",
    async () => {
      const { page, context } = await newPage();
      await page.goto(server.url);
      await page.getByRole("button", { name: `Sign in with ${LABEL}` }).click();
      await page.waitForURL((url) => url.origin === provider.issuer);
      await page.getByRole("link", { name: "[ Cancel ]" }).click();
      await page.waitForURL(atApp);
      await heading(page, "Sign in").waitFor();
      await page.getByRole("alert").getByText(`The sign-in was cancelled at ${LABEL}.`).waitFor();
      expect(new URL(page.url()).hash).toBe("#/signin?error=access_denied");
      expect(await sessionCookie(context)).toBeUndefined();

      await page.goto(`${server.url}/api/v1/auth/oidc/callback?state=forged&code=x`);
      await page
        .getByRole("alert")
        .getByText(/^That sign-in was too old/)
        .waitFor();
      expect(await sessionCookie(context)).toBeUndefined();
      const current = await page.evaluate(() => fetch("/api/v1/sessions/current").then((r) => r.status));
      expect(current).toBe(401);

      // Anyone can send a link with ?error= in it: the page never repeats what the address says.
      await page.goto(`${server.url}/#/sign-in?error=${encodeURIComponent("<b>Call 555 0100</b>")}`);
      await page.getByRole("alert").getByText("Single sign-on did not complete. Try again.").waitFor();
      await expect(page.locator("main").textContent()).resolves.not.toContain("555");
    },
    STEP_MS,
  );

  test(
    "linking an identity another account has: back on the account page, which says so",
    async () => {
      const { page } = await newPage();
      const dave = { username: "dave", name: "Dave Example", email: "dave@example.org", password: "copper lantern beside the quiet mill" };
      const made = await fetch(`${server.url}/api/v1/users`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(dave),
      });
      expect(made.status).toBe(201);
      await page.goto(server.url);
      await page.getByLabel("Username", { exact: true }).fill(dave.username);
      await page.getByLabel("Password", { exact: true }).fill(dave.password);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await heading(page, "My images").waitFor();
      await page.getByRole("link", { name: "Account" }).click();
      const section = page.getByRole("region", { name: "Single sign-on" });
      await section.getByText(`No ${LABEL} account is linked.`).waitFor();

      await throughProvider(page, "carol", () => section.getByRole("button", { name: `Link ${LABEL} account` }).click());
      await heading(page, "Account").waitFor();
      expect(new URL(page.url()).hash).toBe("#/account");
      await status(page).getByText(`That ${LABEL} identity is already linked to another account here: unlink it there first.`).waitFor();
      await section.getByText(`No ${LABEL} account is linked.`).waitFor();
    },
    STEP_MS,
  );
});
