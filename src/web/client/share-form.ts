// The share form of an image page: a link that expires, optionally with a password the
// recipient must give and a limit on full downloads; the link is copied to the clipboard.
import { images, type ShareRequest } from "./api.ts";
import { field, h } from "./dom.ts";
import { formatDate, plural } from "./format.ts";
import { explain, fieldErrors } from "./messages.ts";

const EXPIRIES: [string, number][] = [
  ["30 minutes", 1800],
  ["1 hour", 3600],
  ["1 day", 86_400],
  ["7 days", 604_800],
];

export function shareForm(id: string): HTMLElement {
  const expiry = h("select", { id: "share-expiry" }, ...EXPIRIES.map(([label, seconds]) => h("option", { value: seconds }, label)));
  // Shown as typed: the owner has to pass it on to the recipient.
  const password = h("input", { id: "share-password", type: "text", autocomplete: "off", spellcheck: "false", maxlength: 1024 });
  const limit = h("input", { id: "share-limit", type: "number", min: 1, step: 1, inputmode: "numeric", placeholder: "no limit" });
  const link = h("input", { id: "share-url", readonly: true, placeholder: "no link yet" });
  const status = h("p", { class: "hint", "aria-live": "polite" });
  const create = h("button", { type: "submit", class: "primary" }, "Create share link");
  const fields = {
    password: field("Password (optional)", password, "Whoever opens the link must type it. Leave empty for none."),
    maxDownloads: field("Download limit (optional)", limit, "The link is used up after this many full downloads."),
  };
  const form = h(
    "form",
    { class: "panel share-form", "aria-labelledby": "share-title" },
    h("h2", { id: "share-title" }, "Share"),
    h("p", {}, "Anyone with the link can open this image, even a private one, until it expires."),
    field("Expires after", expiry).wrapper,
    fields.password.wrapper,
    fields.maxDownloads.wrapper,
    h("div", { class: "actions" }, create),
    field("Link", link).wrapper,
    status,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    for (const f of Object.values(fields)) f.error.textContent = "";
    const request: ShareRequest = { expiresInSeconds: Number(expiry.value) };
    if (password.value) request.password = password.value;
    if (limit.value) request.maxDownloads = limit.valueAsNumber;
    try {
      const share = await images.share(id, request);
      link.value = share.url;
      const terms = [
        `It works until ${formatDate(share.expiresAt)}`,
        request.maxDownloads ? `for ${plural(request.maxDownloads, "download")}` : "",
        request.password ? "with the password" : "",
      ];
      const until = `${terms.filter(Boolean).join(", ")}.`;
      try {
        await navigator.clipboard.writeText(share.url);
        status.textContent = `Link copied to the clipboard. ${until}`;
      } catch {
        link.select();
        status.textContent = `Copy the link above (Ctrl+C). ${until}`;
      }
    } catch (err) {
      for (const [name, message] of fieldErrors(err)) {
        const f = fields[name as keyof typeof fields];
        if (f) f.error.textContent = message;
      }
      status.textContent = explain(err);
    }
  });
  return form;
}
