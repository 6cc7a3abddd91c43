// Security through the real server: the access matrix (README, Images with curl: Access) over
// every image route for owner, another user and anonymous; forged, expired and alg:none JWTs;
// share tokens re-pointed at another image; traversal and zip-slip names; disguised files;
// oversize bodies on every route that takes one; and no secret of any of it in the server's log.
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { SignJWT } from "jose";
import { createSessionSigner } from "../../src/crypto/session-token.ts";
import { createShareSigner } from "../../src/crypto/share-token.ts";
import { call, createApiToken, expectProblem, SecretJar, signedInUser, type SignedInUser } from "../support/accounts.ts";
import type { BulkDeleteBody, ImageBody, OpenApiDoc, ShareBody, UploadBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { bytesOf, contentOf, listAll, sha256Hex, uploadFiles, uploadOne, uploadRaw } from "../support/images-api.ts";
import { fixtureImage, noisePng } from "../support/images.ts";
import { useSuiteServer, tempDir } from "../support/pixvault.ts";
import { createShare } from "../support/shares-api.ts";
import { pythonZipView } from "../support/zip.ts";
import { keyringOf, rememberMasterKey, expectNoSecretsLogged, expectAlive } from "./server-probes.ts";

const suite = useSuiteServer();
const jar = new SecretJar();
let seed = 90_000;
const png = (name: string) => ({ name, bytes: noisePng({ width: 20, height: 14, seed: seed++ }) });
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
/** The claims a session or share JWT carries (sub, jti, exp; ep for share links). */
const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as { sub: string; jti: string; exp: number; ep: number };

let ann: SignedInUser;
let bob: SignedInUser;
/** Ann's API token: the owner's column of the matrix uses it, so it is a credential the log must not show. */
let annApi: string;

beforeAll(async () => {
  rememberMasterKey(jar, suite.dataDir);
  [ann, bob] = await Promise.all([signedInUser(suite.url, jar), signedInUser(suite.url, jar)]);
  annApi = (await createApiToken(suite.url, ann.token, ann.user.password, "security suite", jar)).token;
});

describe("the access matrix: owner Ann, another user Bob, anonymous", () => {
  type Who = "owner" | "other" | "anonymous";
  const tokenOf = (who: Who) => (who === "owner" ? annApi : who === "other" ? bob.token : undefined);
  const as = (who: Who) => (tokenOf(who) ? { token: tokenOf(who)! } : {});

  /** Every image route, as one request about image `id`; the answer is status + code (+ what a body says). */
  const routes: Record<string, (id: string, who: Who) => Promise<Response>> = {
    "GET metadata": (id, who) => call(suite.url, "GET", `/api/v1/images/${id}`, as(who)),
    "GET content": (id, who) => call(suite.url, "GET", `/api/v1/images/${id}/content`, as(who)),
    "GET content (range)": (id, who) =>
      call(suite.url, "GET", `/api/v1/images/${id}/content`, { ...as(who), headers: { range: "bytes=0-3" } }),
    PATCH: (id, who) => call(suite.url, "PATCH", `/api/v1/images/${id}`, { ...as(who), json: { description: `set by ${who}` } }),
    "GET archive": (id, who) => call(suite.url, "GET", `/api/v1/images/archive?ids=${id}`, as(who)),
    "POST archive": (id, who) => call(suite.url, "POST", "/api/v1/images/archive", { ...as(who), json: { ids: [id] } }),
    "POST shares": (id, who) => call(suite.url, "POST", `/api/v1/images/${id}/shares`, { ...as(who), json: {} }),
    "GET shares": (id, who) => call(suite.url, "GET", `/api/v1/images/${id}/shares`, as(who)),
    "DELETE shares": (id, who) => call(suite.url, "DELETE", `/api/v1/images/${id}/shares`, as(who)),
    DELETE: (id, who) => call(suite.url, "DELETE", `/api/v1/images/${id}`, as(who)),
  };
  const ok = {
    "GET metadata": 200,
    "GET content": 200,
    "GET content (range)": 206,
    PATCH: 200,
    "GET archive": 200,
    "POST archive": 200,
    "POST shares": 201,
    "GET shares": 200,
    "DELETE shares": 204,
    DELETE: 204,
  };
  // A private image does not exist for anyone but its owner; a public one is readable by all, changeable by its owner only.
  const readable = ["GET metadata", "GET content", "GET content (range)", "GET archive", "POST archive"];
  const expected = (visibility: "private" | "public", who: Who, route: string): [number, string?] => {
    if (who === "owner") return [ok[route as keyof typeof ok]];
    if (visibility === "private") return [404, "not_found"];
    if (readable.includes(route)) return [ok[route as keyof typeof ok]];
    return who === "other" ? [403, "forbidden"] : [401, "unauthorized"];
  };

  for (const visibility of ["private", "public"] as const) {
    test(`${visibility} image: every route answers each caller exactly as §4 says, and only the owner changes it`, async () => {
      const image = await uploadOne(suite.url, ann.token, png(`matrix-${visibility}.png`), { visibility, description: "original" });
      const owned = await uploadOne(suite.url, ann.token, png(`matrix-${visibility}-2.png`), { visibility });
      const seen: string[] = [];
      for (const who of ["other", "anonymous", "owner"] as const) {
        for (const route of Object.keys(routes)) {
          // The owner's DELETE goes to a second image, so the first survives for the checks below.
          const target = who === "owner" && route === "DELETE" ? owned.id : image.id;
          const res = await routes[route]!(target, who);
          const [status, code] = expected(visibility, who, route);
          seen.push(`${who} ${route} ${res.status}`);
          expect({ who, route, status: res.status }).toEqual({ who, route, status });
          if (code) await expectProblem(res, status, code);
          else if (route === "POST shares") jar.add((await jsonOf<ShareBody>(res)).token);
          else await res.arrayBuffer();
          if (who !== "owner" && route === "GET content" && status === 200)
            expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        }
      }
      expect(seen.length).toBe(3 * Object.keys(routes).length);
      // Bob's and anonymous attempts changed nothing; Ann's change stuck.
      const after = await jsonOf<{ image: ImageBody }>(await call(suite.url, "GET", `/api/v1/images/${image.id}`, { token: ann.token }));
      expect(after.image.description).toBe("set by owner");
      await expectProblem(await call(suite.url, "GET", `/api/v1/images/${owned.id}`, { token: ann.token }), 404, "not_found");
    });

    test(`${visibility} image: bulk delete by Bob fails per id, anonymous is 401, the owner's succeeds`, async () => {
      const image = await uploadOne(suite.url, ann.token, png(`bulk-${visibility}.png`), { visibility });
      const byBob = await call(suite.url, "POST", "/api/v1/images/delete", { token: bob.token, json: { ids: [image.id] } });
      expect(byBob.status).toBe(200);
      const [status, code] = visibility === "private" ? [404, "not_found"] : [403, "forbidden"];
      expect(await jsonOf<BulkDeleteBody>(byBob)).toMatchObject({ deleted: [], failed: [{ id: image.id, status, code }] });
      await expectProblem(await call(suite.url, "POST", "/api/v1/images/delete", { json: { ids: [image.id] } }), 401, "unauthorized");
      const byAnn = await call(suite.url, "POST", "/api/v1/images/delete", { token: ann.token, json: { ids: [image.id] } });
      expect(await jsonOf(byAnn)).toEqual({ deleted: [image.id], failed: [] });
    });
  }

  test("listings: mine shows the owner's images only to her; public shows public images to all, private ones to none", async () => {
    const hidden = await uploadOne(suite.url, ann.token, png("list-private.png"));
    const shown = await uploadOne(suite.url, ann.token, png("list-public.png"), { visibility: "public" });
    const ids = async (token: string | undefined, query: Record<string, string>) =>
      (await listAll(suite.url, token, query)).map((i) => i.id);
    expect(await ids(ann.token, { scope: "mine" })).toEqual(expect.arrayContaining([hidden.id, shown.id]));
    expect(await ids(bob.token, { scope: "mine" })).not.toContain(hidden.id);
    expect(await ids(bob.token, { scope: "mine" })).not.toContain(shown.id);
    await expectProblem(await call(suite.url, "GET", "/api/v1/images?scope=mine"), 401, "unauthorized");
    for (const token of [ann.token, bob.token, undefined]) {
      const listed = await ids(token, { scope: "public" });
      expect(listed).toContain(shown.id);
      expect(listed).not.toContain(hidden.id);
      expect(await ids(token, { scope: "public", q: "list-private" })).toEqual([]);
    }
    // {all:true} archives and deletes are the caller's own images, never anyone else's.
    expect(await jsonOf(await call(suite.url, "POST", "/api/v1/images/delete", { token: bob.token, json: { all: true } }))).toEqual({
      deleted: [],
      failed: [],
    });
    expect((await call(suite.url, "GET", `/api/v1/images/${hidden.id}`, { token: ann.token })).status).toBe(200);
  });
});

describe("JWTs", () => {
  const probes = (token: string) => [
    call(suite.url, "GET", "/api/v1/me", { token }),
    call(suite.url, "GET", "/api/v1/images?scope=public", { token }),
    call(suite.url, "POST", "/api/v1/images/delete", { token, json: { all: true } }),
  ];
  const expectRefused = async (token: string) => {
    for (const res of await Promise.all(probes(token))) await expectProblem(res, 401, "unauthorized");
  };

  test("a well-formed token signed with the server's key works (the control); expired, re-algorithmed or re-pointed copies are 401", async () => {
    const real = claimsOf(ann.token);
    const signer = createSessionSigner(keyringOf(suite.dataDir));
    const now = Math.floor(Date.now() / 1000);
    const valid = await signer.sign({ sub: real.sub, jti: real.jti, exp: now + 600 });
    const expired = await signer.sign({ sub: real.sub, jti: real.jti, exp: now - 60 });
    jar.add(valid, expired);
    expect((await call(suite.url, "GET", "/api/v1/me", { token: valid })).status).toBe(200);
    await expectRefused(expired);

    const [header, payload, signature] = ann.token.split(".") as [string, string, string];
    await expectRefused(`${header}.${b64url({ ...real, sub: bob.user.id })}.${signature}`); // Bob's id under Ann's signature
    await expectRefused(`${header}.${b64url({ ...real, exp: now + 86_400 * 365 })}.${signature}`); // lifetime stretched
    await expectRefused(`${b64url({ ...JSON.parse(Buffer.from(header, "base64url").toString()), alg: "HS512" })}.${payload}.${signature}`);
  });

  test("alg:none, a key of our own, a truncated token and a share token as a session are 401", async () => {
    const real = claimsOf(ann.token);
    await expectRefused(`${b64url({ alg: "none", typ: "JWT", kid: "1" })}.${b64url(real)}.`);
    await expectRefused(`${b64url({ alg: "none", typ: "JWT" })}.${b64url(real)}`);
    const forged = await new SignJWT({ ...real })
      .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: "1" })
      .sign(crypto.getRandomValues(new Uint8Array(32)));
    await expectRefused(forged);
    await expectRefused(ann.token.slice(0, -5));
    await expectRefused(ann.token.slice(0, ann.token.lastIndexOf(".")));
    const image = await uploadOne(suite.url, ann.token, png("jwt-share.png"));
    const share = await createShare(suite.url, ann.token, image.id, {}, jar);
    await expectRefused(share.token);
    // …and a session token is no share link.
    await expectProblem(await fetch(`${suite.url}/s/${ann.token}`), 404, "not_found");
  });
});

