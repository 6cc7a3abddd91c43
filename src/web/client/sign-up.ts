// The sign-up page: hints beside each field, the username rule checked as it is typed, the
// live strength meter, and each server error shown at the field it is about.
import { api, ApiError } from "./api.ts";
import { field, h, setFieldError } from "./dom.ts";
import { explain, fieldErrors } from "./messages.ts";
import { passwordMeter } from "./password-meter.ts";
import { navigate } from "./router.ts";
import { signIn } from "./session.ts";

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

export function signUpView(): Node {
  const name = h("input", { name: "name", autocomplete: "name", maxlength: 100, required: true });
  const username = h("input", { name: "username", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true });
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "new-password", minlength: 10, required: true });
  const fields = {
    name: field("Name", name, "How you want to be greeted."),
    username: field("Username", username, "3–32 characters: letters, digits, '_', '.' or '-'. Not case-sensitive."),
    email: field("Email", email),
    password: field("Password", password, "At least 10 characters, and hard to guess: the meter must reach Strong."),
  };
  const controls = { name, username, email, password };
  fields.password.wrapper.append(passwordMeter(password, () => ({ username: username.value, name: name.value, email: email.value })));
  const error = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, "Create account");

  username.addEventListener("input", () => {
    const v = username.value.trim();
    const message = v === "" || USERNAME.test(v) ? null : v.length < 3 || v.length > 32 ? "Must be 3 to 32 characters." : "Only letters, digits, '_', '.' and '-'.";
    setFieldError(username, fields.username.error, message);
  });

  const form = h(
    "form",
    { class: "panel narrow", "aria-labelledby": "signup-title" },
    h("h1", { id: "signup-title" }, "Create an account"),
    fields.name.wrapper,
    fields.username.wrapper,
    fields.email.wrapper,
    fields.password.wrapper,
    error,
    h("div", { class: "actions" }, submit),
    h("p", {}, "Already have an account? ", h("a", { href: "#/signin" }, "Sign in"), "."),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const [key, f] of Object.entries(fields)) setFieldError(controls[key as keyof typeof controls], f.error, null);
    error.textContent = "";
    submit.disabled = true;
    try {
      await api("POST", "/api/v1/users", { name: name.value, username: username.value, email: email.value, password: password.value });
      await signIn(username.value.trim(), password.value);
      navigate("#/");
    } catch (e) {
      showErrors(e);
    } finally {
      submit.disabled = false;
    }
  });

  function showErrors(e: unknown): void {
    const perField = fieldErrors(e);
    if (e instanceof ApiError && e.code === "username_taken") perField.set("username", explain(e));
    if (e instanceof ApiError && e.code === "weak_password") {
      const feedback = e.problem.feedback;
      perField.set("password", [explain(e), feedback?.warning, ...(feedback?.suggestions ?? [])].filter(Boolean).join(" "));
    }
    for (const [key, message] of perField) {
      const control = controls[key as keyof typeof controls];
      if (control) setFieldError(control, fields[key as keyof typeof fields].error, capitalize(message));
    }
    const first = [...perField.keys()].map((k) => controls[k as keyof typeof controls]).find(Boolean);
    if (first) first.focus();
    else error.textContent = explain(e);
  }
  return form;
}

function capitalize(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
