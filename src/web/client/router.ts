// Hash routes (#/, #/?view=timeline, #/public, #/image/<id>, #/account, …): a reload or a
// bookmark lands on the same view, and the server needs to serve only `/`.
import { h } from "./dom.ts";

const routes: { pattern: RegExp; view: View }[] = [];
let leaving: (() => void)[] = [];
let shown: (() => void)[] = [];
let outlet: HTMLElement | undefined;
let beforeEach: () => void = () => {};
let renders = 0;
let current = "";
let from = "";

/** Renders a view for the matched groups of its pattern; may register cleanups with onLeave. */
export type View = (...params: string[]) => Node | Promise<Node>;

export function route(pattern: RegExp, view: View): void {
  routes.push({ pattern, view });
}

/** Runs when the current view is replaced (observers, document-wide listeners). */
export function onLeave(cleanup: () => void): void {
  leaving.push(cleanup);
}

/**
 * Runs once the view is on screen (scrolled to the top by then): a view that restores a scroll
 * position or focuses an element of its own does it here, and the heading is then not focused.
 */
export function onShown(callback: () => void): void {
  shown.push(callback);
}

/** `replace`: the new address takes the place of the current one in the history (a viewer's next image). */
export function navigate(hash: string, options: { replace?: boolean } = {}): void {
  if (location.hash === hash || (hash === "#/" && location.hash === "")) void render();
  else if (options.replace) location.replace(hash);
  else location.hash = hash;
}

/** The query of the current address: `#/?sort=taken` → sort=taken. */
export function routeQuery(): URLSearchParams {
  return new URLSearchParams(location.hash.split("?")[1] ?? "");
}

/** While a view renders: the path of the view on screen until now ("/image/<id>", "/", …), "" at first. */
export function cameFrom(): string {
  return from;
}

export function startRouter(main: HTMLElement, before: () => void): void {
  outlet = main;
  beforeEach = before;
  // Views put back their own scroll position (the grid after the viewer); the browser's would
  // land on the page before it is rebuilt.
  history.scrollRestoration = "manual";
  window.addEventListener("hashchange", () => void render());
  void render();
}

async function render(): Promise<void> {
  const run = ++renders;
  for (const cleanup of leaving) cleanup();
  leaving = [];
  shown = [];
  beforeEach();
  const path = (location.hash.replace(/^#/, "") || "/").split("?")[0]!;
  from = current;
  for (const { pattern, view } of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    const params = decodeAll(match.slice(1));
    const node = params ? await view(...params) : notFoundView();
    // A slower view (waiting for the server) must not replace one the user went to since.
    if (run !== renders) return;
    current = path;
    outlet!.replaceChildren(node);
    window.scrollTo(0, 0);
    for (const callback of shown) callback();
    // Move focus to the new view's heading, as a page load would, for keyboard and screen reader users.
    const heading = outlet!.querySelector("h1");
    if (heading && !outlet!.contains(document.activeElement)) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    document.title = `${heading?.textContent ?? "pixvault"} · pixvault`;
    return;
  }
  navigate("#/");
}

/** The route's parts, percent-decoded; undefined when one is not valid (`#/image/%`). */
function decodeAll(parts: string[]): string[] | undefined {
  try {
    return parts.map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

function notFoundView(): Node {
  return h(
    "div",
    { class: "panel" },
    h("h1", {}, "Page not found"),
    h("p", {}, "This address is not a page of pixvault; it may have been cut short or mistyped."),
    h("p", {}, h("a", { href: "#/" }, "Back to the images")),
  );
}
