// Album links (SPEC §10) through HTTP, the whole app in process: the owner's side (make, list,
// revoke), and every /a/:token route for link holders — with and without a password, expired,
// revoked, without downloads, with guests' uploads (the owner's private images, the owner's quota,
// a budget per address), an image taken out of the album, location privacy, zips read back by
// unzip, ranges, and garbage tokens and ids answered without a 5xx.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import exifReader from "exif-reader";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestApp, type SignedUp, type TestApp } from "../../src/test-app.ts";
import { bearer, type ImageBody, outcome, sendJson, uploaded } from "../domain/app-client.ts";
import { exifJpeg } from "../support/exif-photos.ts";
import { noisePng } from "../support/images.ts";
import { testSharp } from "../support/previews-api.ts";

interface CreatedLink {
  id: string;
  url: string;
  token: string;
  expiresAt: string;
}

interface ListedImage extends ImageBody {
  location: unknown;
  previews: { status: string };
}

const scratch = mkdtempSync(join(tmpdir(), "pixvault-album-links-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function json<T>(res: Response, status: number): Promise<T> {
  const body = await res.text();
  expect({ status: res.status, body: res.status === status ? "" : body }).toEqual({ status, body: "" });
  return JSON.parse(body) as T;
}

/** The app, its users and helpers: one per describe block that needs its own flags. */
function albumLinkSuite(flags: string[] = []) {
  const s = {} as {
    t: TestApp;
    ann: SignedUp;
    bob: SignedUp;
  };
  beforeAll(async () => {
    s.t = await createTestApp({ flags });
    s.ann = await s.t.signUp();
    s.bob = await s.t.signUp();
  });
  afterAll(() => s.t.close());
  return s;
}

const newAlbum = async (t: TestApp, token: string, name: string, ids: string[] = []) => {
  const { album } = await json<{ album: { id: string } }>(await sendJson(t, "POST", "/api/v1/albums", token, { name }), 201);
  if (ids.length > 0) await json(await sendJson(t, "POST", `/api/v1/albums/${album.id}/images`, token, { ids }), 200);
  return album.id;
};

const makeLink = async (t: TestApp, token: string, albumId: string, body: Record<string, unknown> = {}) =>
  json<CreatedLink>(await sendJson(t, "POST", `/api/v1/albums/${albumId}/shares`, token, body), 201);

/** A request as a link holder: no bearer token; `cookie` is an unlock cookie; `ip` the client address. */
const holder = (t: TestApp, path: string, init: { cookie?: string; ip?: string; headers?: Record<string, string> } & RequestInit = {}) => {
  const { cookie, ip, headers, ...rest } = init;
  return t.request(path, { ...rest, headers: { ...headers, ...(cookie ? { cookie } : {}) } }, ip ? { ip } : {});
};

const unlock = (t: TestApp, token: string, password: string, ip?: string) =>
  holder(t, `/a/${token}/unlock`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ password }),
    ...(ip ? { ip } : {}),
  });

/** The unlock cookie as a browser would send it back (name=value). */
const cookieOf = (res: Response) => (res.headers.get("set-cookie") ?? "").split(";")[0]!;

function guestUpload(
  t: TestApp,
  token: string,
  files: { name: string; bytes: Uint8Array }[],
  options: { cookie?: string; ip?: string } = {},
) {
  const form = new FormData();
  for (const f of files) form.append("file", new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: "image/png" }), f.name);
  return holder(t, `/a/${token}/images`, { method: "POST", body: form, ...options });
}

/** Every route a link holder can call, with the outcome each one gave. */
async function everyRoute(t: TestApp, token: string, imageId: string, cookie?: string) {
  const get = async (path: string) => outcome(await holder(t, path, cookie ? { cookie } : {}));
  return {
    page: (await holder(t, `/a/${token}`, cookie ? { cookie } : {})).status,
    album: await get(`/a/${token}/album`),
    images: await get(`/a/${token}/images`),
    thumb: await get(`/a/${token}/images/${imageId}/preview?size=thumb`),
    content: await get(`/a/${token}/images/${imageId}/content`),
    archive: await get(`/a/${token}/archive`),
    upload: await outcome(
      await guestUpload(t, token, [{ name: "x.png", bytes: noisePng({ width: 8, height: 8 }) }], cookie ? { cookie } : {}),
    ),
  };
}

const ok200 = { status: 200 };

