// A live password-strength meter running the very module the server judges passwords with
// (zxcvbn-ts, same dictionaries, same guessable words); its ~1.6 MB of dictionaries load
// only when a new-password field is first used.
import { h } from "./dom.ts";

type Strength = typeof import("../../domain/password-strength.ts");
let strength: Promise<Strength> | undefined;
const loadStrength = () => (strength ??= import("../../domain/password-strength.ts"));

const LABELS = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];

export interface Account {
  username: string;
  name: string;
  email: string;
}

export function passwordMeter(input: HTMLInputElement, account: () => Account): HTMLElement {
  const meter = h("meter", { min: 0, max: 4, low: 2, high: 3, optimum: 4, value: 0, "aria-hidden": "true" });
  const label = h("span", { class: "strength-label" });
  const advice = h("p", { class: "hint strength-advice" });
  const box = h(
    "div",
    { class: "strength", "aria-live": "polite", hidden: true },
    h("div", { class: "strength-bar" }, meter, label),
    advice,
  );
  let latest = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const update = async () => {
    const run = ++latest;
    box.hidden = input.value === "";
    if (input.value === "") {
      meter.value = 0;
      label.textContent = advice.textContent = "";
      return;
    }
    label.textContent = "Checking…";
    const { scorePassword, guessableWords } = await loadStrength();
    const who = account();
    // The server lowercases usernames and trims names and emails before it judges.
    const words = guessableWords({ username: who.username.trim().toLowerCase(), name: who.name.trim(), email: who.email.trim() });
    const verdict = await scorePassword(input.value, words);
    if (run !== latest) return;
    meter.value = verdict.score;
    label.textContent = `Strength: ${LABELS[verdict.score]}${verdict.ok ? " — good" : " — not accepted yet"}`;
    // The length rule is among the suggestions, as in the server's weak_password feedback.
    advice.textContent = verdict.ok ? "" : [verdict.warning, ...verdict.suggestions].filter(Boolean).join(" ");
  };

  input.addEventListener("focus", () => void loadStrength(), { once: true });
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => void update(), 120);
  });
  return box;
}
