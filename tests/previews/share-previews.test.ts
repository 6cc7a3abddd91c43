// Previews through a share link: /s/:token?size=thumb|display, never counted as a download, behind the link's password like the image itself.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Sharp } from "../../src/media/sharp-loader.ts";
import { photo } from "../media/photo-samples.ts";
import { call, expectProblem, signedInUser } from "../support/accounts.ts";
import { bytesOf, sha256Hex, uploadOne } from "../support/images-api.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { previewOf, testSharp } from "../support/previews-api.ts";
import { createShare, openShare, postPassword, unlockCookie } from "../support/shares-api.ts";

const PASSWORD = "previews behind a password";

describe("share links serve previews", () => {
  const server = useInProcessServer(["--preview-workers", "0"]);
  let sharp: Sharp;
  let token: string;
  let original: Buffer;
  let imageId: string;
  beforeAll(async () => {
    sharp = testSharp();
    token = (await signedInUser(server.url)).token;
    // No GPS in it: what a link serves of a photo with a position is the location-privacy tests' business.
    original = await photo(sharp, { width: 2400, height: 1800, exif: false });
    imageId = (await uploadOne(server.url, token, { name: "shared.jpg", bytes: original })).id;
  });

  test("?size=thumb and ?size=display answer the owner's previews (made on demand), with exact headers", async () => {
    const link = await createShare(server.url, token, imageId);
    for (const [size, width] of [
      ["thumb", 400],
      ["display", 2048],
    ] as const) {
      const res = await openShare(server.url, `${link.token}?size=${size}`);
      expect(res.status).toBe(200);
      const bytes = await bytesOf(res);
      expect(["image/webp", "image/jpeg"]).toContain(res.headers.get("content-type") ?? "");
      expect(res.headers.get("content-length")).toBe(String(bytes.length));
      expect(res.headers.get("etag")).toBe(`"${sha256Hex(bytes)}"`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect((await sharp(bytes).metadata()).width).toBe(width);
      const owners = await bytesOf(await previewOf(server.url, token, imageId, size));
      expect(bytes.equals(owners)).toBe(true);
    }
    await expectProblem(await openShare(server.url, `${link.token}?size=bogus`), 422, "validation_failed");
  });

  test("a one-download link serves any number of previews, then the full image once, then nothing", async () => {
    const link = await createShare(server.url, token, imageId, { maxDownloads: 1 });
    const etags = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const res = await openShare(server.url, `${link.token}?size=${i % 3 ? "thumb" : "display"}`);
      expect(res.status).toBe(200);
      etags.add(res.headers.get("etag")!);
      await res.arrayBuffer();
    }
    expect(etags.size).toBe(2);
    const full = await openShare(server.url, link.token);
    expect(full.status).toBe(200);
    expect(sha256Hex(await bytesOf(full))).toBe(sha256Hex(original));
    await expectProblem(await openShare(server.url, link.token), 410, "link_exhausted");
    await expectProblem(await openShare(server.url, `${link.token}?size=thumb`), 410, "link_exhausted");
  });

  test("a password link answers its form for a preview until unlocked, then the preview", async () => {
    const link = await createShare(server.url, token, imageId, { password: PASSWORD });
    for (const size of ["thumb", "display"]) {
      const res = await openShare(server.url, `${link.token}?size=${size}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("text/html");
      expect(res.headers.get("etag")).toBeNull();
      expect(await res.text()).toContain("password");
    }
    const unlocked = await postPassword(server.url, link.token, PASSWORD);
    expect(unlocked.status).toBe(303);
    const cookie = unlockCookie(unlocked)!.pair;
    const res = await openShare(server.url, `${link.token}?size=thumb`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(["image/webp", "image/jpeg"]).toContain(res.headers.get("content-type") ?? "");
    expect((await sharp(await bytesOf(res)).metadata()).width).toBe(400);
  });

  test("an image whose previews failed answers 422 preview_unavailable through its link; its owner still has the original", async () => {
    const junk = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600, 7)]);
    const id = (await uploadOne(server.url, token, { name: "junk.jpg", bytes: junk })).id;
    const link = await createShare(server.url, token, id);
    await expectProblem(await openShare(server.url, `${link.token}?size=display`), 422, "preview_unavailable");
    // Its metadata could not be read, so nothing vouches that it holds no position (SPEC §8,
    // location privacy): a link holder is refused rather than risk it.
    await expectProblem(await openShare(server.url, link.token), 422, "preview_unavailable");
    const owners = await call(server.url, "GET", `/api/v1/images/${id}/content`, { token });
    expect((await bytesOf(owners)).equals(junk)).toBe(true);
  });
});
