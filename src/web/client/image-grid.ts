// The grid of image cards: lazy-loaded previews, filename, size, visibility (and owner in the
// public gallery), with a checkbox per card when images can be selected.
import { contentUrl, type Image } from "./api.ts";
import { h } from "./dom.ts";
import { formatBytes } from "./format.ts";
import type { Selection } from "./selection.ts";

export class ImageGrid {
  readonly element: HTMLUListElement;
  private items: Image[] = [];
  private readonly cards = new Map<string, HTMLLIElement>();

  constructor(private readonly options: { label: string; selection?: Selection; showOwner: boolean }) {
    this.element = h("ul", { class: "grid", "aria-label": options.label });
  }

  get images(): readonly Image[] {
    return this.items;
  }

  order(): string[] {
    return this.items.map((i) => i.id);
  }

  find(id: string): Image | undefined {
    return this.items.find((i) => i.id === id);
  }

  clear(): void {
    this.items = [];
    this.cards.clear();
    this.element.replaceChildren();
  }

  append(images: readonly Image[]): void {
    for (const image of images) {
      if (this.cards.has(image.id)) continue;
      this.items.push(image);
      this.element.append(this.card(image));
    }
  }

  /** A new upload goes first: the grid is newest first. */
  prepend(image: Image): void {
    this.remove([image.id]);
    this.items.unshift(image);
    this.element.prepend(this.card(image));
  }

  update(image: Image): void {
    const old = this.cards.get(image.id);
    if (!old) return;
    this.items[this.items.findIndex((i) => i.id === image.id)] = image;
    old.replaceWith(this.card(image));
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) {
      this.cards.get(id)?.remove();
      this.cards.delete(id);
    }
    this.items = this.items.filter((i) => !ids.includes(i.id));
  }

  /** Marks the cards whose images are selected. */
  showSelection(): void {
    const selection = this.options.selection;
    if (!selection) return;
    for (const [id, card] of this.cards) {
      const selected = selection.has(id);
      card.classList.toggle("selected", selected);
      card.querySelector("input")!.checked = selected;
    }
  }

  private card(image: Image): HTMLLIElement {
    const href = `#/image/${encodeURIComponent(image.id)}`;
    const selection = this.options.selection;
    let checkbox: HTMLElement | null = null;
    if (selection) {
      const input = h("input", { type: "checkbox", "aria-label": `Select ${image.filename}` });
      input.checked = selection.has(image.id);
      input.addEventListener("click", (e) => selection.click(image.id, input.checked, e.shiftKey, this.order()));
      checkbox = h("label", { class: "select", title: "Select (shift-click selects a range)" }, input);
    }
    const card = h(
      "li",
      { class: "card", "data-id": image.id },
      checkbox,
      // The name link below is the one keyboard stop per card; the preview repeats it for the mouse.
      h(
        "a",
        { class: "thumb", href, tabindex: -1, "aria-hidden": "true" },
        h("img", {
          src: contentUrl(image.id),
          alt: "",
          loading: "lazy",
          decoding: "async",
          width: image.width ?? undefined,
          height: image.height ?? undefined,
        }),
      ),
      h(
        "div",
        { class: "card-body" },
        h("a", { class: "name", href, title: image.filename }, image.filename),
        h(
          "p",
          { class: "card-meta" },
          h("span", {}, formatBytes(image.size)),
          h("span", { class: `badge ${image.visibility}` }, image.visibility === "public" ? "Public" : "Private"),
          this.options.showOwner ? h("span", { class: "owner" }, `by ${image.owner.username}`) : null,
        ),
      ),
    );
    this.cards.set(image.id, card);
    card.classList.toggle("selected", selection?.has(image.id) ?? false);
    return card;
  }
}
