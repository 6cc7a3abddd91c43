// Albums and album links in the web UI: dist/pixvault alone in an empty directory, driven by headless
// Chromium — sign up, upload three images, add two to a new album from the grid's selection, open
// the album, share it; the link opens in a fresh signed-out browser (thumbnails drawn, the viewer,
// Download all as a zip of the two), a password-protected link asks for its password first, an
// upload link takes a file, and a revoked link says so. Run by .ci/run after the build.
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { signUp, useBrowserSuite } from "./browser-suite.ts";

const ROOT = join(import.meta.dir, "../..");
const FIXTURES = join(ROOT, "tests/fixtures/images");
const STEP_MS = 30_000;
const ALBUM = "Summer trip";
const IN_ALBUM = ["sample.jpg", "sample.png"];
const LINK_PASSWORD = "blue heron at dawn";

const suite = useBrowserSuite("pixvault-e2e-albums-", { clipboard: true });
let openLink: string;

const heading = (p: Page, name: string) => p.getByRole("heading", { level: 1, name });
const cardNames = (p: Page) => p.locator(".grid .card .name").allTextContents();

/** A fresh browser with no cookie: someone who was only sent the link. */
const stranger = () => suite.newPage({ acceptDownloads: true });

/** Waits until every thumbnail of the grid has finished loading; returns how many were drawn (naturalWidth > 0). */
async function drawnThumbs(p: Page, expected: number): Promise<number> {
  await p.waitForFunction(
    (n) => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>(".grid .card img")];
      return imgs.length === n && imgs.every((img) => img.complete);
    },
    expected,
    { timeout: 20_000 },
  );
  return p.locator(".grid .card img").evaluateAll((imgs) => imgs.filter((img) => (img as HTMLImageElement).naturalWidth > 0).length);
}

/** Opens the Share album dialog, makes a link with these choices, and returns its url. */
async function makeLink(options: { password?: string; allowUpload?: boolean } = {}): Promise<string> {
  const { page } = suite;
  await page.getByRole("button", { name: "Share album…" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("heading", { name: `Share “${ALBUM}”` }).waitFor();
  await expect(dialog.getByLabel("Allow download").isChecked()).resolves.toBe(true);
  if (options.password) await dialog.getByLabel("Password (optional)").fill(options.password);
  if (options.allowUpload) await dialog.getByLabel("Allow upload").check();
  await dialog.getByRole("button", { name: "Create link" }).click();
  await dialog.getByText(/^The link works until /).waitFor();
  const url = await dialog.getByLabel("Link", { exact: true }).inputValue();
  await dialog.getByRole("button", { name: "Copy" }).click();
  await dialog.getByText("Link copied to the clipboard.").waitFor();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
  await dialog.getByRole("button", { name: "Close" }).click();
  await dialog.waitFor({ state: "detached" });
  return url;
}

test(
  "sign up, upload three images, add two of them to a new album from the selection toolbar",
  async () => {
    const { page } = suite;
    await signUp(suite, { name: "Dana Example", username: "dana", password: "seven quiet otters paddle north" });

    const files = ["sample.jpg", "sample.png", "sample.webp"].map((f) => join(FIXTURES, f));
    await page.getByLabel("Choose images to upload", { exact: true }).setInputFiles(files);
    await page.getByText("3 files uploaded.").waitFor();
    for (const name of IN_ALBUM) await page.getByRole("checkbox", { name: `Select ${name}`, exact: true }).check();
    await page.getByRole("button", { name: "Add to album…" }).click();

    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Add 2 images to an album" }).waitFor();
    // No album yet: only the new album's name is asked for.
    await expect(dialog.getByLabel("Album", { exact: true }).isVisible()).resolves.toBe(false);
    await dialog.getByLabel("Name of the new album").fill(ALBUM);
    await dialog.getByRole("button", { name: "Add 2 images" }).click();
    await page.getByRole("status").getByText(`Added 2 images to “${ALBUM}” (2 images in it now).`).waitFor();
    await dialog.waitFor({ state: "detached" });
  },
  STEP_MS,
);

test(
  "the Albums view shows the album with its cover; its page has the two images, drawn, and the viewer",
  async () => {
    const { page } = suite;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Albums" }).click();
    await heading(page, "Albums").waitFor();
    const card = page.locator(".albums .card").filter({ hasText: ALBUM });
    await expect(card.locator(".card-meta").textContent()).resolves.toContain("2 images");
    await expect(drawnThumbs(page, 1)).resolves.toBe(1);

    await card.getByRole("link", { name: ALBUM }).click();
    await heading(page, ALBUM).waitFor();
    await expect(drawnThumbs(page, 2)).resolves.toBe(2);
    expect((await cardNames(page)).sort()).toEqual(IN_ALBUM);
    await expect(page.getByRole("link", { name: "Download all" }).getAttribute("href")).resolves.toMatch(
      /\/api\/v1\/images\/archive\?album=/,
    );

    await page.getByRole("link", { name: "sample.png", exact: true }).click();
    await heading(page, "sample.png").waitFor();
    await page.keyboard.press("Escape");
    await heading(page, ALBUM).waitFor();
  },
  STEP_MS,
);

test(
  "a link opens in a fresh signed-out browser: name, two drawn thumbnails, the viewer, Download all is a zip of the two",
  async () => {
    const { page } = suite;
    openLink = await makeLink();
    expect(openLink).toMatch(new RegExp(`^${suite.server.url}/a/[^/?#]+$`));
    await page.getByRole("button", { name: "Share album…" }).click();
    // The dialog lists the album's links once they are fetched: wait for the first before counting.
    await page.getByRole("dialog").locator(".album-links li").first().waitFor();
    await expect(page.getByRole("dialog").locator(".album-links li").count()).resolves.toBe(1);
    await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();

    const visitor = await stranger();
    await visitor.goto(openLink);
    await heading(visitor, ALBUM).waitFor();
    await expect(drawnThumbs(visitor, 2)).resolves.toBe(2);
    expect((await cardNames(visitor)).sort()).toEqual(IN_ALBUM);
    // The link's own previews: nothing of the signed-in API.
    const srcs = await visitor.locator(".grid .card img").evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src));
    for (const src of srcs) expect(src).toMatch(/\/a\/[^/]+\/images\/[^/]+\/preview\?size=thumb$/);

    await visitor.getByRole("link", { name: "sample.jpg", exact: true }).click();
    await heading(visitor, "sample.jpg").waitFor();
    const stage = visitor.locator(".stage img");
    await expect(
      stage.evaluate((el) => (el as HTMLImageElement).decode().then(() => (el as HTMLImageElement).naturalWidth)),
    ).resolves.toBeGreaterThan(0);
    expect(await stage.getAttribute("src")).toMatch(/\/preview\?size=display$/);
    await visitor.getByRole("link", { name: `← ${ALBUM}` }).click();
    await heading(visitor, ALBUM).waitFor();

    const [download] = await Promise.all([visitor.waitForEvent("download"), visitor.getByRole("link", { name: "Download all" }).click()]);
    const saved = join(suite.dir, "album.zip");
    await download.saveAs(saved);
    const listing = spawnSync("unzip", ["-Z1", saved], { encoding: "utf8" });
    expect(listing.status, listing.stderr).toBe(0);
    expect(listing.stdout.trim().split("\n").sort()).toEqual(IN_ALBUM);
    await visitor.context().close();
  },
  STEP_MS,
);

