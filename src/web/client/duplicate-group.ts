// One group of the duplicates page: its images side by side (thumb, name, size, dimensions,
// dates), one radio button each to choose the image to keep, and "Delete the others".
import type { DuplicateGroup, Image } from "./api.ts";
import { h } from "./dom.ts";
import { formatBytes, formatDate, formatTaken, plural } from "./format.ts";
import { cardFrame } from "./image-card.ts";

const pixels = (image: Image) => (image.width ?? 0) * (image.height ?? 0);

/**
 * The image kept unless the user chooses another: the largest (most pixels, then most bytes),
 * and of images the same size the oldest upload — for identical copies, the first one.
 */
export function suggestedKeep(images: readonly Image[]): Image {
  return [...images].sort((a, b) => pixels(b) - pixels(a) || b.size - a.size || a.createdAt.localeCompare(b.createdAt))[0]!;
}

export interface GroupActions {
  /** The user chose another image to keep. */
  chose(id: string): void;
  deleteOthers(keep: Image, others: Image[]): void;
}

const KINDS = {
  identical: { title: "Identical copies", hint: "The same file, byte for byte, stored more than once." },
  similar: { title: "Similar images", hint: "They look the same: a resized, re-encoded or slightly edited copy." },
};

/** `index` makes the group's ids unique on the page; `keep` is the id chosen so far. */
export function duplicateGroup(group: DuplicateGroup, index: number, keep: string, on: GroupActions): HTMLElement {
  const titleId = `duplicates-${index}`;
  const suggested = suggestedKeep(group.images).id;
  const remove = h("button", { type: "button", class: "danger", "aria-describedby": titleId }, "Delete the others…");
  const items = group.images.map((image) => {
    const input = h("input", { type: "radio", name: `keep-${index}`, value: image.id });
    input.checked = image.id === keep;
    input.addEventListener("change", () => {
      keep = image.id;
      mark();
      on.chose(image.id);
    });
    return { image, item: item(image, input, image.id === suggested) };
  });
  const mark = () => {
    for (const { image, item } of items) item.classList.toggle("selected", image.id === keep);
  };
  remove.addEventListener("click", () => {
    const kept = group.images.find((i) => i.id === keep)!;
    on.deleteOthers(
      kept,
      group.images.filter((i) => i !== kept),
    );
  });
  mark();
  const { title, hint } = KINDS[group.kind];
  return h(
    "section",
    { class: "panel duplicate-group", "aria-labelledby": titleId, "data-kind": group.kind },
    h("h2", { id: titleId, tabindex: -1 }, `${title}: ${plural(group.images.length, "image")}`),
    h("p", { class: "hint" }, hint),
    h(
      "fieldset",
      {},
      h("legend", { class: "visually-hidden" }, "The image to keep"),
      h("ul", { class: "grid duplicates" }, ...items.map((i) => i.item)),
    ),
    h("div", { class: "actions" }, remove),
  );
}

function item(image: Image, input: HTMLInputElement, suggested: boolean): HTMLLIElement {
  const keep = h("label", { class: "keep" }, input, "Keep", h("span", { class: "visually-hidden" }, ` ${image.filename}`));
  const card = cardFrame(image, keep, [
    [
      h("span", {}, formatBytes(image.size)),
      h("span", {}, image.width && image.height ? `${image.width} × ${image.height}` : "dimensions unknown"),
      suggested ? h("span", { class: "badge suggested" }, "suggested") : null,
    ],
    [h("span", {}, `uploaded ${formatDate(image.createdAt)}`), image.takenAt ? h("span", {}, `taken ${formatTaken(image.takenAt)}`) : null],
  ]);
  card.classList.add("duplicate");
  return card;
}