function unzip(zip: Uint8Array): { names: string[]; files: Map<string, Buffer> } {
  const dir = mkdtempSync(join(scratch, "zip-"));
  const path = join(dir, "a.zip");
  writeFileSync(path, zip);
  const tested = spawnSync("unzip", ["-t", path], { encoding: "utf8" });
  expect(tested.status, tested.stdout + tested.stderr).toBe(0);
  expect(tested.stdout).toContain("No errors detected");
  const names = spawnSync("unzip", ["-Z1", path], { encoding: "utf8" }).stdout.trim().split("\n").sort();
  const out = join(dir, "out");
  expect(spawnSync("unzip", ["-q", "-d", out, path]).status).toBe(0);
  return { names, files: new Map(readdirSync(out).map((name) => [name, readFileSync(join(out, name))])) };
}

describe("the owner's side", () => {
  const s = albumLinkSuite();
  let albumId: string;

  beforeAll(async () => {
    albumId = await newAlbum(s.t, s.ann.token, "Holiday");
  });

  test("a link: 201 {id, url, token, expiresAt}, 7 days by default; the url is the request origin's /a/<token>", async () => {
    const before = s.t.clock.now().getTime();
    const link = await makeLink(s.t, s.ann.token, albumId);
    expect(Object.keys(link).sort()).toEqual(["expiresAt", "id", "token", "url"]);
    expect(link.url).toBe(`http://localhost/a/${link.token}`);
    const lifetime = new Date(link.expiresAt).getTime() - before;
    expect(Math.abs(lifetime - 7 * 24 * 3600 * 1000)).toBeLessThan(5000);
  });

  test("lifetimes outside 60 s – 30 days, unknown fields and non-boolean flags are 422 naming the field", async () => {
    for (const body of [
      { expiresInSeconds: 59 },
      { expiresInSeconds: 30 * 24 * 3600 + 1 },
      { expiresInSeconds: 1.5 },
      { allowDownload: "yes" },
      { allowUpload: 1 },
      { password: "" },
      { maxDownloads: 3 },
    ]) {
      const res = await sendJson(s.t, "POST", `/api/v1/albums/${albumId}/shares`, s.ann.token, body);
      expect({ body, ...(await outcome(res)) }).toEqual({ body, status: 422, code: "validation_failed" });
    }
    expect((await makeLink(s.t, s.ann.token, albumId, { expiresInSeconds: 30 * 24 * 3600 })).token).toBeString();
    expect((await makeLink(s.t, s.ann.token, albumId, { expiresInSeconds: 60 })).token).toBeString();
  });

  test("the list shows live links with their settings and never a token or a password hash", async () => {
    const album = await newAlbum(s.t, s.ann.token, "Listed");
    const open = await makeLink(s.t, s.ann.token, album);
    const guarded = await makeLink(s.t, s.ann.token, album, { password: "open sesame 42", allowDownload: false, allowUpload: true });
    const res = await s.t.request(`/api/v1/albums/${album}/shares`, { headers: bearer(s.ann.token) });
    const text = await res.clone().text();
    const { items } = await json<{ items: Record<string, unknown>[] }>(res, 200);
    expect(items.map((i) => i.id)).toEqual([guarded.id, open.id]);
    expect(items[0]).toEqual({
      id: guarded.id,
      createdAt: expect.any(String),
      expiresAt: guarded.expiresAt,
      hasPassword: true,
      allowDownload: false,
      allowUpload: true,
    });
    expect(items[1]).toMatchObject({ hasPassword: false, allowDownload: true, allowUpload: false });
    for (const secret of [open.token, guarded.token, "open sesame", "argon2"]) expect(text).not.toContain(secret);
  });

  test("another user's album is 404 on all three routes; signed out is 401", async () => {
    const routes = (token: string | undefined) =>
      Promise.all([
        sendJson(s.t, "POST", `/api/v1/albums/${albumId}/shares`, token, {}).then(outcome),
        s.t.request(`/api/v1/albums/${albumId}/shares`, { headers: bearer(token) }).then(outcome),
        sendJson(s.t, "DELETE", `/api/v1/albums/${albumId}/shares`, token).then(outcome),
      ]);
    const notFound = { status: 404, code: "not_found" };
    const unauthorized = { status: 401, code: "unauthorized" };
    expect(await routes(s.bob.token)).toEqual([notFound, notFound, notFound]);
    expect(await routes(undefined)).toEqual([unauthorized, unauthorized, unauthorized]);
    expect(await outcome(await sendJson(s.t, "POST", "/api/v1/albums/nope/shares", s.ann.token, {}))).toEqual({
      status: 404,
      code: "not_found",
    });
    // Bob's attempts changed nothing: Ann's links still work.
    const link = await makeLink(s.t, s.ann.token, albumId);
    expect((await holder(s.t, `/a/${link.token}/album`)).status).toBe(200);
  });
});

