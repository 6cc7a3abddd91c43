// What can be done with the selected images of an album: take them out of it (the images stay)
// or make one of them its cover.
import { type Album, albums } from "./album-api.ts";
import { h } from "./dom.ts";
import { plural } from "./format.ts";
import type { ImageGrid } from "./image-grid.ts";
import { explain } from "./messages.ts";
import { notify } from "./notices.ts";
import type { Selection } from "./selection.ts";

export interface AlbumSelectionActions {
  element: HTMLElement;
  refresh(): void;
}

/** `album()` is the album as last saved; `changed` gets it after each change. */
export function albumSelectionActions(
  grid: ImageGrid,
  selection: Selection,
  album: () => Album,
  changed: (album: Album) => void,
): AlbumSelectionActions {
  const count = h("span", { class: "selection-count", "aria-live": "polite" });
  const button = (label: string, onclick: () => void) => h("button", { type: "button", onclick }, label);
  const selectAll = button("Select all", () => selection.selectAll(grid.order()));
  const clear = button("Clear selection", () => selection.clear());
  const cover = button("Set as cover", () => void setCover());
  const remove = button("Remove from album", () => void removeSelected());
  const element = h("div", { class: "toolbar", role: "toolbar", "aria-label": "Selected images" }, count, selectAll, clear, cover, remove);

  function refresh(): void {
    const n = selection.size;
    count.textContent = n === 0 ? "None selected" : `${n} selected`;
    element.classList.toggle("idle", n === 0);
    clear.disabled = remove.disabled = n === 0;
    const only = n === 1 ? selection.list()[0] : undefined;
    // The cover is one image: the button says so when it already is.
    cover.disabled = only === undefined || only === album().coverImageId;
    cover.title = n > 1 ? "Select one image to make it the cover" : "";
    selectAll.disabled = grid.images.length === 0 || n === grid.images.length;
    grid.showSelection();
  }

  async function setCover(): Promise<void> {
    const id = selection.list()[0]!;
    try {
      changed(await albums.change(album().id, { coverImageId: id }));
      selection.clear();
      notify(`${grid.find(id)?.filename ?? "The image"} is the album's cover now.`);
    } catch (e) {
      notify(explain(e), "error");
    }
  }

  async function removeSelected(): Promise<void> {
    const ids = selection.list();
    try {
      changed(await albums.removeImages(album().id, ids));
      grid.remove(ids);
      selection.forget(ids);
      notify(`Removed ${plural(ids.length, "image")} from the album; ${ids.length === 1 ? "it stays" : "they stay"} in My images.`);
    } catch (e) {
      notify(explain(e), "error");
    }
  }

  refresh();
  return { element, refresh };
}
