// The cards of a listing, in one grid, or (for the timeline) in one grid per month with the
// month as its heading; the order on screen is the order for ranges, "select all" and the viewer.
import type { Image } from "./api.ts";
import { h } from "./dom.ts";
import { type CardOptions, imageCard } from "./image-card.ts";
import type { Selection } from "./selection.ts";

interface Group {
  /** Sorts the groups, greatest first ("2024-05"). */
  key: string;
  label: string;
}

export interface GridOptions extends Pick<CardOptions, "preview" | "showVisibility"> {
  label: string;
  selection?: Selection;
  showOwner: boolean;
  /** Groups the cards under headings (the timeline's months). */
  groupBy?: (image: Image) => Group;
}

export class ImageGrid {
  readonly element = h("div", { class: "listing" });
  private readonly byId = new Map<string, Image>();
  private readonly cards = new Map<string, HTMLLIElement>();
  private readonly groups = new Map<string, HTMLUListElement>();
  private flat: HTMLUListElement | undefined;

  constructor(private readonly options: GridOptions) {}

  /** Empties the grid and lays out what comes next in groups (or in one grid, with undefined). */
  regroup(groupBy: GridOptions["groupBy"]): void {
    this.clear();
    this.options.groupBy = groupBy;
    this.element.classList.toggle("timeline", groupBy !== undefined);
  }

  get images(): Image[] {
    return this.order().map((id) => this.byId.get(id)!);
  }

  order(): string[] {
    return [...this.element.querySelectorAll<HTMLElement>(".card")].map((card) => card.dataset.id!);
  }

  find(id: string): Image | undefined {
    return this.byId.get(id);
  }

  /** The card's keyboard stop (its name link), to put focus back on. */
  focusTarget(id: string): HTMLElement | null {
    return this.cards.get(id)?.querySelector<HTMLElement>("a.name") ?? null;
  }

  clear(): void {
    this.byId.clear();
    this.cards.clear();
    this.groups.clear();
    this.flat = undefined;
    this.element.replaceChildren();
  }

  append(images: readonly Image[]): void {
    for (const image of images) {
      if (this.cards.has(image.id)) continue;
      this.listFor(image).append(this.card(image));
    }
  }

  /** A new upload goes first (of its month, in the timeline): the grid is newest first. */
  prepend(image: Image): void {
    this.remove([image.id]);
    this.listFor(image).prepend(this.card(image));
  }

  update(image: Image): void {
    const old = this.cards.get(image.id);
    if (!old) return;
    this.byId.set(image.id, image);
    old.replaceWith(this.card(image));
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) {
      const list = this.cards.get(id)?.parentElement;
      this.cards.get(id)?.remove();
      this.cards.delete(id);
      this.byId.delete(id);
      if (list && this.options.groupBy && list.childElementCount === 0) {
        list.closest("section")?.remove();
        for (const [key, l] of this.groups) if (l === list) this.groups.delete(key);
      }
    }
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
    const { selection, showOwner, preview, showVisibility } = this.options;
    const card = imageCard(image, {
      ...(selection ? { selection } : {}),
      ...(preview ? { preview } : {}),
      ...(showVisibility === false ? { showVisibility } : {}),
      showOwner,
      order: () => this.order(),
    });
    this.byId.set(image.id, image);
    this.cards.set(image.id, card);
    return card;
  }

  /** The list the image's card goes in: the grid, or its group's, made in key order when new. */
  private listFor(image: Image): HTMLElement {
    if (!this.options.groupBy) {
      if (!this.flat) this.element.append((this.flat = h("ul", { class: "grid", "aria-label": this.options.label })));
      return this.flat;
    }
    const { key, label } = this.options.groupBy(image);
    const found = this.groups.get(key);
    if (found) return found;
    const id = `group-${key.replace(/[^A-Za-z0-9-]/g, "")}`;
    const list = h("ul", { class: "grid", "aria-labelledby": id });
    const section = h("section", { class: "group", "data-key": key }, h("h2", { id }, label), list);
    const after = [...this.element.children].find((s) => ((s as HTMLElement).dataset.key ?? "") < key);
    this.element.insertBefore(section, after ?? null);
    this.groups.set(key, list);
    return list;
  }
}
