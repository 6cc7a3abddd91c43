// zxcvbn scoring itself. It runs in a child process (password-strength-process.ts): its
// dictionaries take ~50 MiB of heap once loaded, which a process that exits gives back.
// The web UI's strength meter imports this same file, so the page and the server agree.
import type { ZxcvbnFactory } from "@zxcvbn-ts/core";

export const MIN_PASSWORD_LENGTH = 10;
export const MIN_SCORE = 3;

export interface StrengthVerdict {
  ok: boolean;
  score: number;
  warning: string | null;
  suggestions: string[];
}

/** Words an attacker tries first against this account; a password built on them scores low. */
export function guessableWords(user: { username: string; name: string; email: string }): string[] {
  return [user.username, user.name, user.email, "pixvault"];
}

let estimator: Promise<ZxcvbnFactory> | undefined;

function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import("@zxcvbn-ts/core"),
      import("@zxcvbn-ts/language-common"),
      import("@zxcvbn-ts/language-en"),
    ]);
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
      maxLength: 256,
    });
  })();
  return estimator;
}

/**
 * The one verdict on a new password, length included, so the server (weak_password with this
 * feedback) and the web UI's meter give the same reasons.
 */
export async function scorePassword(password: string, userInputs: string[]): Promise<StrengthVerdict> {
  const result = (await loadEstimator()).check(password, userInputs.filter(Boolean));
  const short = password.length < MIN_PASSWORD_LENGTH;
  const ok = !short && result.score >= MIN_SCORE;
  const suggestions = [...(short ? [`Use at least ${MIN_PASSWORD_LENGTH} characters.`] : []), ...result.feedback.suggestions];
  if (!ok && suggestions.length === 0) suggestions.push("Add another word or two. Uncommon words are better.");
  const warning = result.feedback.warning || (short ? `This password is shorter than ${MIN_PASSWORD_LENGTH} characters.` : null);
  return { ok, score: result.score, warning, suggestions };
}
