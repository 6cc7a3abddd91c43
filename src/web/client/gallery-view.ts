// The image grids: "My images" (upload, select, act on the selection) and the public gallery
// (everyone's public images with their owners), as a grid or a timeline by month taken, sorted
// and filtered, paged over the cursor API as the end of the grid scrolls into view. Leaving for
// the viewer keeps the grid as it was, so going back finds the same scroll position and card.
import { type Image, images } from "./api.ts";
import { browseFrom } from "./browsing.ts";
import { h } from "./dom.ts";
import { acceptDrops } from "./drop-zone.ts";
import { monthOf, plural } from "./format.ts";
import { ImageGrid } from "./image-grid.ts";
import { filterParams, foldBar, type ListingState, listingControls, readState, stateHash } from "./listing-controls.ts";
import { explain } from "./messages.ts";
import { notify } from "./notices.ts";
import { cameFrom, onLeave, onShown, routeQuery } from "./router.ts";
import { selectionActions } from "./selection-actions.ts";
import { Selection } from "./selection.ts";
import { currentUser } from "./session.ts";
import { uploadPanel } from "./upload-panel.ts";

const PAGE = 40;
const byMonthTaken = (image: Image) => monthOf(image.takenAt, image.createdAt);

/** The grid last left: shown again as it was when the viewer closes on the same address. */
let kept: { key: string; show(): Node } | undefined;

export function galleryView(scope: "mine" | "public"): Node {
  const path = scope === "mine" ? "/" : "/public";
  const key = (state: ListingState) => `${currentUser()?.id ?? ""} ${stateHash(path, state)}`;
  const state = readState(routeQuery());
  if (kept?.key === key(state) && cameFrom().startsWith("/image/")) return kept.show();
  return gallery(scope, path, state, key);
}

function gallery(scope: "mine" | "public", path: string, state: ListingState, key: (state: ListingState) => string): Node {
  const mine = scope === "mine";
  const selection = new Selection(() => {
    actions?.refresh();
    showCounts();
  });
  const grid = new ImageGrid({ label: mine ? "Your images" : "Public images", showOwner: !mine, ...(mine ? { selection } : {}) });
  let cursor: string | null = null;
  let loading: Promise<void> | undefined;
  let generation = 0;
  let lastViewed: string | undefined;

  const empty = h("p", { class: "empty", hidden: true });
  const more = h("button", { type: "button", class: "more", hidden: true }, "Load more");
  const summary = h("p", { class: "grid-summary", "aria-live": "polite" });
  const controls = listingControls(state, (changed) => {
    state = changed;
    // The address follows the choice (for a reload or a bookmark) without rendering the page again.
    history.replaceState(history.state, "", stateHash(path, state));
    void load(true);
  });

  const filtered = () => Object.keys(filterParams(state)).length > 0;
  const actions = mine ? selectionActions(grid, selection, () => cursor === null && !filtered()) : null;
  const upload = mine
    ? uploadPanel((image: Image, replaced: boolean) => {
        if (replaced) grid.remove(grid.images.filter((i) => sameName(i, image)).map((i) => i.id));
        if (matches(image)) {
          if (state.sort !== "oldest") grid.prepend(image);
          else if (cursor === null) grid.append([image]);
        }
        actions?.refresh();
        showCounts();
      })
    : null;
  if (upload) upload.element.id = "upload-panel";
  upload?.element.classList.add("foldable");
  const fold = foldBar([...(upload ? [{ label: "Upload", panel: upload.element }] : []), { label: "Filter and sort", panel: controls }]);

  /** A new listing (`reset`) starts at once, and a page still coming for the old one is dropped. */
  function load(reset: boolean): Promise<void> {
    if (reset) {
      generation += 1;
      loading = undefined;
    }
    if (loading) return loading;
    const run: Promise<void> = fetchPage(reset, generation).finally(() => {
      if (loading === run) loading = undefined;
    });
    return (loading = run);
  }

  async function fetchPage(reset: boolean, asked: number): Promise<void> {
    more.disabled = true;
    try {
      const params: Record<string, string> = { scope, sort: state.sort, limit: String(PAGE), ...filterParams(state) };
      if (!reset && cursor) params.cursor = cursor;
      const page = await images.list(params);
      if (asked !== generation) return;
      if (reset) {
        grid.regroup(state.view === "timeline" ? byMonthTaken : undefined);
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
      more.disabled = false;
    }
    // A tall screen may show the end of the grid again at once; the observer only reports changes.
    if (cursor && more.isConnected && more.getBoundingClientRect().top < window.innerHeight) setTimeout(() => void load(false));
  }

  function showCounts(): void {
    empty.hidden = grid.images.length > 0;
    empty.textContent = filtered()
      ? `No image matches.${state.label || state.color ? " Images just uploaded are found by label and colour once analysed." : ""}`
      : mine
        ? "No images yet. Drop some on this page or choose them above."
        : "Nobody has shared an image publicly yet.";
    summary.textContent = `${plural(grid.images.length, "image")} shown${cursor ? ", more below" : ""}.`;
  }

  function matches(image: Image): boolean {
    // A new upload is not analysed yet: it has no label or colour to match.
    if (state.label || state.color) return false;
    const nameOk = !state.q || image.filename.toLowerCase().includes(state.q.toLowerCase());
    return nameOk && (!state.tag || image.tags.includes(state.tag.trim().toLowerCase()));
  }

  more.addEventListener("click", () => void load(false));

  const node = h(
    "div",
    { class: "gallery" },
    h("h1", {}, mine ? "My images" : "Public images"),
    fold.element,
    upload?.element,
    controls,
    actions?.element,
    summary,
    grid.element,
    empty,
    more,
  );

  /** Live while on screen: paging as the end nears, drops, the viewer's view of this grid. */
  function activate(): void {
    // Infinite scroll: the button doubles as the sentinel, and stays for keyboard users.
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((s) => s.isIntersecting) && cursor) void load(false);
    });
    observer.observe(more);
    if (upload)
      acceptDrops((files) => {
        fold.open(upload.element);
        upload.addFiles(files);
      });
    browseFrom({
      path,
      hash: stateHash(path, state),
      find: (id) => grid.find(id),
      order: () => grid.order(),
      loadMore: async () => {
        if (!cursor) return false;
        const before = grid.images.length;
        await load(false);
        return grid.images.length > before;
      },
      viewed: (id) => (lastViewed = id),
      changed: (image) => grid.update(image),
      removed: (id) => {
        grid.remove([id]);
        selection.forget([id]);
      },
    });
    onLeave(() => {
      observer.disconnect();
      const scrollY = window.scrollY;
      const show = () => {
        activate();
        onShown(() => restore(scrollY));
        return node;
      };
      kept = { key: key(state), show };
    });
  }

  /** Back from the viewer: the same scroll position, and focus on the card of the image last shown. */
  function restore(scrollY: number): void {
    window.scrollTo(0, scrollY);
    const target = lastViewed ? grid.focusTarget(lastViewed) : null;
    if (!target) return;
    const box = target.closest(".card")!.getBoundingClientRect();
    const visible = box.bottom > 0 && box.top < window.innerHeight;
    target.focus({ preventScroll: visible });
    if (!visible) target.closest(".card")!.scrollIntoView({ block: "center" });
  }

  activate();
  void load(true);
  return node;
}

function sameName(a: Image, b: Image): boolean {
  return a.id !== b.id && a.visibility === b.visibility && a.filename.toLowerCase() === b.filename.toLowerCase();
}
