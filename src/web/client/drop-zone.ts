// Files dropped anywhere on the page go to the upload panel while the grid is shown.
import { onLeave } from "./router.ts";

export function acceptDrops(addFiles: (files: Iterable<File>) => void): void {
  const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") ?? false;
  const over = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    document.body.classList.add("dragging");
  };
  const leave = (e: DragEvent) => {
    if (e.relatedTarget === null) document.body.classList.remove("dragging");
  };
  const drop = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    document.body.classList.remove("dragging");
    addFiles(e.dataTransfer!.files);
  };
  document.addEventListener("dragover", over);
  document.addEventListener("dragleave", leave);
  document.addEventListener("drop", drop);
  onLeave(() => {
    document.removeEventListener("dragover", over);
    document.removeEventListener("dragleave", leave);
    document.removeEventListener("drop", drop);
    document.body.classList.remove("dragging");
  });
}
