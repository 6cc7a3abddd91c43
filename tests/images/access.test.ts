// Who may do what to an image, through a real server: an access matrix of the owner, another
// user and anonymous over every image route. A private image exists only for its owner (404
// exactly like an unknown id); a public one is readable by all and changeable by its owner only.
import { beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { useInProcessServer } from "../support/in-process.ts";
import { imageOf } from "../support/previews-api.ts";
import { call, createApiToken, expectProblem, loginToken, signedInUser, type SignedInUser } from "../support/accounts.ts";
import type { BulkDeleteBody, ImageBody, Problem } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { bytesOf, contentOf, listAll, sha256Hex, uploadOne, type UploadFile } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";

let seed = 1000;
const png = (name: string): UploadFile => ({ name, bytes: noisePng({ width: 16, height: 16, seed: seed++ }) });
const unique = () => randomBytes(4).toString("hex");
/** An id in the server's format (128 random bits, base64url) that no image has. */
const unknownId = () => randomBytes(16).toString("base64url");

describe("image access", () => {
  // No background previews: these tests compare whole image objects before and after, and a
  // preview status moving from pending to ready is tests/previews' business, not access's.
  const suite = useInProcessServer(["--preview-workers", "0"]);

  type Member = SignedInUser;
  const member = (): Promise<Member> => signedInUser(suite.url);
  const upload = (who: Member, file: UploadFile, options: Record<string, string> = {}) => uploadOne(suite.url, who.token, file, options);

  /** Every route that names one image, as `who` (a token, or undefined for anonymous). */
  const routes = {
    metadata: (id: string, token?: string) => call(suite.url, "GET", `/api/v1/images/${id}`, token ? { token } : {}),
    content: (id: string, token?: string) => contentOf(suite.url, token, id),
    head: (id: string, token?: string) => call(suite.url, "HEAD", `/api/v1/images/${id}/content`, token ? { token } : {}),
    patch: (id: string, token?: string) =>
      call(suite.url, "PATCH", `/api/v1/images/${id}`, { json: { description: "changed by someone" }, ...(token ? { token } : {}) }),
    delete: (id: string, token?: string) => call(suite.url, "DELETE", `/api/v1/images/${id}`, token ? { token } : {}),
  };
  const bulkDelete = (ids: string[], token?: string) =>
    call(suite.url, "POST", "/api/v1/images/delete", { json: { ids }, ...(token ? { token } : {}) });

  /** The problem body with the id taken out of the detail, to compare an image's 404 with an unknown id's. */
  const shapeOf = (body: { detail?: unknown }, id: string) => ({ ...body, detail: String(body.detail).replaceAll(id, "<id>") });

  describe("the matrix: owner A, another user B, anonymous", () => {
    let a: Member;
    let b: Member;
    let privateImage: ImageBody;
    let publicImage: ImageBody;
    let privateBytes: Uint8Array;
    let publicBytes: Uint8Array;

    beforeAll(async () => {
      [a, b] = await Promise.all([member(), member()]);
      const privateFile = png(`secret-plans-${unique()}.png`);
      const publicFile = png(`holiday-${unique()}.png`);
      privateBytes = privateFile.bytes;
      publicBytes = publicFile.bytes;
      privateImage = await upload(a, privateFile, { description: "the private one", tags: "hidden" });
      publicImage = await upload(a, publicFile, { visibility: "public", description: "the public one" });
      // Their previews made now (on demand), so no read below changes an object it compares.
      for (const image of [privateImage, publicImage]) {
        const made = await fetch(`${suite.url}/api/v1/images/${image.id}/preview`, { headers: { authorization: `Bearer ${a.token}` } });
        expect(made.status).toBe(200);
        await made.arrayBuffer();
      }
      privateImage = await imageOf(suite.url, a.token, privateImage.id);
      publicImage = await imageOf(suite.url, a.token, publicImage.id);
    });

    const viewers = () => [
      { who: "user B", token: b.token },
      { who: "anonymous", token: undefined },
    ];

    test("A's private image is 404 not_found for B and anonymous on GET, content and HEAD, exactly like an unknown id", async () => {
      for (const { who, token } of viewers()) {
        for (const route of ["metadata", "content"] as const) {
          const missing = unknownId();
          const unknown = shapeOf(await expectProblem(await routes[route](missing, token), 404, "not_found"), missing);
          const res = await routes[route](privateImage.id, token);
          const text = await res.clone().text();
          const hidden = shapeOf(await expectProblem(res, 404, "not_found"), privateImage.id);
          expect({ who, route, body: hidden }).toEqual({ who, route, body: unknown });
          expect(text).not.toContain(privateImage.filename);
          expect(text).not.toContain(a.user.username);
          expect(text).not.toContain(a.user.id);
        }
        const head = await routes.head(privateImage.id, token);
        const headUnknown = await routes.head(unknownId(), token);
        expect({ who, status: head.status, type: head.headers.get("content-type") }).toEqual({
          who,
          status: headUnknown.status,
          type: headUnknown.headers.get("content-type"),
        });
        expect(head.status).toBe(404);
        expect(await head.text()).toBe("");
      }
    });

    test("conditional, range and download requests for A's private image are 404 too, never 304 or 206", async () => {
      const tries: [string, Record<string, string>][] = [
        ["", { "if-none-match": `"${privateImage.sha256}"` }],
        ["", { "if-none-match": "*" }],
        ["", { range: "bytes=0-0" }],
        ["", { range: "bytes=999999-" }],
        ["?download=1", {}],
      ];
      for (const { who, token } of viewers()) {
        for (const [query, headers] of tries) {
          const res = await call(suite.url, "GET", `/api/v1/images/${privateImage.id}/content${query}`, {
            headers,
            ...(token ? { token } : {}),
          });
          expect({ who, query, headers, status: res.status }).toEqual({ who, query, headers, status: 404 });
          await expectProblem(res, 404, "not_found");
        }
      }
    });

    test("A's private image is 404 not_found for B on PATCH and DELETE, like an unknown id, and stays unchanged", async () => {
      for (const route of ["patch", "delete"] as const) {
        const missing = unknownId();
        const unknown = shapeOf(await expectProblem(await routes[route](missing, b.token), 404, "not_found"), missing);
        const hidden = shapeOf(await expectProblem(await routes[route](privateImage.id, b.token), 404, "not_found"), privateImage.id);
        expect({ route, body: hidden }).toEqual({ route, body: unknown });
      }
      const still = await jsonOf<{ image: ImageBody }>(await routes.metadata(privateImage.id, a.token));
      expect(still.image).toEqual(privateImage);
    });

    test("A's private image is 404 not_found for anonymous on PATCH and DELETE", async () => {
      for (const route of ["patch", "delete"] as const) {
        const missing = unknownId();
        const unknown = shapeOf(await expectProblem(await routes[route](missing), 404, "not_found"), missing);
        const hidden = shapeOf(await expectProblem(await routes[route](privateImage.id), 404, "not_found"), privateImage.id);
        expect({ route, body: hidden }).toEqual({ route, body: unknown });
      }
    });

    test("anonymous PATCH and DELETE of a private image or an unknown id answer alike (existence is not confirmed)", async () => {
      for (const route of ["patch", "delete"] as const) {
        const unknown = await routes[route](unknownId());
        const hidden = await routes[route](privateImage.id);
        expect({ route, status: hidden.status }).toEqual({ route, status: unknown.status });
        expect([401, 404]).toContain(hidden.status);
        expect((await jsonOf<Problem>(hidden)).code).toBe((await jsonOf<Problem>(unknown)).code);
      }
      expect((await routes.metadata(privateImage.id, a.token)).status).toBe(200);
    });

    test("bulk delete by B: A's private image fails 404 not_found exactly like an unknown id, and nothing is deleted", async () => {
      const missing = unknownId();
      const res = await bulkDelete([privateImage.id, missing], b.token);
      expect(res.status).toBe(200);
      const text = await res.clone().text();
      const body = await jsonOf<BulkDeleteBody>(res);
      expect(body.deleted).toEqual([]);
      expect(body.failed).toHaveLength(2);
      const entry = (id: string) => shapeOf(body.failed.find((f) => f.id === id)!, id);
      expect(entry(privateImage.id)).toMatchObject({ status: 404, code: "not_found" });
      expect({ ...entry(privateImage.id), id: "<id>" }).toEqual({ ...entry(missing), id: "<id>" });
      expect(text).not.toContain(privateImage.filename);
      // {all:true} means all of the caller's own images, never anyone else's.
      const all = await call(suite.url, "POST", "/api/v1/images/delete", { token: b.token, json: { all: true } });
      expect(all.status).toBe(200);
      expect(await jsonOf(all)).toEqual({ deleted: [], failed: [] });
      expect((await routes.metadata(privateImage.id, a.token)).status).toBe(200);
      expect((await routes.metadata(publicImage.id, a.token)).status).toBe(200);
    });

    test("A's private image is absent from B's and anonymous listings, in every scope and filter", async () => {
      const queries: Record<string, string>[] = [
        {},
        { scope: "public" },
        { tag: "hidden" },
        { q: privateImage.filename },
        { sort: "size" },
      ];
      for (const query of queries) {
        for (const { who, token } of viewers()) {
          const seen = (await listAll(suite.url, token, query)).map((i) => i.id);
          expect({ who, query, listed: seen.includes(privateImage.id) }).toEqual({ who, query, listed: false });
        }
      }
      expect((await listAll(suite.url, a.token, { tag: "hidden" })).map((i) => i.id)).toEqual([privateImage.id]);
    });

    test("A's public image is readable by B and anonymous: metadata, content bytes, HEAD and the public listing", async () => {
      for (const { who, token } of viewers()) {
        const meta = await routes.metadata(publicImage.id, token);
        expect({ who, status: meta.status }).toEqual({ who, status: 200 });
        expect((await jsonOf<{ image: ImageBody }>(meta)).image).toEqual(publicImage);

        const content = await routes.content(publicImage.id, token);
        expect({ who, status: content.status }).toEqual({ who, status: 200 });
        expect(content.headers.get("content-type")).toBe("image/png");
        expect(sha256Hex(await bytesOf(content))).toBe(sha256Hex(publicBytes));

        const head = await routes.head(publicImage.id, token);
        expect({ who, status: head.status }).toEqual({ who, status: 200 });
        expect(head.headers.get("content-length")).toBe(String(publicBytes.length));
        expect(await head.text()).toBe("");

        const listed = await listAll(suite.url, token, { scope: "public" });
        expect(listed.find((i) => i.id === publicImage.id)).toEqual(publicImage);
      }
      // In B's own listing it is not B's.
      expect((await listAll(suite.url, b.token)).map((i) => i.id)).not.toContain(publicImage.id);
    });

    test("A's public image: PATCH and DELETE are 403 forbidden for B and 401 unauthorized for anonymous; it stays unchanged", async () => {
      for (const route of ["patch", "delete"] as const) {
        await expectProblem(await routes[route](publicImage.id, b.token), 403, "forbidden");
        await expectProblem(await routes[route](publicImage.id), 401, "unauthorized");
      }
      const still = await jsonOf<{ image: ImageBody }>(await routes.metadata(publicImage.id, a.token));
      expect(still.image).toEqual(publicImage);
    });

    test("bulk delete of A's public image by B fails 403 forbidden; anonymous bulk delete is 401", async () => {
      const res = await bulkDelete([publicImage.id], b.token);
      expect(res.status).toBe(200);
      const body = await jsonOf<BulkDeleteBody>(res);
      expect(body.deleted).toEqual([]);
      expect(body.failed).toEqual([expect.objectContaining({ id: publicImage.id, status: 403, code: "forbidden" })]);
      await expectProblem(await bulkDelete([publicImage.id, privateImage.id]), 401, "unauthorized");
      expect((await routes.metadata(publicImage.id, a.token)).status).toBe(200);
      expect((await routes.metadata(privateImage.id, a.token)).status).toBe(200);
    });

    test("the owner reads both: metadata, content bytes, HEAD, and both in her listing", async () => {
      for (const [image, bytes] of [
        [privateImage, privateBytes],
        [publicImage, publicBytes],
      ] as const) {
        expect((await jsonOf<{ image: ImageBody }>(await routes.metadata(image.id, a.token))).image).toEqual(image);
        const content = await routes.content(image.id, a.token);
        expect(content.status).toBe(200);
        expect(sha256Hex(await bytesOf(content))).toBe(image.sha256);
        expect(image.sha256).toBe(sha256Hex(bytes));
        const head = await routes.head(image.id, a.token);
        expect(head.status).toBe(200);
        expect(head.headers.get("content-length")).toBe(String(bytes.length));
      }
      expect((await listAll(suite.url, a.token)).map((i) => i.id).sort()).toEqual([privateImage.id, publicImage.id].sort());
    });

    test("the owner changes and deletes her private and public images, one by one and in bulk", async () => {
      for (const visibility of ["private", "public"]) {
        const one = await upload(a, png(`own-${visibility}-${unique()}.png`), { visibility });
        const patched = await call(suite.url, "PATCH", `/api/v1/images/${one.id}`, {
          token: a.token,
          json: { description: "mine to change" },
        });
        expect({ visibility, status: patched.status }).toEqual({ visibility, status: 200 });
        expect((await jsonOf<{ image: ImageBody }>(patched)).image.description).toBe("mine to change");
        const deleted = await routes.delete(one.id, a.token);
        expect({ visibility, status: deleted.status }).toEqual({ visibility, status: 204 });
        await expectProblem(await routes.metadata(one.id, a.token), 404, "not_found");
        await expectProblem(await routes.content(one.id, a.token), 404, "not_found");

        const bulk = await upload(a, png(`own-bulk-${visibility}-${unique()}.png`), { visibility });
        const res = await bulkDelete([bulk.id], a.token);
        expect(res.status).toBe(200);
        expect(await jsonOf(res)).toEqual({ deleted: [bulk.id], failed: [] });
        await expectProblem(await routes.metadata(bulk.id, a.token), 404, "not_found");
      }
    });

    test("a mixed bulk delete by the owner deletes hers and reports each other id with its own status", async () => {
      const mine = await upload(a, png(`mixed-${unique()}.png`));
      const bobsPublic = await upload(b, png(`bobs-public-${unique()}.png`), { visibility: "public" });
      const bobsPrivate = await upload(b, png(`bobs-private-${unique()}.png`));
      const missing = unknownId();
      const res = await bulkDelete([mine.id, bobsPublic.id, bobsPrivate.id, missing], a.token);
      expect(res.status).toBe(200);
      const body = await jsonOf<BulkDeleteBody>(res);
      expect(body.deleted).toEqual([mine.id]);
      const failed = Object.fromEntries(body.failed.map((f) => [f.id, [f.status, f.code]]));
      expect(failed).toEqual({
        [bobsPublic.id]: [403, "forbidden"],
        [bobsPrivate.id]: [404, "not_found"],
        [missing]: [404, "not_found"],
      });
      expect((await routes.metadata(bobsPublic.id, b.token)).status).toBe(200);
      expect((await routes.metadata(bobsPrivate.id, b.token)).status).toBe(200);
    });

    test("making the public image private hides it at once from B and anonymous; making it public again shows it", async () => {
      const image = await upload(a, png(`flip-${unique()}.png`), { visibility: "public" });
      const flip = async (visibility: string) => {
        const res = await call(suite.url, "PATCH", `/api/v1/images/${image.id}`, { token: a.token, json: { visibility } });
        expect(res.status).toBe(200);
      };
      await flip("private");
      for (const { token } of viewers()) {
        await expectProblem(await routes.metadata(image.id, token), 404, "not_found");
        await expectProblem(await routes.content(image.id, token), 404, "not_found");
        expect((await listAll(suite.url, token, { scope: "public" })).map((i) => i.id)).not.toContain(image.id);
      }
      await flip("public");
      for (const { token } of viewers()) expect((await routes.metadata(image.id, token)).status).toBe(200);
    });
  });

  describe("credentials", () => {
    test("a deleted user's public images disappear from the public listing and every route", async () => {
      const gone = await member();
      const image = await upload(gone, png(`leaving-${unique()}.png`), { visibility: "public" });
      expect((await listAll(suite.url, undefined)).map((i) => i.id)).toContain(image.id);

      const res = await call(suite.url, "DELETE", "/api/v1/me", { token: gone.token, json: { password: gone.user.password } });
      expect(res.status).toBe(204);
      expect((await listAll(suite.url, undefined)).map((i) => i.id)).not.toContain(image.id);
      expect((await listAll(suite.url, undefined, { q: "leaving-" })).map((i) => i.id)).not.toContain(image.id);
      await expectProblem(await routes.metadata(image.id), 404, "not_found");
      await expectProblem(await routes.content(image.id), 404, "not_found");
    });

    test("an API token works like a session: upload, list, metadata, content, change and delete", async () => {
      const who = await member();
      const api = await createApiToken(suite.url, who.token, who.user.password, "backup script");
      const file = png(`via-token-${unique()}.png`);
      const image = await uploadOne(suite.url, api.token, file);
      expect(image.owner).toEqual({ id: who.user.id, username: who.user.username });

      expect((await listAll(suite.url, api.token)).map((i) => i.id)).toEqual([image.id]);
      expect((await listAll(suite.url, who.token)).map((i) => i.id)).toEqual([image.id]);
      expect((await jsonOf<{ image: ImageBody }>(await routes.metadata(image.id, api.token))).image).toEqual(image);
      const content = await routes.content(image.id, api.token);
      expect(content.status).toBe(200);
      expect(sha256Hex(await bytesOf(content))).toBe(sha256Hex(file.bytes));
      expect((await routes.patch(image.id, api.token)).status).toBe(200);
      expect((await routes.delete(image.id, api.token)).status).toBe(204);
      expect(await listAll(suite.url, who.token)).toEqual([]);
    });

    test("an invalid, revoked or malformed bearer token is 401 even on routes that need none", async () => {
      const who = await member();
      const image = await upload(who, png(`open-${unique()}.png`), { visibility: "public" });
      const revoked = await loginToken(suite.url, who.user.username, who.user.password);
      expect((await call(suite.url, "DELETE", "/api/v1/sessions/current", { token: revoked })).status).toBe(204);
      const api = await createApiToken(suite.url, who.token, who.user.password, "to revoke");
      expect((await call(suite.url, "DELETE", `/api/v1/tokens/${api.id}`, { token: who.token })).status).toBe(204);

      const bad: Record<string, string>[] = [
        { authorization: "Bearer not-a-token" },
        { authorization: `Bearer pxv_${randomBytes(24).toString("base64url")}` },
        { authorization: `Bearer ${revoked}` },
        { authorization: `Bearer ${api.token}` },
        { authorization: "Basic dXNlcjpwYXNz" },
        { authorization: "Bearer" },
      ];
      for (const headers of bad) {
        for (const path of [
          `/api/v1/images`,
          `/api/v1/images?scope=public`,
          `/api/v1/images/${image.id}`,
          `/api/v1/images/${image.id}/content`,
        ]) {
          const res = await call(suite.url, "GET", path, { headers });
          expect({ headers, path, status: res.status }).toEqual({ headers, path, status: 401 });
          await expectProblem(res, 401, "unauthorized");
        }
      }
      // Without any credential the same routes answer.
      expect((await routes.metadata(image.id)).status).toBe(200);
    });
  });
});
