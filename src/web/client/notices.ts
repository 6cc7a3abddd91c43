// Short messages after an action ("3 images deleted"), in a live region screen readers announce.
import { h } from "./dom.ts";

const region = h("div", { class: "notices", role: "status", "aria-live": "polite" });
let timer: ReturnType<typeof setTimeout> | undefined;
let shownAt = 0;
let carried = false;

export function noticeRegion(): HTMLElement {
  return region;
}

export function notify(message: string, kind: "info" | "error" = "info"): void {
  clearTimeout(timer);
  shownAt = Date.now();
  carried = false;
  region.replaceChildren(h("p", { class: `notice ${kind}` }, message));
  // Errors stay until the next message; they may need reading twice.
  if (kind === "info") timer = setTimeout(() => region.replaceChildren(), 6000);
}

/**
 * On a new page, a message from a while ago is about the old page: drop it. A fresh one
 * ("Deleted …" just before going back to the grid) stays, but for that one page only: the
 * sticky region would otherwise keep covering the top of the pages after it.
 */
export function dropStaleNotice(): void {
  if (carried || Date.now() - shownAt > 1500) clearNotices();
  else carried = true;
}

export function clearNotices(): void {
  clearTimeout(timer);
  region.replaceChildren();
}
