// The account page's single sign-on section: the provider identities linked to this account,
// each with Unlink, and the button that links another one.
import { ApiError, api } from "./api.ts";
import { h } from "./dom.ts";
import { formatDate } from "./format.ts";
import { explain } from "./messages.ts";
import { notify } from "./notices.ts";
import { startSingleSignOn } from "./single-sign-on.ts";

interface Identity {
  id: string;
  issuer: string;
  subject: string;
  email: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

export async function identitiesSection(provider: string): Promise<HTMLElement> {
  const list = h("ul", { class: "identities" });

  async function showIdentities(): Promise<void> {
    const { items } = await api<{ items: Identity[] }>("GET", "/api/v1/me/identities");
    list.replaceChildren(
      ...items.map((identity) => {
        // The subject is the provider's opaque id: shown only when there is no email to recognise.
        const who = identity.email ?? identity.subject;
        return h(
          "li",
          {},
          h("strong", {}, who),
          h(
            "span",
            { class: "hint" },
            ` at ${identity.issuer} · linked ${formatDate(identity.createdAt)} · last used ${formatDate(identity.lastUsedAt)}`,
          ),
          h("button", { type: "button", "aria-label": `Unlink ${who}`, onclick: () => void unlink(who, identity.id) }, "Unlink"),
        );
      }),
    );
    if (items.length === 0) list.append(h("li", { class: "hint" }, `No ${provider} account is linked.`));
  }

  async function unlink(who: string, id: string): Promise<void> {
    try {
      await api("DELETE", `/api/v1/me/identities/${encodeURIComponent(id)}`);
      notify(`${who} is unlinked: it no longer signs in to this account.`);
      await showIdentities();
    } catch (e) {
      // A conflict is the server keeping the account reachable; its detail says what to do first.
      if (e instanceof ApiError && e.code === "conflict") notify(`Not unlinked: ${e.problem.detail}.`, "error");
      else notify(explain(e), "error");
    }
  }

  await showIdentities();
  return h(
    "section",
    { class: "panel", "aria-labelledby": "sso-title" },
    h("h2", { id: "sso-title" }, "Single sign-on"),
    h(
      "p",
      {},
      `A linked ${provider} account signs you in here without your password. An account made by signing in with ${provider} has no password until you set one above; creating API tokens and deleting the account ask for it.`,
    ),
    list,
    h("button", { type: "button", onclick: startSingleSignOn }, `Link ${provider} account`),
  );
}
