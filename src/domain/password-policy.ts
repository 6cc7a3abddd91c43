// Password strength: at least 10 characters and a zxcvbn score of 3 or more (of 4).
import type { ZxcvbnFactory } from "@zxcvbn-ts/core";

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;
export const MIN_SCORE = 3;

export interface StrengthVerdict {
  ok: boolean;
  score: number;
  warning: string | null;
  suggestions: string[];
}

let estimator: Promise<ZxcvbnFactory> | undefined;

// The dictionaries are megabytes of data: load them on the first check, not at start-up.
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

/** Scores a password; `userInputs` (username, name, email) count as guessable words. */
export async function judgePassword(password: string, userInputs: string[]): Promise<StrengthVerdict> {
  const result = (await loadEstimator()).check(password, userInputs.filter(Boolean));
  const ok = password.length >= MIN_PASSWORD_LENGTH && result.score >= MIN_SCORE;
  const suggestions = [...result.feedback.suggestions];
  if (!ok && suggestions.length === 0) suggestions.push("Add another word or two. Uncommon words are better.");
  return { ok, score: result.score, warning: result.feedback.warning || null, suggestions };
}
