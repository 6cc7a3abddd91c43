// Modal confirmations on the native <dialog>: focus moves in and is trapped, Escape cancels,
// and focus returns to the button that opened it.
import { h } from "./dom.ts";

export interface ConfirmOptions {
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  /** Asks for a password before confirming; the promise then resolves with it. */
  password?: string;
}

/** Resolves with true (or the password typed) when confirmed, false when cancelled. */
export function confirmDialog(options: ConfirmOptions): Promise<boolean | string> {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const input = options.password
    ? h("input", { type: "password", id: "confirm-password", autocomplete: "current-password", required: true })
    : null;
  const cancel = h("button", { type: "button", value: "cancel" }, "Cancel");
  const confirm = h("button", { type: "submit", class: options.danger ? "danger" : "primary" }, options.confirmLabel);
  const form = h(
    "form",
    { method: "dialog" },
    h("h2", { id: "dialog-title" }, options.title),
    h("p", { id: "dialog-message" }, options.message),
    input && h("div", { class: "field" }, h("label", { for: input.id }, options.password!), input),
    h("div", { class: "actions" }, cancel, confirm),
  );
  const dialog = h("dialog", { "aria-labelledby": "dialog-title", "aria-describedby": "dialog-message" }, form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let result: boolean | string = false;
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", () => {
      result = input ? input.value : true;
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      opener?.focus();
      resolve(result);
    });
    dialog.showModal();
    (input ?? confirm).focus();
  });
}
