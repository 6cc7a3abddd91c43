// What caches may keep (README, HTTP conventions: Caching), through a real server: every answer to a request
// that carries a credential (bearer token or session cookie) — account data, listings, private
// originals, archives, errors — is `no-store`; share links too (a link can be revoked or used
// up); only a public image keeps a policy that lets caches hold it.
import { beforeAll, describe, expect, test } from "bun:test";
import { call, signedInUser, type SignedInUser } from "../support/accounts.ts";
import type { ImageBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { uploadOne } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";
import { useSuiteServer } from "../support/pixvault.ts";
import { settledImage } from "../support/previews-api.ts";
import { createShare, openShare } from "../support/shares-api.ts";

describe("Cache-Control", () => {
  const suite = useSuiteServer([]);
  let ann: SignedInUser;
  let privateImage: ImageBody;
  let publicImage: ImageBody;
  let cookie: string;

  /** The Cache-Control of a request's answer (body read, so no connection is left open). */
  const cacheControl = async (res: Response) => {
    await res.arrayBuffer();
    return { status: res.status, cacheControl: res.headers.get("cache-control") };
  };
  const get = (path: string, headers: Record<string, string> = {}) => call(suite.url, "GET", path, { token: ann.token, headers });

  beforeAll(async () => {
    ann = await signedInUser(suite.url);
    privateImage = await uploadOne(suite.url, ann.token, { name: "private.png", bytes: noisePng({ width: 8, height: 8, seed: 1 }) });
    publicImage = await uploadOne(
      suite.url,
      ann.token,
      { name: `public-${Date.now()}.png`, bytes: noisePng({ width: 8, height: 8, seed: 2 }) },
      {
        visibility: "public",
      },
    );
    const login = await call(suite.url, "POST", "/api/v1/sessions", {
      json: { username: ann.user.username, password: ann.user.password, cookie: true },
    });
    expect(login.status).toBe(201);
    cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith("pxv_session="))!
      .split(";")[0]!;
  });

  test("every authenticated JSON answer is no-store: /me, my listing, metadata, tokens, shares, and errors", async () => {
    const paths = [
      "/api/v1/me",
      "/api/v1/images",
      "/api/v1/images?scope=mine&visibility=private",
      `/api/v1/images/${privateImage.id}`,
      "/api/v1/tokens",
      `/api/v1/images/${privateImage.id}/shares`,
      "/api/v1/images/no-such-image",
      "/api/v1/images?limit=0",
    ];
    for (const path of paths) {
      const res = await get(path);
      expect(res.headers.get("content-type")).toMatch(/json/);
      expect({ path, ...(await cacheControl(res)) }).toMatchObject({ path, cacheControl: "no-store" });
    }
  });

  test("a session cookie counts as a credential just like a bearer token", async () => {
    for (const path of ["/api/v1/me", "/api/v1/images", `/api/v1/images/${privateImage.id}/content`]) {
      const res = await fetch(`${suite.url}${path}`, { headers: { cookie } });
      expect({ path, ...(await cacheControl(res)) }).toEqual({ path, status: 200, cacheControl: "no-store" });
    }
  });

  test("a private original is no-store, whole, ranged, HEAD or 304", async () => {
    const path = `/api/v1/images/${privateImage.id}/content`;
    expect(await cacheControl(await get(path))).toEqual({ status: 200, cacheControl: "no-store" });
    expect(await cacheControl(await get(`${path}?download=1`))).toEqual({ status: 200, cacheControl: "no-store" });
    expect(await cacheControl(await get(path, { range: "bytes=0-9" }))).toEqual({ status: 206, cacheControl: "no-store" });
    expect(await cacheControl(await get(path, { "if-none-match": `"${privateImage.sha256}"` }))).toEqual({
      status: 304,
      cacheControl: "no-store",
    });
    const head = await call(suite.url, "HEAD", path, { token: ann.token });
    expect(head.headers.get("cache-control")).toBe("no-store");
  });

  test("a public image keeps a cacheable policy, for its owner and for anyone", async () => {
    const path = `/api/v1/images/${publicImage.id}/content`;
    // Until its media job has found no position in it, the owner's original is no-store (SPEC §8).
    await settledImage(suite.url, ann.token, publicImage.id);
    expect(await cacheControl(await fetch(`${suite.url}${path}`))).toEqual({ status: 200, cacheControl: "public, no-cache" });
    expect(await cacheControl(await get(path))).toEqual({ status: 200, cacheControl: "public, no-cache" });
  });

  test("archives are no-store, signed in or not", async () => {
    const mine = await call(suite.url, "POST", "/api/v1/images/archive", { token: ann.token, json: { ids: [privateImage.id] } });
    expect(await cacheControl(mine)).toEqual({ status: 200, cacheControl: "no-store" });
    expect(await cacheControl(await get("/api/v1/images/archive?all=1"))).toEqual({ status: 200, cacheControl: "no-store" });
    const anonymous = await fetch(`${suite.url}/api/v1/images/archive?ids=${publicImage.id}`);
    expect(await cacheControl(anonymous)).toEqual({ status: 200, cacheControl: "no-store" });
  });

  test("a share link's image is no-store: a revoked or used-up link must not live on in a cache", async () => {
    const link = await createShare(suite.url, ann.token, privateImage.id);
    expect(await cacheControl(await openShare(suite.url, link.token))).toEqual({ status: 200, cacheControl: "no-store" });
    expect(await cacheControl(await openShare(suite.url, link.token, { headers: { range: "bytes=0-9" } }))).toEqual({
      status: 206,
      cacheControl: "no-store",
    });
  });

  test("anonymous JSON about public things gets no no-store it does not need", async () => {
    const res = await fetch(`${suite.url}/api/v1/images?scope=public`);
    expect(await jsonOf(res)).toHaveProperty("items");
    expect(res.headers.get("cache-control")).toBeNull();
  });
});
