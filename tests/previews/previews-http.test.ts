// GET /api/v1/images/:id/preview as a client sees it: exact headers, conditionals, ranges, the access rules of /content, bad input; and the image object's photo fields.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Sharp } from "../../src/media/sharp-loader.ts";
import { PARIS, photo } from "../media/photo-samples.ts";
import { expectProblem, signedInUser } from "../support/accounts.ts";
import type { ImageBody } from "../support/api-bodies.ts";
import { bytesOf, sha256Hex, uploadOne } from "../support/images-api.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { imageOf, previewOf, settledImage, testSharp } from "../support/previews-api.ts";

describe("preview responses", () => {
  const server = useInProcessServer();
  let url: string;
  let sharp: Sharp;
  let owner: string;
  let other: string;
  let privateImage: ImageBody;
  let publicImage: ImageBody;
  beforeAll(async () => {
    url = server.url;
    sharp = testSharp();
    owner = (await signedInUser(url)).token;
    other = (await signedInUser(url)).token;
    const bytes = await photo(sharp, { width: 1600, height: 1200 });
    privateImage = await uploadOne(url, owner, { name: "private.jpg", bytes });
    publicImage = await uploadOne(
      url,
      owner,
      { name: "public.jpg", bytes: await photo(sharp, { width: 900, height: 600 }) },
      {
        visibility: "public",
      },
    );
  });

  test("200 with its own type, exact length, a strong ETag (the preview's SHA-256), nosniff; thumb by default", async () => {
    const res = await previewOf(url, owner, privateImage.id, undefined);
    expect(res.status).toBe(200);
    const bytes = await bytesOf(res);
    expect(["image/webp", "image/jpeg"]).toContain(res.headers.get("content-type") ?? "");
    expect(res.headers.get("content-length")).toBe(String(bytes.length));
    expect(res.headers.get("etag")).toBe(`"${sha256Hex(bytes)}"`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    // A private image's preview is cached nowhere.
    expect(res.headers.get("cache-control")).toBe("no-store");
    const meta = await sharp(bytes).metadata();
    expect([meta.width, meta.height]).toEqual([400, 300]);
    // The default is the thumb, bit for bit; the display is another preview with another tag.
    const thumb = await previewOf(url, owner, privateImage.id, "thumb");
    expect(sha256Hex(await bytesOf(thumb))).toBe(sha256Hex(bytes));
    const display = await previewOf(url, owner, privateImage.id, "display");
    const displayBytes = await bytesOf(display);
    expect(display.headers.get("etag")).toBe(`"${sha256Hex(displayBytes)}"`);
    expect(display.headers.get("etag")).not.toBe(res.headers.get("etag"));
    expect((await sharp(displayBytes).metadata()).width).toBe(1600);
  });

  test("If-None-Match with its ETag → 304 with no body; another tag → 200", async () => {
    const first = await previewOf(url, owner, privateImage.id, "display");
    const etag = first.headers.get("etag")!;
    await first.arrayBuffer();
    const again = await previewOf(url, owner, privateImage.id, "display", { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    expect(again.headers.get("etag")).toBe(etag);
    const stale = await previewOf(url, owner, privateImage.id, "display", { "if-none-match": `"${"0".repeat(64)}"` });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
  });

  test("Range → 206 with exactly those bytes of the preview; past the end → 416", async () => {
    const whole = await bytesOf(await previewOf(url, owner, privateImage.id, "display"));
    const res = await previewOf(url, owner, privateImage.id, "display", { range: "bytes=10-99" });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 10-99/${whole.length}`);
    expect(res.headers.get("content-length")).toBe("90");
    expect((await bytesOf(res)).equals(whole.subarray(10, 100))).toBe(true);
    const tail = await previewOf(url, owner, privateImage.id, "display", { range: "bytes=-5" });
    expect((await bytesOf(tail)).equals(whole.subarray(whole.length - 5))).toBe(true);
    const past = await previewOf(url, owner, privateImage.id, "display", { range: `bytes=${whole.length}-` });
    expect(past.headers.get("content-range")).toBe(`bytes */${whole.length}`);
    await expectProblem(past, 416, "range_not_satisfiable");
  });

  test("a private image's preview is 404 not_found for another user and for anonymous, like an unknown id", async () => {
    for (const size of ["thumb", "display"]) {
      await expectProblem(await previewOf(url, other, privateImage.id, size), 404, "not_found");
      await expectProblem(await previewOf(url, undefined, privateImage.id, size), 404, "not_found");
    }
    await expectProblem(await previewOf(url, owner, "0123456789abcdef0123456789abcdef", "thumb"), 404, "not_found");
    await expectProblem(await previewOf(url, undefined, "no-such-image", "display"), 404, "not_found");
  });

  test("a public image's preview is 200 for another user and anonymous, cacheable but revalidated", async () => {
    const mine = await bytesOf(await previewOf(url, owner, publicImage.id, "thumb"));
    for (const token of [other, undefined]) {
      const res = await previewOf(url, token, publicImage.id, "thumb");
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("public, no-cache");
      expect((await bytesOf(res)).equals(mine)).toBe(true);
    }
  });

  test("?size= other than thumb or display → 422 validation_failed, before any access check", async () => {
    for (const size of ["bogus", "", "THUMB", "original"]) {
      await expectProblem(await previewOf(url, owner, privateImage.id, size), 422, "validation_failed");
    }
    await expectProblem(await previewOf(url, undefined, "no-such-image", "huge"), 422, "validation_failed");
  });
});

describe("the image object's photo fields", () => {
  const server = useInProcessServer();
  let url: string;
  let owner: string;
  let other: string;
  let image: ImageBody;
  beforeAll(async () => {
    url = server.url;
    owner = (await signedInUser(url)).token;
    other = (await signedInUser(url)).token;
    const bytes = await photo(testSharp(), { width: 1200, height: 800, orientation: 6 });
    const uploaded = await uploadOne(url, owner, { name: "paris.jpg", bytes }, { visibility: "public" });
    image = await settledImage(url, owner, uploaded.id);
  });

  test("previews, takenAt with its offset, camera, and width/height as displayed (orientation 6 turns 1200×800 upright)", () => {
    expect(image.previews).toEqual({ status: "ready" });
    expect(image.takenAt).toBe("2024-05-01T14:03:22.250+02:00");
    expect(image.camera).toEqual({ make: "Apple", model: "iPhone 15 Pro", lens: "iPhone 15 Pro back camera" });
    expect([image.width, image.height]).toEqual([800, 1200]);
  });

  test("the owner sees where it was taken; another user and anonymous see location null, and the rest alike", async () => {
    expect(image.location?.latitude).toBeCloseTo(PARIS.latitude, 4);
    expect(image.location?.longitude).toBeCloseTo(PARIS.longitude, 4);
    for (const token of [other, undefined]) {
      const seen = await imageOf(url, token, image.id);
      expect(seen.location).toBeNull();
      expect(JSON.stringify(seen)).not.toContain("48.85");
      expect({ ...seen, location: image.location }).toEqual(image);
    }
  });
});
