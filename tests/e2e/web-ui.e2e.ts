// The web UI end to end: dist/pixvault copied alone into an empty directory, driven by headless
// Chromium as a person would use it — sign up, upload real images, select, zip, delete, publish,
// share, account — plus the cookie session's CSRF guard. Run by .ci/run after the build
// (bun test ./tests/e2e/web-ui.e2e.ts); PIXVAULT_SCREENSHOTS=docs/screenshots also saves the
// screenshots the README shows.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page, Response as PageResponse } from "playwright-core";
import { launchChromium } from "../support/browser.ts";
import { runCli, startServer, tempDir, type RunningServer } from "../support/pixvault.ts";
import { pythonZipView } from "../support/zip.ts";
import { type PhotoSet, writePhotoSet } from "./photo-set.ts";
import { useBuiltBinary } from "./built-binary.ts";

const ROOT = join(import.meta.dir, "../..");
const FIXTURES = join(ROOT, "tests/fixtures/images");
const SCREENSHOTS = process.env.PIXVAULT_SCREENSHOTS;
const STEP_MS = 30_000;

const USERNAME = "ann";
const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "marble teapot under seven lanterns";

const dir = tempDir("pixvault-e2e-");
let server: RunningServer;
let browser: Browser;
let ann: BrowserContext;
let page: Page;

beforeAll(async () => {
  // Alone in an empty directory: the UI must come from inside the executable.
  useBuiltBinary(dir.path);
  expect(readdirSync(dir.path)).toEqual(["pixvault"]);
  server = await startServer([], { cwd: dir.path });
  browser = await launchChromium();
  ann = await browser.newContext({ viewport: { width: 1100, height: 800 }, acceptDownloads: true });
  ann.setDefaultTimeout(10_000);
  await ann.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  page = await ann.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
}, STEP_MS);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  dir.remove();
});

async function shoot(target: Page, name: string, fullPage = true): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await target.evaluate(() => window.scrollTo(0, 0));
  const png = await target.screenshot({ animations: "disabled", caret: "hide", fullPage });
  // Palette PNGs are a fraction of the size and look the same for a flat UI.
  const { default: sharp } = await import("sharp");
  await sharp(png)
    .png({ palette: true, compressionLevel: 9, effort: 10 })
    .toFile(join(SCREENSHOTS, `${name}.png`));
}

const heading = (p: Page, name: string) => p.getByRole("heading", { level: 1, name });
const cardNames = () => page.locator(".grid .card .name").allTextContents();
const checkbox = (filename: string) => page.getByRole("checkbox", { name: `Select ${filename}`, exact: true });
const status = () => page.getByRole("status");

