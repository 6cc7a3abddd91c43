// The sign-up page: hints beside each field, the username rule checked as it is typed, the
// live strength meter, and each server error shown at the field it is about. It follows the
// server's registration mode: an invite field for `invite`, a plain notice for `closed`.
import { api, ApiError } from "./api.ts";
import { field, h, setFieldError } from "./dom.ts";
import { explain, fieldErrors } from "./messages.ts";
import { passwordMeter } from "./password-meter.ts";
import { navigate } from "./router.ts";
import { signIn } from "./session.ts";

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

type Mode = "open" | "invite" | "closed";

export async function signUpView(): Promise<Node> {
  // Unreachable server: show the open form; the sign-up itself will say what is wrong.
  const mode = await api<{ mode: Mode }>("GET", "/api/v1/registration").then(
    (r) => r.mode,
    (): Mode => "open",
  );
  return mode === "closed" ? closedView() : signUpForm(mode === "invite");
}

function closedView(): Node {
  return h(
    "section",
    { class: "panel narrow", "aria-labelledby": "signup-title" },
    h("h1", { id: "signup-title" }, "Create an account"),
    h("p", { class: "registration-closed" }, "Registration is closed — ask the operator for an account."),
    h("p", {}, "Already have an account? ", h("a", { href: "#/signin" }, "Sign in"), "."),
  );
}

function signUpForm(needsInvite: boolean): Node {
  const name = h("input", { name: "name", autocomplete: "name", maxlength: 100, required: true });
  const username = h("input", { name: "username", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true });
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "new-password", minlength: 10, required: true });
  const invite = h("input", { name: "invite", autocomplete: "off", autocapitalize: "none", spellcheck: "false", required: needsInvite });
  const fields = {
    invite: field("Invite code", invite, "This server registers by invitation: paste the code you were given."),
    name: field("Name", name, "How you want to be greeted."),
    username: field("Username", username, "3–32 characters: letters, digits, '_', '.' or '-'. Not case-sensitive."),
    email: field("Email", email),
    password: field("Password", password, "At least 10 characters, and hard to guess: the meter must reach Strong."),
  };
  const controls = { invite, name, username, email, password };
  fields.password.wrapper.append(passwordMeter(password, () => ({ username: username.value, name: name.value, email: email.value })));
  const error = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, "Create account");

  username.addEventListener("input", () => {
    const v = username.value.trim();
    const message =
      v === "" || USERNAME.test(v)
        ? null
        : v.length < 3 || v.length > 32
          ? "Must be 3 to 32 characters."
          : "Only letters, digits, '_', '.' and '-'.";
    setFieldError(username, fields.username.error, message);
  });

  const form = h(
    "form",
    { class: "panel narrow", "aria-labelledby": "signup-title" },
    h("h1", { id: "signup-title" }, "Create an account"),
    needsInvite && fields.invite.wrapper,
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
      const body = { name: name.value, username: username.value, email: email.value, password: password.value };
      await api("POST", "/api/v1/users", needsInvite ? { ...body, invite: invite.value.trim() } : body);
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
    // The detail says which: missing, expired, used up or not valid.
    if (e instanceof ApiError && e.code === "invite_invalid" && needsInvite) perField.set("invite", e.problem.detail);
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