test(
  "a password-protected link shows the password form, refuses a wrong one, then shows the album",
  async () => {
    const url = await makeLink({ password: LINK_PASSWORD });
    const visitor = await stranger();
    await visitor.goto(url);
    await heading(visitor, "This album is protected by a password").waitFor();
    expect(await visitor.locator(".grid").count()).toBe(0);

    await visitor.getByLabel("Password", { exact: true }).fill("not it");
    await visitor.getByRole("button", { name: "Open the album" }).click();
    await visitor.getByText("That is not the password of this link.").waitFor();
    await visitor.getByLabel("Password", { exact: true }).fill(LINK_PASSWORD);
    await visitor.getByRole("button", { name: "Open the album" }).click();
    await heading(visitor, ALBUM).waitFor();
    await expect(drawnThumbs(visitor, 2)).resolves.toBe(2);
    // The password never went into an address.
    expect(visitor.url()).not.toContain("heron");
    await visitor.context().close();
  },
  STEP_MS,
);

test(
  "an upload link takes a file with its progress; the owner sees it in the album",
  async () => {
    const { page } = suite;
    const url = await makeLink({ allowUpload: true });
    const visitor = await stranger();
    await visitor.goto(url);
    await heading(visitor, ALBUM).waitFor();
    await visitor.getByLabel("Choose images to upload", { exact: true }).setInputFiles(join(FIXTURES, "sample.gif"));
    await visitor.getByText("1 file uploaded.").waitFor();
    await expect(visitor.getByRole("progressbar", { name: "Upload of sample.gif" }).getAttribute("value")).resolves.toBeTruthy();
    await expect(drawnThumbs(visitor, 3)).resolves.toBe(3);
    await visitor.context().close();

    await page.reload();
    await heading(page, ALBUM).waitFor();
    expect((await cardNames(page)).sort()).toEqual([...IN_ALBUM, "sample.gif"].sort());
  },
  STEP_MS,
);

test(
  "unknown and revoked links say so in words",
  async () => {
    const { page } = suite;
    const visitor = await stranger();
    await visitor.goto(`${suite.server.url}/a/not-a-real-token`);
    await heading(visitor, "This link does not open an album").waitFor();

    await page.getByRole("button", { name: "Share album…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.locator(".album-links li").nth(2).waitFor();
    await dialog.getByRole("button", { name: "Revoke all links" }).click();
    await page.getByRole("dialog", { name: "Revoke every link to this album?" }).getByRole("button", { name: "Revoke all links" }).click();
    await dialog.getByText("All links revoked: they no longer open the album.").waitFor();
    await dialog.getByText("No live links.").waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();

    await visitor.goto(openLink);
    await heading(visitor, "This link does not open an album").waitFor();
    await visitor.context().close();
    expect(suite.pageErrors).toEqual([]);
  },
  STEP_MS,
);
