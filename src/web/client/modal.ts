// Modal dialogs with content of their own (a form, a list of links) on the native <dialog>: focus
// moves in and is trapped, Escape closes, and focus returns to what opened it. dialog.ts is
// the one-question confirmation; this is for everything larger.
import { h } from "./dom.ts";

let opened = 0;

export interface Modal {
  dialog: HTMLDialogElement;
  close(): void;
  /** Resolves once the dialog has closed and focus is back on its opener. */
  closed: Promise<void>;
}

/** `build` gets the title's id (for a form's aria-labelledby) and returns the dialog's content below the title. */
export function openModal(title: string, build: (titleId: string, close: () => void) => Node[], className = ""): Modal {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const titleId = `modal-title-${++opened}`;
  const dialog = h("dialog", { "aria-labelledby": titleId, class: className || undefined });
  const close = () => dialog.close();
  dialog.append(h("h2", { id: titleId }, title), ...build(titleId, close));
  document.body.append(dialog);
  const closed = new Promise<void>((resolve) =>
    dialog.addEventListener("close", () => {
      dialog.remove();
      opener?.focus();
      resolve();
    }),
  );
  dialog.showModal();
  dialog.querySelector<HTMLElement>("input:not([type=hidden]), select, textarea, button.primary")?.focus();
  return { dialog, close, closed };
}

export interface FormDialogOptions {
  title: string;
  /** The form's fields and any text, above its buttons. */
  content: Node[];
  submitLabel: string;
  /**
   * Runs on submit with the form's error line; the dialog stays open (saying what went wrong)
   * until it resolves true.
   */
  submit(error: HTMLElement): Promise<boolean>;
}

/** A form in a dialog: resolves true once submitted and done, false when cancelled. */
export function formDialog(options: FormDialogOptions): Promise<boolean> {
  let done = false;
  const error = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, options.submitLabel);
  const modal = openModal(options.title, (titleId, close) => {
    const form = h(
      "form",
      { "aria-labelledby": titleId },
      ...options.content,
      error,
      h("div", { class: "actions" }, h("button", { type: "button", onclick: close }, "Cancel"), submit),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      submit.disabled = true;
      try {
        done = await options.submit(error);
      } finally {
        submit.disabled = false;
      }
      if (done) close();
    });
    return [form];
  });
  return modal.closed.then(() => done);
}