describe("share tokens re-pointed at another image", () => {
  test("a link's claims moved to another image are 404, edited or re-signed with the server's own key; the link itself works", async () => {
    const shared = await uploadOne(suite.url, ann.token, png("shared.png"));
    const other = await uploadOne(suite.url, ann.token, png("not-shared.png"));
    const share = await createShare(suite.url, ann.token, shared.id, {}, jar);
    const opened = await fetch(`${suite.url}/s/${share.token}`);
    expect(opened.status).toBe(200);
    await opened.arrayBuffer();

    const claims = claimsOf(share.token);
    const [header, , signature] = share.token.split(".") as [string, string, string];
    await expectProblem(await fetch(`${suite.url}/s/${header}.${b64url({ ...claims, sub: other.id })}.${signature}`), 404, "not_found");

    // Even signed with the real key, the link's row belongs to the first image.
    const signer = createShareSigner(keyringOf(suite.dataDir));
    const now = new Date();
    const moved = await signer.signLink({ imageId: other.id, linkId: claims.jti, epoch: claims.ep, exp: claims.exp }, now);
    const same = await signer.signLink({ imageId: shared.id, linkId: claims.jti, epoch: claims.ep, exp: claims.exp }, now);
    jar.add(moved, same);
    await expectProblem(await fetch(`${suite.url}/s/${moved}`), 404, "not_found");
    const control = await fetch(`${suite.url}/s/${same}`);
    expect(control.status).toBe(200);
    expect(sha256Hex(await bytesOf(control))).toBe(shared.sha256);
  });
});

