// How a grid lists its images: grid or timeline, the sort order, filters by name, tag, label and
// colour. The choice lives in the address (#/?view=timeline&sort=size&label=dog), so a reload or a bookmark keeps it;
// on a phone these controls and the upload panel fold into one bar, so photos come first.
import { COCO_CLASSES } from "../../media/labels/coco-classes.ts";
import { colorChoice, isColorBucket } from "./color-swatches.ts";
import { h } from "./dom.ts";

type Sort = "newest" | "oldest" | "size" | "taken";
type ListingView = "grid" | "timeline";

export interface ListingState {
  view: ListingView;
  sort: Sort;
  q: string;
  tag: string;
  /** An object the analysis found (SPEC §9), lowercase: "person", "dog". */
  label: string;
  /** One of the twelve colour names, or "". */
  color: string;
}

/** The filters of the API's listing that a state sets, by their query names. */
const FILTERS = ["q", "tag", "label", "color"] as const;

const SORTS: [Sort, string][] = [
  ["newest", "Newest first"],
  ["oldest", "Oldest first"],
  ["size", "Largest first"],
  ["taken", "Date taken"],
];

export function readState(query: URLSearchParams): ListingState {
  const sort = SORTS.find(([s]) => s === query.get("sort"))?.[0] ?? "newest";
  const view = query.get("view") === "timeline" ? "timeline" : "grid";
  const color = query.get("color")?.toLowerCase() ?? "";
  return {
    view,
    sort: view === "timeline" ? "taken" : sort,
    q: query.get("q") ?? "",
    tag: query.get("tag") ?? "",
    label: query.get("label")?.trim().toLowerCase() ?? "",
    color: isColorBucket(color) ? color : "",
  };
}

/** The filters `state` sets, as the listing's query takes them (none: every image). */
export function filterParams(state: ListingState): Record<string, string> {
  return Object.fromEntries(FILTERS.filter((name) => state[name]).map((name) => [name, state[name]]));
}

/** The address of a grid filtered by one thing alone (`{label: "dog"}`), in its default order. */
export function filteredHash(path: string, filter: Partial<Pick<ListingState, (typeof FILTERS)[number]>>): string {
  return stateHash(path, { ...readState(new URLSearchParams()), ...filter });
}

/** The address of a grid (`#/` or `#/public`) showing `state`; the defaults are left out. */
export function stateHash(path: string, state: ListingState): string {
  const query = new URLSearchParams();
  if (state.view === "timeline") query.set("view", "timeline");
  else if (state.sort !== "newest") query.set("sort", state.sort);
  for (const [name, value] of Object.entries(filterParams(state))) query.set(name, value);
  const text = query.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}

/** The filter form with the view switch and the sort order; `changed` gets every new state. */
export function listingControls(state: ListingState, changed: (state: ListingState) => void): HTMLElement {
  const q = h("input", { type: "search", id: "filter-name", name: "q", placeholder: "part of a filename", autocomplete: "off" });
  const tag = h("input", { type: "search", id: "filter-tag", name: "tag", placeholder: "a tag", autocomplete: "off" });
  const label = h("input", {
    type: "search",
    id: "filter-label",
    name: "label",
    list: "label-names",
    placeholder: "person, dog, car…",
    autocomplete: "off",
  });
  // The objects the model knows: the browser suggests them as the label is typed.
  const labelNames = h("datalist", { id: "label-names" }, ...COCO_CLASSES.map((name) => h("option", { value: name })));
  const color = colorChoice(state.color, (chosen) => set({ color: chosen }));
  q.value = state.q;
  tag.value = state.tag;
  label.value = state.label;
  const sort = h("select", { id: "listing-sort", name: "sort" }, ...SORTS.map(([value, label]) => h("option", { value }, label)));
  const viewButton = (view: ListingView, label: string) =>
    h("button", { type: "button", "aria-pressed": String(state.view === view), onclick: () => set({ view }) }, label);
  const views = h(
    "div",
    { class: "view-switch", role: "group", "aria-label": "View" },
    viewButton("grid", "Grid"),
    viewButton("timeline", "Timeline"),
  );
  const showAll = h("button", { type: "button" }, "Show all");
  const form = h(
    "form",
    { class: "filters foldable", id: "listing-controls", role: "search", "aria-label": "Filter images" },
    views,
    h("div", { class: "field inline" }, h("label", { for: sort.id }, "Sort"), sort),
    h("div", { class: "field inline" }, h("label", { for: q.id }, "Name"), q),
    h("div", { class: "field inline" }, h("label", { for: tag.id }, "Tag"), tag),
    h("div", { class: "field inline" }, h("label", { for: label.id }, "Label"), label, labelNames),
    color.element,
    h("button", { type: "submit" }, "Filter"),
    showAll,
  );

  function set(change: Partial<ListingState>): void {
    state = { ...state, ...change };
    if (change.view) state.sort = change.view === "timeline" ? "taken" : "newest";
    sort.value = state.sort;
    // The timeline is by date taken: its order is not a choice.
    sort.disabled = state.view === "timeline";
    for (const b of views.querySelectorAll("button")) {
      b.setAttribute("aria-pressed", String(b.textContent === (state.view === "grid" ? "Grid" : "Timeline")));
    }
    changed(state);
  }

  sort.value = state.sort;
  sort.disabled = state.view === "timeline";
  sort.addEventListener("change", () => set({ sort: sort.value as Sort }));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    set({ q: q.value.trim(), tag: tag.value.trim(), label: label.value.trim().toLowerCase() });
  });
  showAll.addEventListener("click", () => {
    q.value = tag.value = label.value = "";
    color.set("");
    set({ q: "", tag: "", label: "", color: "" });
  });
  return form;
}

/**
 * The bar a phone shows instead of the panels it folds away; each button opens its panel (an
 * element with an id and the class `foldable`). Wider screens hide the bar and show the panels.
 */
export function foldBar(panels: { label: string; panel: HTMLElement }[]): { element: HTMLElement; open(panel: HTMLElement): void } {
  const buttons = panels.map(({ label, panel }) => {
    const button = h("button", { type: "button", "aria-expanded": "false", "aria-controls": panel.id }, label);
    button.addEventListener("click", () => toggle(panel, !panel.classList.contains("open"), true));
    return { button, panel };
  });
  function toggle(panel: HTMLElement, open: boolean, focus: boolean): void {
    panel.classList.toggle("open", open);
    for (const b of buttons) if (b.panel === panel) b.button.setAttribute("aria-expanded", String(open));
    if (open && focus) panel.querySelector<HTMLElement>("input, select, button")?.focus({ preventScroll: true });
  }
  const element = h("div", { class: "fold-bar", role: "group", "aria-label": "Upload and filters" }, ...buttons.map((b) => b.button));
  return { element, open: (panel) => toggle(panel, true, false) };
}
