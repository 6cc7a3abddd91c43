// Duplicates (#/duplicates, SPEC §9): the user's groups of identical copies and of similar images,
// to keep one of each and delete the rest after the usual confirmation. After a deletion the groups
// are asked for again (an image can be in a group of each kind, so one deletion may change another
// group), keeping the choices made in the groups that did not change. An image opened from here
// pages through the groups' images in the viewer, to compare them large, and closes back here.
import { type DuplicateGroup, type Image, images } from "./api.ts";
import { browseFrom } from "./browsing.ts";
import { confirmDialog } from "./dialog.ts";
import { h } from "./dom.ts";
import { duplicateGroup, suggestedKeep } from "./duplicate-group.ts";
import { plural } from "./format.ts";
import { explain } from "./messages.ts";
import { notify } from "./notices.ts";

const keyOf = (group: DuplicateGroup) => `${group.kind}:${group.images.map((i) => i.id).join(",")}`;

/** The image chosen to keep, by group: still chosen after a look at an image in the viewer. */
const chosen = new Map<string, string>();

/** The viewer's previous and next: every image of the groups, in their order, each once. */
function browse(groups: DuplicateGroup[]): void {
  const shown = new Map(groups.flatMap((g) => g.images).map((i) => [i.id, i]));
  browseFrom({
    path: "/duplicates",
    hash: "#/duplicates",
    find: (id) => shown.get(id),
    order: () => [...shown.keys()],
    loadMore: async () => false,
    viewed: () => {},
    // Back here, the groups are asked for again: the viewer only needs its own copy right.
    changed: (image) => shown.set(image.id, image),
    removed: (id) => shown.delete(id),
  });
}

export async function duplicatesView(): Promise<Node> {
  const list = h("div", { class: "duplicate-groups" });
  const summary = h("p", { class: "grid-summary", "aria-live": "polite" });
  const empty = h("p", { class: "empty", hidden: true }, "No duplicates: none of your images is a copy of another.");
  const heading = h("h1", {}, "Duplicates");
  let deleting = false;

  function render(groups: DuplicateGroup[]): void {
    const keys = new Set(groups.map(keyOf));
    for (const key of chosen.keys()) if (!keys.has(key)) chosen.delete(key);
    list.replaceChildren(
      ...groups.map((group, index) => {
        const key = keyOf(group);
        const keep = chosen.get(key) ?? suggestedKeep(group.images).id;
        return duplicateGroup(group, index, keep, {
          chose: (id) => chosen.set(key, id),
          deleteOthers: (kept, others) => void deleteOthers(index, kept, others),
        });
      }),
    );
    const identical = groups.filter((g) => g.kind === "identical").length;
    summary.textContent = groups.length
      ? `${plural(groups.length, "group")}: ${identical} of identical copies, ${groups.length - identical} of similar images.`
      : "";
    empty.hidden = groups.length > 0;
    browse(groups);
  }

  async function load(): Promise<void> {
    try {
      render(await images.duplicates());
    } catch (e) {
      notify(explain(e), "error");
    }
  }

  async function deleteOthers(index: number, kept: Image, others: Image[]): Promise<void> {
    if (deleting) return;
    const what = plural(others.length, "image");
    const names = others.map((i) => `“${i.filename}”`).join(", ");
    const ok = await confirmDialog({
      title: `Delete ${what}?`,
      message: `${names} will be deleted for good, with their share links; “${kept.filename}” stays. This cannot be undone.`,
      confirmLabel: `Delete ${what}`,
      danger: true,
    });
    if (!ok) return;
    deleting = true;
    try {
      const result = await images.remove(others.map((i) => i.id));
      const failed = result.failed.length ? ` ${plural(result.failed.length, "image")} could not be deleted.` : "";
      notify(`Deleted ${plural(result.deleted.length, "image")}, kept “${kept.filename}”.${failed}`, failed ? "error" : "info");
      await load();
    } catch (e) {
      notify(explain(e), "error");
    } finally {
      deleting = false;
    }
    // The dialog gave focus back to a button that is gone: on to the group now in this place.
    const headings = list.querySelectorAll<HTMLElement>(".duplicate-group h2");
    (headings[Math.min(index, headings.length - 1)] ?? heading).focus();
  }

  await load();
  return h(
    "div",
    { class: "duplicates-view" },
    heading,
    h(
      "p",
      { class: "hint" },
      "Each group suggests keeping its largest image (of images the same size, the oldest); choose another before deleting the rest. " +
        "Images are compared once analysed, so one uploaded a moment ago may not be here yet.",
    ),
    summary,
    list,
    empty,
  );
}
