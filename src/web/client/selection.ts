// Which images are selected: one by one, a shift-click range from the last one clicked, or all.

export class Selection {
  private readonly ids = new Set<string>();
  private anchor: string | null = null;

  constructor(private readonly changed: () => void) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }

  list(): string[] {
    return [...this.ids];
  }

  /**
   * A plain click toggles one image and remembers it; a shift-click sets every image
   * between the remembered one and this one (in `order`, the grid's order) to this one's
   * new state, as file managers do.
   */
  click(id: string, selected: boolean, shift: boolean, order: readonly string[]): void {
    const from = this.anchor === null ? -1 : order.indexOf(this.anchor);
    const to = order.indexOf(id);
    if (shift && from !== -1 && to !== -1) {
      const [lo, hi] = from < to ? [from, to] : [to, from];
      for (const between of order.slice(lo, hi + 1)) this.set(between, selected);
    } else {
      this.set(id, selected);
    }
    this.anchor = id;
    this.changed();
  }

  selectAll(order: readonly string[]): void {
    for (const id of order) this.ids.add(id);
    this.changed();
  }

  clear(): void {
    this.ids.clear();
    this.anchor = null;
    this.changed();
  }

  /** Images that left the grid (deleted) leave the selection too. */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.ids.delete(id);
    this.changed();
  }

  private set(id: string, selected: boolean): void {
    if (selected) this.ids.add(id);
    else this.ids.delete(id);
  }
}
