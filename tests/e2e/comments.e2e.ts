// Comments in the web UI: dist/pixvault alone in an empty directory, driven by headless Chromium —
// sign up, upload an image, open it, post a comment whose HTML shows as the literal text it is,
// see it again after a reload, and delete it. Run by .ci/run after the build.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { signUp, useBrowserSuite } from "./browser-suite.ts";

const ROOT = join(import.meta.dir, "../..");
const FIXTURES = join(ROOT, "tests/fixtures/images");
const STEP_MS = 30_000;
const HTML = "<b>not bold</b>";

const suite = useBrowserSuite("pixvault-e2e-comments-");

const heading = (name: string) => suite.page.getByRole("heading", { level: 1, name });
const comments = () => suite.page.locator("section").filter({ has: suite.page.getByRole("heading", { level: 2, name: "Comments" }) });

test(
  "sign up, upload and open an image: no comments yet, and a form to post one",
  async () => {
    const { page } = suite;
    await signUp(suite, { name: "Cleo Example", username: "cleo", password: "quiet lantern beyond eleven harbours" });

    await page.getByLabel("Choose images to upload", { exact: true }).setInputFiles(join(FIXTURES, "sample.png"));
    await page.getByText("1 file uploaded.").waitFor();
    await page.getByRole("link", { name: "sample.png", exact: true }).click();
    await heading("sample.png").waitFor();
    await comments().getByText("No comments yet.").waitFor();
    await expect(comments().getByRole("button", { name: "Post comment" }).isVisible()).resolves.toBe(true);
  },
  STEP_MS,
);

test(
  "a comment with HTML in it shows as that text, with its author, and is still there after a reload",
  async () => {
    const { page } = suite;
    await page.getByLabel("Comment", { exact: true }).fill(`  ${HTML}  `);
    await page.getByRole("button", { name: "Post comment" }).click();
    const body = comments().locator(".comment-body");
    await body.waitFor();
    await expect(body.textContent()).resolves.toBe(HTML);
    // Text, not markup: no element was made from it.
    await expect(comments().locator(".comments b").count()).resolves.toBe(0);
    await expect(body.evaluate((el) => el.innerHTML)).resolves.toBe("&lt;b&gt;not bold&lt;/b&gt;");
    await expect(comments().locator(".comments li").textContent()).resolves.toContain("Cleo Example");
    await expect(page.getByLabel("Comment", { exact: true }).inputValue()).resolves.toBe("");
    await expect(comments().getByText("No comments yet.").isVisible()).resolves.toBe(false);

    await page.reload();
    await heading("sample.png").waitFor();
    await comments().locator(".comment-body").waitFor();
    await expect(comments().locator(".comment-body").allTextContents()).resolves.toEqual([HTML]);
  },
  STEP_MS,
);

test(
  "an empty comment is not posted; the author deletes theirs after confirming",
  async () => {
    const { page } = suite;
    await page.getByLabel("Comment", { exact: true }).fill("   ");
    await page.getByRole("button", { name: "Post comment" }).click();
    await comments().getByText("must not be empty").waitFor();
    await expect(comments().locator(".comment-body").count()).resolves.toBe(1);

    await comments().getByRole("button", { name: "Delete comment by cleo" }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByRole("heading").textContent()).resolves.toBe("Delete this comment?");
    await dialog.getByRole("button", { name: "Delete comment" }).click();
    await page.getByRole("status").getByText("Comment deleted.").waitFor();
    await comments().getByText("No comments yet.").waitFor();
    await expect(comments().locator(".comment-body").count()).resolves.toBe(0);

    const listed = await page.evaluate(async () => {
      const id = decodeURIComponent(location.hash.split("/").pop()!);
      return (await fetch(`/api/v1/images/${encodeURIComponent(id)}/comments`)).json();
    });
    expect(listed).toEqual({ items: [], nextCursor: null });
    expect(suite.pageErrors).toEqual([]);
  },
  STEP_MS,
);
