// What the viewer knows of the grid it was opened from: the images in the grid's order (for
// previous and next, loading the next page at the end), where to go back to, and how to tell
// the grid about an image changed or deleted in the viewer, so going back shows it as it is.
import type { Image } from "./api.ts";

export interface Browsing {
  /** The grid's path and its address, with sort, view and filters ("#/?view=timeline"). */
  path: string;
  hash: string;
  find(id: string): Image | undefined;
  order(): string[];
  /** Loads the grid's next page; false when there is none. */
  loadMore(): Promise<boolean>;
  /** The image last shown, whose card gets the focus back. */
  viewed(id: string): void;
  changed(image: Image): void;
  removed(id: string): void;
}

let browsing: Browsing | undefined;

export function browseFrom(context: Browsing | undefined): void {
  browsing = context;
}

export function currentBrowsing(): Browsing | undefined {
  return browsing;
}

/** The ids before and after `id` in the grid; the next one may need the grid's next page. */
export async function neighbours(id: string): Promise<{ previous?: string; next?: string }> {
  if (!browsing) return {};
  let order = browsing.order();
  let at = order.indexOf(id);
  if (at === -1) return {};
  if (at === order.length - 1 && (await browsing.loadMore())) {
    order = browsing.order();
    at = order.indexOf(id);
  }
  return { previous: order[at - 1], next: order[at + 1] };
}
