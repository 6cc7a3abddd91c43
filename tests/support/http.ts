// Small HTTP helpers for tests: parsed JSON bodies without type ceremony.
export type Json = any;

export async function jsonOf(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}
