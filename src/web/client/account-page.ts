// The account page: who you are and what you store, change the password, single sign-on
// identities, API tokens for scripts (the secret shown once, with a curl line ready to paste),
// delete the account.
import { api, type Me } from "./api.ts";
import { confirmDialog } from "./dialog.ts";
import { field, h, setFieldError } from "./dom.ts";
import { formatBytes, formatDate, plural } from "./format.ts";
import { identitiesSection } from "./identities-section.ts";
import { explain, fieldErrors } from "./messages.ts";
import { notify } from "./notices.ts";
import { passwordMeter } from "./password-meter.ts";
import { navigate } from "./router.ts";
import { forgetSession } from "./session.ts";
import { singleSignOnLabel } from "./single-sign-on.ts";

interface ApiToken {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

export async function accountPage(): Promise<Node> {
  const sso = singleSignOnLabel();
  const [{ user }, tokens, provider, identities] = await Promise.all([
    api<{ user: Me }>("GET", "/api/v1/me"),
    tokensSection(),
    sso,
    sso.then((label) => (label ? identitiesSection(label) : null)),
  ]);
  const quota = user.usage.quotaBytes ? ` of ${formatBytes(user.usage.quotaBytes)}` : "";
  return h(
    "div",
    { class: "account" },
    h("h1", {}, "Account"),
    h(
      "section",
      { class: "panel", "aria-labelledby": "me-title" },
      h("h2", { id: "me-title" }, user.name),
      h(
        "dl",
        { class: "metadata" },
        h("dt", {}, "Username"),
        h("dd", {}, user.username),
        h("dt", {}, "Email"),
        h("dd", {}, user.email),
        h("dt", {}, "Stored"),
        h("dd", {}, `${plural(user.usage.images, "image")}, ${formatBytes(user.usage.bytes)}${quota}`),
      ),
    ),
    passwordSection(user, provider, () => void tokens.refresh().catch((e: unknown) => notify(explain(e), "error"))),
    identities,
    tokens.section,
    deleteSection(),
  );
}

function passwordSection(user: Me, provider: string | null, onChanged: () => void): HTMLElement {
  // Not required: an account made by single sign-on sets its first password without one (the server decides).
  const current = h("input", { type: "password", id: "current-password", autocomplete: "current-password", required: !provider });
  const next = h("input", { type: "password", id: "new-password", autocomplete: "new-password", minlength: 10, required: true });
  const currentField = field(
    "Current password",
    current,
    provider ? `Leave it empty if you signed up with ${provider} and have not set a password yet.` : undefined,
  );
  const nextField = field(
    "New password",
    next,
    "At least 10 characters, and hard to guess. Your other sessions will be signed out and your API tokens revoked.",
  );
  nextField.wrapper.append(passwordMeter(next, () => user));
  const form = h(
    "form",
    { class: "panel", "aria-labelledby": "password-title" },
    h("h2", { id: "password-title" }, "Change password"),
    currentField.wrapper,
    nextField.wrapper,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Change password")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setFieldError(current, currentField.error, null);
    setFieldError(next, nextField.error, null);
    try {
      const body = current.value ? { currentPassword: current.value, newPassword: next.value } : { newPassword: next.value };
      await api("PUT", "/api/v1/me/password", body);
      form.reset();
      notify("Password changed. Your other sessions are signed out and your API tokens revoked.");
      onChanged();
    } catch (err) {
      const code = (err as { code?: string }).code;
      const byField = fieldErrors(err);
      if (code === "invalid_credentials")
        setFieldError(current, currentField.error, current.value ? "That is not your current password." : "Enter your current password.");
      else if (code === "weak_password" || byField.has("newPassword"))
        setFieldError(next, nextField.error, byField.get("newPassword") ?? explain(err));
      else notify(explain(err), "error");
    }
  });
  return form;
}

