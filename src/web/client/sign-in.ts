// The sign-in page.
import { field, h } from "./dom.ts";
import { explain } from "./messages.ts";
import { navigate } from "./router.ts";
import { signIn } from "./session.ts";

export function signInView(): Node {
  const username = h("input", { name: "username", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const error = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "panel narrow", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in"),
    field("Username", username).wrapper,
    field("Password", password).wrapper,
    error,
    h("div", { class: "actions" }, submit),
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
  return form;
}
