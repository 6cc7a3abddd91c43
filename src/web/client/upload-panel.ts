// The upload panel: files from the picker or dropped on the page, each with its own progress
// bar and outcome in words, an overall bar, and "keep both" / "replace" when a name is taken.
import { ApiError, type Image, type Problem, type Visibility } from "./api.ts";
import { h } from "./dom.ts";
import { formatBytes, plural } from "./format.ts";
import { explain } from "./messages.ts";
import { uploadFile, type UploadOptions } from "./upload.ts";

const PARALLEL = 3;

interface Entry {
  file: File;
  options: Partial<UploadOptions>;
  state: "waiting" | "sending" | "done" | "failed" | "skipped";
  sent: number;
  progress: HTMLProgressElement;
  status: HTMLElement;
  actions: HTMLElement;
}

export interface UploadPanel {
  element: HTMLElement;
  addFiles(files: Iterable<File>): void;
}

/**
 * `uploaded` gets each stored image; `replaced` when it took the place of one with its name.
 * `url`: somewhere else than the user's own images (an album link), with no options to choose.
 */
export function uploadPanel(uploaded: (image: Image, replaced: boolean) => void, url?: string): UploadPanel {
  const picker = h("input", { type: "file", id: "upload-files", multiple: true, accept: "image/*,.heic,.heif,.avif" });
  const visibility = h(
    "select",
    { id: "upload-visibility" },
    h("option", { value: "private" }, "Private (only you)"),
    h("option", { value: "public" }, "Public (everyone)"),
  );
  const tags = h("input", { id: "upload-tags", placeholder: "e.g. trip, lake", autocomplete: "off" });
  const overall = h("progress", { max: 1, value: 0, "aria-labelledby": "upload-summary" });
  const summary = h("p", { id: "upload-summary", class: "upload-summary", "aria-live": "polite" });
  const clear = h("button", { type: "button", hidden: true }, "Clear finished");
  const queue = h("ul", { class: "upload-queue", "aria-label": "Uploads" });
  const totals = h("div", { class: "upload-totals", hidden: true }, overall, summary, clear);
  const entries: Entry[] = [];

  const element = h(
    "section",
    { class: "panel upload", "aria-labelledby": "upload-title" },
    h("h2", { id: "upload-title" }, "Upload"),
    h(
      "div",
      { class: "upload-row" },
      h("span", { class: "hint" }, "Drop images on this page, or"),
      h("label", { for: picker.id, class: "visually-hidden" }, "Choose images to upload"),
      picker,
      url ? null : h("div", { class: "field inline" }, h("label", { for: visibility.id }, "Visibility"), visibility),
      url ? null : h("div", { class: "field inline" }, h("label", { for: tags.id }, "Tags"), tags),
    ),
    totals,
    queue,
  );

  picker.addEventListener("change", () => {
    addFiles(picker.files ?? []);
    picker.value = "";
  });
  clear.addEventListener("click", () => {
    for (const entry of entries.filter((e) => e.state === "done" || e.state === "skipped")) {
      entry.progress.closest("li")?.remove();
      entries.splice(entries.indexOf(entry), 1);
    }
    refreshTotals();
  });

  function addFiles(files: Iterable<File>): void {
    const options: Partial<UploadOptions> = url ? {} : { visibility: visibility.value as Visibility, tags: tags.value, onConflict: "fail" };
    for (const file of files) {
      const progress = h("progress", { max: Math.max(1, file.size), value: 0, "aria-label": `Upload of ${file.name}` });
      const status = h("span", { class: "upload-status" }, "Waiting");
      const actions = h("span", { class: "upload-actions" });
      queue.append(
        h("li", {}, h("span", { class: "upload-name" }, file.name, " ", h("small", {}, formatBytes(file.size))), progress, status, actions),
      );
      entries.push({ file, options: { ...options }, state: "waiting", sent: 0, progress, status, actions });
    }
    pump();
  }

  function pump(): void {
    const sending = entries.filter((e) => e.state === "sending").length;
    for (const entry of entries.filter((e) => e.state === "waiting").slice(0, PARALLEL - sending)) void send(entry);
    refreshTotals();
  }

  async function send(entry: Entry): Promise<void> {
    entry.state = "sending";
    entry.sent = 0;
    entry.status.textContent = "Uploading…";
    entry.actions.replaceChildren();
    const { done } = uploadFile(
      entry.file,
      entry.options,
      (sent) => {
        entry.sent = sent;
        entry.progress.value = sent;
        refreshTotals();
      },
      url,
    );
    const result = await done;
    if (result.ok) {
      entry.state = "done";
      entry.sent = entry.file.size;
      entry.progress.value = entry.progress.max;
      entry.status.textContent = result.image.filename === entry.file.name ? "Done" : `Done, as ${result.image.filename}`;
      uploaded(result.image, entry.options.onConflict === "replace");
    } else {
      entry.state = "failed";
      showFailure(entry, result.problem);
    }
    pump();
  }

  function showFailure(entry: Entry, problem: Problem): void {
    entry.status.textContent = explain(new ApiError(problem));
    entry.status.classList.add("error");
    if (problem.code !== "name_conflict") return;
    const retry = (onConflict: UploadOptions["onConflict"]) => () => {
      entry.options.onConflict = onConflict;
      entry.state = "waiting";
      entry.status.classList.remove("error");
      pump();
    };
    const skip = () => {
      entry.state = "skipped";
      entry.status.textContent = "Skipped";
      entry.status.classList.remove("error");
      entry.actions.replaceChildren();
      refreshTotals();
    };
    entry.actions.replaceChildren(
      h("button", { type: "button", onclick: retry("rename") }, "Keep both"),
      h("button", { type: "button", onclick: skip }, "Skip"),
    );
    // Through a link, the other image is not the uploader's to replace.
    if (!url) entry.actions.lastChild!.before(h("button", { type: "button", onclick: retry("replace") }, "Replace"));
    entry.actions.querySelector("button")?.focus();
  }

  function refreshTotals(): void {
    const counted = entries.filter((e) => e.state !== "skipped");
    totals.hidden = entries.length === 0;
    const size = counted.reduce((sum, e) => sum + e.file.size, 0);
    const sent = counted.reduce((sum, e) => sum + (e.state === "done" ? e.file.size : e.state === "sending" ? e.sent : 0), 0);
    overall.max = Math.max(1, size);
    overall.value = sent;
    const done = counted.filter((e) => e.state === "done").length;
    const failed = counted.filter((e) => e.state === "failed").length;
    const busy = counted.some((e) => e.state === "waiting" || e.state === "sending");
    summary.textContent = busy
      ? `Uploading: ${done} of ${plural(counted.length, "file")} done · ${formatBytes(sent)} of ${formatBytes(size)}`
      : `${plural(done, "file")} uploaded${failed ? `, ${failed} failed` : ""}.`;
    clear.hidden = busy || entries.every((e) => e.state === "failed");
  }

  return { element, addFiles };
}