describe("names", () => {
  test("path parts in upload names are stripped (multipart and raw); nothing is written outside the blob store", async () => {
    const names = [
      "../../../../etc/passwd.png",
      "..\\..\\windows\\evil.png",
      "/abs/dir/abs.png",
      "C:\\Users\\x\\drive.png",
      "a/./b/../dots.png",
    ];
    const res = await uploadFiles(
      suite.url,
      ann.token,
      names.map((name) => png(name)),
    );
    expect(res.status).toBe(201);
    const stored = (await jsonOf<UploadBody>(res)).created.map((c) => c.filename);
    expect(stored).toEqual(["passwd.png", "evil.png", "abs.png", "drive.png", "dots.png"]);
    const raw = await uploadRaw(suite.url, ann.token, png("x").bytes, { filename: "../../raw-escape.png" });
    expect((await jsonOf<UploadBody>(raw)).created[0]!.filename).toBe("raw-escape.png");
    for (const dir of [suite.dataDir, dirname(suite.dataDir), join(suite.dataDir, "blobs")]) {
      for (const name of ["passwd.png", "evil.png", "raw-escape.png"]) expect(existsSync(join(dir, name))).toBe(false);
    }
    await expectProblem(await uploadRaw(suite.url, ann.token, png("x").bytes, { filename: ".." }), 422, "validation_failed");
    await expectProblem(await uploadRaw(suite.url, ann.token, png("x").bytes, { filename: "a\u0000b.png" }), 422, "validation_failed");
  });

  test("archive entry names are safe for any unzip: no / \\ or :, no control character, never only dots", async () => {
    const risky = ["C:evil.png", "...", "....png", ". .", "ads.png:stream", "a..b.png", "\u2215etc\u2215x.png"];
    const ids: string[] = [];
    for (const name of risky) ids.push((await uploadOne(suite.url, ann.token, png(name))).id);
    // Renames go through the same rules.
    const renamed = await call(suite.url, "PATCH", `/api/v1/images/${ids[0]}`, {
      token: ann.token,
      json: { filename: "..\\..\\renamed:x.png" },
    });
    expect((await jsonOf<{ image: ImageBody }>(renamed)).image.filename).toBe("renamed:x.png");
    const res = await call(suite.url, "POST", "/api/v1/images/archive", { token: ann.token, json: { ids } });
    expect(res.status).toBe(200);
    const dir = tempDir("pixvault-zipslip-");
    try {
      const path = join(dir.path, "a.zip");
      await Bun.write(path, await res.arrayBuffer());
      const view = pythonZipView(path);
      expect(view.ok).toBe(true);
      expect(view.names).toHaveLength(risky.length);
      for (const name of view.names) {
        expect({ name, unsafe: /[/\\:\u0000-\u001f\u007f]/.test(name) }).toEqual({ name, unsafe: false });
        expect({ name, onlyDots: /^[.\s]*$/.test(name) }).toEqual({ name, onlyDots: false });
        expect(name.split(/[/\\]/)).not.toContain("..");
      }
    } finally {
      dir.remove();
    }
  });
});

