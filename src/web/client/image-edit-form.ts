// The owner's form on an image page: filename, tags, description and visibility, saved with
// PATCH; the server's errors are shown at their fields.
import { type Image, images } from "./api.ts";
import { field, h } from "./dom.ts";
import { explain, fieldErrors } from "./messages.ts";
import { notify } from "./notices.ts";

export function editForm(image: Image, saved: (image: Image) => void): HTMLElement {
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
