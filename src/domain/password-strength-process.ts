// `pixvault __password-strength`: the child process password-policy.ts starts. Reads one JSON
// request per line on stdin, answers one JSON verdict per line on stdout, exits at end of input.
import { jsonLines } from "./json-lines.ts";
import { scorePassword } from "./password-strength.ts";

export async function passwordStrengthProcess(): Promise<number> {
  for await (const { id, password, userInputs } of jsonLines<{ id: number; password: string; userInputs: string[] }>(Bun.stdin.stream())) {
    try {
      process.stdout.write(`${JSON.stringify({ id, verdict: await scorePassword(password, userInputs) })}\n`);
    } catch (e) {
      process.stdout.write(`${JSON.stringify({ id, error: e instanceof Error ? e.message : String(e) })}\n`);
    }
  }
  return 0;
}
