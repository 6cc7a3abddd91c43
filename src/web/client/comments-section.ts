// The comments of an image page: oldest first (more on request), each with its author, time and
// text — always set as text, so a comment's "<b>" stays two characters and a letter — a form to
// post one when signed in, and Delete on one's own comments (on every comment, for the image's owner).
import type { z } from "@hono/zod-openapi";
import type { CommentSchema } from "../../http/schemas.ts";
import { api } from "./api.ts";
import { confirmDialog } from "./dialog.ts";
import { field, h } from "./dom.ts";
import { formatDate } from "./format.ts";
import { explain, fieldErrors } from "./messages.ts";
import { notify } from "./notices.ts";
import { currentUser } from "./session.ts";

type Comment = z.infer<typeof CommentSchema>;

interface CommentPage {
  items: Comment[];
  nextCursor: string | null;
}

const PAGE = 50;

export function commentsSection(imageId: string, ownImage: boolean): HTMLElement {
  const base = `/api/v1/images/${encodeURIComponent(imageId)}/comments`;
  const list = h("ol", { class: "comments" });
  const empty = h("p", { class: "hint" }, "Loading comments…");
  const more = h("button", { type: "button", class: "link", hidden: true }, "Show more comments");
  let cursor: string | null = null;

  const entry = (comment: Comment): HTMLElement => {
    const text = h("p", { class: "comment-body" }, comment.body);
    const item = h(
      "li",
      {},
      h("strong", {}, comment.author.name || comment.author.username),
      h("span", { class: "hint" }, `@${comment.author.username} · ${formatDate(comment.createdAt)}`),
      text,
    );
    const me = currentUser();
    // The server decides (403 otherwise); the button is only offered where it will say yes.
    if (me && (ownImage || me.username.toLowerCase() === comment.author.username.toLowerCase())) {
      const remove = h("button", { type: "button", "aria-label": `Delete comment by ${comment.author.username}` }, "Delete");
      remove.addEventListener("click", () => void removeComment(comment, item));
      item.insertBefore(remove, text);
    }
    return item;
  };
  const showEmpty = () => {
    empty.textContent = list.childElementCount === 0 ? "No comments yet." : "";
    empty.hidden = list.childElementCount > 0;
  };

  async function loadMore(): Promise<void> {
    try {
      const query = new URLSearchParams({ limit: String(PAGE), ...(cursor ? { cursor } : {}) });
      const page = await api<CommentPage>("GET", `${base}?${query}`);
      list.append(...page.items.map(entry));
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      showEmpty();
    } catch (e) {
      empty.hidden = false;
      empty.textContent = `Comments could not be loaded. ${explain(e)}`;
    }
  }

  async function removeComment(comment: Comment, item: HTMLElement): Promise<void> {
    const ok = await confirmDialog({
      title: "Delete this comment?",
      message: `The comment by ${comment.author.username} will be deleted for good.`,
      confirmLabel: "Delete comment",
      danger: true,
    });
    if (!ok) return;
    try {
      await api("DELETE", `${base}/${encodeURIComponent(comment.id)}`);
      item.remove();
      showEmpty();
      notify("Comment deleted.");
    } catch (e) {
      notify(`Not deleted: ${explain(e)}`, "error");
    }
  }

  more.addEventListener("click", () => void loadMore());
  void loadMore();
  const section = h(
    "section",
    { class: "panel", "aria-labelledby": "comments-title" },
    h("h2", { id: "comments-title" }, "Comments"),
    list,
    empty,
    more,
  );
  const posted = (comment: Comment) => {
    list.append(entry(comment));
    showEmpty();
  };
  if (currentUser()) section.append(postForm(base, posted));
  else section.append(h("p", { class: "hint" }, h("a", { href: "#/signin" }, "Sign in"), " to comment."));
  return section;
}

function postForm(base: string, posted: (comment: Comment) => void): HTMLElement {
  const text = h("textarea", { id: "comment-body", rows: 3, required: true });
  const body = field("Comment", text, "Plain text, up to 2,000 characters.");
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h(
    "form",
    { class: "comment-form" },
    body.wrapper,
    error,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Post comment")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    body.error.textContent = "";
    try {
      const { comment } = await api<{ comment: Comment }>("POST", base, { body: text.value });
      posted(comment);
      text.value = "";
    } catch (err) {
      const message = fieldErrors(err).get("body");
      if (message) body.error.textContent = message;
      error.textContent = explain(err);
    }
  });
  return form;
}
