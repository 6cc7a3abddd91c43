// `pixvault __password-strength`: the child process password-policy.ts starts. Reads one JSON
// request per line on stdin, answers one JSON verdict per line on stdout, exits at end of input.
import { scorePassword } from "./password-strength.ts";

export async function passwordStrengthProcess(): Promise<number> {
  let buffered = "";
  for await (const text of Bun.stdin.stream().pipeThrough(new TextDecoderStream())) {
    buffered += text;
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      const { id, password, userInputs } = JSON.parse(buffered.slice(0, end)) as { id: number; password: string; userInputs: string[] };
      buffered = buffered.slice(end + 1);
      try {
        process.stdout.write(`${JSON.stringify({ id, verdict: await scorePassword(password, userInputs) })}\n`);
      } catch (e) {
        process.stdout.write(`${JSON.stringify({ id, error: e instanceof Error ? e.message : String(e) })}\n`);
      }
    }
  }
  return 0;
}
