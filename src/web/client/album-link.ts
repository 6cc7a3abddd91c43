// The page at /a/<token>: an album shared by link, for whoever holds the link, signed in or not.
// Its own frame and routes over the same router: #/ the album, #/image/<id> the viewer.
import { albumLinkImage } from "./album-link-image.ts";
import { LinkState } from "./album-link-state.ts";
import { albumLinkView } from "./album-link-view.ts";
import { h } from "./dom.ts";
import { dropStaleNotice, noticeRegion } from "./notices.ts";
import { route, startRouter } from "./router.ts";

/** The token is the path segment after /a/; undefined when it is not valid percent-encoding. */
function tokenOf(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname.split("/")[2] ?? "");
  } catch {
    return undefined;
  }
}

export function openAlbumLink(): void {
  const main = h("main", { id: "main" });
  document.body.replaceChildren(
    h("a", { class: "skip", href: "#main" }, "Skip to content"),
    h("header", { class: "top" }, h("a", { class: "brand", href: "#/" }, "pixvault"), h("span", { class: "hint" }, "Shared album")),
    noticeRegion(),
    main,
  );
  document.querySelector(".skip")!.addEventListener("click", (e) => {
    e.preventDefault();
    main.querySelector<HTMLElement>("h1")?.focus();
  });
  const state = new LinkState(tokenOf(location.pathname) ?? "");
  route(/^\/$/, () => albumLinkView(state));
  route(/^\/image\/([^/]+)$/, (id) => albumLinkImage(state, id!));
  startRouter(main, dropStaleNotice);
}
