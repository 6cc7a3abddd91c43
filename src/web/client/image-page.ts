// One image, large: its metadata; for its owner also a form to rename it, change its tags,
// description and visibility, a share link with an expiry copied to the clipboard, and delete.
import { contentUrl, images, type Image } from "./api.ts";
import { confirmDialog } from "./dialog.ts";
import { field, h } from "./dom.ts";
import { formatBytes, formatDate } from "./format.ts";
import { explain, fieldErrors } from "./messages.ts";
import { notify } from "./notices.ts";
import { navigate } from "./router.ts";
import { currentUser } from "./session.ts";

const EXPIRIES: [string, number][] = [
  ["30 minutes", 1800],
  ["1 hour", 3600],
  ["1 day", 86_400],
  ["7 days", 604_800],
];

export async function imagePage(id: string): Promise<Node> {
  let image: Image;
  try {
    image = await images.get(id);
  } catch (e) {
    return h(
      "div",
      { class: "panel" },
      h("h1", {}, "Image not found"),
      h("p", {}, explain(e)),
      h("p", {}, h("a", { href: "#/" }, "Back to the images")),
    );
  }
  const own = currentUser()?.id === image.owner.id;
  const metadata = h("dl", { class: "metadata" });
  const showMetadata = () =>
    metadata.replaceChildren(
      ...row("Type", image.contentType),
      ...row("Dimensions", image.width && image.height ? `${image.width} × ${image.height} pixels` : "unknown"),
      ...row("Size", `${formatBytes(image.size)} (${image.size.toLocaleString()} bytes)`),
      ...row("Visibility", image.visibility === "public" ? "Public" : "Private"),
      ...row("Owner", image.owner.username),
      ...row("Uploaded", formatDate(image.createdAt)),
      ...row("Changed", formatDate(image.updatedAt)),
      ...row("Tags", image.tags.length ? image.tags.join(", ") : "none"),
      ...row("Description", image.description ?? "none"),
      ...row("SHA-256", image.sha256),
    );
  showMetadata();
  const title = h("h1", { class: "image-title" }, image.filename);

  const side = h(
    "div",
    { class: "image-side" },
    h("section", { class: "panel", "aria-labelledby": "meta-title" }, h("h2", { id: "meta-title" }, "Details"), metadata),
  );
  const page = h(
    "div",
    { class: "image-page" },
    h(
      "div",
      { class: "image-main" },
      h("p", {}, h("a", { href: own ? "#/" : "#/public" }, own ? "← My images" : "← Public images")),
      title,
      h("figure", { class: "large" }, h("img", { src: contentUrl(image.id), alt: image.description ?? image.filename })),
      h(
        "div",
        { class: "actions" },
        h("a", { class: "button", href: contentUrl(image.id, true), download: "" }, "Download"),
        h("a", { class: "button", href: contentUrl(image.id), target: "_blank", rel: "noopener" }, "Open full size"),
      ),
    ),
    side,
  );
  if (!own) return page;

  const saved = (changed: Image) => {
    image = changed;
    title.textContent = image.filename;
    showMetadata();
  };
  side.append(editForm(image, saved), shareSection(image.id), deleteSection(image));
  return page;
}

function row(term: string, value: string): HTMLElement[] {
  return [h("dt", {}, term), h("dd", {}, value)];
}

function editForm(image: Image, saved: (image: Image) => void): HTMLElement {
  const filename = h("input", { id: "edit-filename", value: image.filename, required: true, maxlength: 255 });
  const tags = h("input", { id: "edit-tags", value: image.tags.join(", "), autocomplete: "off" });
  const description = h("textarea", { id: "edit-description", rows: 3, maxlength: 2000 }, image.description ?? "");
  const visibility = h(
    "select",
    { id: "edit-visibility" },
    h("option", { value: "private" }, "Private"),
    h("option", { value: "public" }, "Public"),
  );
  visibility.value = image.visibility;
  const fields = {
    filename: field("Filename", filename),
    tags: field("Tags", tags, "Comma-separated; not case-sensitive."),
    description: field("Description", description),
    visibility: field("Visibility", visibility, "Public images appear in the public gallery, with your username."),
  };
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h(
    "form",
    { class: "panel", "aria-labelledby": "edit-title" },
    h("h2", { id: "edit-title" }, "Edit"),
    ...Object.values(fields).map((f) => f.wrapper),
    error,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save changes")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    for (const f of Object.values(fields)) f.error.textContent = "";
    try {
      const changed = await images.change(image.id, {
        filename: filename.value,
        tags: tags.value
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean),
        description: description.value === "" ? null : description.value,
        visibility: visibility.value as Image["visibility"],
      });
      saved(changed);
      // Show what the server stored: names are normalised, tags lowercased.
      filename.value = changed.filename;
      tags.value = changed.tags.join(", ");
      notify("Saved.");
    } catch (err) {
      const byField = fieldErrors(err);
      for (const [name, message] of byField) {
        const f = fields[name.split(".")[0] as keyof typeof fields];
        if (f) f.error.textContent = message;
      }
      error.textContent = explain(err);
    }
  });
  return form;
}

function shareSection(id: string): HTMLElement {
  const expiry = h("select", { id: "share-expiry" }, ...EXPIRIES.map(([label, seconds]) => h("option", { value: seconds }, label)));
  const link = h("input", { id: "share-url", readonly: true, placeholder: "no link yet" });
  const status = h("p", { class: "hint", "aria-live": "polite" });
  const create = h("button", { type: "submit", class: "primary" }, "Create share link");
  const form = h(
    "form",
    { class: "panel", "aria-labelledby": "share-title" },
    h("h2", { id: "share-title" }, "Share"),
    h("p", {}, "Anyone with the link can open this image, even a private one, until it expires."),
    field("Expires after", expiry).wrapper,
    h("div", { class: "actions" }, create),
    field("Link", link).wrapper,
    status,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const share = await images.share(id, Number(expiry.value));
      link.value = share.url;
      const until = `It works until ${formatDate(share.expiresAt)}.`;
      try {
        await navigator.clipboard.writeText(share.url);
        status.textContent = `Link copied to the clipboard. ${until}`;
      } catch {
        link.select();
        status.textContent = `Copy the link above (Ctrl+C). ${until}`;
      }
    } catch (err) {
      status.textContent = explain(err);
    }
  });
  return form;
}

function deleteSection(image: Image): HTMLElement {
  const remove = h("button", { type: "button", class: "danger" }, "Delete this image…");
  remove.addEventListener("click", async () => {
    const ok = await confirmDialog({
      title: "Delete 1 image?",
      message: `“${image.filename}” will be deleted for good, with its share links. This cannot be undone.`,
      confirmLabel: "Delete 1 image",
      danger: true,
    });
    if (!ok) return;
    try {
      const result = await images.remove([image.id]);
      const failure = result.failed[0];
      if (failure) return notify(`Not deleted: ${failure.detail}`, "error");
      notify(`Deleted ${image.filename}.`);
      navigate("#/");
    } catch (e) {
      notify(explain(e), "error");
    }
  });
  return h("section", { class: "panel", "aria-labelledby": "danger-title" }, h("h2", { id: "danger-title" }, "Delete"), remove);
}
