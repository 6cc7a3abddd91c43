// A large file in the web UI goes up as a resumable (tus) upload: dist/pixvault in an empty
// directory, headless Chromium. Files over 8 MiB take /api/v1/uploads (small ones stay on POST
// /api/v1/images); the first PATCH is cut off by the network and the upload resumes by itself
// from the server's offset; the stored image is the file, byte for byte. Run by .ci/run after the build.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../support/browser.ts";
import { pngOfSize } from "../support/images.ts";
import { type RunningServer, startServer, tempDir } from "../support/pixvault.ts";
import { useBuiltBinary } from "./built-binary.ts";

const STEP_MS = 60_000;

const dir = tempDir("pixvault-e2e-tus-");
let server: RunningServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  useBuiltBinary(dir.path);
  server = await startServer(["--data-dir", join(dir.path, "data")], { cwd: dir.path });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  context.setDefaultTimeout(20_000);
  page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
}, STEP_MS);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  dir.remove();
});

test(
  "a 9 MiB image goes up through tus, survives a cut-off PATCH, and is stored byte-exact",
  async () => {
    await page.goto(server.url);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Tess Example");
    await page.getByLabel("Username", { exact: true }).fill("tess");
    await page.getByLabel("Email", { exact: true }).fill("tess@example.org");
    await page.getByLabel("Password", { exact: true }).fill("seven quiet otters paddle north");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { level: 1, name: "My images" }).waitFor();

    const bytes = pngOfSize(9 * 1024 * 1024, 95);
    const file = join(dir.path, "panorama.png");
    writeFileSync(file, bytes);
    const seen: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/v1/uploads") || r.url().endsWith("/api/v1/images"))
        seen.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    // The network drops the first PATCH: tus-js-client asks HEAD for the offset and sends again.
    let cut = false;
    await page.route("**/api/v1/uploads/*", async (route) => {
      if (route.request().method() === "PATCH" && !cut) {
        cut = true;
        await route.abort("connectionreset");
      } else {
        await route.continue();
      }
    });

    await page.getByLabel("Choose images to upload", { exact: true }).setInputFiles(file);
    await page.getByText("1 file uploaded.").waitFor({ timeout: STEP_MS });
    expect(cut).toBe(true);
    expect(seen.filter((s) => s.startsWith("POST /api/v1/uploads")).length).toBe(1);
    expect(seen.filter((s) => s.startsWith("PATCH /api/v1/uploads/")).length).toBeGreaterThanOrEqual(2);
    expect(seen.some((s) => s.startsWith("HEAD /api/v1/uploads/"))).toBe(true);
    expect(seen).not.toContain("POST /api/v1/images");

    const stored = await page.evaluate(async () => {
      const list = await (await fetch("/api/v1/images?q=panorama")).json();
      return list.items as { filename: string; size: number; sha256: string }[];
    });
    expect(stored).toEqual([
      expect.objectContaining({ filename: "panorama.png", size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") }),
    ]);
    expect(pageErrors).toEqual([]);
  },
  STEP_MS,
);
