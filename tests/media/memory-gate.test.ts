// The memory gate's order (src/media/memory-gate.ts): a large decode never runs beside a labelling,
// the model's worker is ended before the decode, and labelling waits out decodes and a quiet spell
// after them. What it buys in memory is measured by `npm run bench:previews` (peak RSS rows).
import { describe, expect, test } from "bun:test";
import { MemoryGate } from "../../src/media/memory-gate.ts";

/** A task that runs until `finish()` is called, recording when it started and ended. */
function task(log: string[], name: string) {
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    run: async () => {
      log.push(`${name} start`);
      await done;
      log.push(`${name} end`);
      return name;
    },
    finish: () => finish(),
  };
}

const tick = () => Bun.sleep(5);

describe("the memory gate", () => {
  test("a large decode waits for the running labelling, then evicts the model, then runs", async () => {
    const gate = new MemoryGate({ quietMs: 0 });
    const log: string[] = [];
    const label = task(log, "label");
    const decode = task(log, "decode");
    const labelled = gate.label(label.run);
    await tick();
    const decoded = gate.decode(async () => void log.push("evict"), decode.run);
    await tick();
    expect(log).toEqual(["label start"]);
    label.finish();
    await tick();
    expect(log).toEqual(["label start", "label end", "evict", "decode start"]);
    decode.finish();
    expect(await Promise.all([labelled, decoded])).toEqual(["label", "decode"]);
  });

  test("labelling waits while a decode runs or waits, and for the quiet spell after the last one", async () => {
    const gate = new MemoryGate({ quietMs: 150 });
    const log: string[] = [];
    const first = task(log, "decode 1");
    const second = task(log, "decode 2");
    const label = task(log, "label");
    const decoded1 = gate.decode(async () => {}, first.run);
    await tick();
    const labelled = gate.label(label.run);
    const decoded2 = gate.decode(async () => {}, second.run);
    await tick();
    // Two decodes may run together (two preview workers); the labelling waits for both.
    expect(log).toEqual(["decode 1 start", "decode 2 start"]);
    first.finish();
    second.finish();
    await Promise.all([decoded1, decoded2]);
    const ended = performance.now();
    await tick();
    expect(log).not.toContain("label start");
    label.finish();
    await labelled;
    expect(log.slice(-2)).toEqual(["label start", "label end"]);
    expect(performance.now() - ended).toBeGreaterThanOrEqual(140);
  });

  test("a decode that throws still opens the gate", async () => {
    const gate = new MemoryGate({ quietMs: 0 });
    await expect(
      gate.decode(
        async () => {},
        async () => Promise.reject(new Error("bad image")),
      ),
    ).rejects.toThrow("bad image");
    expect(await gate.label(async () => "labelled")).toBe("labelled");
  });
});
