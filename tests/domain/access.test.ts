// Access rules in process, as a table over owner, another user and anonymous: a private image
// is 404 to everyone but its owner (exactly like an unknown id, nothing about it leaks), a public
// one is readable by all, and only its owner may change it (403 for others, 401 without a token).
import { beforeAll, afterAll, describe, expect, test } from "bun:test";
import { createTestApp, type SignedUp, type TestApp } from "../../src/test-app.ts";
import { noisePng } from "../support/images.ts";
import { bearer, outcome, sendJson, uploaded, type ImageBody } from "./app-client.ts";

type Actor = "owner" | "other" | "anonymous";
type Route = "metadata" | "content" | "head" | "patch" | "share" | "listShares" | "delete";
type Expected = { status: number; code?: string };

const OK = (status: number): Expected => ({ status });
const NOT_FOUND: Expected = { status: 404, code: "not_found" };
const FORBIDDEN: Expected = { status: 403, code: "forbidden" };
const UNAUTHORIZED: Expected = { status: 401, code: "unauthorized" };

// DELETE comes last in each row: it removes the image for the owner.
const table: Record<"private" | "public", Record<Actor, Record<Route, Expected>>> = {
  private: {
    owner: { metadata: OK(200), content: OK(200), head: OK(200), patch: OK(200), share: OK(201), listShares: OK(200), delete: OK(204) },
    other: {
      metadata: NOT_FOUND,
      content: NOT_FOUND,
      head: OK(404),
      patch: NOT_FOUND,
      share: NOT_FOUND,
      listShares: NOT_FOUND,
      delete: NOT_FOUND,
    },
    anonymous: {
      metadata: NOT_FOUND,
      content: NOT_FOUND,
      head: OK(404),
      patch: NOT_FOUND,
      share: NOT_FOUND,
      listShares: NOT_FOUND,
      delete: NOT_FOUND,
    },
  },
  public: {
    owner: { metadata: OK(200), content: OK(200), head: OK(200), patch: OK(200), share: OK(201), listShares: OK(200), delete: OK(204) },
    other: {
      metadata: OK(200),
      content: OK(200),
      head: OK(200),
      patch: FORBIDDEN,
      share: FORBIDDEN,
      listShares: FORBIDDEN,
      delete: FORBIDDEN,
    },
    anonymous: {
      metadata: OK(200),
      content: OK(200),
      head: OK(200),
      patch: UNAUTHORIZED,
      share: UNAUTHORIZED,
      listShares: UNAUTHORIZED,
      delete: UNAUTHORIZED,
    },
  },
};

describe("access (in process)", () => {
  let t: TestApp;
  let owner: SignedUp;
  let other: SignedUp;
  let seed = 100;

  beforeAll(async () => {
    t = await createTestApp();
    [owner, other] = [await t.signUp(), await t.signUp()];
  });
  afterAll(() => t.close());

  const send = (route: Route, id: string, token: string | undefined): Promise<Response> => {
    const path = `/api/v1/images/${id}`;
    switch (route) {
      case "metadata":
        return t.request(path, { headers: bearer(token) });
      case "content":
        return t.request(`${path}/content`, { headers: bearer(token) });
      case "head":
        return t.request(`${path}/content`, { method: "HEAD", headers: bearer(token) });
      case "patch":
        return sendJson(t, "PATCH", path, token, { description: "changed" });
      case "share":
        return sendJson(t, "POST", `${path}/shares`, token, { expiresInSeconds: 60 });
      case "listShares":
        return t.request(`${path}/shares`, { headers: bearer(token) });
      case "delete":
        return t.request(path, { method: "DELETE", headers: bearer(token) });
    }
  };

  for (const visibility of ["private", "public"] as const) {
    for (const actor of ["owner", "other", "anonymous"] as const) {
      test(`${visibility} image, ${actor}: ${Object.entries(table[visibility][actor])
        .map(([r, e]) => `${r} ${e.status}`)
        .join(", ")}`, async () => {
        const name = `secret-${visibility}-${actor}-${seed}.png`;
        const image: ImageBody = await uploaded(t, owner.token, name, noisePng({ width: 8, height: 8, seed: seed++ }), {
          visibility,
          description: "the owner's words",
        });
        const token = actor === "owner" ? owner.token : actor === "other" ? other.token : undefined;
        for (const [route, expected] of Object.entries(table[visibility][actor]) as [Route, Expected][]) {
          const res = await send(route, image.id, token);
          const text = await res.clone().text();
          expect({ route, ...(await outcome(res)) }).toEqual({ route, ...expected });
          if (expected.status >= 400) {
            // Not expected: anything that names the image or its owner in a refusal.
            for (const secret of [name, owner.username, owner.id, "the owner's words"])
              expect({ route, leaks: text.includes(secret) }).toEqual({ route, leaks: false });
          }
        }
        // A refused change leaves the image as it was.
        const after = await t.request(`/api/v1/images/${image.id}`, { headers: bearer(owner.token) });
        if (actor === "owner") expect(after.status).toBe(404);
        else expect(((await after.json()) as { image: ImageBody & { description: string } }).image.description).toBe("the owner's words");
      });
    }
  }

  test("a private image answers exactly like an unknown id (same status, code, detail shape)", async () => {
    const image = await uploaded(t, owner.token, `hidden-${seed}.png`, noisePng({ width: 8, height: 8, seed: seed++ }));
    const unknown = "AAAAAAAAAAAAAAAAAAAAAA";
    for (const token of [other.token, undefined]) {
      const hidden = (await (await send("metadata", image.id, token)).json()) as Record<string, unknown>;
      const none = (await (await send("metadata", unknown, token)).json()) as Record<string, unknown>;
      expect({ ...hidden, detail: String(hidden.detail).replace(image.id, "<id>") }).toEqual({
        ...none,
        detail: String(none.detail).replace(unknown, "<id>"),
      });
    }
  });
});
