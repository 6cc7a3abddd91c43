// "Add to album" for the selected images: into one of the user's albums, or a new one named on
// the spot; the images stay where they are and are only listed in the album too.
import { type Album, albums } from "./album-api.ts";
import { field, h, setFieldError } from "./dom.ts";
import { plural } from "./format.ts";
import { explain, fieldErrors } from "./messages.ts";
import { formDialog } from "./modal.ts";
import { notify } from "./notices.ts";

const NEW = "";

export async function addToAlbum(ids: string[]): Promise<void> {
  let existing: Album[];
  try {
    existing = await albums.list();
  } catch (e) {
    notify(explain(e), "error");
    return;
  }
  const what = plural(ids.length, "image");
  const choice = h(
    "select",
    { id: "add-album-choice" },
    ...existing.map((a) => h("option", { value: a.id }, `${a.name} (${plural(a.imageCount, "image")})`)),
    h("option", { value: NEW }, "A new album…"),
  );
  const name = h("input", { id: "add-album-name", maxlength: 200, autocomplete: "off" });
  const choiceField = field("Album", choice);
  const nameField = field("Name of the new album", name);
  choiceField.wrapper.hidden = existing.length === 0;
  const showName = () => {
    nameField.wrapper.hidden = choice.value !== NEW;
    name.required = choice.value === NEW;
  };
  choice.addEventListener("change", () => {
    showName();
    if (choice.value === NEW) name.focus();
  });
  showName();

  let into: Album | undefined;
  await formDialog({
    title: `Add ${what} to an album`,
    content: [h("p", {}, "The images stay where they are; an album only lists them."), choiceField.wrapper, nameField.wrapper],
    submitLabel: `Add ${what}`,
    async submit(error) {
      setFieldError(name, nameField.error, null);
      try {
        // A new album made on an earlier try (the adding failed) is not made twice.
        if (choice.value !== NEW) into = existing.find((a) => a.id === choice.value);
        else if (!into || into.name !== name.value.trim()) into = await albums.create(name.value);
        into = await albums.addImages(into!.id, ids);
        return true;
      } catch (e) {
        const message = fieldErrors(e).get("name");
        if (message) setFieldError(name, nameField.error, message);
        error.textContent = explain(e);
        return false;
      }
    },
  }).then((added) => {
    if (added && into) notify(`Added ${what} to “${into.name}” (${plural(into.imageCount, "image")} in it now).`);
  });
}
