// An album link's page: the album's name, description and thumbnails (the viewer a click away),
// its zip when the link allows downloads, an upload area when it allows uploads; the password
// form when the link has one; plain words when the link is unknown, revoked or expired.
import type { LinkedAlbum } from "./album-api.ts";
import type { LinkState } from "./album-link-state.ts";
import { ApiError } from "./api.ts";
import { field, h, setFieldError } from "./dom.ts";
import { acceptDrops } from "./drop-zone.ts";
import { formatDate, plural } from "./format.ts";
import { ImageGrid } from "./image-grid.ts";
import { explain } from "./messages.ts";
import { notify } from "./notices.ts";
import { cameFrom, navigate, onLeave, onShown } from "./router.ts";
import { uploadPanel } from "./upload-panel.ts";

/** Where the grid was left for the viewer, and the image last shown, to put both back. */
let left: { scrollY: number; viewed?: string } | undefined;

/** The viewer tells the grid which image it showed last. */
export function viewedInLink(id: string): void {
  if (left) left.viewed = id;
}

export async function albumLinkView(state: LinkState, retried = false): Promise<Node> {
  let shown: LinkedAlbum;
  try {
    shown = await state.album();
    if (!shown.locked && state.images.length === 0) await state.more();
  } catch (e) {
    // The unlock cookie lapsed meanwhile: ask again.
    if (e instanceof ApiError && e.status === 401 && !retried) {
      state.forget();
      return albumLinkView(state, true);
    }
    return linkProblem(e);
  }
  if (shown.locked) return passwordForm(state, shown.expiresAt);
  return albumGrid(state, shown);
}

/** The page for a link that does not open the album: unknown or revoked (404), expired (410), or else. */
export function linkProblem(error: unknown): HTMLElement {
  const code = error instanceof ApiError ? error.code : "";
  const [title, words] =
    code === "not_found"
      ? ["This link does not open an album", "It may be mistyped or cut short, or whoever shared it has revoked it or deleted the album."]
      : code === "link_expired"
        ? ["This link has expired", "Ask whoever shared the album for a new link."]
        : ["The album could not be opened", explain(error)];
  return h("div", { class: "panel narrow" }, h("h1", {}, title), h("p", {}, words));
}

function passwordForm(state: LinkState, expiresAt: string): HTMLElement {
  const password = h("input", { type: "password", id: "album-link-unlock", autocomplete: "off", required: true, maxlength: 1024 });
  const passwordField = field("Password", password);
  const submit = h("button", { type: "submit", class: "primary" }, "Open the album");
  // POST, never GET: the password must not end up in an address, a history or a log.
  const form = h(
    "form",
    { class: "panel narrow", method: "post", "aria-labelledby": "unlock-title" },
    h("h1", { id: "unlock-title" }, "This album is protected by a password"),
    h("p", {}, `Type the password you were given with the link. The link works until ${formatDate(expiresAt)}.`),
    passwordField.wrapper,
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setFieldError(password, passwordField.error, null);
    submit.disabled = true;
    try {
      await state.link.unlock(password.value);
      state.forget();
      navigate("#/", { replace: true });
    } catch (err) {
      if (err instanceof ApiError && (err.code === "not_found" || err.code === "link_expired")) {
        form.replaceWith(linkProblem(err));
        return;
      }
      const wrong = err instanceof ApiError && err.status === 401;
      setFieldError(password, passwordField.error, wrong ? "That is not the password of this link." : explain(err));
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  onShown(() => password.focus());
  return form;
}

function albumGrid(state: LinkState, shown: Extract<LinkedAlbum, { locked: false }>): Node {
  const { album, allowDownload, allowUpload } = shown;
  let count = album.imageCount;
  const grid = new ImageGrid({ label: "Images in this album", showOwner: false, showVisibility: false, preview: state.link.preview });
  const summary = h("p", { class: "grid-summary", "aria-live": "polite" });
  const empty = h("p", { class: "empty" }, allowUpload ? "No images yet: add the first ones above." : "This album has no images yet.");
  const more = h("button", { type: "button", class: "more" }, "Load more");
  const zip = allowDownload ? h("a", { class: "button", href: state.link.archive, download: "" }, "Download all") : null;

  function showCounts(): void {
    empty.hidden = grid.images.length > 0;
    more.hidden = state.cursor === null;
    if (zip) zip.hidden = count === 0;
    summary.textContent = `${plural(count, "image")}${state.cursor ? `, ${grid.images.length} shown` : ""}.`;
  }

  async function load(): Promise<void> {
    more.disabled = true;
    try {
      await state.more();
      grid.append(state.images);
    } catch (e) {
      notify(explain(e), "error");
    } finally {
      more.disabled = false;
    }
    showCounts();
  }
  more.addEventListener("click", () => void load());

  const upload = allowUpload
    ? uploadPanel((image) => {
        state.images.unshift(image);
        grid.prepend(image);
        count += 1;
        showCounts();
      }, state.link.uploads)
    : null;
  if (upload) acceptDrops((files) => upload.addFiles(files));

  const observer = new IntersectionObserver((seen) => {
    if (seen.some((s) => s.isIntersecting) && state.cursor) void load();
  });
  observer.observe(more);
  onLeave(() => {
    observer.disconnect();
    left = { scrollY: window.scrollY };
  });
  // Back from the viewer: the same scroll position and the focus on the card last shown.
  const back = left;
  if (back && cameFrom().startsWith("/image/"))
    onShown(() => {
      window.scrollTo(0, back.scrollY);
      if (back.viewed) grid.focusTarget(back.viewed)?.focus({ preventScroll: true });
    });

  grid.append(state.images);
  showCounts();
  return h(
    "div",
    { class: "album-page album-link" },
    h("h1", {}, album.name),
    album.description ? h("p", { class: "album-description" }, album.description) : null,
    h("p", { class: "hint" }, `Shared with you by link, which works until ${formatDate(shown.expiresAt)}.`),
    zip && h("div", { class: "actions album-actions" }, zip),
    upload?.element,
    summary,
    grid.element,
    empty,
    more,
  );
}
