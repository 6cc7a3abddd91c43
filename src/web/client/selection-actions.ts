// What can be done with the selected images: download them as one zip, add them to an album,
// change their visibility, delete them after a confirmation that says how many.
import { addToAlbum } from "./add-to-album.ts";
import { ApiError, csrfHeaders, images, type Visibility } from "./api.ts";
import { confirmDialog } from "./dialog.ts";
import { h } from "./dom.ts";
import { plural } from "./format.ts";
import type { ImageGrid } from "./image-grid.ts";
import { explain } from "./messages.ts";
import { notify } from "./notices.ts";
import type { Selection } from "./selection.ts";

const ARCHIVE = "/api/v1/images/archive";
// Past this, the ids would make a url longer than servers and proxies accept.
const MAX_URL_IDS_CHARS = 6000;

export interface SelectionActions {
  element: HTMLElement;
  refresh(): void;
}

/** `everything`: true when the grid holds all of the user's images, unfiltered. */
export function selectionActions(grid: ImageGrid, selection: Selection, everything: () => boolean): SelectionActions {
  const count = h("span", { class: "selection-count", "aria-live": "polite" });
  const button = (label: string, onclick: () => void, cls = "") => h("button", { type: "button", class: cls, onclick }, label);
  const selectAll = button("Select all", () => selection.selectAll(grid.order()));
  const clear = button("Clear selection", () => selection.clear());
  const zip = button("Download zip", () => download());
  const album = button("Add to album…", () => void addToAlbum(selection.list()));
  const makePublic = button("Make public", () => void setVisibility("public"));
  const makePrivate = button("Make private", () => void setVisibility("private"));
  const remove = button("Delete…", () => void deleteSelected(), "danger");
  const needsSelection = [clear, zip, album, makePublic, makePrivate, remove];
  const element = h(
    "div",
    { class: "toolbar", role: "toolbar", "aria-label": "Selected images" },
    count,
    selectAll,
    clear,
    zip,
    album,
    makePublic,
    makePrivate,
    remove,
  );

  function refresh(): void {
    const n = selection.size;
    count.textContent = n === 0 ? "None selected" : `${n} selected`;
    // A phone shows the bar only once something is selected.
    element.classList.toggle("idle", n === 0);
    for (const b of needsSelection) b.disabled = n === 0;
    selectAll.disabled = grid.images.length === 0 || n === grid.images.length;
    grid.showSelection();
  }

  /** A plain link, so the browser's own download shows progress (the zip has a Content-Length). */
  function download(): void {
    const ids = selection.list();
    const all = everything() && ids.length === grid.images.length;
    const query = all ? "all=1" : `ids=${ids.map(encodeURIComponent).join(",")}`;
    if (query.length <= MAX_URL_IDS_CHARS) return save(`${ARCHIVE}?${query}`);
    void downloadByPost(ids);
  }

  async function downloadByPost(ids: string[]): Promise<void> {
    notify(`Preparing a zip of ${plural(ids.length, "image")}…`);
    const res = await fetch(ARCHIVE, {
      method: "POST",
      headers: { "content-type": "application/json", ...csrfHeaders() },
      body: JSON.stringify({ ids }),
    });
    if (!res.ok) return notify(explain(new ApiError(await res.json())), "error");
    const url = URL.createObjectURL(await res.blob());
    // The server's name (date, count, selection), so one zip does not overwrite the last.
    const named = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1];
    save(url, named ?? "pixvault.zip");
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  async function setVisibility(visibility: Visibility): Promise<void> {
    const targets = selection
      .list()
      .map((id) => grid.find(id))
      .filter((i) => i !== undefined && i.visibility !== visibility);
    const failures: string[] = [];
    let changed = 0;
    await inBatches(targets, 4, async (image) => {
      try {
        grid.update(await images.change(image!.id, { visibility }));
        changed += 1;
      } catch (e) {
        failures.push(`${image!.filename}: ${explain(e)}`);
      }
    });
    refresh();
    const done = `${plural(changed, "image")} made ${visibility}.`;
    notify(failures.length ? `${done} Not changed — ${failures.join(" ")}` : done, failures.length ? "error" : "info");
  }

  async function deleteSelected(): Promise<void> {
    const ids = selection.list();
    const what = plural(ids.length, "image");
    const ok = await confirmDialog({
      title: `Delete ${what}?`,
      message: `${what} will be deleted for good, with their share links. This cannot be undone.`,
      confirmLabel: `Delete ${what}`,
      danger: true,
    });
    if (!ok) return;
    try {
      const result = await images.remove(ids);
      grid.remove(result.deleted);
      selection.forget(result.deleted);
      const failed = result.failed.length ? ` ${plural(result.failed.length, "image")} could not be deleted.` : "";
      notify(`Deleted ${plural(result.deleted.length, "image")}.${failed}`, failed ? "error" : "info");
    } catch (e) {
      notify(explain(e), "error");
    }
  }

  refresh();
  return { element, refresh };
}

function save(href: string, filename = ""): void {
  const a = h("a", { href, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
}

async function inBatches<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
