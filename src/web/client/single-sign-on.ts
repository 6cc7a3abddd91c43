// Single sign-on as the page sees it: whether the server offers it and under which label, the
// navigation that starts it, and why a sign-in came back to the sign-in page (`?error=CODE`).
import { api } from "./api.ts";

let label: Promise<string | null> | undefined;

/** The provider's label ("Test IdP"), or null when single sign-on is off or the server cannot say. */
export function singleSignOnLabel(): Promise<string | null> {
  // Asked once per page load: the setting changes only with a restart of the server.
  label ??= api<{ enabled: boolean; name: string | null }>("GET", "/api/v1/auth/oidc").then(
    (sso) => (sso.enabled ? (sso.name ?? "single sign-on") : null),
    () => {
      label = undefined; // unreachable now: ask again on the next page rather than hide the button for good
      return null;
    },
  );
  return label;
}

/**
 * A navigation, not a fetch: the server answers with a redirect to the provider. Signed in (the
 * session cookie goes along), the server links the provider's identity to this account instead.
 */
export function startSingleSignOn(): void {
  location.assign("/api/v1/auth/oidc/start");
}

type Words = (provider: string) => string;

// Maps, not object literals: a code such as "constructor" must not find Object.prototype's members.
const FAILURES = new Map<string, Words>([
  ["state_invalid", () => "That sign-in was too old, or was started in another tab or browser. Try again."],
  ["access_denied", (p) => `The sign-in was cancelled at ${p}.`],
  ["provider_error", (p) => `${p} could not complete the sign-in. Try again, or sign in with your password.`],
  ["exchange_failed", (p) => `${p} did not confirm the sign-in. Try again.`],
  [
    "token_invalid",
    (p) => `The answer from ${p} could not be verified, so nobody was signed in. Tell the server's operator if it happens again.`,
  ],
  ["provider_unavailable", (p) => `${p} could not be reached. Try again in a moment.`],
  [
    "account_unknown",
    (p) =>
      `No account here is linked to that ${p} identity. Sign in with your password and link it from your account page, or ask the operator.`,
  ],
  ["identity_taken", (p) => `No account could be made for that ${p} identity. Ask the server's operator.`],
]);

/** The same codes when a signed-in user was linking an identity, where some read differently. */
const LINK_FAILURES = new Map<string, Words>([
  ["identity_taken", (p) => `That ${p} identity is already linked to another account here: unlink it there first.`],
  ["access_denied", (p) => `Linking was cancelled at ${p}.`],
]);

/**
 * Why single sign-on failed, in words. Anyone can send a link with `?error=` in it, so an unknown
 * code gets generic words: the page never repeats text from the address.
 */
export function singleSignOnFailure(code: string, provider: string, linking = false): string {
  const words = (linking ? LINK_FAILURES.get(code) : undefined) ?? FAILURES.get(code);
  return words ? words(provider) : "Single sign-on did not complete. Try again.";
}
