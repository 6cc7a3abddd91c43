// The viewer's stage: the image's display preview as large as the screen allows, previous and
// next by the on-screen buttons, the ← and → keys and a horizontal swipe; Escape closes.
import { type Image, previewUrl } from "./api.ts";
import { h } from "./dom.ts";
import { previewReason } from "./messages.ts";
import { onLeave } from "./router.ts";

export type Step = "previous" | "next";

export interface StageOptions {
  image: Image;
  previous?: string | undefined;
  next?: string | undefined;
  go(id: string, step: Step): void;
  close(): void;
  /** Where the previews are (an album link serves its own); the signed-in API's by default. */
  preview?: typeof previewUrl;
}

/** Past this many CSS pixels sideways (and more sideways than down), a touch is a swipe. */
const SWIPE_PX = 50;

export function viewerStage(options: StageOptions): { element: HTMLElement; button(step: Step): HTMLButtonElement } {
  const { image } = options;
  const preview = options.preview ?? previewUrl;
  const step = (which: Step) => {
    const id = options[which];
    if (id) options.go(id, which);
  };
  const button = (which: Step, label: string, glyph: string) =>
    h(
      "button",
      {
        type: "button",
        class: `step ${which}`,
        "aria-label": label,
        title: `${label} (${which === "next" ? "→" : "←"})`,
        disabled: !options[which],
      },
      glyph,
    );
  const buttons = { previous: button("previous", "Previous image", "‹"), next: button("next", "Next image", "›") };
  buttons.previous.addEventListener("click", () => step("previous"));
  buttons.next.addEventListener("click", () => step("next"));

  const picture =
    image.previews.status === "failed"
      ? unavailable(image.previews.reason)
      : h("img", {
          src: preview(image.id, "display"),
          alt: image.description ?? image.filename,
          width: image.width ?? undefined,
          height: image.height ?? undefined,
        });
  picture.addEventListener("error", () => picture.replaceWith(unavailable(null)), { once: true });
  const element = h("figure", { class: "stage" }, picture, buttons.previous, buttons.next);

  // Arrow keys page through the images unless they are moving a caret or a choice.
  const keys = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || document.querySelector("dialog[open]")) return;
    const target = e.target as HTMLElement;
    const typing = target.closest("input, textarea, select, [contenteditable]") !== null;
    if (e.key === "Escape" && !typing) options.close();
    else if (e.key === "ArrowLeft" && !typing) step("previous");
    else if (e.key === "ArrowRight" && !typing) step("next");
    else return;
    e.preventDefault();
  };
  document.addEventListener("keydown", keys);
  onLeave(() => document.removeEventListener("keydown", keys));

  let start: { x: number; y: number; id: number } | undefined;
  element.addEventListener("pointerdown", (e) => {
    if (e.pointerType !== "mouse") start = { x: e.clientX, y: e.clientY, id: e.pointerId };
  });
  element.addEventListener("pointercancel", () => (start = undefined));
  element.addEventListener("pointerup", (e) => {
    if (!start || start.id !== e.pointerId) return;
    const [dx, dy] = [e.clientX - start.x, e.clientY - start.y];
    start = undefined;
    if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > Math.abs(dy)) step(dx < 0 ? "next" : "previous");
  });

  // The neighbours' previews load meanwhile, so the next step shows at once.
  for (const id of [options.next, options.previous]) if (id) h("img", { src: preview(id, "display"), alt: "" });
  return { element, button: (which) => buttons[which] };
}

function unavailable(reason: string | null | undefined): HTMLElement {
  return h("p", { class: "placeholder" }, `No preview: ${previewReason(reason)}. Download it to see the original.`);
}
