// What of a captioning model's answer becomes a description (domain/analysis/caption.ts): one line,
// no wrapping quotes, spaces collapsed, at most the description limit, the description rules held.
import { describe, expect, test } from "bun:test";
import { captionText } from "../../src/domain/analysis/caption.ts";

describe("captionText", () => {
  test.each([
    ["A dog on a beach.", "A dog on a beach."],
    ['  "A dog   on a\tbeach."  ', "A dog on a beach."],
    ["“A dog on a beach.”", "A dog on a beach."],
    ["\n\nA dog on a beach.\nSure! Anything else?", "A dog on a beach."],
    ["A dog on a beach.\u2028Second line", "A dog on a beach."],
    ["Cafe\u0301 terrace at night.", "Café terrace at night."],
  ])("%j becomes %j", (answer, description) => {
    expect(captionText(answer)).toBe(description);
  });

  test.each([[""], ["   \n\t "], ['""'], ["\u0007 bell"], ["a \u202e reversed"]])("%j is no description", (answer) => {
    expect(captionText(answer)).toBeUndefined();
  });

  test("a long answer is cut at 2000 UTF-16 units, never inside a surrogate pair", () => {
    expect(captionText("word ".repeat(1000))).toHaveLength(1999);
    const emoji = `${"a".repeat(1999)}🐶 more`;
    expect(captionText(emoji)).toBe("a".repeat(1999));
  });
});