/** Calls the API from inside the page, so the browser's cookie (and nothing else) signs it in. */
function pageFetch(p: Page, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return p.evaluate(
    async ({ method, path, body, headers }) => {
      const res = await fetch(path, {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, type: res.headers.get("content-type"), body: text ? JSON.parse(text) : null };
    },
    { method, path, body, headers },
  );
}

describe("the web UI in Chromium, served by the single executable", () => {
  test("`/` is the UI under a strict CSP, with its hashed assets cached for good", async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/\bstyle=|<style/); // styles only from the stylesheet
    expect(html).not.toMatch(/https?:\/\//); // no external font, script or CDN
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    await asset.arrayBuffer();
  });

  test(
    "sign up: inline hints, the live strength meter, then signed in, still after a reload",
    async () => {
      await page.goto(server.url);
      // The page asks the server who is signed in before it shows a form: wait for that answer.
      await heading(page, "Sign in").waitFor();
      await shoot(page, "sign-in", false);
      await page.getByRole("link", { name: "Create an account" }).click();
      await heading(page, "Create an account").waitFor();

      await page.getByLabel("Name", { exact: true }).fill("Ann Example");
      await page.getByLabel("Username", { exact: true }).fill("ann!");
      await page.getByText(/^Only letters, digits/).waitFor();
      await page.getByLabel("Username", { exact: true }).fill(USERNAME);
      await page.getByLabel("Email", { exact: true }).fill("ann@example.org");
      const password = page.getByLabel("Password", { exact: true });
      // The meter scores with the server's own zxcvbn, so a weak password is called weak before it is sent.
      await password.fill("ann2024");
      await page.getByText(/not accepted yet/).waitFor();
      await expect(page.locator(".strength-advice").textContent()).resolves.toContain("at least 10 characters");
      // Long enough, still guessable: the server refuses it too, and the page says so at the field.
      await password.fill("password1234");
      await page.getByText(/not accepted yet/).waitFor();
      await page.getByRole("button", { name: "Create account" }).click();
      await page
        .locator(".field-error")
        .getByText(/too easy to guess/)
        .waitFor();

      await password.fill(PASSWORD);
      await page.getByText("Strength: Very strong — good").waitFor();
      await page.getByRole("button", { name: "Create account" }).click();
      await heading(page, "My images").waitFor();

      const cookie = (await ann.cookies()).find((c) => c.name === "pxv_session")!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/api" });
      expect(await page.evaluate(() => document.cookie)).toBe(""); // page scripts cannot read it
      await page.reload();
      await heading(page, "My images").waitFor();
      await expect(page.getByRole("navigation").textContent()).resolves.toContain(USERNAME);
    },
    STEP_MS,
  );

  test(
    "uploads three real images through the file input, with progress, into the grid",
    async () => {
      await page
        .getByLabel("Choose images to upload", { exact: true })
        .setInputFiles(["sample.png", "sample.jpg", "sample.gif"].map((f) => join(FIXTURES, f)));
      await page.getByText("3 files uploaded.").waitFor();
      expect(
        await page.locator(".upload-queue progress").evaluateAll((bars) => bars.map((b) => (b as HTMLProgressElement).position)),
      ).toEqual([1, 1, 1]);
      await shoot(page, "upload-done");
      expect((await cardNames()).sort()).toEqual(["sample.gif", "sample.jpg", "sample.png"]);

      // Newest first, as the server lists them, after a reload too.
      await page.reload();
      await heading(page, "My images").waitFor();
      await page.locator(".grid .card").nth(2).waitFor();
      const listed = await pageFetch(page, "GET", "/api/v1/images?sort=newest");
      expect(await cardNames()).toEqual(listed.body.items.map((i: { filename: string }) => i.filename));
      // Tiles load thumb previews (display ones on high-DPI screens), lazily; never the original.
      const img = page.locator(".grid .card img").first();
      expect(await img.getAttribute("loading")).toBe("lazy");
      expect(await img.getAttribute("src")).toMatch(/\/preview\?size=thumb$/);
      expect(await img.getAttribute("srcset")).toMatch(/\?size=thumb 1x, .*\?size=display 2x$/);
      await expect(
        img.evaluate((el) => (el as HTMLImageElement).decode().then(() => (el as HTMLImageElement).naturalWidth)),
      ).resolves.toBeGreaterThan(0);
    },
    STEP_MS,
  );

  test(
    "a name already taken offers keep both / replace, and keep both stores a renamed copy",
    async () => {
      await page.getByLabel("Choose images to upload", { exact: true }).setInputFiles(join(FIXTURES, "sample.png"));
      const row = page.locator(".upload-queue li").filter({ hasText: "already exists" });
      await row.waitFor();
      await expect(row.getByRole("button", { name: "Replace" }).isVisible()).resolves.toBe(true);
      await row.getByRole("button", { name: "Keep both" }).click();
      await page.getByText("Done, as sample (1).png").waitFor();
      expect(await cardNames()).toContain("sample (1).png");
    },
    STEP_MS,
  );

  test(
    "selects one by one, by shift-click range and all; downloads two as a zip with exactly those entries",
    async () => {
      const names = await cardNames();
      expect(names).toHaveLength(4);
      await checkbox(names[0]!).click();
      await checkbox(names[2]!).click({ modifiers: ["Shift"] });
      await page.getByText("3 selected").waitFor();
      await page.getByRole("button", { name: "Select all" }).click();
      await page.getByText("4 selected").waitFor();
      await page.getByRole("button", { name: "Clear selection" }).click();
      await page.getByText("None selected").waitFor();

      const pair = names.filter((n) => n !== "sample (1).png").slice(0, 2);
      await checkbox(pair[0]!).click();
      await checkbox(pair[1]!).click();
      await page.getByText("2 selected").waitFor();
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download zip" }).click()]);
      expect(download.suggestedFilename()).toMatch(/\.zip$/);
      const saved = join(dir.path, "selection.zip");
      await download.saveAs(saved);
      const zip = pythonZipView(saved);
      expect(zip.ok).toBe(true);
      expect(zip.names.sort()).toEqual([...pair].sort());
      await page.getByRole("button", { name: "Clear selection" }).click();
    },
    STEP_MS,
  );

  test(
    "deletes the selection only after a confirmation that says how many",
    async () => {
      await checkbox("sample (1).png").click();
      await page.getByRole("button", { name: "Delete…" }).click();
      const dialog = page.getByRole("dialog");
      await expect(dialog.getByRole("heading").textContent()).resolves.toBe("Delete 1 image?");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      expect(await cardNames()).toContain("sample (1).png");

      await page.getByRole("button", { name: "Delete…" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Delete 1 image" }).click();
      await status().getByText("Deleted 1 image.").waitFor();
      expect((await cardNames()).sort()).toEqual(["sample.gif", "sample.jpg", "sample.png"]);
      await page.getByText("None selected").waitFor();
    },
    STEP_MS,
  );

  test(
    "makes one public; a second, signed-out browser finds it in the public gallery with its owner",
    async () => {
      await checkbox("sample.gif").click();
      await page.getByRole("button", { name: "Make public" }).click();
      await status().getByText("1 image made public.").waitFor();
      const card = page.locator(".card").filter({ hasText: "sample.gif" });
      await expect(card.locator(".badge").textContent()).resolves.toBe("Public");
      await shoot(page, "grid");
      await page.getByRole("button", { name: "Clear selection" }).click();

      const stranger = await browser.newContext();
      const other = await stranger.newPage();
      await other.goto(`${server.url}/#/public`);
      await heading(other, "Public images").waitFor();
      const publicCard = other.locator(".card").filter({ hasText: "sample.gif" });
      await publicCard.waitFor();
      await expect(publicCard.textContent()).resolves.toContain(`by ${USERNAME}`);
      expect(await other.locator(".card .name").allTextContents()).toEqual(["sample.gif"]); // private ones stay hidden
      await stranger.close();
    },
    STEP_MS,
  );

  test(
    "opens an image large with its metadata, edits it, and makes a share link that opens signed out",
    async () => {
      await page.getByRole("link", { name: "sample.png", exact: true }).click();
      await heading(page, "sample.png").waitFor();
      const details = page.locator(".metadata");
      await expect(details.textContent()).resolves.toContain("image/png");
      await expect(details.textContent()).resolves.toMatch(/\d+ × \d+ pixels/);

      await page.getByLabel("Filename", { exact: true }).fill("lake.png");
      await page.getByLabel("Tags", { exact: true }).fill("Trip, lake");
      await page.getByLabel("Description", { exact: true }).fill("At dawn");
      await page.getByRole("button", { name: "Save changes" }).click();
      await heading(page, "lake.png").waitFor();
      await expect(details.textContent()).resolves.toContain("trip, lake");
      await expect(details.textContent()).resolves.toContain("At dawn");
      expect(await page.getByRole("link", { name: "Download" }).getAttribute("href")).toMatch(/\/content\?download=1$/);

      await page.getByLabel("Expires after", { exact: true }).selectOption({ label: "1 day" });
      await page.getByRole("button", { name: "Create share link" }).click();
      await page.getByText(/Link copied to the clipboard/).waitFor();
      const url = await page.getByLabel("Link", { exact: true }).inputValue();
      expect(url).toStartWith(`${server.url}/s/`);
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
      await shoot(page, "image-detail");

      const stranger = await browser.newContext();
      const viewer = await stranger.newPage();
      const consoleErrors: string[] = [];
      viewer.on("console", (m) => {
        if (m.type() === "error") consoleErrors.push(m.text());
      });
      const response = await viewer.goto(url);
      expect(response!.status()).toBe(200);
      expect(response!.headers()["content-type"]).toBe("image/png");
      // The image's own CSP lets Chromium's viewer style it: centred, and no CSP error logged.
      expect(await viewer.locator("img").evaluate((img) => getComputedStyle(img).marginLeft)).not.toBe("0px");
      expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
      await stranger.close();
    },
    STEP_MS,
  );

  test(
    "an unsafe request with the cookie but without the CSRF token is refused with 403",
    async () => {
      await page.goto(`${server.url}/#/`);
      await page.locator(".grid .card").nth(2).waitFor();
      const id = (await page.locator(".grid .card").first().getAttribute("data-id"))!;
      const refused = await pageFetch(page, "POST", "/api/v1/images/delete", { ids: [id] });
      expect(refused.status).toBe(403);
      expect(refused.type).toBe("application/problem+json");
      expect(refused.body.code).toBe("forbidden");
      const wrong = await pageFetch(page, "PATCH", `/api/v1/images/${id}`, { description: "x" }, { "X-CSRF-Token": "forged" });
      expect(wrong.status).toBe(403);
      // Nothing happened; the same request with the session's token goes through.
      expect((await pageFetch(page, "GET", `/api/v1/images/${id}`)).status).toBe(200);
      const { csrfToken } = (await pageFetch(page, "GET", "/api/v1/sessions/current")).body;
      expect((await pageFetch(page, "PATCH", `/api/v1/images/${id}`, { description: "x" }, { "X-CSRF-Token": csrfToken })).status).toBe(
        200,
      );
    },
    STEP_MS,
  );

  test(
    "account page: create an API token (with the password) whose curl line works, revoke it, change password",
    async () => {
      await page.getByRole("link", { name: "Account" }).click();
      await heading(page, "Account").waitFor();
      await expect(page.locator(".metadata").textContent()).resolves.toContain("3 images");

      // A token outlives the session, so the page asks for the password; a wrong one is said at the field.
      await page.getByLabel("Token name", { exact: true }).fill("backup script");
      await page.getByLabel("Password, to confirm", { exact: true }).fill("not my password");
      await page.getByRole("button", { name: "Create token" }).click();
      await page.getByText("That is not your password.").waitFor();
      await page.getByLabel("Password, to confirm", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Create token" }).click();
      const secret = await page.getByLabel("Token", { exact: true }).inputValue();
      expect(secret).toMatch(/^pxv_/);
      const curl = await page.getByLabel("Try it with curl", { exact: true }).inputValue();
      expect(curl).toBe(`curl -H 'Authorization: Bearer ${secret}' ${server.url}/api/v1/images`);
      const ran = Bun.spawnSync(["sh", "-c", `${curl} -s`]);
      expect(JSON.parse(ran.stdout.toString()).items).toHaveLength(3);
      await shoot(page, "account");

      await page.getByRole("button", { name: "Revoke backup script" }).click();
      await page.getByText("No API tokens.").waitFor();
      expect(JSON.parse(Bun.spawnSync(["sh", "-c", `${curl} -s`]).stdout.toString()).code).toBe("unauthorized");

      // A token made before a password change stops working with it, and leaves the list.
      await page.getByLabel("Token name", { exact: true }).fill("nightly sync");
      await page.getByLabel("Password, to confirm", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Create token" }).click();
      await page.getByRole("button", { name: "Revoke nightly sync" }).waitFor();
      const nightly = await page.getByLabel("Try it with curl", { exact: true }).inputValue();

      await page.getByLabel("Current password", { exact: true }).fill("not my password");
      await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Change password" }).click();
      await page.getByText("That is not your current password.").waitFor();
      await page.getByLabel("Current password", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Change password" }).click();
      await status()
        .getByText(/Password changed/)
        .waitFor();
      await page.getByText("No API tokens.").waitFor();
      expect(JSON.parse(Bun.spawnSync(["sh", "-c", `${nightly} -s`]).stdout.toString()).code).toBe("unauthorized");
    },
    STEP_MS,
  );

  test(
    "sign out ends the session: the cookie is gone and a reload shows the sign-in page",
    async () => {
      await page.getByRole("button", { name: "Sign out" }).click();
      await heading(page, "Sign in").waitFor();
      expect((await ann.cookies()).some((c) => c.name === "pxv_session")).toBe(false);
      await page.reload();
      await heading(page, "Sign in").waitFor();
    },
    STEP_MS,
  );

  test(
    "signing back in right after signing out leaves no stale notice over the pages that follow",
    async () => {
      await page.getByLabel("Username", { exact: true }).fill(USERNAME);
      await page.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await heading(page, "My images").waitFor();
      await page.getByRole("button", { name: "Sign out" }).click();
      await status().getByText("Signed out.").waitFor();
      // At once, as a password manager does: the notice is still fresh when the next page renders.
      await page.getByLabel("Username", { exact: true }).fill(USERNAME);
      await page.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await heading(page, "My images").waitFor();
      expect(await status().textContent()).toBe("");
      await page.locator(".grid .card .name").first().click();
      await page.locator(".metadata").waitFor();
      expect(await status().textContent()).toBe("");
      await page.getByRole("button", { name: "Sign out" }).click();
      await heading(page, "Sign in").waitFor();
    },
    STEP_MS,
  );

  test(
    "a malformed address (#/image/%) shows a not-found page, not a script error",
    async () => {
      const errors: string[] = [];
      const visitor = await browser.newContext();
      visitor.setDefaultTimeout(10_000);
      const p = await visitor.newPage();
      p.on("pageerror", (e) => errors.push(e.message));
      await p.goto(`${server.url}/#/image/%`);
      await heading(p, "Page not found").waitFor();
      await p.getByRole("link", { name: "Back to the images" }).waitFor();
      // A well-formed id that names nothing is the image page's own not-found.
      await p.goto(`${server.url}/#/image/${encodeURIComponent("no such image")}`);
      await heading(p, "Image not found").waitFor();
      expect(errors).toEqual([]);
      await visitor.close();
    },
    STEP_MS,
  );

  test(
    "on a phone-sized screen, with the keyboard alone: sign in, select, and nothing overflows",
    async () => {
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const p = await phone.newPage();
      await p.goto(server.url);
      await heading(p, "Sign in").waitFor();
      await p.keyboard.press("Tab");
      expect(await p.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("username");
      await p.keyboard.type(USERNAME);
      await p.keyboard.press("Tab");
      await p.keyboard.type(NEW_PASSWORD);
      await p.keyboard.press("Enter");
      await heading(p, "My images").waitFor();
      await p.locator(".grid .card").nth(2).waitFor();
      const fits = () => p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      expect(await fits()).toBe(true);

      const box = p.locator(".grid .card input[type=checkbox]").first();
      await box.focus();
      expect(await box.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe("none"); // a visible focus ring
      await p.keyboard.press("Space");
      await p.getByText("1 selected").waitFor();
      await shoot(p, "phone-grid");

      await p.locator(".grid .card .name").first().press("Enter");
      await p.locator(".metadata").waitFor();
      expect(await fits()).toBe(true);
      await phone.close();
    },
    STEP_MS,
  );

  test(
    "pages through the cursor API as the grid scrolls, and filters by name and by tag",
    async () => {
      const login = await fetch(`${server.url}/api/v1/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: USERNAME, password: NEW_PASSWORD }),
      });
      const { token } = (await login.json()) as { token: string };
      await page.getByLabel("Username", { exact: true }).fill(USERNAME);
      await page.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await heading(page, "My images").waitFor();
      const form = new FormData();
      form.append("onConflict", "rename");
      const jpeg = await Bun.file(join(FIXTURES, "sample.jpg")).bytes();
      for (let i = 0; i < 45; i++) form.append("file", new File([jpeg], "sample.jpg"));
      const up = await fetch(`${server.url}/api/v1/images`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
      expect(up.status).toBe(201);

      await page.reload();
      await page.getByText("40 images shown, more below.").waitFor();
      await page.getByRole("button", { name: "Load more" }).scrollIntoViewIfNeeded();
      await page.getByText("48 images shown.").waitFor();
      expect(await page.getByRole("button", { name: "Load more" }).isHidden()).toBe(true);
      expect(new Set(await cardNames()).size).toBe(48);

      await page.getByLabel("Name", { exact: true }).fill("sample (4");
      await page.getByRole("button", { name: "Filter", exact: true }).click();
      await page.getByText("7 images shown.").waitFor(); // (4) and (40) … (45)
      await page.getByRole("button", { name: "Show all" }).click();
      await page.getByText("40 images shown, more below.").waitFor();
      await page.getByLabel("Tag", { exact: true }).fill("LAKE");
      await page.getByRole("button", { name: "Filter", exact: true }).click();
      await page.getByText("1 image shown.").waitFor();
      expect(await cardNames()).toEqual(["lake.png"]);
    },
    STEP_MS,
  );

  test(
    "deleting the account asks for the password; afterwards the account cannot sign in",
    async () => {
      await page.getByRole("link", { name: "Account" }).click();
      await page.getByRole("button", { name: "Delete my account…" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Your password, to confirm", { exact: true }).fill(NEW_PASSWORD);
      await dialog.getByRole("button", { name: "Delete my account" }).click();
      await heading(page, "Sign in").waitFor();
      await status().getByText("Your account has been deleted.").waitFor();

      await page.getByLabel("Username", { exact: true }).fill(USERNAME);
      await page.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Wrong username or password.").waitFor();
    },
    STEP_MS,
  );
});

describe("a photo library: previews in the grid, the viewer, the timeline, shares, a phone", () => {
  const BEA = "bea";
  let photos: PhotoSet;
  let library: BrowserContext;
  let lib: Page;
  let names: string[] = [];
  const tiles = () => lib.locator(".grid .card");
  const tile = (name: string) => lib.locator(".card").filter({ has: lib.getByRole("link", { name, exact: true }) });
  const viewerTitle = () => lib.locator("h1.image-title");

  async function signIn(p: Page, username: string): Promise<void> {
    await p.goto(`${server.url}/#/signin`);
    await p.getByLabel("Username", { exact: true }).fill(username);
    await p.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await p.getByRole("button", { name: "Sign in" }).click();
    await heading(p, "My images").waitFor();
  }

  beforeAll(async () => {
    const folder = join(dir.path, "photos");
    mkdirSync(folder);
    photos = await writePhotoSet(folder);
    const made = await fetch(`${server.url}/api/v1/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Bea Example", username: BEA, email: "bea@example.org", password: PASSWORD }),
    });
    expect(made.status).toBe(201);
  }, 60_000);

  afterAll(() => library?.close());

  test("uploads twenty camera photos, an iPhone HEIC and a decompression bomb through the page", async () => {
    const uploader = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const p = await uploader.newPage();
    await signIn(p, BEA);
    const files = [...photos.photos, photos.heic, photos.bomb].map((f) => f.path);
    await p.getByLabel("Choose images to upload", { exact: true }).setInputFiles(files);
    await p.getByText("22 files uploaded.").waitFor({ timeout: 60_000 });
    await uploader.close();
  }, 90_000);

  test(
    "the grid loads thumb previews only: under a quarter of the originals' bytes; the HEIC shows, the bomb is a placeholder",
    async () => {
      library = await browser.newContext({ viewport: { width: 1100, height: 800 } });
      library.setDefaultTimeout(20_000);
      lib = await library.newPage();
      lib.on("pageerror", (e) => console.error(`page error: ${e.message}`));
      const loaded = { preview: 0, content: 0, contentRequests: 0 };
      // Bytes by each answer's exact Content-Length (previews and originals carry one), read as the
      // answer arrives: fetching bodies afterwards raced Playwright's disposal of finished requests.
      const length = (res: { headers(): Record<string, string> }) => Number(res.headers()["content-length"] ?? 0);
      const count = (res: PageResponse) => {
        const url = res.url();
        if (/\/api\/v1\/images\/[^/]+\/preview/.test(url) && res.status() === 200) {
          loaded.preview += length(res);
        } else if (/\/api\/v1\/images\/[^/]+\/content/.test(url)) {
          loaded.contentRequests += 1;
          loaded.content += length(res);
        }
      };
      lib.on("response", count);
      await signIn(lib, BEA);
      await tiles().nth(21).waitFor();
      names = await lib.locator(".grid .card .name").allTextContents();
      expect(names).toHaveLength(22);

      // Every tile ends as a drawn preview or a placeholder, never a broken image.
      const bombTile = tile("bomb.png");
      await bombTile.locator(".placeholder").waitFor();
      await expect(bombTile.locator(".placeholder").textContent()).resolves.toMatch(/^bomb\.pngNo preview: .+/);
      expect(await bombTile.locator("img").count()).toBe(0);
      const heicImg = tile("iphone.heic").locator("img");
      await expect(
        heicImg.evaluate((el) => (el as HTMLImageElement).decode().then(() => (el as HTMLImageElement).naturalWidth)),
      ).resolves.toBeGreaterThan(0);
      await lib.waitForFunction(() =>
        [...document.querySelectorAll<HTMLImageElement>(".grid .card img")].every((img) => img.complete && img.naturalWidth > 0),
      );
      const originals = [...photos.photos, photos.heic, photos.bomb].reduce((sum, f) => sum + (f.size || 1563), 0);
      expect(loaded.contentRequests).toBe(0);
      expect(loaded.preview).toBeGreaterThan(0);
      expect(loaded.preview).toBeLessThan(originals / 4);
      console.info(`grid of 22: ${loaded.preview} bytes of previews for ${originals} bytes of originals`);
      // Counted: left on, the listener met responses whose request Playwright had already
      // disposed, and its "Object with guid request@… was not bound" failed a later test.
      lib.off("response", count);
      await shoot(lib, "photo-grid", false);
    },
    STEP_MS,
  );

  test(
    "the viewer: display preview, ← and → by keyboard and buttons, Escape and Back return to the same scroll position and card",
    async () => {
      await lib.evaluate(() => window.scrollTo(0, 420));
      const at = 12;
      await tile(names[at]!).locator("a.thumb").scrollIntoViewIfNeeded();
      const scrolled = await lib.evaluate(() => window.scrollY);
      expect(scrolled).toBeGreaterThan(300);
      await tile(names[at]!).locator("a.thumb").click();
      await viewerTitle().getByText(names[at]!, { exact: true }).waitFor();
      const stageImg = lib.locator(".stage img");
      expect(await stageImg.getAttribute("src")).toMatch(/\/preview\?size=display$/);
      await expect(
        stageImg.evaluate((el) => (el as HTMLImageElement).decode().then(() => (el as HTMLImageElement).naturalWidth)),
      ).resolves.toBeGreaterThan(400);
      // Focus moved into the viewer.
      expect(await lib.evaluate(() => document.activeElement?.closest(".image-page") !== null)).toBe(true);

      await lib.keyboard.press("ArrowRight");
      await viewerTitle()
        .getByText(names[at + 1]!, { exact: true })
        .waitFor();
      await lib.keyboard.press("ArrowRight");
      await viewerTitle()
        .getByText(names[at + 2]!, { exact: true })
        .waitFor();
      await lib.keyboard.press("ArrowLeft");
      await viewerTitle()
        .getByText(names[at + 1]!, { exact: true })
        .waitFor();
      await lib.getByRole("button", { name: "Previous image" }).click();
      await viewerTitle().getByText(names[at]!, { exact: true }).waitFor();
      // The button keeps the focus, so it can be pressed again.
      expect(await lib.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Previous image");

      await lib.keyboard.press("Escape");
      await heading(lib, "My images").waitFor();
      expect(await lib.evaluate(() => window.scrollY)).toBe(scrolled);
      expect(await lib.evaluate(() => document.activeElement?.textContent)).toBe(names[at]);

      // Back in the history, after paging: one step back is the grid, not the image before.
      await lib.keyboard.press("Enter");
      await viewerTitle().getByText(names[at]!, { exact: true }).waitFor();
      await lib.getByRole("button", { name: "Next image" }).click();
      await viewerTitle()
        .getByText(names[at + 1]!, { exact: true })
        .waitFor();
      await shoot(lib, "viewer", false);
      await lib.goBack();
      await heading(lib, "My images").waitFor();
      expect(await lib.evaluate(() => window.scrollY)).toBe(scrolled);
      expect(await lib.evaluate(() => document.activeElement?.textContent)).toBe(names[at + 1]);
    },
    STEP_MS,
  );

  test(
    "the viewer shows the date taken, the camera and, to the owner only, the location",
    async () => {
      const id = (await tile("iphone.heic").getAttribute("data-id"))!;
      await tile("iphone.heic").locator("a.thumb").click();
      await viewerTitle().getByText("iphone.heic", { exact: true }).waitFor();
      const details = (await lib.locator(".metadata").textContent())!;
      expect(details).toContain("UTC+02:00");
      expect(details).toMatch(/2024/);
      expect(details).toContain("Apple iPhone 15 Pro");
      expect(details).toMatch(/Location48\.858\d+° N, 2\.294\d+° E, 35 m/);
      await expect(
        lib.locator(".stage img").evaluate((el) => (el as HTMLImageElement).decode().then(() => (el as HTMLImageElement).naturalWidth)),
      ).resolves.toBeGreaterThan(0);

      await lib.getByLabel("Visibility", { exact: true }).selectOption("public");
      await lib.getByRole("button", { name: "Save changes" }).click();
      await lib.getByRole("status").getByText("Saved.").waitFor();
      const stranger = await browser.newContext();
      const other = await stranger.newPage();
      await other.goto(`${server.url}/#/image/${id}`);
      await other.locator(".metadata").getByText("Apple iPhone 15 Pro").waitFor();
      expect(await other.locator(".metadata").textContent()).not.toContain("Location");
      await stranger.close();
      await lib.keyboard.press("Escape");
      await heading(lib, "My images").waitFor();
    },
    STEP_MS,
  );

  test(
    "the timeline groups by month taken (undated under their upload month); the sort control reorders the grid",
    async () => {
      await lib.getByRole("button", { name: "Timeline" }).click();
      await lib.locator(".timeline .group").nth(4).waitFor();
      expect(lib.url()).toEndWith("#/?view=timeline");
      const thisMonth = await lib.evaluate(() => new Date().toLocaleString(undefined, { month: "long", year: "numeric" }));
      const groups = await lib
        .locator(".timeline .group")
        .evaluateAll((sections) => sections.map((s) => [s.querySelector("h2")!.textContent, s.querySelectorAll(".card").length]));
      expect(groups).toEqual([
        [thisMonth, 5],
        ["May 2024", 1],
        ["March 2024", 4],
        ["December 2023", 6],
        ["July 2023", 6],
      ]);
      await shoot(lib, "timeline", false);
      // The view is in the address: a reload keeps it.
      await lib.reload();
      await lib.locator(".timeline .group").nth(4).waitFor();

      await lib.getByRole("button", { name: "Grid" }).click();
      await lib.getByLabel("Sort", { exact: true }).selectOption({ label: "Largest first" });
      const largest = [...photos.photos].sort((a, b) => b.size - a.size)[0]!.name;
      await lib.waitForFunction((name) => document.querySelector(".grid .card .name")?.textContent === name, largest);
      expect(lib.url()).toEndWith("#/?sort=size");
      await lib.getByLabel("Sort", { exact: true }).selectOption({ label: "Newest first" });
      await lib.waitForFunction((name) => document.querySelector(".grid .card .name")?.textContent === name, names[0]);
    },
    STEP_MS,
  );

  test(
    "a share link with a password and a download limit opens signed out once, then is used up",
    async () => {
      // A camera JPEG by name: the grid's order follows the order the uploads finished, and the
      // HEIC (whose copy for others is its display preview) could be anywhere in it.
      const name = photos.photos[3]!.name;
      await tile(name).getByRole("link", { name, exact: true }).click();
      await viewerTitle().getByText(name, { exact: true }).waitFor();
      await lib.getByLabel("Password (optional)", { exact: true }).fill("pebble lantern");
      await lib.getByLabel("Download limit (optional)", { exact: true }).fill("1");
      await lib.getByRole("button", { name: "Create share link" }).click();
      await lib.getByText(/for 1 download, with the password\.$/).waitFor();
      const url = await lib.getByLabel("Link", { exact: true }).inputValue();

      const stranger = await browser.newContext();
      const other = await stranger.newPage();
      await other.goto(url);
      await other.getByRole("heading", { name: "This link is protected" }).waitFor();
      await other.getByLabel("Password").fill("pebble lantern");
      const [opened] = await Promise.all([
        other.waitForResponse((r) => r.url() === url && r.request().method() === "GET"),
        other.getByRole("button", { name: "Open" }).click(),
      ]);
      expect(opened.status()).toBe(200);
      expect(opened.headers()["content-type"]).toBe("image/jpeg");
      expect((await other.goto(url))!.status()).toBe(410);
      await stranger.close();
      await lib.keyboard.press("Escape");
      await heading(lib, "My images").waitFor();
    },
    STEP_MS,
  );

  test(
    "on a phone, photos come first: upload and filters fold into a bar; the viewer pages by swipe",
    async () => {
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
      phone.setDefaultTimeout(20_000);
      const p = await phone.newPage();
      await signIn(p, BEA);
      await p.locator(".grid .card img").first().waitFor();
      const first = (await p.locator(".grid .card").first().boundingBox())!;
      expect(first.y + first.height / 2).toBeLessThan(844 / 2); // the first photo in the upper half of the screen
      expect(await p.locator("#upload-panel").isHidden()).toBe(true);
      expect(await p.locator("#listing-controls").isHidden()).toBe(true);
      expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await shoot(p, "phone-photos", false);
      await p.getByRole("button", { name: "Filter and sort" }).click();
      await p.getByLabel("Sort", { exact: true }).waitFor();
      expect(await p.getByRole("button", { name: "Filter and sort" }).getAttribute("aria-expanded")).toBe("true");
      await p.getByRole("button", { name: "Upload" }).click();
      await p.getByLabel("Choose images to upload", { exact: true }).waitFor();

      const phoneNames = await p.locator(".grid .card .name").allTextContents();
      await p.locator(".grid .card a.thumb").first().click();
      await p.locator("h1.image-title").getByText(phoneNames[0]!, { exact: true }).waitFor();
      const stage = (await p.locator(".stage").boundingBox())!;
      const y = stage.y + stage.height / 2;
      const cdp = await phone.newCDPSession(p);
      const touch = (type: string, x?: number) =>
        cdp.send("Input.dispatchTouchEvent", { type, touchPoints: x === undefined ? [] : [{ x, y }] } as never);
      await touch("touchStart", stage.x + stage.width * 0.85);
      for (const f of [0.7, 0.5, 0.3, 0.15]) await touch("touchMove", stage.x + stage.width * f);
      await touch("touchEnd");
      await p.locator("h1.image-title").getByText(phoneNames[1]!, { exact: true }).waitFor();
      expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await phone.close();
    },
    STEP_MS,
  );
});

describe("sign-up follows --registration", () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });
  const serverWith = async (mode: string) => {
    const dataDir = join(dir.path, `registration-${mode}`);
    const s = await startServer(["--data-dir", dataDir, "--registration", mode], { cwd: dir.path });
    servers.push(s);
    return { url: s.url, dataDir };
  };

  test(
    "closed: the sign-up page says so and shows no form",
    async () => {
      const { url } = await serverWith("closed");
      const p = await browser.newPage();
      await p.goto(`${url}/#/signup`);
      await heading(p, "Create an account").waitFor();
      await p.getByText("Registration is closed — ask the operator for an account").waitFor();
      expect(await p.getByRole("button", { name: "Create account" }).count()).toBe(0);
      await p.close();
    },
    STEP_MS,
  );

  test(
    "invite: the page asks for the code, says when it does not work, and signs up with a good one",
    async () => {
      const { url, dataDir } = await serverWith("invite");
      const made = await runCli(["invite", "create", "--data-dir", dataDir]);
      expect(made.code).toBe(0);
      const code = /pxi_[A-Za-z0-9_-]{43}/.exec(made.stdout)![0];
      const context = await browser.newContext();
      const p = await context.newPage();
      await p.goto(`${url}/#/signup`);
      await heading(p, "Create an account").waitFor();
      await p.getByLabel("Invite code", { exact: true }).fill(`pxi_${"x".repeat(43)}`);
      await p.getByLabel("Name", { exact: true }).fill("Invited Person");
      await p.getByLabel("Username", { exact: true }).fill("invited");
      await p.getByLabel("Email", { exact: true }).fill("invited@example.org");
      await p.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await p.getByRole("button", { name: "Create account" }).click();
      await p
        .locator(".field-error")
        .getByText(/invite code is not valid/)
        .waitFor();
      await p.getByLabel("Invite code", { exact: true }).fill(code);
      await p.getByRole("button", { name: "Create account" }).click();
      await heading(p, "My images").waitFor();
      await context.close();
    },
    STEP_MS,
  );
});
