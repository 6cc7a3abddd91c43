// "Share album": a link anyone can open without an account until it expires, optionally with a
// password, a zip download and uploads into the album; the live links listed (no secrets, the
// server keeps none to show) and revoked all at once.
import { type Album, type AlbumLinkInfo, type AlbumLinkRequest, albums } from "./album-api.ts";
import { confirmDialog } from "./dialog.ts";
import { field, h } from "./dom.ts";
import { formatDate, plural } from "./format.ts";
import { explain, fieldErrors } from "./messages.ts";
import { openModal } from "./modal.ts";

const EXPIRIES: [string, number][] = [
  ["1 hour", 3600],
  ["1 day", 86_400],
  ["7 days", 604_800],
  ["30 days", 2_592_000],
];
const DEFAULT_EXPIRY = 604_800;

export function shareAlbumDialog(album: Album): void {
  openModal(
    `Share “${album.name}”`,
    (titleId, close) => {
      const links = liveLinks(album);
      return [
        h("p", {}, "Anyone with the link can see this album's images, without an account, until the link expires."),
        linkForm(album, titleId, links.refresh),
        links.element,
        h("div", { class: "actions" }, h("button", { type: "button", onclick: close }, "Close")),
      ];
    },
    "album-share",
  );
}

function checkbox(id: string, label: string, hint: string, checked: boolean): { input: HTMLInputElement; wrapper: HTMLElement } {
  const input = h("input", { type: "checkbox", id, "aria-describedby": `${id}-hint` });
  input.checked = checked;
  const wrapper = h(
    "div",
    { class: "field check" },
    h("div", { class: "check-row" }, input, h("label", { for: id }, label)),
    h("p", { class: "hint", id: `${id}-hint` }, hint),
  );
  return { input, wrapper };
}

function linkForm(album: Album, titleId: string, created: () => void): HTMLElement {
  const expiry = h("select", { id: "album-link-expiry" }, ...EXPIRIES.map(([label, seconds]) => h("option", { value: seconds }, label)));
  expiry.value = String(DEFAULT_EXPIRY);
  // Shown as typed: the owner has to pass it on.
  const password = h("input", { id: "album-link-password", type: "text", autocomplete: "off", spellcheck: "false", maxlength: 1024 });
  const passwordField = field("Password (optional)", password, "Whoever opens the link must type it. Leave empty for none.");
  const download = checkbox(
    "album-link-download",
    "Allow download",
    "The link offers the whole album as one zip, and each original.",
    true,
  );
  const upload = checkbox(
    "album-link-upload",
    "Allow upload",
    "Anyone with the link can add images: they become your private images, in this album, and count against your storage.",
    false,
  );
  const link = h("input", { id: "album-link-url", readonly: true, placeholder: "no link yet", "aria-describedby": "album-link-status" });
  const copy = h("button", { type: "button", disabled: true }, "Copy");
  const status = h("p", { class: "hint", id: "album-link-status", "aria-live": "polite" });
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h(
    "form",
    { class: "album-link-form", "aria-labelledby": titleId },
    field("Expires after", expiry).wrapper,
    passwordField.wrapper,
    download.wrapper,
    upload.wrapper,
    error,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Create link")),
    h("div", { class: "field" }, h("label", { for: link.id }, "Link"), h("div", { class: "copy-row" }, link, copy), status),
  );

  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(link.value);
      status.textContent = "Link copied to the clipboard.";
    } catch {
      link.select();
      status.textContent = "Copy the selected link (Ctrl+C).";
    }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = passwordField.error.textContent = "";
    const request: AlbumLinkRequest = {
      expiresInSeconds: Number(expiry.value),
      allowDownload: download.input.checked,
      allowUpload: upload.input.checked,
    };
    if (password.value) request.password = password.value;
    try {
      const share = await albums.share(album.id, request);
      link.value = share.url;
      copy.disabled = false;
      const terms = [request.password ? "with the password" : "", request.allowUpload ? "uploads allowed" : ""].filter(Boolean);
      status.textContent = `The link works until ${formatDate(share.expiresAt)}${terms.length ? `, ${terms.join(", ")}` : ""}.`;
      copy.focus();
      created();
    } catch (err) {
      const message = fieldErrors(err).get("password");
      if (message) passwordField.error.textContent = message;
      error.textContent = explain(err);
    }
  });
  return form;
}

function liveLinks(album: Album): { element: HTMLElement; refresh(): void } {
  const list = h("ul", { class: "tokens album-links" });
  const none = h("p", { class: "hint" }, "No live links.");
  const said = h("p", { class: "hint", "aria-live": "polite" });
  const revoke = h("button", { type: "button", class: "danger" }, "Revoke all links");
  const element = h(
    "section",
    { class: "album-links-section", "aria-labelledby": "album-links-title" },
    h("h3", { id: "album-links-title" }, "Live links"),
    none,
    list,
    h("div", { class: "actions" }, revoke),
    said,
  );

  async function refresh(): Promise<void> {
    try {
      const items = await albums.links(album.id);
      list.replaceChildren(...items.map(linkItem));
      none.hidden = items.length > 0;
      revoke.disabled = items.length === 0;
    } catch (e) {
      said.textContent = explain(e);
    }
  }

  revoke.addEventListener("click", async () => {
    const n = list.childElementCount;
    const ok = await confirmDialog({
      title: "Revoke every link to this album?",
      message: `${plural(n, "link")} will stop working at once, for everyone who has ${n === 1 ? "it" : "them"}. The album and its images stay.`,
      confirmLabel: "Revoke all links",
      danger: true,
    });
    if (!ok) return;
    try {
      await albums.revokeLinks(album.id);
      said.textContent = "All links revoked: they no longer open the album.";
    } catch (e) {
      said.textContent = explain(e);
    }
    await refresh();
  });

  void refresh();
  return { element, refresh: () => void refresh() };
}

function linkItem(link: AlbumLinkInfo): HTMLLIElement {
  const terms = [
    link.hasPassword ? "password" : "no password",
    link.allowDownload ? "download allowed" : "no download",
    link.allowUpload ? "upload allowed" : "no upload",
  ];
  return h(
    "li",
    {},
    h("span", {}, `Made ${formatDate(link.createdAt)}, works until ${formatDate(link.expiresAt)}`),
    h("small", { class: "hint" }, terms.join(" · ")),
  );
}
