// Comments on an image (SPEC §10): whoever can read the image reads its comments; a signed-in
// reader may post (30 per 10 minutes); the author or the image's owner may delete one. A
// private image's comments exist only for its owner, exactly like the image (404 to others).
import type { Keyring } from "../../crypto/master-key.ts";
import { newId } from "../../crypto/random-id.ts";
import type { Throttle } from "../accounts/throttle.ts";
import type { Clock } from "../clock.ts";
import { fail, ok, type Result } from "../errors.ts";
import { findReadable, missing, type Viewer } from "../images/access.ts";
import { guarded, type IntegrityReport } from "../images/content.ts";
import { decodeCursor, encodeCursor } from "../images/list-page.ts";
import type { ImageRepository } from "../images/ports.ts";
import type { CommentInput, CommentListQuery } from "./input.ts";
import type { AuthoredComment, CommentRepository } from "./ports.ts";
import { commentSealer } from "./sealing.ts";

export interface CommentPorts extends IntegrityReport {
  readonly images: Pick<ImageRepository, "find">;
  readonly comments: CommentRepository;
  readonly keyring: Keyring;
  readonly throttle: Pick<Throttle, "takeFromBudget" | "returnToBudget">;
  readonly clock: Clock;
}

/** Who posts: the signed-in user, whose names show on the comment. */
export type Author = { readonly id: string; readonly username: string; readonly name: string } | undefined;

export interface CommentObject {
  id: string;
  author: { username: string; name: string };
  body: string;
  createdAt: string;
}

export interface CommentPage {
  items: CommentObject[];
  nextCursor: string | null;
}

/** Comments a user may post in one window, counted per account across every image. */
const POST_BUDGET = { name: "comment:user", max: 30, windowMs: 10 * 60_000 } as const;

// Comments run oldest first by (createdAt, id), the order of the image listing's `oldest` sort,
// so they share its cursor format.
const ORDER = "oldest";

/** The comment routes' service: one function per route. */
export function commentService(ports: CommentPorts) {
  return {
    post: (imageId: string, author: Author, input: CommentInput) => postComment(ports, imageId, author, input),
    list: (imageId: string, viewer: Viewer, query: CommentListQuery) => listComments(ports, imageId, viewer, query),
    delete: (imageId: string, commentId: string, viewer: Viewer) => deleteComment(ports, imageId, commentId, viewer),
  };
}

export type CommentService = ReturnType<typeof commentService>;

async function postComment(ports: CommentPorts, imageId: string, author: Author, input: CommentInput): Promise<Result<CommentObject>> {
  const found = await findReadable(ports.images, imageId, author);
  if (!found.ok) return found;
  if (!author) return fail("unauthorized", "posting a comment needs `Authorization: Bearer <token>`");
  const sealer = guarded(ports, imageId, () => commentSealer(ports.keyring, found.value));
  if (!sealer.ok) return sealer;

  const budget = { ...POST_BUDGET, part: author.id };
  const allowed = await ports.throttle.takeFromBudget(budget, `at most ${budget.max} comments in 10 minutes; wait before posting again`);
  if (!allowed.ok) return allowed;
  const id = newId();
  const inserted = await ports.comments.insert({
    id,
    imageId,
    authorId: author.id,
    bodyEnc: sealer.value.seal(id, input.body),
    createdAt: ports.clock.now(),
  });
  if (inserted === "gone") {
    // The image (or the account) was deleted meanwhile: no comment was made.
    await ports.throttle.returnToBudget(budget);
    return missing(imageId);
  }
  return ok({
    id,
    author: { username: author.username, name: author.name },
    body: input.body,
    createdAt: inserted.createdAt.toISOString(),
  });
}

async function listComments(ports: CommentPorts, imageId: string, viewer: Viewer, query: CommentListQuery): Promise<Result<CommentPage>> {
  const found = await findReadable(ports.images, imageId, viewer);
  if (!found.ok) return found;
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, ORDER);
  if (after === null) {
    const message = "is not a cursor of this listing (it was altered)";
    return fail("validation_failed", `cursor ${message}`, { errors: [{ field: "cursor", message }] });
  }
  const sealer = guarded(ports, imageId, () => commentSealer(ports.keyring, found.value));
  if (!sealer.ok) return sealer;
  // One more row than the page says whether there is a next page.
  const rows = await ports.comments.list(imageId, after, query.limit + 1);
  const page = rows.slice(0, query.limit);
  // A comment whose body fails to open is logged and left out: one damaged row must not hide the rest.
  const items = page.flatMap((row) => {
    const body = guarded(ports, imageId, () => sealer.value.open(row.id, row.bodyEnc));
    return body.ok ? [commentObject(row, body.value)] : [];
  });
  const last = page[page.length - 1];
  const nextCursor = rows.length > query.limit && last ? encodeCursor(ORDER, { value: last.createdAt.getTime(), id: last.id }) : null;
  return ok({ items, nextCursor });
}

async function deleteComment(ports: CommentPorts, imageId: string, commentId: string, viewer: Viewer): Promise<Result<void>> {
  const found = await findReadable(ports.images, imageId, viewer);
  if (!found.ok) return found;
  if (!viewer) return fail("unauthorized", "deleting a comment needs `Authorization: Bearer <token>`");
  const comment = await ports.comments.find(commentId);
  const notHere = () => fail("not_found", `no comment ${JSON.stringify(commentId)} on image ${JSON.stringify(imageId)}`);
  if (!comment || comment.imageId !== imageId) return notHere();
  if (viewer.id !== comment.authorId && viewer.id !== found.value.ownerId) {
    return fail("forbidden", "only the comment's author or the image's owner can delete it");
  }
  return (await ports.comments.remove(imageId, commentId)) ? ok(undefined) : notHere();
}

function commentObject(row: AuthoredComment, body: string): CommentObject {
  return { id: row.id, author: { username: row.authorUsername, name: row.authorName }, body, createdAt: row.createdAt.toISOString() };
}