describe("disguised files", () => {
  const disguised = [
    { what: "a PDF", bytes: () => fixtureImage("sample.pdf") },
    { what: "an ELF executable", bytes: () => fixtureImage("sample.elf") },
    { what: "an SVG with a script", bytes: () => fixtureImage("sample.svg") },
    {
      what: "an SVG with a BOM and an XML prolog",
      bytes: () => Buffer.from('\ufeff<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    },
    { what: "HTML", bytes: () => Buffer.from("<!doctype html><html><script>alert(document.cookie)</script></html>") },
    {
      what: "a PNG signature before an ELF",
      bytes: () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), fixtureImage("sample.elf")]),
    },
  ];

  for (const { what, bytes } of disguised) {
    test(`${what} named .png and sent as image/png is 415 unsupported_media_type, raw and multipart`, async () => {
      await expectProblem(await uploadRaw(suite.url, ann.token, bytes(), { filename: "photo.png" }), 415, "unsupported_media_type");
      const res = await uploadFiles(suite.url, ann.token, [{ name: "photo.png", bytes: bytes(), type: "image/png" }]);
      const body = await expectProblem(res, 415, "unsupported_media_type");
      expect(body.created).toEqual([]);
    });
  }

  test("large disguised raw uploads, answered before their body is read, are 415 one after another; the server stays up", async () => {
    const big = Buffer.concat([fixtureImage("sample.pdf"), Buffer.alloc(2 * 1024 * 1024, 0x41)]);
    for (let i = 0; i < 3; i++)
      await expectProblem(await uploadRaw(suite.url, ann.token, big, { filename: `big-${i}.png` }), 415, "unsupported_media_type");
    await expectAlive(suite.server);
  });

  test("a polyglot (a real PNG with HTML after IEND) is served as image/png, nosniff, under a CSP that runs nothing", async () => {
    const bytes = Buffer.concat([png("x").bytes, Buffer.from("<html><script>alert(1)</script></html>")]);
    const image = await uploadOne(suite.url, ann.token, { name: "polyglot.png", bytes });
    const res = await contentOf(suite.url, ann.token, image.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });
});