describe("link holders", () => {
  const s = albumLinkSuite();
  const pngs: ImageBody[] = [];
  let outside: ImageBody;
  let albumId: string;
  let link: CreatedLink;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      pngs.push(await uploaded(s.t, s.ann.token, `p-${i}.png`, noisePng({ width: 40 + i, height: 30, seed: i + 1 })));
      s.t.clock.advance(1000);
    }
    outside = await uploaded(s.t, s.ann.token, "not-in-album.png", noisePng({ width: 20, height: 20, seed: 50 }));
    albumId = await newAlbum(
      s.t,
      s.ann.token,
      "Porto 2026",
      pngs.map((p) => p.id),
    );
    await json(await sendJson(s.t, "PATCH", `/api/v1/albums/${albumId}`, s.ann.token, { description: "Spring trip" }), 200);
    link = await makeLink(s.t, s.ann.token, albumId);
  });

  test("the page is the web UI's index.html under its strict CSP, kept by no cache, whatever the token", async () => {
    const root = await s.t.request("/");
    const page = await holder(s.t, `/a/${link.token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toBe(root.headers.get("content-security-policy"));
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const html = await page.text();
    expect(html).toBe(await root.text());
    // Nothing about the album is rendered on the server.
    expect(html).not.toContain("Porto");
    // The page itself says nothing about the link: the UI learns it from /a/<token>/album.
    const dead = await holder(s.t, "/a/not-a-token");
    expect(dead.status).toBe(200);
    expect(await dead.text()).toBe(html);
    expect(dead.headers.get("cache-control")).toBe("no-store");
  });

  test("the album: name, description, count, cover, expiry and what the link allows — no id, no owner field", async () => {
    const res = await holder(s.t, `/a/${link.token}/album`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await json<Record<string, unknown> & { album: Record<string, unknown> & { coverImageId: string } }>(res, 200);
    // Added together, so the last added (the cover) is any one of them.
    expect(pngs.map((p) => p.id)).toContain(body.album.coverImageId);
    expect(body).toEqual({
      album: { name: "Porto 2026", description: "Spring trip", imageCount: 3, coverImageId: body.album.coverImageId },
      expiresAt: link.expiresAt,
      allowDownload: true,
      allowUpload: false,
      locked: false,
    });
  });

  test("images: newest first, paged by cursor, image objects as anyone but the owner sees them", async () => {
    const seen: ListedImage[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: ListedImage[]; nextCursor: string | null } = await json(
        await holder(s.t, `/a/${link.token}/images?limit=2${cursor ? `&cursor=${cursor}` : ""}`),
        200,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((i) => i.id)).toEqual([pngs[2]!.id, pngs[1]!.id, pngs[0]!.id]);
    expect(seen[0]).toMatchObject({ filename: "p-2.png", visibility: "private", owner: { username: s.ann.username }, location: null });
    expect(seen.map((i) => i.id)).not.toContain(outside.id);
    expect(await outcome(await holder(s.t, `/a/${link.token}/images?cursor=bogus`))).toEqual({ status: 422, code: "validation_failed" });
    expect(await outcome(await holder(s.t, `/a/${link.token}/images?limit=0`))).toEqual({ status: 422, code: "validation_failed" });
  });

  test("content: the bytes with exact length, ETag, nosniff and ranges; previews too; an image not in the album is 404", async () => {
    const res = await holder(s.t, `/a/${link.token}/images/${pngs[0]!.id}/content`);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(pngs[0]!.size);
    expect(Number(res.headers.get("content-length"))).toBe(bytes.length);
    expect(res.headers.get("etag")).toBe(`"${pngs[0]!.sha256}"`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const ranged = await holder(s.t, `/a/${link.token}/images/${pngs[0]!.id}/content`, { headers: { range: "bytes=10-29" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 10-29/${bytes.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(10, 30))).toBe(true);
    const notModified = await holder(s.t, `/a/${link.token}/images/${pngs[0]!.id}/content`, {
      headers: { "if-none-match": res.headers.get("etag")! },
    });
    expect(notModified.status).toBe(304);
    for (const size of ["thumb", "display"]) {
      const preview = await holder(s.t, `/a/${link.token}/images/${pngs[1]!.id}/preview?size=${size}`);
      expect(preview.status).toBe(200);
      expect(preview.headers.get("content-type")).toMatch(/^image\//);
      expect(Number(preview.headers.get("content-length"))).toBe((await preview.arrayBuffer()).byteLength);
    }
    expect(await outcome(await holder(s.t, `/a/${link.token}/images/${pngs[1]!.id}/preview?size=huge`))).toEqual({
      status: 422,
      code: "validation_failed",
    });
    for (const path of [`images/${outside.id}/content`, `images/${outside.id}/preview`]) {
      expect(await outcome(await holder(s.t, `/a/${link.token}/${path}`))).toEqual({ status: 404, code: "not_found" });
    }
  });

  test("the zip: every image of the album, read back by unzip -t, exact length, ranges that assemble it", async () => {
    const res = await holder(s.t, `/a/${link.token}/archive`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toContain("attachment");
    const zip = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get("content-length"))).toBe(zip.length);
    const { names, files } = unzip(zip);
    expect(names).toEqual(["p-0.png", "p-1.png", "p-2.png"]);
    expect(files.get("p-1.png")!.length).toBe(pngs[1]!.size);
    // Resumable: two ranges make the whole zip, under the same strong ETag.
    const cut = Math.floor(zip.length / 2);
    const first = await holder(s.t, `/a/${link.token}/archive`, { headers: { range: `bytes=0-${cut - 1}` } });
    const rest = await holder(s.t, `/a/${link.token}/archive`, {
      headers: { range: `bytes=${cut}-`, "if-range": res.headers.get("etag")! },
    });
    expect([first.status, rest.status]).toEqual([206, 206]);
    expect(rest.headers.get("content-range")).toBe(`bytes ${cut}-${zip.length - 1}/${zip.length}`);
    const joined = Buffer.concat([Buffer.from(await first.arrayBuffer()), Buffer.from(await rest.arrayBuffer())]);
    expect(joined.equals(zip)).toBe(true);
  });

  test("the owner's bearer token or session opens nothing more: /a/ routes read neither", async () => {
    const guarded = await makeLink(s.t, s.ann.token, albumId, { password: "family only 7" });
    const res = await s.t.request(`/a/${guarded.token}/images`, { headers: bearer(s.ann.token) });
    expect(await outcome(res)).toEqual({ status: 401, code: "unauthorized" });
    expect(await json(await s.t.request(`/a/${guarded.token}/album`, { headers: bearer(s.ann.token) }), 200)).toEqual({
      locked: true,
      expiresAt: guarded.expiresAt,
    });
  });

  test("an image taken out of the album is 404 through the link at once; one put back is served again", async () => {
    const path = `/a/${link.token}/images/${pngs[0]!.id}`;
    expect((await holder(s.t, `${path}/content`)).status).toBe(200);
    await json(await sendJson(s.t, "DELETE", `/api/v1/albums/${albumId}/images`, s.ann.token, { ids: [pngs[0]!.id] }), 200);
    expect(await outcome(await holder(s.t, `${path}/content`))).toEqual({ status: 404, code: "not_found" });
    expect(await outcome(await holder(s.t, `${path}/preview`))).toEqual({ status: 404, code: "not_found" });
    const { items } = await json<{ items: ImageBody[] }>(await holder(s.t, `/a/${link.token}/images`), 200);
    expect(items.map((i) => i.id)).not.toContain(pngs[0]!.id);
    expect(unzip(Buffer.from(await (await holder(s.t, `/a/${link.token}/archive`)).arrayBuffer())).names).toEqual(["p-1.png", "p-2.png"]);
    await json(await sendJson(s.t, "POST", `/api/v1/albums/${albumId}/images`, s.ann.token, { ids: [pngs[0]!.id] }), 200);
    expect((await holder(s.t, `${path}/content`)).status).toBe(200);
  });

  test("garbage tokens and ids: 404 (or 422 for an over-long id), never a 5xx", async () => {
    const imageShare = await json<{ token: string }>(
      await sendJson(s.t, "POST", `/api/v1/images/${pngs[1]!.id}/shares`, s.ann.token, {}),
      201,
    );
    const [h, p] = link.token.split(".") as [string, string, string];
    const tokens = [
      "x",
      "a.b.c",
      `${h}.${p}.`,
      `${h}.${p}.AAAA`,
      "%00",
      encodeURIComponent("ü/../x"),
      "e".repeat(5000),
      imageShare.token,
      link.id,
    ];
    for (const token of tokens) {
      const results = await everyRoute(s.t, token, pngs[1]!.id);
      expect({ token: token.slice(0, 40), ...results }).toEqual({
        token: token.slice(0, 40),
        page: 200,
        album: { status: 404, code: "not_found" },
        images: { status: 404, code: "not_found" },
        thumb: { status: 404, code: "not_found" },
        content: { status: 404, code: "not_found" },
        archive: { status: 404, code: "not_found" },
        upload: { status: 404, code: "not_found" },
      });
      expect(await outcome(await unlock(s.t, token, "whatever"))).toEqual({ status: 404, code: "not_found" });
    }
    // An album token is no image share token either.
    expect(await outcome(await s.t.request(`/s/${link.token}`))).toEqual({ status: 404, code: "not_found" });
    for (const id of ["nope", "..", "%2e%2e", "a".repeat(64), encodeURIComponent("a/b"), "x".repeat(65)]) {
      for (const path of ["content", "preview"]) {
        const res = await holder(s.t, `/a/${link.token}/images/${id}/${path}`);
        expect(res.status, `${id} ${path}`).toBeLessThan(500);
        expect([404, 422]).toContain(res.status);
      }
    }
  });
});

describe("a link with a password", () => {
  const s = albumLinkSuite();
  let image: ImageBody;
  let albumId: string;
  let link: CreatedLink;
  const PASSWORD = "correct horse 17";

  beforeAll(async () => {
    image = await uploaded(s.t, s.ann.token, "secret.png", noisePng({ width: 30, height: 30, seed: 3 }));
    albumId = await newAlbum(s.t, s.ann.token, "Hidden name", [image.id]);
    link = await makeLink(s.t, s.ann.token, albumId, { password: PASSWORD, allowUpload: true });
  });

  test("locked: the album says only {locked, expiresAt}; every other route is 401; the page still loads", async () => {
    const res = await holder(s.t, `/a/${link.token}/album`);
    const text = await res.clone().text();
    expect(await json(res, 200)).toEqual({ locked: true, expiresAt: link.expiresAt });
    expect(text).not.toContain("Hidden name");
    const routes = await everyRoute(s.t, link.token, image.id);
    const unauthorized = { status: 401, code: "unauthorized" };
    expect(routes).toEqual({
      page: 200,
      album: ok200,
      images: unauthorized,
      thumb: unauthorized,
      content: unauthorized,
      archive: unauthorized,
      upload: unauthorized,
    });
  });

  test("a wrong password is 401 invalid_credentials and sets no cookie; the right one is 204 with a cookie for this link only", async () => {
    const wrong = await unlock(s.t, link.token, "nope", "198.51.100.1");
    expect(await outcome(wrong)).toEqual({ status: 401, code: "invalid_credentials" });
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(
      await outcome(
        await holder(s.t, `/a/${link.token}/unlock`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
      ),
    ).toEqual({
      status: 422,
      code: "validation_failed",
    });
    const right = await unlock(s.t, link.token, PASSWORD, "198.51.100.1");
    expect(right.status).toBe(204);
    const setCookie = right.headers.get("set-cookie")!;
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain(`Path=/a/${link.token}`);
    expect(setCookie).toContain("Max-Age=600");
    expect(setCookie).not.toContain(PASSWORD);
    const cookie = cookieOf(right);
    expect(await everyRoute(s.t, link.token, image.id, cookie)).toEqual({
      page: 200,
      album: ok200,
      images: ok200,
      thumb: ok200,
      content: ok200,
      archive: ok200,
      upload: { status: 201 },
    });
    expect(await json(await holder(s.t, `/a/${link.token}/album`, { cookie }), 200)).toMatchObject({
      locked: false,
      album: { name: "Hidden name" },
    });
    // The proof is bound to its link: another link of the same album (same password) stays locked.
    const other = await makeLink(s.t, s.ann.token, albumId, { password: PASSWORD });
    expect(await outcome(await holder(s.t, `/a/${other.token}/images`, { cookie }))).toEqual({ status: 401, code: "unauthorized" });
    // A proof is not a link token, nor the other way round.
    const proof = cookie.slice(cookie.indexOf("=") + 1);
    expect(await outcome(await holder(s.t, `/a/${proof}/album`))).toEqual({ status: 404, code: "not_found" });
    expect(await outcome(await holder(s.t, `/a/${link.token}/images`, { cookie: `pxv_album=${link.token}` }))).toEqual({
      status: 401,
      code: "unauthorized",
    });
    // The cookie lasts 10 minutes.
    s.t.clock.advance(601_000);
    expect(await outcome(await holder(s.t, `/a/${link.token}/images`, { cookie }))).toEqual({ status: 401, code: "unauthorized" });
  });

  test("the cookie never outlives the link", async () => {
    const short = await makeLink(s.t, s.ann.token, albumId, { password: PASSWORD, expiresInSeconds: 120 });
    const res = await unlock(s.t, short.token, PASSWORD, "198.51.100.2");
    expect(res.status).toBe(204);
    const maxAge = Number(/Max-Age=(\d+)/.exec(res.headers.get("set-cookie")!)![1]);
    expect(maxAge).toBeGreaterThan(100);
    expect(maxAge).toBeLessThanOrEqual(120);
  });

  test("a link without a password unlocks to 204 without a cookie", async () => {
    const open = await makeLink(s.t, s.ann.token, albumId);
    const res = await unlock(s.t, open.token, "anything");
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  test("wrong passwords are throttled per link and address (429 + Retry-After, even for the right one); another address is not", async () => {
    const target = await makeLink(s.t, s.ann.token, albumId, { password: PASSWORD });
    const ip = "203.0.113.9";
    for (let i = 0; i < 5; i++) expect((await unlock(s.t, target.token, `guess ${i}`, ip)).status).toBe(401);
    const blocked = await unlock(s.t, target.token, PASSWORD, ip);
    expect(await outcome(blocked.clone())).toEqual({ status: 429, code: "rate_limited" });
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(blocked.headers.get("set-cookie")).toBeNull();
    expect((await unlock(s.t, target.token, PASSWORD, "203.0.113.10")).status).toBe(204);
    // After the window the address may try again.
    s.t.clock.advance(16 * 60_000);
    expect((await unlock(s.t, target.token, PASSWORD, ip)).status).toBe(204);
  });

  test("expiry: every route 410 link_expired once the clock passes it", async () => {
    const brief = await makeLink(s.t, s.ann.token, albumId, { expiresInSeconds: 60 });
    expect((await holder(s.t, `/a/${brief.token}/album`)).status).toBe(200);
    s.t.clock.advance(61_000);
    const gone = { status: 410, code: "link_expired" };
    expect(await everyRoute(s.t, brief.token, image.id)).toEqual({
      page: 200,
      album: gone,
      images: gone,
      thumb: gone,
      content: gone,
      archive: gone,
      upload: gone,
    });
    expect(await outcome(await unlock(s.t, brief.token, "x"))).toEqual(gone);
    const { items } = await json<{ items: { id: string }[] }>(
      await s.t.request(`/api/v1/albums/${albumId}/shares`, { headers: bearer(s.ann.token) }),
      200,
    );
    expect(items.map((i) => i.id)).not.toContain(brief.id);
  });

  test("revocation: every link of the album, tokens and unlock cookies already handed out, is 404 at once; a new link works", async () => {
    const a = await makeLink(s.t, s.ann.token, albumId, { password: PASSWORD });
    const b = await makeLink(s.t, s.ann.token, albumId);
    const cookie = cookieOf(await unlock(s.t, a.token, PASSWORD, "198.51.100.3"));
    expect((await holder(s.t, `/a/${a.token}/images`, { cookie })).status).toBe(200);
    // Another user cannot revoke them.
    expect((await sendJson(s.t, "DELETE", `/api/v1/albums/${albumId}/shares`, s.bob.token)).status).toBe(404);
    expect((await holder(s.t, `/a/${b.token}/album`)).status).toBe(200);
    expect((await sendJson(s.t, "DELETE", `/api/v1/albums/${albumId}/shares`, s.ann.token)).status).toBe(204);
    const gone = { status: 404, code: "not_found" };
    for (const [token, c] of [
      [a.token, cookie],
      [b.token, undefined],
      [link.token, undefined],
    ] as const) {
      expect(await everyRoute(s.t, token, image.id, c)).toEqual({
        page: 200,
        album: gone,
        images: gone,
        thumb: gone,
        content: gone,
        archive: gone,
        upload: gone,
      });
    }
    expect(
      (await json<{ items: unknown[] }>(await s.t.request(`/api/v1/albums/${albumId}/shares`, { headers: bearer(s.ann.token) }), 200))
        .items,
    ).toEqual([]);
    const fresh = await makeLink(s.t, s.ann.token, albumId);
    expect((await holder(s.t, `/a/${fresh.token}/images`)).status).toBe(200);
  });

  test("deleting the album ends its links (404)", async () => {
    const doomed = await newAlbum(s.t, s.ann.token, "Doomed", [image.id]);
    const l = await makeLink(s.t, s.ann.token, doomed);
    expect((await holder(s.t, `/a/${l.token}/album`)).status).toBe(200);
    expect((await sendJson(s.t, "DELETE", `/api/v1/albums/${doomed}`, s.ann.token)).status).toBe(204);
    expect(await outcome(await holder(s.t, `/a/${l.token}/album`))).toEqual({ status: 404, code: "not_found" });
  });
});

describe("without downloads", () => {
  const s = albumLinkSuite();
  let image: ImageBody;
  let link: CreatedLink;

  beforeAll(async () => {
    image = await uploaded(s.t, s.ann.token, "look-only.png", noisePng({ width: 50, height: 40, seed: 9 }));
    link = await makeLink(s.t, s.ann.token, await newAlbum(s.t, s.ann.token, "Look only", [image.id]), { allowDownload: false });
  });

  test("content and the zip are 403 forbidden; previews, the album and the listing still work", async () => {
    expect(await everyRoute(s.t, link.token, image.id)).toEqual({
      page: 200,
      album: ok200,
      images: ok200,
      thumb: ok200,
      content: { status: 403, code: "forbidden" },
      archive: { status: 403, code: "forbidden" },
      upload: { status: 403, code: "forbidden" },
    });
    expect((await holder(s.t, `/a/${link.token}/images/${image.id}/preview?size=display`)).status).toBe(200);
    expect(await json(await holder(s.t, `/a/${link.token}/album`), 200)).toMatchObject({ allowDownload: false, allowUpload: false });
  });
});

describe("location privacy through a link", () => {
  const s = albumLinkSuite();
  let photo: ListedImage;
  let link: CreatedLink;
  const sharp = testSharp();

  const expectNoPosition = async (bytes: Uint8Array) => {
    const meta = await sharp(bytes).metadata();
    if (meta.exif) {
      const exif = exifReader(meta.exif);
      expect(exif.GPSInfo).toBeUndefined();
      expect(exif.Image?.GPSTag).toBeUndefined();
    }
    expect(Buffer.from(bytes).toString("latin1")).not.toContain("GPS");
  };

  beforeAll(async () => {
    const jpeg = await exifJpeg({ gps: { latitude: 41.1579, longitude: -8.6291 }, camera: { make: "Pix", model: "One" }, seed: 4 });
    photo = (await uploaded(s.t, s.ann.token, "where.jpg", jpeg)) as ListedImage;
    link = await makeLink(s.t, s.ann.token, await newAlbum(s.t, s.ann.token, "Places", [photo.id]));
  });

  test("the owner sees the position; the link's listing, content, previews and zip carry none", async () => {
    const own = await json<{ image: ListedImage }>(await s.t.request(`/api/v1/images/${photo.id}`, { headers: bearer(s.ann.token) }), 200);
    expect(own.image.location).toMatchObject({ latitude: expect.any(Number), longitude: expect.any(Number) });
    const listed = await json<{ items: ListedImage[] }>(await holder(s.t, `/a/${link.token}/images`), 200);
    expect(listed.items[0]).toMatchObject({ id: photo.id, location: null, camera: { make: "Pix", model: "One" } });
    const res = await holder(s.t, `/a/${link.token}/images/${photo.id}/content`);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get("content-length"))).toBe(bytes.length);
    expect(res.headers.get("etag")).not.toBe(`"${photo.sha256}"`);
    await expectNoPosition(bytes);
    const ranged = await holder(s.t, `/a/${link.token}/images/${photo.id}/content`, { headers: { range: "bytes=2-9" } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(2, 10))).toBe(true);
    for (const size of ["thumb", "display"]) {
      await expectNoPosition(
        new Uint8Array(await (await holder(s.t, `/a/${link.token}/images/${photo.id}/preview?size=${size}`)).arrayBuffer()),
      );
    }
    const { files } = unzip(new Uint8Array(await (await holder(s.t, `/a/${link.token}/archive`)).arrayBuffer()));
    expect([...files.keys()]).toEqual(["where.jpg"]);
    expect(files.get("where.jpg")!.equals(bytes)).toBe(true);
    await expectNoPosition(files.get("where.jpg")!);
  });
});

describe("guests' uploads", () => {
  const QUOTA = 400_000;
  const s = albumLinkSuite(["--user-quota-bytes", String(QUOTA)]);
  let albumId: string;
  let link: CreatedLink;

  beforeAll(async () => {
    albumId = await newAlbum(s.t, s.ann.token, "Drop box");
    link = await makeLink(s.t, s.ann.token, albumId, { allowUpload: true });
  });

  test("a guest's file becomes the owner's private image in the album (a taken name renamed); the answer has no location", async () => {
    const mine = await uploaded(s.t, s.ann.token, "party.png", noisePng({ width: 20, height: 20, seed: 1 }));
    const jpeg = await exifJpeg({ gps: { latitude: 10, longitude: 20 }, seed: 8 });
    const form = new FormData();
    form.append("visibility", "public");
    form.append("onConflict", "replace");
    form.append("description", "from the party");
    form.append("file", new Blob([noisePng({ width: 21, height: 21, seed: 2 }) as Uint8Array<ArrayBuffer>]), "party.png");
    form.append("file", new Blob([jpeg as Uint8Array<ArrayBuffer>]), "gps.jpg");
    const res = await holder(s.t, `/a/${link.token}/images`, { method: "POST", body: form, ip: "192.0.2.50" });
    const { created, failed } = await json<{ created: ListedImage[]; failed: unknown[] }>(res, 201);
    expect(failed).toEqual([]);
    expect(created.map((c) => c.filename)).toEqual(["party (1).png", "gps.jpg"]);
    for (const image of created) expect(image).toMatchObject({ visibility: "private", owner: { id: s.ann.id }, location: null });
    expect(created[0]).toMatchObject({ description: "from the party" });
    // Ann's own image was not replaced; both new ones are hers, private, in the album.
    expect((await s.t.request(`/api/v1/images/${mine.id}`, { headers: bearer(s.ann.token) })).status).toBe(200);
    const inAlbum = await json<{ items: ListedImage[] }>(
      await s.t.request(`/api/v1/images?album=${albumId}`, { headers: bearer(s.ann.token) }),
      200,
    );
    expect(inAlbum.items.map((i) => i.id).sort()).toEqual(created.map((c) => c.id).sort());
    const gps = inAlbum.items.find((i) => i.filename === "gps.jpg")!;
    expect(gps.location).toMatchObject({ latitude: expect.any(Number) });
    // Nobody else sees them outside the link.
    expect((await s.t.request(`/api/v1/images/${created[0]!.id}`, { headers: bearer(s.bob.token) })).status).toBe(404);
    const { items } = await json<{ items: ImageBody[] }>(await holder(s.t, `/a/${link.token}/images`), 200);
    expect(items.map((i) => i.id).sort()).toEqual(created.map((c) => c.id).sort());
  });

  test("a raw body with ?filename= works too", async () => {
    const res = await holder(s.t, `/a/${link.token}/images?filename=raw.png`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: noisePng({ width: 12, height: 12, seed: 12 }),
      ip: "192.0.2.51",
    });
    expect((await json<{ created: ImageBody[] }>(res, 201)).created[0]!.filename).toBe("raw.png");
  });

  test("refused when the link does not allow uploads (403) and for bad files (415), nothing left behind", async () => {
    const readOnly = await makeLink(s.t, s.ann.token, albumId);
    const png = noisePng({ width: 10, height: 10, seed: 77 });
    expect(await outcome(await guestUpload(s.t, readOnly.token, [{ name: "no.png", bytes: png }], { ip: "192.0.2.52" }))).toEqual({
      status: 403,
      code: "forbidden",
    });
    expect(
      await outcome(await guestUpload(s.t, link.token, [{ name: "evil.svg", bytes: Buffer.from("<svg/>") }], { ip: "192.0.2.52" })),
    ).toEqual({ status: 415, code: "unsupported_media_type" });
    const { album } = await json<{ album: { imageCount: number } }>(
      await s.t.request(`/api/v1/albums/${albumId}`, { headers: bearer(s.ann.token) }),
      200,
    );
    expect(album.imageCount).toBe(3);
  });

  test("they count against the owner's quota: 413 quota_exceeded once it is full", async () => {
    const big = noisePng({ width: 300, height: 300, seed: 5 });
    expect(big.length).toBeGreaterThan(QUOTA / 2);
    expect(big.length).toBeLessThan(QUOTA);
    const usedBytes = async () =>
      (await json<{ user: { usage: { bytes: number } } }>(await s.t.request("/api/v1/me", { headers: bearer(s.ann.token) }), 200)).user
        .usage.bytes;
    const before = await usedBytes();
    const res = await guestUpload(
      s.t,
      link.token,
      [
        { name: "big-1.png", bytes: big },
        { name: "big-2.png", bytes: big },
      ],
      { ip: "192.0.2.53" },
    );
    const body = await json<{ created: ImageBody[]; failed: { code: string; status: number }[] }>(res, 207);
    expect(body.created.length).toBe(1);
    expect(body.failed).toEqual([expect.objectContaining({ status: 413, code: "quota_exceeded" })]);
    expect(await usedBytes()).toBe(before + big.length);
    expect(await outcome(await guestUpload(s.t, link.token, [{ name: "big-3.png", bytes: big }], { ip: "192.0.2.53" }))).toEqual({
      status: 413,
      code: "quota_exceeded",
    });
  });

  test("at most 60 files an hour per address (429 with Retry-After); another address still may", async () => {
    const tiny = (i: number) => ({ name: `t-${i}.png`, bytes: noisePng({ width: 2, height: 2, seed: 100 + i }) });
    const ip = "192.0.2.99";
    const full = await guestUpload(
      s.t,
      link.token,
      Array.from({ length: 60 }, (_, i) => tiny(i)),
      { ip },
    );
    expect((await json<{ created: unknown[] }>(full, 201)).created.length).toBe(60);
    const refused = await guestUpload(s.t, link.token, [tiny(60)], { ip });
    expect(refused.headers.get("retry-after")).not.toBeNull();
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await outcome(refused)).toEqual({ status: 429, code: "rate_limited" });
    expect((await guestUpload(s.t, link.token, [tiny(61)], { ip: "192.0.2.100" })).status).toBe(201);
    s.t.clock.advance(61 * 60_000);
    expect((await guestUpload(s.t, link.token, [tiny(62)], { ip })).status).toBe(201);
  });
});
