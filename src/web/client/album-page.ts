// One album (#/albums/<id>): its images in the grid of My images (thumb previews, the viewer
// with previous and next), a selection to take out of it or make its cover, its zip, its links.
// Back from the viewer, the page is the one left, at the same scroll position.
import { type Album, albumArchiveUrl, albums } from "./album-api.ts";
import { shareAlbumDialog } from "./album-share-dialog.ts";
import { albumSelectionActions } from "./album-selection.ts";
import { deleteAlbum, editAlbum } from "./albums-view.ts";
import type { Image } from "./api.ts";
import { browseFrom } from "./browsing.ts";
import { h } from "./dom.ts";
import { plural } from "./format.ts";
import { ImageGrid } from "./image-grid.ts";
import { explain } from "./messages.ts";
import { notify } from "./notices.ts";
import { cameFrom, navigate, onLeave, onShown } from "./router.ts";
import { Selection } from "./selection.ts";

const PAGE = 60;

let kept: { path: string; show(): Node } | undefined;

export async function albumPage(id: string): Promise<Node> {
  const path = `/albums/${encodeURIComponent(id)}`;
  if (kept?.path === path && cameFrom().startsWith("/image/")) return kept.show();
  let album: Album;
  let first: { items: Image[]; nextCursor: string | null };
  try {
    [album, first] = await Promise.all([albums.get(id), albums.images(id, { limit: String(PAGE) })]);
  } catch (e) {
    return h(
      "div",
      { class: "panel" },
      h("h1", {}, "Album not found"),
      h("p", {}, explain(e)),
      h("p", {}, h("a", { href: "#/albums" }, "Back to the albums")),
    );
  }
  return albumView(album, first, path);
}

function albumView(album: Album, first: { items: Image[]; nextCursor: string | null }, path: string): Node {
  const selection = new Selection(() => {
    actions.refresh();
    showCounts();
  });
  const grid = new ImageGrid({ label: "Images in this album", showOwner: false, selection });
  const actions = albumSelectionActions(grid, selection, () => album, show);
  let cursor = first.nextCursor;
  let loading: Promise<void> | undefined;
  let lastViewed: string | undefined;

  const title = h("h1", {}, album.name);
  const description = h("p", { class: "album-description" });
  const summary = h("p", { class: "grid-summary", "aria-live": "polite" });
  const empty = h("p", { class: "empty" }, "No images in this album yet. Select some in My images and choose “Add to album”.");
  const more = h("button", { type: "button", class: "more", hidden: true }, "Load more");
  const zip = h("a", { class: "button", href: albumArchiveUrl(album.id), download: "" }, "Download all");
  const share = h("button", { type: "button", class: "primary", onclick: () => shareAlbumDialog(album) }, "Share album…");
  const rename = h("button", { type: "button" }, "Rename…");
  const remove = h("button", { type: "button", class: "danger" }, "Delete album…");
  rename.addEventListener("click", async () => {
    const saved = await editAlbum(album);
    if (saved) show(saved);
  });
  remove.addEventListener("click", async () => {
    if (await deleteAlbum(album)) navigate("#/albums");
  });

  function show(changed: Album): void {
    album = changed;
    title.textContent = album.name;
    description.textContent = album.description ?? "";
    description.hidden = !album.description;
    actions.refresh();
    showCounts();
  }

  function showCounts(): void {
    const shown = grid.images.length;
    empty.hidden = shown > 0;
    zip.hidden = album.imageCount === 0;
    summary.textContent = `${plural(album.imageCount, "image")} in this album${cursor ? `, ${shown} shown` : ""}.`;
  }

  function load(): Promise<void> {
    loading ??= albums
      .images(album.id, { limit: String(PAGE), ...(cursor ? { cursor } : {}) })
      .then((page) => {
        grid.append(page.items);
        cursor = page.nextCursor;
        more.hidden = cursor === null;
        actions.refresh();
        showCounts();
      })
      .catch((e) => notify(explain(e), "error"))
      .finally(() => (loading = undefined));
    return loading;
  }
  more.addEventListener("click", () => void load());

  const node = h(
    "div",
    { class: "album-page" },
    h("div", { class: "viewer-bar" }, h("a", { href: "#/albums", class: "close" }, "← Albums")),
    title,
    description,
    h("div", { class: "actions album-actions" }, share, zip, rename, remove),
    actions.element,
    summary,
    grid.element,
    empty,
    more,
  );

  function activate(): void {
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((s) => s.isIntersecting) && cursor) void load();
    });
    observer.observe(more);
    browseFrom({
      path,
      hash: `#${path}`,
      find: (id) => grid.find(id),
      order: () => grid.order(),
      loadMore: async () => {
        if (!cursor) return false;
        const before = grid.images.length;
        await load();
        return grid.images.length > before;
      },
      viewed: (id) => (lastViewed = id),
      changed: (image) => grid.update(image),
      removed: (id) => {
        grid.remove([id]);
        selection.forget([id]);
        album = { ...album, imageCount: album.imageCount - 1 };
        showCounts();
      },
    });
    onLeave(() => {
      observer.disconnect();
      const scrollY = window.scrollY;
      kept = {
        path,
        show: () => {
          activate();
          onShown(() => {
            window.scrollTo(0, scrollY);
            if (lastViewed) grid.focusTarget(lastViewed)?.focus({ preventScroll: true });
          });
          return node;
        },
      };
    });
  }

  grid.append(first.items);
  more.hidden = cursor === null;
  show(album);
  activate();
  return node;
}
