// Comments through HTTP on the in-process app (real SQLite, the test clock): posting, paging,
// deleting, who may do what on public and private images, the body's limits, the rate limit,
// what goes with an image or an account, and that no body is stored in clear.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { createTestApp, type SignedUp, type TestApp } from "../../src/test-app.ts";
import { databaseFilePath } from "../../src/store/db.ts";
import { noisePng } from "../support/images.ts";
import { type ImageBody, outcome, sendJson, uploaded } from "../domain/app-client.ts";

interface CommentBody {
  id: string;
  author: { username: string; name: string };
  body: string;
  createdAt: string;
}

interface Page {
  items: CommentBody[];
  nextCursor: string | null;
}

const MINUTE = 60_000;
let seed = 7000;
const marker = (kind: string) => `comment-${kind}-${randomBytes(6).toString("hex")}`;

let t: TestApp;
beforeAll(async () => {
  // No background previews: nothing here needs them.
  t = await createTestApp({ flags: ["--preview-workers", "0", "--registration-max-per-ip", "1000"] });
});
afterAll(() => t.close());

const path = (imageId: string, rest = "") => `/api/v1/images/${encodeURIComponent(imageId)}/comments${rest}`;
const post = (who: SignedUp | undefined, imageId: string, body: unknown) => sendJson(t, "POST", path(imageId), who?.token, { body });
const list = (who: SignedUp | undefined, imageId: string, query = "") => sendJson(t, "GET", path(imageId, query), who?.token);
const remove = (who: SignedUp | undefined, imageId: string, commentId: string) =>
  sendJson(t, "DELETE", path(imageId, `/${encodeURIComponent(commentId)}`), who?.token);

async function posted(who: SignedUp, imageId: string, body: string): Promise<CommentBody> {
  const res = await post(who, imageId, body);
  const json = (await res.json()) as { comment: CommentBody };
  if (res.status !== 201) throw new Error(`comment on ${imageId}: ${res.status} ${JSON.stringify(json)}`);
  return json.comment;
}

