// What an album link shows, fetched once and kept while the page lives: the album (or that it
// is locked) and the images listed so far, shared by the grid and the viewer.
import { AlbumLink, type LinkedAlbum } from "./album-api.ts";
import type { Image } from "./api.ts";

const PAGE = 60;

/** The link's album and the images listed so far, in the link's order. */
export class LinkState {
  readonly link: AlbumLink;
  images: Image[] = [];
  cursor: string | null = null;
  private opened: Promise<LinkedAlbum> | undefined;
  private started = false;
  private loading: Promise<void> | undefined;

  constructor(token: string) {
    this.link = new AlbumLink(token);
  }

  /** The album as the link shows it: asked once, again after `forget` (an unlock, a lapsed cookie). */
  album(): Promise<LinkedAlbum> {
    this.opened ??= this.link.open();
    this.opened.catch(() => (this.opened = undefined));
    return this.opened;
  }

  forget(): void {
    this.opened = undefined;
    this.images = [];
    this.cursor = null;
    this.started = false;
  }

  get complete(): boolean {
    return this.started && this.cursor === null;
  }

  /** The next page, appended to `images`; one request at a time. */
  more(): Promise<void> {
    if (this.complete) return Promise.resolve();
    this.loading ??= this.link
      .images(this.cursor, PAGE)
      .then((page) => {
        const known = new Set(this.images.map((i) => i.id));
        this.images.push(...page.items.filter((i) => !known.has(i.id)));
        this.cursor = page.nextCursor;
        this.started = true;
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** An image of the album, paging on until it is found (a reload on #/image/<id>). */
  async find(id: string): Promise<Image | undefined> {
    while (!this.images.some((i) => i.id === id) && !this.complete) await this.more();
    return this.images.find((i) => i.id === id);
  }
}
