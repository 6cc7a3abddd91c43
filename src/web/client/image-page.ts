// One image in the viewer: its display preview with previous/next (from the grid it was opened
// from), its details (date taken, camera, and for its owner the location), the objects and colours
// found in it, its comments; for its owner also
// a form to rename it, change its tags, description and visibility, a share link, and delete.
import { analysisSection } from "./analysis-section.ts";
import { contentUrl, type Image, images } from "./api.ts";
import { type Browsing, currentBrowsing, neighbours } from "./browsing.ts";
import { commentsSection } from "./comments-section.ts";
import { confirmDialog } from "./dialog.ts";
import { h } from "./dom.ts";
import { formatBytes, formatDate, formatPosition, formatTaken } from "./format.ts";
import { explain } from "./messages.ts";
import { editForm } from "./image-edit-form.ts";
import { notify } from "./notices.ts";
import { cameFrom, navigate, onShown } from "./router.ts";
import { currentUser } from "./session.ts";
import { shareForm } from "./share-form.ts";
import { type Step, viewerStage } from "./viewer-stage.ts";

/** Opened from the grid (and paged since): closing goes back in the history, to the grid as it was. */
let openedFromGrid = false;
/** The button that paged here, to keep the focus on it. */
let steppedBy: Step | undefined;

export async function imagePage(id: string): Promise<Node> {
  const browsing = currentBrowsing();
  const from = cameFrom();
  if (!from.startsWith("/image/")) openedFromGrid = browsing !== undefined && from === browsing.path;
  const context = browsing?.find(id) ? browsing : undefined;
  // The grid's copy, unless its previews (and so its date taken and camera) or its analysis were still being made.
  const listed = context?.find(id);
  const settled = listed && listed.previews.status !== "pending" && listed.analysis.status !== "pending";
  let image: Image;
  let around: Awaited<ReturnType<typeof neighbours>>;
  try {
    [image, around] = await Promise.all([settled ? listed : images.get(id), context ? neighbours(id) : {}]);
  } catch (e) {
    return h(
      "div",
      { class: "panel" },
      h("h1", {}, "Image not found"),
      h("p", {}, explain(e)),
      h("p", {}, h("a", { href: "#/" }, "Back to the images")),
    );
  }
  if (listed && image !== listed) context?.changed(image);
  const own = currentUser()?.id === image.owner.id;
  context?.viewed(id);
  const back = context?.hash ?? (own ? "#/" : "#/public");
  const close = () => (openedFromGrid ? history.back() : navigate(back));
  const stage = viewerStage({
    image,
    previous: around.previous,
    next: around.next,
    go: (next, step) => {
      steppedBy = step;
      navigate(`#/image/${encodeURIComponent(next)}`, { replace: true });
    },
    close,
  });
  const by = steppedBy;
  steppedBy = undefined;
  if (by && !stage.button(by).disabled) onShown(() => stage.button(by).focus());

  const metadata = h("dl", { class: "metadata" });
  const showMetadata = () => metadata.replaceChildren(...details(image, own));
  showMetadata();
  const title = h("h1", { class: "image-title" }, image.filename);
  const backLink = h("a", { href: back, class: "close" }, own ? "← My images" : "← Public images");
  backLink.addEventListener("click", (e) => {
    e.preventDefault();
    close();
  });

  const side = h(
    "div",
    { class: "image-side" },
    h("section", { class: "panel", "aria-labelledby": "meta-title" }, h("h2", { id: "meta-title" }, "Details"), metadata),
    analysisSection(image, own ? "/" : "/public", (analysed) => context?.changed(analysed)),
    commentsSection(image.id, own),
  );
  const page = h(
    "div",
    { class: "image-page" },
    h(
      "div",
      { class: "image-main" },
      h("div", { class: "viewer-bar" }, backLink, h("span", { class: "hint key-hint" }, "← → to browse, Esc to close")),
      title,
      stage.element,
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
    context?.changed(changed);
  };
  side.append(editForm(image, saved), shareForm(image.id), deleteSection(image, context, close));
  return page;
}

function details(image: Image, own: boolean): HTMLElement[] {
  const camera = image.camera;
  const model = camera?.model && camera.make && !camera.model.startsWith(camera.make) ? `${camera.make} ${camera.model}` : camera?.model;
  const where = image.location;
  return [
    ...row("Taken", image.takenAt ? formatTaken(image.takenAt) : "unknown"),
    ...(camera ? row("Camera", model || camera.make || "unknown") : []),
    ...(camera?.lens ? row("Lens", camera.lens) : []),
    ...(own && where ? locationRow(where) : []),
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
  ];
}

/** Only the owner sees it: everyone else gets the image without its position. */
function locationRow(where: NonNullable<Image["location"]>): HTMLElement[] {
  const { latitude, longitude, altitude } = where;
  const map = `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=15/${latitude}/${longitude}`;
  return [
    h("dt", {}, "Location"),
    h(
      "dd",
      {},
      formatPosition(latitude, longitude),
      altitude === undefined || altitude === null ? "" : `, ${Math.round(altitude)} m`,
      " · ",
      h("a", { href: map, target: "_blank", rel: "noopener noreferrer" }, "map"),
      h("small", { class: "hint private-note" }, " (only you see this)"),
    ),
  ];
}

function row(term: string, value: string): HTMLElement[] {
  return [h("dt", {}, term), h("dd", {}, value)];
}

function deleteSection(image: Image, context: Browsing | undefined, close: () => void): HTMLElement {
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
      context?.removed(image.id);
      close();
    } catch (e) {
      notify(explain(e), "error");
    }
  });
  return h("section", { class: "panel", "aria-labelledby": "danger-title" }, h("h2", { id: "danger-title" }, "Delete"), remove);
}
