// Albums as the page uses them: the owner's albums and their links (signed in, through api.ts),
// and an album link as its holder sees it (no account: the token in the path, an unlock cookie).
import { api, type Image, type ImagePage, images, type PreviewSize } from "./api.ts";

export interface Album {
  id: string;
  name: string;
  description: string | null;
  imageCount: number;
  /** The chosen cover, else the image added last; null when the album is empty. */
  coverImageId: string | null;
  createdAt: string;
  updatedAt: string;
}

export type AlbumChange = Partial<Pick<Album, "name" | "description" | "coverImageId">>;

export interface AlbumLinkRequest {
  expiresInSeconds: number;
  password?: string;
  allowDownload: boolean;
  allowUpload: boolean;
}

/** A live link as its owner sees it later: no token, no password. */
export interface AlbumLinkInfo {
  id: string;
  createdAt: string;
  expiresAt: string;
  hasPassword: boolean;
  allowDownload: boolean;
  allowUpload: boolean;
}

const albumPath = (id: string) => `/api/v1/albums/${encodeURIComponent(id)}`;
type One = { album: Album };

export const albums = {
  list: () => api<{ items: Album[] }>("GET", "/api/v1/albums").then((r) => r.items),
  get: (id: string) => api<One>("GET", albumPath(id)).then((r) => r.album),
  create: (name: string, description?: string) =>
    api<One>("POST", "/api/v1/albums", description ? { name, description } : { name }).then((r) => r.album),
  change: (id: string, change: AlbumChange) => api<One>("PATCH", albumPath(id), change).then((r) => r.album),
  remove: (id: string) => api<void>("DELETE", albumPath(id)),
  addImages: (id: string, ids: string[]) => api<One>("POST", `${albumPath(id)}/images`, { ids }).then((r) => r.album),
  removeImages: (id: string, ids: string[]) => api<One>("DELETE", `${albumPath(id)}/images`, { ids }).then((r) => r.album),
  images: (id: string, params: Record<string, string>) => images.list({ ...params, album: id }),
  share: (id: string, request: AlbumLinkRequest) =>
    api<{ id: string; url: string; expiresAt: string }>("POST", `${albumPath(id)}/shares`, request),
  links: (id: string) => api<{ items: AlbumLinkInfo[] }>("GET", `${albumPath(id)}/shares`).then((r) => r.items),
  revokeLinks: (id: string) => api<void>("DELETE", `${albumPath(id)}/shares`),
};

/** The album as one zip: a plain link, so the browser's own download shows its progress. */
export const albumArchiveUrl = (id: string) => `/api/v1/images/archive?album=${encodeURIComponent(id)}`;

/** What a link holder learns of the album: all of it once unlocked, only the expiry while locked. */
export type LinkedAlbum =
  | {
      locked: false;
      album: Pick<Album, "name" | "description" | "imageCount" | "coverImageId">;
      expiresAt: string;
      allowDownload: boolean;
      allowUpload: boolean;
    }
  | { locked: true; expiresAt: string };

/** An album link from its holder's side: every address is under /a/<token>. */
export class AlbumLink {
  readonly base: string;

  constructor(token: string) {
    this.base = `/a/${encodeURIComponent(token)}`;
  }

  open(): Promise<LinkedAlbum> {
    return api<LinkedAlbum>("GET", `${this.base}/album`);
  }

  /** The password goes in the body, never in a url; the server answers with a cookie for this link. */
  unlock(password: string): Promise<void> {
    return api<void>("POST", `${this.base}/unlock`, { password });
  }

  images(cursor: string | null, limit: number): Promise<ImagePage> {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    return api<ImagePage>("GET", `${this.base}/images?${query}`);
  }

  readonly preview = (id: string, size: PreviewSize) => `${this.base}/images/${encodeURIComponent(id)}/preview?size=${size}`;

  content(image: Pick<Image, "id">): string {
    return `${this.base}/images/${encodeURIComponent(image.id)}/content`;
  }

  get archive(): string {
    return `${this.base}/archive`;
  }

  get uploads(): string {
    return `${this.base}/images`;
  }
}
