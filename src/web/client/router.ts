// Hash routes (#/, #/public, #/image/<id>, #/account, …): a reload or a bookmark lands on the
// same view, and the server needs to serve only `/`.
import { h } from "./dom.ts";

const routes: { pattern: RegExp; view: View }[] = [];
let leaving: (() => void)[] = [];
let outlet: HTMLElement | undefined;
let beforeEach: () => void = () => {};
let renders = 0;

/** Renders a view for the matched groups of its pattern; may register cleanups with onLeave. */
export type View = (...params: string[]) => Node | Promise<Node>;

export function route(pattern: RegExp, view: View): void {
  routes.push({ pattern, view });
}

/** Runs when the current view is replaced (observers, document-wide listeners). */
export function onLeave(cleanup: () => void): void {
  leaving.push(cleanup);
}

export function navigate(hash: string): void {
  if (location.hash === hash || (hash === "#/" && location.hash === "")) void render();
  else location.hash = hash;
}

export function startRouter(main: HTMLElement, before: () => void): void {
  outlet = main;
  beforeEach = before;
  window.addEventListener("hashchange", () => void render());
  void render();
}

async function render(): Promise<void> {
  const run = ++renders;
  for (const cleanup of leaving) cleanup();
  leaving = [];
  beforeEach();
  const path = location.hash.replace(/^#/, "") || "/";
  for (const { pattern, view } of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    const params = decodeAll(match.slice(1));
    const node = params ? await view(...params) : notFoundView();
    // A slower view (waiting for the server) must not replace one the user went to since.
    if (run !== renders) return;
    outlet!.replaceChildren(node);
    // Move focus to the new view's heading, as a page load would, for keyboard and screen reader users.
    const heading = outlet!.querySelector("h1");
    if (heading) {
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
