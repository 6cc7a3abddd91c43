// The sign-in page: username and password, and the single sign-on button when the server has
// one, with the reason a single sign-on came back here (`#/signin?error=CODE`).
import { field, h } from "./dom.ts";
import { explain } from "./messages.ts";
import { navigate, routeQuery } from "./router.ts";
import { signIn } from "./session.ts";
import { singleSignOnFailure, singleSignOnLabel, startSingleSignOn } from "./single-sign-on.ts";

export function signInView(): Node {
  const username = h("input", { name: "username", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const error = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const sso = h("div", { class: "sso", hidden: true });
  const form = h(
    "form",
    { class: "panel narrow", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in"),
    field("Username", username).wrapper,
    field("Password", password).wrapper,
    error,
    h("div", { class: "actions" }, submit),
    sso,
    h(
      "p",
      {},
      "New here? ",
      h("a", { href: "#/signup" }, "Create an account"),
      ". Or ",
      h("a", { href: "#/public" }, "browse public images"),
      ".",
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    try {
      await signIn(username.value.trim(), password.value);
      navigate("#/");
    } catch (e) {
      error.textContent = explain(e);
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  void showSingleSignOn(sso, error);
  return form;
}

/**
 * Added once the server says (main.ts asked at start): the form itself shows at once, as it did
 * before single sign-on, and a server without it shows nothing more.
 */
async function showSingleSignOn(sso: HTMLElement, error: HTMLElement): Promise<void> {
  const failure = routeQuery().get("error");
  const provider = await singleSignOnLabel();
  // A password sign-in tried meanwhile has said something newer.
  if (failure && !error.textContent) error.textContent = singleSignOnFailure(failure, provider ?? "the provider");
  if (!provider) return;
  sso.replaceChildren(
    h("p", { class: "hint" }, "or"),
    h("button", { type: "button", onclick: startSingleSignOn }, `Sign in with ${provider}`),
  );
  sso.hidden = false;
}
