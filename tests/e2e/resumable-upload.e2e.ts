// A large file in the web UI goes up as a resumable (tus) upload: dist/pixvault in an empty
// directory, headless Chromium. Files over 8 MiB take /api/v1/uploads (small ones stay on POST
// /api/v1/images); the first PATCH is cut off by the network and the upload resumes by itself
// from the server's offset; the stored image is the file, byte for byte. Run by .ci/run after the build.
import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pngOfSize } from "../support/images.ts";
import { signUp, useBrowserSuite } from "./browser-suite.ts";

const STEP_MS = 60_000;

const suite = useBrowserSuite("pixvault-e2e-tus-", { timeoutMs: 20_000 });

test(
  "a 9 MiB image goes up through tus, survives a cut-off PATCH, and is stored byte-exact",
  async () => {
    const { page } = suite;
    await signUp(suite, { name: "Tess Example", username: "tess", password: "seven quiet otters paddle north" });

    const bytes = pngOfSize(9 * 1024 * 1024, 95);
    const file = join(suite.dir, "panorama.png");
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
    expect(suite.pageErrors).toEqual([]);
  },
  STEP_MS,
);
