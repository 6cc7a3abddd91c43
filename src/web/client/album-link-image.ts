// An album link's viewer (#/image/<id> under /a/<token>): the image's display preview with
// previous and next through the album, a few facts about it, and its original when the link
// allows downloads.
import type { LinkState } from "./album-link-state.ts";
import { linkProblem, viewedInLink } from "./album-link-view.ts";
import type { Image } from "./api.ts";
import { h } from "./dom.ts";
import { formatBytes, formatTaken } from "./format.ts";
import { cameFrom, navigate, onShown } from "./router.ts";
import { type Step, viewerStage } from "./viewer-stage.ts";

/** Opened from the grid (and paged since): closing goes back in the history, to the grid as it was. */
let openedFromGrid = false;
let steppedBy: Step | undefined;

export async function albumLinkImage(state: LinkState, id: string): Promise<Node> {
  if (!cameFrom().startsWith("/image/")) openedFromGrid = cameFrom() === "/";
  let image: Image | undefined;
  let allowDownload: boolean;
  let albumName: string;
  try {
    const shown = await state.album();
    // A reload here on a locked link: the album page asks for the password first.
    if (shown.locked) return redirectHome();
    ({ allowDownload } = shown);
    albumName = shown.album.name;
    image = await state.find(id);
  } catch (e) {
    return linkProblem(e);
  }
  if (!image) {
    return h(
      "div",
      { class: "panel narrow" },
      h("h1", {}, "Image not found"),
      h("p", {}, "This image is not in the album any more."),
      h("p", {}, h("a", { href: "#/" }, `Back to ${albumName}`)),
    );
  }
  viewedInLink(id);
  const around = await neighbours(state, id);
  const close = () => (openedFromGrid ? history.back() : navigate("#/"));
  const stage = viewerStage({
    image,
    previous: around.previous,
    next: around.next,
    preview: state.link.preview,
    go: (next, step) => {
      steppedBy = step;
      navigate(`#/image/${encodeURIComponent(next)}`, { replace: true });
    },
    close,
  });
  const by = steppedBy;
  steppedBy = undefined;
  if (by && !stage.button(by).disabled) onShown(() => stage.button(by).focus());

  const backLink = h("a", { href: "#/", class: "close" }, `← ${albumName}`);
  backLink.addEventListener("click", (e) => {
    e.preventDefault();
    close();
  });
  const original = state.link.content(image);
  return h(
    "div",
    { class: "image-page album-link-image" },
    h(
      "div",
      { class: "image-main" },
      h("div", { class: "viewer-bar" }, backLink, h("span", { class: "hint key-hint" }, "← → to browse, Esc to close")),
      h("h1", { class: "image-title" }, image.filename),
      stage.element,
      allowDownload
        ? h(
            "div",
            { class: "actions" },
            h("a", { class: "button", href: `${original}?download=1`, download: "" }, "Download"),
            h("a", { class: "button", href: original, target: "_blank", rel: "noopener" }, "Open full size"),
          )
        : null,
    ),
    h("section", { class: "panel image-side", "aria-labelledby": "meta-title" }, h("h2", { id: "meta-title" }, "Details"), details(image)),
  );
}

async function neighbours(state: LinkState, id: string): Promise<{ previous?: string; next?: string }> {
  let at = state.images.findIndex((i) => i.id === id);
  if (at === state.images.length - 1 && !state.complete) {
    await state.more().catch(() => {});
    at = state.images.findIndex((i) => i.id === id);
  }
  return { previous: state.images[at - 1]?.id, next: state.images[at + 1]?.id };
}

function details(image: Image): HTMLElement {
  const rows: [string, string][] = [
    ["Taken", image.takenAt ? formatTaken(image.takenAt) : "unknown"],
    ["Dimensions", image.width && image.height ? `${image.width} × ${image.height} pixels` : "unknown"],
    ["Size", formatBytes(image.size)],
    ["Type", image.contentType],
  ];
  if (image.description) rows.push(["Description", image.description]);
  return h("dl", { class: "metadata" }, ...rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

function redirectHome(): Node {
  navigate("#/", { replace: true });
  return h("p", {});
}
