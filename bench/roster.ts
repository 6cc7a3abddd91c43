// The targets of one run and what each has measured so far. A target that fails a workload
// gets a note in the report and the run goes on with the others.
import { join } from "node:path";
import type { TargetResults, Workload } from "./report.ts";
import type { Target, TargetKind, TargetName } from "./targets.ts";

export class Roster {
  readonly results = new Map<TargetName, TargetResults>();
  /** The kinds that can run here, in report order. */
  readonly runnable: TargetKind[];

  constructor(
    kinds: TargetKind[],
    private readonly work: string,
    private readonly say: (line: string) => void,
  ) {
    for (const k of kinds) {
      const skipped = k.unavailable();
      this.results.set(k.name, { name: k.name, label: k.label, description: skipped ? "" : k.describe(), skipped, errors: {}, cpu: {} });
      if (skipped) say(`${k.label} skipped: ${skipped}`);
    }
    this.runnable = kinds.filter((k) => !this.results.get(k.name)!.skipped);
  }

  result(name: TargetName): TargetResults {
    return this.results.get(name)!;
  }

  /** Runs `run` unless one of `workloads` already failed for this target; a failure is recorded against all of them. */
  async attempt<T>(name: TargetName, workloads: Workload[], run: () => Promise<T>): Promise<T | undefined> {
    const r = this.result(name);
    if (workloads.some((w) => r.errors[w])) return undefined;
    try {
      return await run();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      for (const w of workloads) r.errors[w] = message;
      this.say(`${name}: ${workloads.join(", ")} failed: ${message}`);
      return undefined;
    }
  }

  /** One freshly started, connected server per runnable kind, state under <work>/<kind>/<phase>. */
  async startAll(phase: string, workloads: Workload[]): Promise<Map<TargetName, Target>> {
    const live = new Map<TargetName, Target>();
    for (const kind of this.runnable) {
      const target = await this.attempt(kind.name, workloads, async () => {
        const server = await kind.start(join(this.work, kind.name, phase));
        try {
          return await kind.connect(server);
        } catch (e) {
          await server.stop();
          throw e;
        }
      });
      if (target) live.set(kind.name, target);
    }
    return live;
  }
}

export async function stopAll(live: Map<TargetName, Target>): Promise<void> {
  for (const t of live.values()) await t.server.stop();
}