/** Every comment of the image as `who` sees it, following nextCursor with pages of `limit`. */
async function allComments(who: SignedUp | undefined, imageId: string, limit = 200): Promise<CommentBody[]> {
  const items: CommentBody[] = [];
  let cursor: string | null = null;
  do {
    const res = await list(who, imageId, `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as Page;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

const image = (who: SignedUp, visibility: "private" | "public") =>
  uploaded(t, who.token, `photo-${seed}.png`, noisePng({ width: 8, height: 8, seed: seed++ }), { visibility });

/** Reads the database file the app writes (WAL readers see what is committed). */
function withDatabase<T>(read: (db: Database) => T): T {
  const db = new Database(databaseFilePath(t.config.databaseUrl)!, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}
const commentRows = (imageId: string) =>
  withDatabase((db) => db.query("SELECT id, author_id, body_enc FROM comments WHERE image_id = ?").all(imageId)) as {
    id: string;
    author_id: string;
    body_enc: Uint8Array;
  }[];

describe("posting, listing and deleting", () => {
  test("a comment comes back with its author's names; the list is oldest first and pages by an opaque cursor", async () => {
    const [owner, other] = [await t.signUp(), await t.signUp()];
    const pic = await image(owner, "public");
    const first = await posted(other, pic.id, "  first!  \n");
    expect(first).toEqual({
      id: expect.any(String),
      author: { username: other.username, name: `Test ${other.username}` },
      body: "first!",
      createdAt: expect.any(String),
    });
    expect(Object.keys(first).sort()).toEqual(["author", "body", "createdAt", "id"]);
    const bodies = ["first!"];
    for (let i = 1; i < 7; i++) {
      const who = i % 2 ? owner : other;
      bodies.push((await posted(who, pic.id, `comment ${i}`)).body);
    }
    // Pages of 3: 3 + 3 + 1, in posting order, each id once.
    const res = await list(undefined, pic.id, "?limit=3");
    const page = (await res.json()) as Page;
    expect(page.items.map((c) => c.body)).toEqual(bodies.slice(0, 3));
    expect(page.nextCursor).toEqual(expect.any(String));
    expect(page.nextCursor).not.toContain(pic.id);
    const paged = await allComments(undefined, pic.id, 3);
    expect(paged.map((c) => c.body)).toEqual(bodies);
    expect(new Set(paged.map((c) => c.id)).size).toBe(7);
    const times = paged.map((c) => Date.parse(c.createdAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect((await allComments(undefined, pic.id)).map((c) => c.body)).toEqual(bodies);
  });

  test("a bad cursor or limit is 422 naming the field", async () => {
    const owner = await t.signUp();
    const pic = await image(owner, "public");
    for (const [query, field] of [
      ["?cursor=not-a-cursor", "cursor"],
      ["?limit=0", "limit"],
      ["?limit=201", "limit"],
    ] as const) {
      const res = await list(owner, pic.id, query);
      const body = (await res.json()) as { code: string; errors: { field: string }[] };
      expect({ query, status: res.status, code: body.code, fields: body.errors.map((e) => e.field) }).toEqual({
        query,
        status: 422,
        code: "validation_failed",
        fields: [field],
      });
    }
  });

  test("the author deletes their comment; the image's owner deletes anyone's; others get 403 and the comment stays", async () => {
    const [owner, author, stranger] = [await t.signUp(), await t.signUp(), await t.signUp()];
    const pic = await image(owner, "public");
    const byAuthor = await posted(author, pic.id, "mine to delete");
    const byAuthorToo = await posted(author, pic.id, "the owner deletes this");
    const byOwner = await posted(owner, pic.id, "the owner's own");

    expect(await outcome(await remove(stranger, pic.id, byAuthor.id))).toEqual({ status: 403, code: "forbidden" });
    expect(await outcome(await remove(author, pic.id, byOwner.id))).toEqual({ status: 403, code: "forbidden" });
    expect(await outcome(await remove(undefined, pic.id, byAuthor.id))).toEqual({ status: 401, code: "unauthorized" });
    expect((await allComments(stranger, pic.id)).map((c) => c.id)).toEqual([byAuthor.id, byAuthorToo.id, byOwner.id]);

    expect((await remove(author, pic.id, byAuthor.id)).status).toBe(204);
    expect((await remove(owner, pic.id, byAuthorToo.id)).status).toBe(204);
    expect((await remove(owner, pic.id, byOwner.id)).status).toBe(204);
    expect(await allComments(stranger, pic.id)).toEqual([]);
    expect(commentRows(pic.id)).toEqual([]);
    // Gone is gone: a second delete is 404.
    expect(await outcome(await remove(author, pic.id, byAuthor.id))).toEqual({ status: 404, code: "not_found" });
  });

  test("a comment is deleted only through its own image: another image's id is 404 and the comment stays", async () => {
    const owner = await t.signUp();
    const [pic, otherPic] = [await image(owner, "public"), await image(owner, "public")];
    const comment = await posted(owner, pic.id, "on the first image");
    expect(await outcome(await remove(owner, otherPic.id, comment.id))).toEqual({ status: 404, code: "not_found" });
    expect(await outcome(await remove(owner, pic.id, "no-such-comment"))).toEqual({ status: 404, code: "not_found" });
    expect((await allComments(owner, pic.id)).map((c) => c.id)).toEqual([comment.id]);
  });
});

describe("who may read, post and delete: the image's access rules", () => {
  let owner: SignedUp;
  let other: SignedUp;
  let publicImage: ImageBody;
  let privateImage: ImageBody;
  const ownerSaid = marker("owner");

  beforeAll(async () => {
    [owner, other] = [await t.signUp(), await t.signUp()];
    [publicImage, privateImage] = [await image(owner, "public"), await image(owner, "private")];
    await posted(owner, publicImage.id, ownerSaid);
    await posted(owner, privateImage.id, ownerSaid);
  });

  type Who = "owner" | "other" | "anonymous";
  const as = (who: Who) => (who === "owner" ? owner : who === "other" ? other : undefined);
  const unknownId = randomBytes(16).toString("base64url");

  // What each caller gets from each route, on each image. A private image (and an unknown id)
  // is 404 for everyone but its owner, whatever the route, so its existence is never confirmed.
  // `remove` deletes the caller's own comment where they could post one, else the owner's.
  const matrix: { image: "public" | "private" | "unknown"; who: Who; list: number; post: number; remove: number }[] = [
    { image: "public", who: "owner", list: 200, post: 201, remove: 204 },
    { image: "public", who: "other", list: 200, post: 201, remove: 204 },
    { image: "public", who: "anonymous", list: 200, post: 401, remove: 401 },
    { image: "private", who: "owner", list: 200, post: 201, remove: 204 },
    { image: "private", who: "other", list: 404, post: 404, remove: 404 },
    { image: "private", who: "anonymous", list: 404, post: 404, remove: 404 },
    { image: "unknown", who: "owner", list: 404, post: 404, remove: 404 },
    { image: "unknown", who: "anonymous", list: 404, post: 404, remove: 404 },
  ];

  for (const row of matrix) {
    test(`${row.who} on a ${row.image} image: list ${row.list}, post ${row.post}, delete ${row.remove}`, async () => {
      const id = row.image === "public" ? publicImage.id : row.image === "private" ? privateImage.id : unknownId;
      const caller = as(row.who);
      const listed = await list(caller, id);
      const text = await listed.text();
      expect(listed.status).toBe(row.list);
      if (row.list === 200) expect(text).toContain(ownerSaid);
      else expect(text).not.toContain(ownerSaid);

      const said = marker("posted");
      const created = await post(caller, id, said);
      expect(await outcome(created)).toMatchObject({ status: row.post });
      const inDatabase = commentRows(id).length;
      const target = row.post === 201 ? await posted(caller!, id, "to delete") : undefined;
      const victim = target ?? (row.image === "unknown" ? undefined : await posted(owner, id, "the owner's"));
      const deleted = await remove(caller, id, victim?.id ?? "nothing");
      expect(await outcome(deleted)).toMatchObject({ status: row.remove });
      expect(commentRows(id).length).toBe(row.remove === 204 ? inDatabase : inDatabase + (victim ? 1 : 0));
      if (row.post !== 201 && row.image !== "unknown") expect(JSON.stringify(await allComments(owner, id))).not.toContain(said);
    });
  }

  test("another user cannot delete the owner's comment on a public image (403), nor learn of a private image's (404)", async () => {
    const onPublic = await posted(owner, publicImage.id, "the owner's word");
    const onPrivate = await posted(owner, privateImage.id, "the owner's secret word");
    expect(await outcome(await remove(other, publicImage.id, onPublic.id))).toEqual({ status: 403, code: "forbidden" });
    expect(await outcome(await remove(other, privateImage.id, onPrivate.id))).toEqual({ status: 404, code: "not_found" });
    const ids = (await allComments(owner, privateImage.id)).map((c) => c.id);
    expect(ids).toContain(onPrivate.id);
  });

  test("an image turned private hides its comments (theirs included) from everyone but its owner; public again shows them", async () => {
    const pic = await image(owner, "public");
    const theirs = await posted(other, pic.id, marker("theirs"));
    expect((await sendJson(t, "PATCH", `/api/v1/images/${pic.id}`, owner.token, { visibility: "private" })).status).toBe(200);
    for (const who of [other, undefined]) {
      expect(await outcome(await list(who, pic.id))).toEqual({ status: 404, code: "not_found" });
      expect(await outcome(await post(who, pic.id, "still here?"))).toEqual({ status: 404, code: "not_found" });
    }
    // Not even the author can delete it now: the image is not theirs to see.
    expect(await outcome(await remove(other, pic.id, theirs.id))).toEqual({ status: 404, code: "not_found" });
    expect((await allComments(owner, pic.id)).map((c) => c.body)).toEqual([theirs.body]);
    expect((await sendJson(t, "PATCH", `/api/v1/images/${pic.id}`, owner.token, { visibility: "public" })).status).toBe(200);
    expect((await allComments(undefined, pic.id)).map((c) => c.id)).toEqual([theirs.id]);
  });
});

describe("the body", () => {
  let who: SignedUp;
  let pic: ImageBody;
  beforeAll(async () => {
    who = await t.signUp();
    pic = await image(who, "public");
  });

  const accepted: [string, string, string][] = [
    ["1 character", "a", "a"],
    ["2000 characters", "x".repeat(2000), "x".repeat(2000)],
    ["2000 characters after trimming", `  \n${"y".repeat(2000)}\t `, "y".repeat(2000)],
    ["2000 emoji (characters, not UTF-16 units)", "😀".repeat(2000), "😀".repeat(2000)],
    ["lines and tabs inside", "one\n\ttwo", "one\n\ttwo"],
    ["HTML, kept as text", "<b>not bold</b> <script>alert(1)</script>", "<b>not bold</b> <script>alert(1)</script>"],
  ];
  for (const [title, body, stored] of accepted) {
    test(`accepted: ${title}`, async () => {
      const comment = await posted(who, pic.id, body);
      expect(comment.body).toBe(stored);
      const listed = (await allComments(undefined, pic.id)).find((c) => c.id === comment.id);
      expect(listed?.body).toBe(stored);
    });
  }

  test("the listing of an HTML body is JSON with the text as given, never markup", async () => {
    const comment = await posted(who, pic.id, "<img src=x onerror=alert(1)>");
    const res = await list(undefined, pic.id);
    expect(res.headers.get("content-type")).toContain("application/json");
    const page = (await res.json()) as Page;
    expect(page.items.find((c) => c.id === comment.id)?.body).toBe("<img src=x onerror=alert(1)>");
  });

  const refused: [string, unknown][] = [
    ["empty", ""],
    ["only whitespace", " \n\t "],
    ["2001 characters", "z".repeat(2001)],
    ["2001 characters after trimming", ` ${"z".repeat(2001)} `],
    ["a control character", "bell\u0007"],
    ["a bidi override", "abc\u202edef"],
    ["not a string", 42],
    ["missing", undefined],
  ];
  for (const [title, body] of refused) {
    test(`refused with 422 naming body: ${title}`, async () => {
      const before = commentRows(pic.id).length;
      const res = await sendJson(t, "POST", path(pic.id), who.token, body === undefined ? {} : { body });
      const problem = (await res.json()) as { code: string; errors: { field: string }[] };
      expect({ status: res.status, code: problem.code, fields: problem.errors.map((e) => e.field) }).toEqual({
        status: 422,
        code: "validation_failed",
        fields: ["body"],
      });
      expect(commentRows(pic.id).length).toBe(before);
    });
  }

  test("the body is not stored in clear: the row holds sealed bytes, bound to its comment", async () => {
    const said = marker("secret");
    const comment = await posted(who, pic.id, `whisper ${said}`);
    const row = commentRows(pic.id).find((r) => r.id === comment.id)!;
    const sealed = Buffer.from(row.body_enc);
    expect(sealed.length).toBeGreaterThan(said.length);
    for (const form of [Buffer.from(said, "utf8"), Buffer.from(said, "utf16le")]) expect(sealed.includes(form)).toBe(false);
    // Nowhere in the database file either (nor its WAL, where recent pages live).
    const file = databaseFilePath(t.config.databaseUrl)!;
    for (const f of [file, `${file}-wal`]) {
      const bytes = await Bun.file(f)
        .bytes()
        .catch(() => new Uint8Array());
      expect(Buffer.from(bytes).includes(Buffer.from(said))).toBe(false);
    }
  });
});

describe("the rate limit: 30 comments per user per 10 minutes", () => {
  test("the 31st is 429 rate_limited with Retry-After; other users are not held up; the next window allows it again", async () => {
    const [busy, calm] = [await t.signUp(), await t.signUp()];
    const [pic, otherPic] = [await image(busy, "public"), await image(busy, "public")];
    // Spread over two images: the budget is the user's, not the image's.
    for (let i = 0; i < 30; i++) await posted(busy, i % 2 ? pic.id : otherPic.id, `comment ${i}`);
    const refused = await post(busy, pic.id, "one too many");
    expect(await outcome(refused.clone())).toEqual({ status: 429, code: "rate_limited" });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect((await allComments(busy, pic.id)).map((c) => c.body)).not.toContain("one too many");
    expect((await post(calm, pic.id, "I am not the busy one")).status).toBe(201);

    // Refused comments and 404s cost nothing, and the window still holds after 9 minutes.
    t.clock.advance(9 * MINUTE);
    expect(await outcome(await post(busy, pic.id, "still too soon"))).toEqual({ status: 429, code: "rate_limited" });
    t.clock.advance(MINUTE + 1000);
    expect((await post(busy, pic.id, "a new window")).status).toBe(201);
  });

  test("a refused body does not count against the budget", async () => {
    const who = await t.signUp();
    const pic = await image(who, "public");
    for (let i = 0; i < 40; i++) expect((await post(who, pic.id, "")).status).toBe(422);
    expect((await post(who, pic.id, "still allowed")).status).toBe(201);
  });
});

describe("comments go with their image and with their author's account", () => {
  test("deleting the image deletes its comments (rows gone)", async () => {
    const [owner, other] = [await t.signUp(), await t.signUp()];
    const pic = await image(owner, "public");
    await posted(owner, pic.id, "by the owner");
    await posted(other, pic.id, "by someone else");
    expect(commentRows(pic.id)).toHaveLength(2);
    expect((await sendJson(t, "DELETE", `/api/v1/images/${pic.id}`, owner.token)).status).toBe(204);
    expect(await outcome(await list(owner, pic.id))).toEqual({ status: 404, code: "not_found" });
    expect(commentRows(pic.id)).toEqual([]);
  });

  test("deleting an account deletes its comments on others' images, and the comments on its images", async () => {
    const [leaving, staying] = [await t.signUp(), await t.signUp()];
    const [theirPic, myPic] = [await image(staying, "public"), await image(leaving, "public")];
    await posted(leaving, theirPic.id, "goodbye");
    const kept = await posted(staying, theirPic.id, "stays");
    await posted(staying, myPic.id, "on the leaving user's image");
    const res = await sendJson(t, "DELETE", "/api/v1/me", leaving.token, { password: leaving.password });
    expect(res.status).toBe(204);
    expect((await allComments(undefined, theirPic.id)).map((c) => c.id)).toEqual([kept.id]);
    expect(commentRows(theirPic.id).map((r) => r.id)).toEqual([kept.id]);
    expect(commentRows(myPic.id)).toEqual([]);
    const byLeaving = withDatabase((db) => db.query("SELECT count(*) AS n FROM comments WHERE author_id = ?").get(leaving.id)) as {
      n: number;
    };
    expect(byLeaving.n).toBe(0);
  });
});

test("the OpenAPI document describes the three routes with their operationIds", async () => {
  const doc = (await (await t.request("/api/v1/openapi.json")).json()) as {
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  expect(doc.paths["/api/v1/images/{id}/comments"]?.get?.operationId).toBe("listComments");
  expect(doc.paths["/api/v1/images/{id}/comments"]?.post?.operationId).toBe("postComment");
  expect(doc.paths["/api/v1/images/{id}/comments/{commentId}"]?.delete?.operationId).toBe("deleteComment");
});