async function tokensSection(): Promise<{ section: HTMLElement; refresh: () => Promise<void> }> {
  const list = h("ul", { class: "tokens" });
  const secret = h("div", { class: "secret", hidden: true, "aria-live": "polite" });
  const name = h("input", { id: "token-name", required: true, maxlength: 100, placeholder: "e.g. backup script" });
  // A token outlives this session, so the server asks for the password before it makes one.
  const password = h("input", { type: "password", id: "token-password", autocomplete: "current-password", required: true });
  const passwordField = field("Password, to confirm", password);
  const expiry = h(
    "select",
    { id: "token-expiry" },
    h("option", { value: "30" }, "30 days"),
    h("option", { value: "90" }, "90 days"),
    h("option", { value: "365" }, "1 year"),
    h("option", { value: "" }, "Never"),
  );
  const form = h(
    "form",
    { class: "token-form" },
    field("Token name", name).wrapper,
    field("Expires after", expiry).wrapper,
    passwordField.wrapper,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Create token")),
  );

  async function showTokens(): Promise<void> {
    const { items } = await api<{ items: ApiToken[] }>("GET", "/api/v1/tokens");
    list.replaceChildren(
      ...items.map((t) =>
        h(
          "li",
          {},
          h("strong", {}, t.name),
          h(
            "span",
            { class: "hint" },
            ` created ${formatDate(t.createdAt)} · last used ${formatDate(t.lastUsedAt)} · expires ${t.expiresAt ? formatDate(t.expiresAt) : "never"}`,
          ),
          h("button", { type: "button", "aria-label": `Revoke ${t.name}`, onclick: () => void revoke(t) }, "Revoke"),
        ),
      ),
    );
    if (items.length === 0) list.append(h("li", { class: "hint" }, "No API tokens."));
  }

  async function revoke(token: ApiToken): Promise<void> {
    try {
      await api("DELETE", `/api/v1/tokens/${encodeURIComponent(token.id)}`);
      notify(`Token “${token.name}” revoked: scripts using it stop working now.`);
      await showTokens();
    } catch (e) {
      notify(explain(e), "error");
    }
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setFieldError(password, passwordField.error, null);
    try {
      const body = { name: name.value, password: password.value, ...(expiry.value ? { expiresInDays: Number(expiry.value) } : {}) };
      const created = await api<{ name: string; token: string }>("POST", "/api/v1/tokens", body);
      const curl = `curl -H 'Authorization: Bearer ${created.token}' ${location.origin}/api/v1/images`;
      const value = h("input", { id: "token-value", readonly: true, value: created.token });
      const command = h("textarea", { id: "token-curl", readonly: true, rows: 2 }, curl);
      secret.replaceChildren(
        h("p", {}, h("strong", {}, `Token “${created.name}” created. Copy it now: it is not shown again.`)),
        field("Token", value).wrapper,
        field("Try it with curl", command).wrapper,
      );
      secret.hidden = false;
      form.reset();
      value.select();
      await showTokens();
    } catch (err) {
      if ((err as { code?: string }).code === "invalid_credentials")
        setFieldError(password, passwordField.error, "That is not your password.");
      else notify(explain(err), "error");
    }
  });

  await showTokens();
  const section = h(
    "section",
    { class: "panel", "aria-labelledby": "tokens-title" },
    h("h2", { id: "tokens-title" }, "API tokens"),
    h("p", {}, "For scripts and curl: a token acts as you on every API route, until it expires or you revoke it."),
    list,
    form,
    secret,
  );
  return { section, refresh: showTokens };
}

function deleteSection(): HTMLElement {
  const button = h("button", { type: "button", class: "danger" }, "Delete my account…");
  button.addEventListener("click", async () => {
    const password = await confirmDialog({
      title: "Delete your account?",
      message: "Your account, every image and every key to them are destroyed. This cannot be undone.",
      confirmLabel: "Delete my account",
      danger: true,
      password: "Your password, to confirm",
    });
    if (typeof password !== "string") return;
    try {
      await api("DELETE", "/api/v1/me", { password });
      forgetSession();
      notify("Your account has been deleted.");
      navigate("#/signin");
    } catch (e) {
      notify(explain(e), "error");
    }
  });
  return h(
    "section",
    { class: "panel", "aria-labelledby": "delete-title" },
    h("h2", { id: "delete-title" }, "Delete account"),
    h("p", {}, "Deletes your account and all your images. You will be asked for your password."),
    button,
  );
}
