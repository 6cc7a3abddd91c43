// Share links through a real server: making one (owner only), opening it with no login —
// the same bytes and headers as the content route, ranges and conditionals included —
// listing, revoking, and every token that must not work (tampered, a session JWT, revoked).
import { beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { useInProcessServer } from "../support/in-process.ts";
import { call, expectProblem, invalidFields, SecretJar, signedInUser, type SignedInUser } from "../support/accounts.ts";
import type { ImageBody, ListedShare, ShareBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { bytesOf, contentOf, sha256Hex, uploadOne } from "../support/images-api.ts";
import { fixtureImage, noisePng } from "../support/images.ts";
import { createShare, listShares, openShare, postShare } from "../support/shares-api.ts";

let seed = 7000;
const png = (width = 16, height = 16) => noisePng({ width, height, seed: seed++ });
const unique = () => randomBytes(4).toString("hex");
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));

// Headers that differ between any two responses.
const PER_RESPONSE = new Set(["date", "x-request-id"]);
const headersOf = (res: Response) => Object.fromEntries([...res.headers].filter(([k]) => !PER_RESPONSE.has(k)));

describe("share links", () => {
  const suite = useInProcessServer([]);
  const jar = new SecretJar();
  let alice: SignedInUser;
  let bob: SignedInUser;
  let bytes: Buffer;
  let privateImage: ImageBody;
  let publicImage: ImageBody;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([signedInUser(suite.url, jar), signedInUser(suite.url, jar)]);
    bytes = png(120, 90);
    privateImage = await uploadOne(suite.url, alice.token, { name: `holiday-${unique()}.png`, bytes });
    publicImage = await uploadOne(suite.url, alice.token, { name: `public-${unique()}.png`, bytes: png() }, { visibility: "public" });
  });

  describe("POST /api/v1/images/:id/shares", () => {
    test("201 {id, url, token, expiresAt}: 30 minutes by default, the url is this server's /s/<token>", async () => {
      const before = Date.now();
      const res = await postShare(suite.url, alice.token, privateImage.id);
      expect(res.status).toBe(201);
      const body = await jsonOf<ShareBody>(res);
      jar.add(body.token);
      expect(Object.keys(body).sort()).toEqual(["expiresAt", "id", "token", "url"]);
      expect(body.url).toBe(`${suite.url}/s/${body.token}`);
      const expires = Date.parse(body.expiresAt);
      expect(expires).toBeGreaterThanOrEqual(before + 1800_000 - 1000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 1800_000);
      // A JWT that names the image and link but carries no secret, filename or owner.
      const [header, payload] = body.token.split(".") as [string, string];
      expect(decode(header)).toMatchObject({ alg: "HS256", typ: "pixvault-share+jwt" });
      expect(decode(payload)).toMatchObject({ sub: privateImage.id, jti: body.id, aud: "pixvault:share", ep: 0, exp: expires / 1000 });
      expect(JSON.stringify(decode(payload))).not.toContain(privateImage.filename);
    });

    test("a request without a body takes every default; expiresInSeconds sets the expiry", async () => {
      const bare = await call(suite.url, "POST", `/api/v1/images/${privateImage.id}/shares`, { token: alice.token });
      expect(bare.status).toBe(201);
      jar.add((await jsonOf<ShareBody>(bare)).token);
      const week = await createShare(suite.url, alice.token, privateImage.id, { expiresInSeconds: 7 * 86400 }, jar);
      expect(Math.abs(Date.parse(week.expiresAt) - (Date.now() + 7 * 86400_000))).toBeLessThan(5000);
      const minute = await createShare(suite.url, alice.token, privateImage.id, { expiresInSeconds: 60 }, jar);
      expect(Math.abs(Date.parse(minute.expiresAt) - (Date.now() + 60_000))).toBeLessThan(5000);
    });

    test("bad input is 422 naming the field; a body that is not JSON is 400", async () => {
      const bad: [unknown, string][] = [
        [{ expiresInSeconds: 59 }, "expiresInSeconds"],
        [{ expiresInSeconds: 7 * 86400 + 1 }, "expiresInSeconds"],
        [{ expiresInSeconds: 90.5 }, "expiresInSeconds"],
        [{ expiresInSeconds: "600" }, "expiresInSeconds"],
        [{ maxDownloads: 0 }, "maxDownloads"],
        [{ maxDownloads: -3 }, "maxDownloads"],
        [{ maxDownloads: 1.5 }, "maxDownloads"],
        [{ password: "" }, "password"],
        [{ password: 42 }, "password"],
      ];
      for (const [body, field] of bad) {
        const res = await postShare(suite.url, alice.token, privateImage.id, body);
        expect(invalidFields(await expectProblem(res, 422, "validation_failed"))).toEqual([field]);
      }
      // Unknown fields are refused rather than silently ignored (a typo must not drop a limit).
      await expectProblem(await postShare(suite.url, alice.token, privateImage.id, { maxDownload: 1 }), 422, "validation_failed");
      const text = await call(suite.url, "POST", `/api/v1/images/${privateImage.id}/shares`, {
        token: alice.token,
        body: "expiresInSeconds=600",
        headers: { "content-type": "text/plain" },
      });
      await expectProblem(text, 400, "bad_request");
      const malformed = await call(suite.url, "POST", `/api/v1/images/${privateImage.id}/shares`, {
        token: alice.token,
        body: "{not json",
        headers: { "content-type": "application/json" },
      });
      await expectProblem(malformed, 400, "bad_request");
      // None of these made a link.
      expect((await listShares(suite.url, alice.token, privateImage.id)).every((l) => l.maxDownloads === null)).toBe(true);
    });

    test("only the owner can share: 404 for another's private image, 403 for their public one, 401 anonymous", async () => {
      await expectProblem(await postShare(suite.url, bob.token, privateImage.id), 404, "not_found");
      await expectProblem(await postShare(suite.url, bob.token, publicImage.id), 403, "forbidden");
      await expectProblem(await postShare(suite.url, undefined, publicImage.id), 401, "unauthorized");
      await expectProblem(await postShare(suite.url, undefined, privateImage.id), 404, "not_found");
      await expectProblem(await postShare(suite.url, alice.token, randomBytes(16).toString("base64url")), 404, "not_found");
      for (const method of ["GET", "DELETE"]) {
        const path = (id: string) => `/api/v1/images/${id}/shares`;
        await expectProblem(await call(suite.url, method, path(privateImage.id), { token: bob.token }), 404, "not_found");
        await expectProblem(await call(suite.url, method, path(publicImage.id), { token: bob.token }), 403, "forbidden");
        await expectProblem(await call(suite.url, method, path(publicImage.id)), 401, "unauthorized");
      }
    });
  });

  describe("GET /s/:token", () => {
    let link: { token: string };
    beforeAll(async () => {
      link = await createShare(suite.url, alice.token, privateImage.id, {}, jar);
    });

    test("anyone gets the private image byte for byte, with exactly the content route's headers", async () => {
      const shared = await openShare(suite.url, link.token);
      const direct = await contentOf(suite.url, alice.token, privateImage.id);
      expect(shared.status).toBe(200);
      const got = await bytesOf(shared);
      expect(got.equals(bytes)).toBe(true);
      await direct.arrayBuffer();
      expect(headersOf(shared)).toEqual(headersOf(direct));
      expect(shared.headers.get("content-type")).toBe("image/png");
      expect(shared.headers.get("content-length")).toBe(String(bytes.length));
      expect(shared.headers.get("etag")).toBe(`"${sha256Hex(bytes)}"`);
      expect(shared.headers.get("x-content-type-options")).toBe("nosniff");
      expect(shared.headers.get("content-disposition")).toBe(`inline; filename="${privateImage.filename}"`);
      // The token lives in the url: it must not leak through a Referer.
      expect(shared.headers.get("referrer-policy")).toBe("no-referrer");
    });

    test("Range, If-None-Match, HEAD and ?download=1 behave as on the content route", async () => {
      const range = await openShare(suite.url, link.token, { headers: { range: "bytes=100-1099" } });
      expect(range.status).toBe(206);
      expect(range.headers.get("content-range")).toBe(`bytes 100-1099/${bytes.length}`);
      expect((await bytesOf(range)).equals(bytes.subarray(100, 1100))).toBe(true);

      const suffix = await openShare(suite.url, link.token, { headers: { range: "bytes=-10" } });
      expect(suffix.status).toBe(206);
      expect((await bytesOf(suffix)).equals(bytes.subarray(bytes.length - 10))).toBe(true);

      await expectProblem(
        await openShare(suite.url, link.token, { headers: { range: `bytes=${bytes.length}-` } }),
        416,
        "range_not_satisfiable",
      );

      const etag = `"${sha256Hex(bytes)}"`;
      const cached = await openShare(suite.url, link.token, { headers: { "if-none-match": etag } });
      expect(cached.status).toBe(304);
      expect(cached.headers.get("etag")).toBe(etag);
      expect((await bytesOf(cached)).length).toBe(0);

      const head = await openShare(suite.url, link.token, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-length")).toBe(String(bytes.length));
      expect((await bytesOf(head)).length).toBe(0);

      const download = await fetch(`${suite.url}/s/${link.token}?download=1`);
      expect(download.headers.get("content-disposition")).toStartWith("attachment;");
      expect((await bytesOf(download)).equals(bytes)).toBe(true);
    });

    test("a GIF uploaded as invoice.html is shared as invoice.html.gif, inline or as a download", async () => {
      const polyglot = Buffer.concat([fixtureImage("sample.gif"), Buffer.from("<script>alert(1)</script>")]);
      const gif = await uploadOne(suite.url, alice.token, { name: "invoice.html", bytes: polyglot });
      const shared = await createShare(suite.url, alice.token, gif.id, {}, jar);
      for (const [query, disposition] of [
        ["", "inline"],
        ["?download=1", "attachment"],
      ]) {
        const res = await fetch(`${suite.url}/s/${shared.token}${query}`);
        expect((await bytesOf(res)).equals(polyglot)).toBe(true);
        expect(res.headers.get("content-type")).toBe("image/gif");
        expect(res.headers.get("content-disposition")).toBe(`${disposition}; filename="invoice.html.gif"`);
      }
    });

    test("a bearer token changes nothing: the link grants read of that one image only", async () => {
      const withBob = await call(suite.url, "GET", `/s/${link.token}`, { token: bob.token });
      expect((await bytesOf(withBob)).equals(bytes)).toBe(true);
      // The share token is not a credential for the API.
      await expectProblem(await call(suite.url, "GET", "/api/v1/me", { token: link.token }), 401, "unauthorized");
      await expectProblem(await call(suite.url, "GET", `/api/v1/images/${privateImage.id}`, { token: link.token }), 401, "unauthorized");
      await expectProblem(await contentOf(suite.url, undefined, privateImage.id), 404, "not_found");
    });

    test("tampered, foreign and unknown tokens are 404 not_found, the same as a revoked one", async () => {
      const [header, payload, signature] = link.token.split(".") as [string, string, string];
      const claims = decode(payload);
      const flipped = signature.slice(0, -2) + (signature.at(-2) === "A" ? "B" : "A") + signature.at(-1);
      const forgeries = [
        `${header}.${payload}.${flipped}`,
        // Another image, a later epoch or a longer life under the original signature.
        `${header}.${b64url({ ...claims, sub: publicImage.id })}.${signature}`,
        `${header}.${b64url({ ...claims, ep: claims.ep + 1 })}.${signature}`,
        `${header}.${b64url({ ...claims, exp: claims.exp + 86400 })}.${signature}`,
        // alg "none", and a session JWT of the owner: neither is a share token.
        `${b64url({ alg: "none", typ: "pixvault-share+jwt" })}.${payload}.`,
        alice.token,
        "not-a-token",
        "a".repeat(5000),
      ];
      for (const forged of forgeries) {
        const res = await openShare(suite.url, forged);
        const body = await expectProblem(res, 404, "not_found");
        expect(JSON.stringify(body)).not.toContain(privateImage.id);
      }
    });
  });

  test("listing shows live links with counts and no secret; DELETE revokes them all, then 404", async () => {
    const image = await uploadOne(suite.url, alice.token, { name: `listed-${unique()}.png`, bytes: png() });
    const limited = await createShare(suite.url, alice.token, image.id, { maxDownloads: 5 }, jar);
    const locked = await createShare(suite.url, alice.token, image.id, { password: "listing secret 1", expiresInSeconds: 600 }, jar);
    for (let i = 0; i < 2; i++) expect((await openShare(suite.url, limited.token)).status).toBe(200);
    // A range, a HEAD and a 304 are not downloads.
    await (await openShare(suite.url, limited.token, { headers: { range: "bytes=0-0" } })).arrayBuffer();
    await openShare(suite.url, limited.token, { method: "HEAD" });

    const res = await call(suite.url, "GET", `/api/v1/images/${image.id}/shares`, { token: alice.token });
    const text = await res.text();
    const items = JSON.parse(text).items as ListedShare[];
    expect(items.map((i) => i.id)).toEqual([locked.id, limited.id]);
    expect(items[1]).toEqual({
      id: limited.id,
      createdAt: expect.any(String),
      expiresAt: limited.expiresAt,
      maxDownloads: 5,
      downloads: 2,
      hasPassword: false,
    });
    expect(items[0]).toMatchObject({ maxDownloads: null, downloads: 0, hasPassword: true, expiresAt: locked.expiresAt });
    for (const secret of [limited.token, locked.token, "listing secret 1", "$argon2"]) expect(text).not.toContain(secret);

    const revoked = await call(suite.url, "DELETE", `/api/v1/images/${image.id}/shares`, { token: alice.token });
    expect(revoked.status).toBe(204);
    await expectProblem(await openShare(suite.url, limited.token), 404, "not_found");
    await expectProblem(await openShare(suite.url, locked.token), 404, "not_found");
    expect(await listShares(suite.url, alice.token, image.id)).toEqual([]);

    // A link made after the revocation works.
    const fresh = await createShare(suite.url, alice.token, image.id, {}, jar);
    expect((await openShare(suite.url, fresh.token)).status).toBe(200);
    expect((await listShares(suite.url, alice.token, image.id)).map((l) => l.id)).toEqual([fresh.id]);
  });

  test("revoking one image's links leaves other images' links working", async () => {
    const one = await uploadOne(suite.url, alice.token, { name: `one-${unique()}.png`, bytes: png() });
    const two = await uploadOne(suite.url, alice.token, { name: `two-${unique()}.png`, bytes: png() });
    const linkOne = await createShare(suite.url, alice.token, one.id, {}, jar);
    const linkTwo = await createShare(suite.url, alice.token, two.id, {}, jar);
    expect((await call(suite.url, "DELETE", `/api/v1/images/${one.id}/shares`, { token: alice.token })).status).toBe(204);
    await expectProblem(await openShare(suite.url, linkOne.token), 404, "not_found");
    expect((await openShare(suite.url, linkTwo.token)).status).toBe(200);
  });

  test("deleting the image ends its links: 404", async () => {
    const image = await uploadOne(suite.url, alice.token, { name: `doomed-${unique()}.png`, bytes: png() });
    const link = await createShare(suite.url, alice.token, image.id, {}, jar);
    expect((await openShare(suite.url, link.token)).status).toBe(200);
    expect((await call(suite.url, "DELETE", `/api/v1/images/${image.id}`, { token: alice.token })).status).toBe(204);
    await expectProblem(await openShare(suite.url, link.token), 404, "not_found");
  });

  test("a public image's link serves it like its content route; visibility changes do not end links", async () => {
    const link = await createShare(suite.url, alice.token, publicImage.id, {}, jar);
    expect((await openShare(suite.url, link.token)).status).toBe(200);
    const patch = await call(suite.url, "PATCH", `/api/v1/images/${publicImage.id}`, {
      token: alice.token,
      json: { visibility: "private" },
    });
    expect(patch.status).toBe(200);
    expect((await openShare(suite.url, link.token)).status).toBe(200);
  });

  test("no share token, password or session token appears in the server log", async () => {
    await Bun.sleep(50);
    expect(jar.size).toBeGreaterThan(10);
    expect(jar.foundIn(suite.server.output())).toEqual([]);
    // Requests are logged by route pattern, never by path.
    expect(suite.server.logs().some((l) => l.route === "/s/:token")).toBe(true);
  });
});

describe("share links with --public-url", () => {
  const suite = useInProcessServer(["--public-url", "https://pix.example.org/base/"]);

  test("the url uses the public base, not the address the server listens on", async () => {
    const { token } = await signedInUser(suite.url);
    const image = await uploadOne(suite.url, token, { name: "p.png", bytes: png() });
    const link = await createShare(suite.url, token, image.id);
    expect(link.url).toBe(`https://pix.example.org/base/s/${link.token}`);
    // The link still opens at this server's own /s/ path (the proxy strips /base).
    expect((await openShare(suite.url, link.token)).status).toBe(200);
  });
});
