// The image grids: "My images" (upload, select, act on the selection) and the public gallery
// (everyone's public images with their owners), both filterable by name and tag and paged
// over the cursor API as the end of the grid scrolls into view.
import { images, type Image } from "./api.ts";
import { h } from "./dom.ts";
import { plural } from "./format.ts";
import { ImageGrid } from "./image-grid.ts";
import { explain } from "./messages.ts";
import { notify } from "./notices.ts";
import { onLeave } from "./router.ts";
import { selectionActions } from "./selection-actions.ts";
import { Selection } from "./selection.ts";
import { uploadPanel } from "./upload-panel.ts";

const PAGE = 40;

export function galleryView(scope: "mine" | "public"): Node {
  const mine = scope === "mine";
  const selection = new Selection(() => {
    actions?.refresh();
    showCounts();
  });
  const grid = new ImageGrid({ label: mine ? "Your images" : "Public images", showOwner: !mine, ...(mine ? { selection } : {}) });
  let cursor: string | null = null;
  let loading = false;
  let filters = { q: "", tag: "" };

  const q = h("input", { type: "search", id: "filter-name", name: "q", placeholder: "part of a filename", autocomplete: "off" });
  const tag = h("input", { type: "search", id: "filter-tag", name: "tag", placeholder: "a tag", autocomplete: "off" });
  const filterForm = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter images" },
    h("div", { class: "field inline" }, h("label", { for: q.id }, "Name"), q),
    h("div", { class: "field inline" }, h("label", { for: tag.id }, "Tag"), tag),
    h("button", { type: "submit" }, "Filter"),
    h("button", { type: "reset" }, "Show all"),
  );
  const empty = h("p", { class: "empty", hidden: true });
  const more = h("button", { type: "button", class: "more", hidden: true }, "Load more");
  const summary = h("p", { class: "grid-summary", "aria-live": "polite" });

  const actions = mine ? selectionActions(grid, selection, () => cursor === null && !filters.q && !filters.tag) : null;
  const upload = mine
    ? uploadPanel((image: Image, replaced: boolean) => {
        if (replaced) grid.remove(grid.images.filter((i) => sameName(i, image)).map((i) => i.id));
        if (matches(image)) grid.prepend(image);
        actions?.refresh();
        showCounts();
      })
    : null;

  async function load(reset: boolean): Promise<void> {
    if (loading) return;
    loading = true;
    more.disabled = true;
    try {
      const params: Record<string, string> = { scope, sort: "newest", limit: String(PAGE) };
      if (filters.q) params.q = filters.q;
      if (filters.tag) params.tag = filters.tag;
      if (!reset && cursor) params.cursor = cursor;
      const page = await images.list(params);
      if (reset) {
        grid.clear();
        selection.clear();
      }
      grid.append(page.items);
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      actions?.refresh();
      showCounts();
    } catch (e) {
      notify(explain(e), "error");
      return;
    } finally {
      loading = false;
      more.disabled = false;
    }
    // A tall screen may show the end of the grid again at once; the observer only reports changes.
    if (cursor && more.isConnected && more.getBoundingClientRect().top < window.innerHeight) void load(false);
  }

  function showCounts(): void {
    const filtered = filters.q || filters.tag;
    empty.hidden = grid.images.length > 0;
    empty.textContent = filtered
      ? "No image matches."
      : mine
        ? "No images yet. Drop some on this page or choose them above."
        : "Nobody has shared an image publicly yet.";
    summary.textContent = `${plural(grid.images.length, "image")} shown${cursor ? ", more below" : ""}.`;
  }

  function matches(image: Image): boolean {
    const nameOk = !filters.q || image.filename.toLowerCase().includes(filters.q.toLowerCase());
    return nameOk && (!filters.tag || image.tags.includes(filters.tag.trim().toLowerCase()));
  }

  filterForm.addEventListener("submit", (e) => {
    e.preventDefault();
    filters = { q: q.value.trim(), tag: tag.value.trim() };
    void load(true);
  });
  filterForm.addEventListener("reset", () => {
    filters = { q: "", tag: "" };
    void load(true);
  });
  more.addEventListener("click", () => void load(false));

  // Infinite scroll: the button doubles as the sentinel, and stays for keyboard users.
  const observer = new IntersectionObserver((seen) => {
    if (seen.some((s) => s.isIntersecting) && cursor) void load(false);
  });
  observer.observe(more);
  onLeave(() => observer.disconnect());
  if (upload) acceptDrops(upload.addFiles);
  void load(true);

  return h(
    "div",
    { class: "gallery" },
    h("h1", {}, mine ? "My images" : "Public images"),
    upload?.element,
    filterForm,
    actions?.element,
    summary,
    grid.element,
    empty,
    more,
  );
}

function sameName(a: Image, b: Image): boolean {
  return a.id !== b.id && a.visibility === b.visibility && a.filename.toLowerCase() === b.filename.toLowerCase();
}

/** Files dropped anywhere on the page go to the upload panel while this view is shown. */
function acceptDrops(addFiles: (files: Iterable<File>) => void): void {
  const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") ?? false;
  const over = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    document.body.classList.add("dragging");
  };
  const leave = (e: DragEvent) => {
    if (e.relatedTarget === null) document.body.classList.remove("dragging");
  };
  const drop = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    document.body.classList.remove("dragging");
    addFiles(e.dataTransfer!.files);
  };
  document.addEventListener("dragover", over);
  document.addEventListener("dragleave", leave);
  document.addEventListener("drop", drop);
  onLeave(() => {
    document.removeEventListener("dragover", over);
    document.removeEventListener("dragleave", leave);
    document.removeEventListener("drop", drop);
    document.body.classList.remove("dragging");
  });
}
