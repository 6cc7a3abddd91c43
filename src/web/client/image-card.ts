// One card of a grid: the image's thumb preview (never the original), or a placeholder with the
// reason when it has no preview; its filename, size, visibility and owner; a checkbox to select it.
import { type Image, previewUrl } from "./api.ts";
import { h } from "./dom.ts";
import { formatBytes } from "./format.ts";
import { previewReason } from "./messages.ts";
import type { Selection } from "./selection.ts";

export interface CardOptions {
  selection?: Selection;
  showOwner: boolean;
  /** The ids in the grid's order, for shift-click ranges. */
  order: () => string[];
  /** Where the previews are (an album link serves its own); the signed-in API's by default. */
  preview?: typeof previewUrl;
  /** The Public/Private badge; left out where it means nothing to the viewer (an album link). */
  showVisibility?: boolean;
}

const imageHref = (id: string) => `#/image/${encodeURIComponent(id)}`;

export function imageCard(image: Image, options: CardOptions): HTMLLIElement {
  const { selection } = options;
  let checkbox: HTMLElement | null = null;
  if (selection) {
    const input = h("input", { type: "checkbox", "aria-label": `Select ${image.filename}` });
    input.checked = selection.has(image.id);
    input.addEventListener("click", (e) => selection.click(image.id, input.checked, e.shiftKey, options.order()));
    checkbox = h("label", { class: "select", title: "Select (shift-click selects a range)" }, input);
  }
  const facts = [
    h("span", {}, formatBytes(image.size)),
    options.showVisibility === false
      ? null
      : h("span", { class: `badge ${image.visibility}` }, image.visibility === "public" ? "Public" : "Private"),
    options.showOwner ? h("span", { class: "owner" }, `by ${image.owner.username}`) : null,
  ];
  const card = cardFrame(image, checkbox, [facts], options.preview);
  card.classList.toggle("selected", selection?.has(image.id) ?? false);
  return card;
}

/**
 * What every card of an image has: `corner` (a checkbox, a radio button) over its thumb, its name,
 * and a `card-meta` line per list of facts. The thumb and the name both open the image.
 */
export function cardFrame(image: Image, corner: Node | null, facts: (Node | null)[][], preview = previewUrl): HTMLLIElement {
  const href = imageHref(image.id);
  return h(
    "li",
    { class: "card", "data-id": image.id },
    corner,
    // The name link below is the one keyboard stop per card; the preview repeats it for the mouse.
    h("a", { class: "thumb", href, tabindex: -1, "aria-hidden": "true" }, tilePreview(image, preview)),
    h(
      "div",
      { class: "card-body" },
      h("a", { class: "name", href, title: image.filename }, image.filename),
      ...facts.map((line) => h("p", { class: "card-meta" }, ...line)),
    ),
  );
}

/** The thumb, with the display preview for screens of twice the density; loaded as it nears the screen. */
function tilePreview(image: Image, preview: typeof previewUrl): HTMLElement {
  if (image.previews.status === "failed") return placeholder(image, image.previews.reason);
  const thumb = preview(image.id, "thumb");
  const img = h("img", {
    src: thumb,
    srcset: `${thumb} 1x, ${preview(image.id, "display")} 2x`,
    alt: "",
    loading: "lazy",
    decoding: "async",
    width: image.width ?? undefined,
    height: image.height ?? undefined,
  });
  // A preview that cannot be made (undecodable, a decompression bomb) is said in words, not a broken image.
  img.addEventListener(
    "error",
    () => void missingPreview(image, img.currentSrc || thumb).then((reason) => img.replaceWith(placeholder(image, reason))),
    {
      once: true,
    },
  );
  return img;
}

async function missingPreview(image: Image, url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { headers: { accept: "application/problem+json, application/json" } });
    if (/json/.test(res.headers.get("content-type") ?? "")) return ((await res.json()) as { reason?: string }).reason;
  } catch {
    // Offline: the generic words below.
  }
  return image.previews.reason;
}

function placeholder(image: Image, reason: string | null | undefined): HTMLElement {
  return h(
    "span",
    { class: "placeholder" },
    h("span", { class: "placeholder-name" }, image.filename),
    h("span", { class: "placeholder-reason" }, `No preview: ${previewReason(reason)}`),
  );
}
