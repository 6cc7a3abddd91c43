// Worker thread entry: scores passwords sent by password-policy.ts.
import { scorePassword } from "./password-strength.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ id: number; password: string; userInputs: string[] }>) => {
  const { id, password, userInputs } = event.data;
  try {
    self.postMessage({ id, verdict: await scorePassword(password, userInputs) });
  } catch (e) {
    self.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
};