describe("oversize bodies", () => {
  test("every route of the OpenAPI document that takes a body (uploads aside) answers 1 MiB + 1 KiB with 413 payload_too_large", async () => {
    const doc = await jsonOf<OpenApiDoc>(await fetch(`${suite.url}/api/v1/openapi.json`));
    const image = await uploadOne(suite.url, ann.token, png("oversize-target.png"));
    const share = await createShare(suite.url, ann.token, image.id, {}, jar);
    const oversize = JSON.stringify({ name: "x".repeat(1024 * 1024 + 1024) });
    const tried: string[] = [];
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations).map((m) => m.toUpperCase())) {
        // Uploads (one's own, guests' through an album link, resumable ones) stream and limit each file themselves.
        const streams = template === "/api/v1/images" || template === "/a/{token}/images" || template.startsWith("/api/v1/uploads");
        if (streams || method === "GET" || method === "HEAD") continue;
        const path = template.replace("{id}", image.id).replace("{token}", share.token);
        const known = await call(suite.url, method, path, {
          token: ann.token,
          body: oversize,
          headers: { "content-type": "application/json" },
        });
        expect({ method, template, status: known.status }).toEqual({ method, template, status: 413 });
        await expectProblem(known, 413, "payload_too_large");
        tried.push(`${method} ${template}`);
        if (!operations[method.toLowerCase()]!.requestBody) continue;
        // Chunked, with no Content-Length to check first: the limit holds while reading.
        const stream = new Blob([oversize]).stream();
        const chunked = await fetch(`${suite.url}${path}`, {
          method,
          body: stream,
          headers: { "content-type": "application/json", authorization: `Bearer ${ann.token}` },
        });
        expect({ method, template, chunked: chunked.status }).toEqual({ method, template, chunked: 413 });
        await expectProblem(chunked, 413, "payload_too_large");
      }
    }
    expect(tried).toEqual(
      expect.arrayContaining([
        "POST /api/v1/users",
        "PATCH /api/v1/images/{id}",
        "POST /api/v1/images/archive",
        "POST /s/{token}",
        "DELETE /api/v1/me",
      ]),
    );
    // Nothing behind those routes ran: the image, its link and Ann are all still there.
    expect((await call(suite.url, "GET", `/api/v1/images/${image.id}`, { token: ann.token })).status).toBe(200);
    const link = await fetch(`${suite.url}/s/${share.token}`);
    expect(link.status).toBe(200);
    await link.arrayBuffer();
  });
});

describe("logs", () => {
  test("no password, session or API token, share token or master key used here appears in the server's output", () => {
    const kinds = jar.kinds();
    expect(kinds.jwts).toBeGreaterThanOrEqual(6);
    expect(kinds.passwords).toBeGreaterThanOrEqual(2);
    expectNoSecretsLogged([suite.server.output()], jar);
  });
});
