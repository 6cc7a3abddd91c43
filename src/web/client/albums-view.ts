// The user's albums (#/albums): each with its cover's thumb, name and count, to open, rename
// or delete (its images stay); and a form to make a new one.
import { type Album, albums } from "./album-api.ts";
import { previewUrl } from "./api.ts";
import { confirmDialog } from "./dialog.ts";
import { field, h, setFieldError } from "./dom.ts";
import { formatDate, plural } from "./format.ts";
import { explain, fieldErrors } from "./messages.ts";
import { formDialog } from "./modal.ts";
import { notify } from "./notices.ts";

const albumHref = (id: string) => `#/albums/${encodeURIComponent(id)}`;

export async function albumsView(): Promise<Node> {
  const list = h("ul", { class: "grid albums", "aria-label": "Your albums" });
  const empty = h("p", { class: "empty" }, "No albums yet. Make one here, or select images in My images and choose “Add to album”.");
  const showEmpty = () => (empty.hidden = list.childElementCount > 0);
  const card = (album: Album): HTMLLIElement => {
    const item = albumCard(album, {
      changed: (changed) => item.replaceWith(card(changed)),
      removed: () => {
        item.remove();
        showEmpty();
      },
    });
    return item;
  };
  try {
    list.append(...(await albums.list()).map(card));
  } catch (e) {
    notify(explain(e), "error");
  }
  showEmpty();
  const form = createForm((album) => {
    list.prepend(card(album));
    showEmpty();
  });
  return h("div", { class: "albums-view" }, h("h1", {}, "Albums"), form, list, empty);
}

function createForm(created: (album: Album) => void): HTMLElement {
  const name = h("input", { id: "new-album-name", required: true, maxlength: 200, autocomplete: "off" });
  const nameField = field("Name", name);
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h(
    "form",
    { class: "panel album-create", "aria-labelledby": "new-album-title" },
    h("h2", { id: "new-album-title" }, "New album"),
    h("div", { class: "album-create-row" }, nameField.wrapper, h("button", { type: "submit", class: "primary" }, "Create album")),
    error,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    setFieldError(name, nameField.error, null);
    try {
      const album = await albums.create(name.value);
      name.value = "";
      created(album);
      notify(`Album “${album.name}” created.`);
    } catch (err) {
      const message = fieldErrors(err).get("name");
      if (message) setFieldError(name, nameField.error, message);
      else error.textContent = explain(err);
    }
  });
  return form;
}

function albumCard(album: Album, on: { changed(album: Album): void; removed(): void }): HTMLLIElement {
  const href = albumHref(album.id);
  const cover = album.coverImageId
    ? h("img", { src: previewUrl(album.coverImageId, "thumb"), alt: "", loading: "lazy", decoding: "async" })
    : h("span", { class: "placeholder" }, "Empty album");
  const rename = h("button", { type: "button" }, "Rename…");
  const remove = h("button", { type: "button", class: "danger" }, "Delete…");
  rename.addEventListener("click", async () => {
    const changed = await editAlbum(album);
    if (changed) on.changed(changed);
  });
  remove.addEventListener("click", async () => {
    if (await deleteAlbum(album)) on.removed();
  });
  return h(
    "li",
    { class: "card album-card", "data-id": album.id },
    h("a", { class: "thumb", href, tabindex: -1, "aria-hidden": "true" }, cover),
    h(
      "div",
      { class: "card-body" },
      h("a", { class: "name", href, title: album.name }, album.name),
      h(
        "p",
        { class: "card-meta" },
        h("span", {}, plural(album.imageCount, "image")),
        h("span", {}, `changed ${formatDate(album.updatedAt)}`),
      ),
      h("div", { class: "card-actions" }, rename, remove),
    ),
  );
}

/** The album's name and description in a dialog; resolves with the album as saved, or undefined. */
export async function editAlbum(album: Album): Promise<Album | undefined> {
  const name = h("input", { id: "edit-album-name", required: true, maxlength: 200, autocomplete: "off", value: album.name });
  const description = h("textarea", { id: "edit-album-description", rows: 3, maxlength: 2000 }, album.description ?? "");
  const fields = { name: field("Name", name), description: field("Description (optional)", description) };
  let saved: Album | undefined;
  await formDialog({
    title: "Rename the album",
    content: [fields.name.wrapper, fields.description.wrapper],
    submitLabel: "Save",
    async submit(error) {
      for (const f of Object.values(fields)) f.error.textContent = "";
      try {
        saved = await albums.change(album.id, { name: name.value, description: description.value.trim() || null });
        return true;
      } catch (e) {
        for (const [at, message] of fieldErrors(e)) fields[at as keyof typeof fields]?.error.append(message);
        error.textContent = explain(e);
        return false;
      }
    },
  });
  if (saved) notify("Album saved.");
  return saved;
}

/** After a confirmation that says the images stay; true once deleted. */
export async function deleteAlbum(album: Album): Promise<boolean> {
  const ok = await confirmDialog({
    title: `Delete the album “${album.name}”?`,
    message: `The album and its links go. Its ${plural(album.imageCount, "image")} stay in My images: only the album is deleted.`,
    confirmLabel: "Delete album",
    danger: true,
  });
  if (!ok) return false;
  try {
    await albums.remove(album.id);
    notify(`Album “${album.name}” deleted; its images stay.`);
    return true;
  } catch (e) {
    notify(explain(e), "error");
    return false;
  }
}
