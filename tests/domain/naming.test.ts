// Naming rules in process, as scenario tables: unique per namespace, case-insensitive, rename to
// `cat (1).png`, replace only one's own, one public namespace shared by every user.
import { afterEach, describe, expect, test } from "bun:test";
import { createTestApp, type SignedUp, type TestApp } from "../../src/test-app.ts";
import { noisePng } from "../support/images.ts";
import { listed, outcome, upload } from "./app-client.ts";

type Who = "alice" | "bob";

interface Step {
  who: Who;
  name: string;
  options?: Record<string, string>;
  status: number;
  code?: string;
  /** The filename the server gave the upload, when it differs from `name`. */
  storedAs?: string;
}

interface Scenario {
  title: string;
  steps: Step[];
  /** Filenames each user lists under scope=mine afterwards; every other name must be absent. */
  mine: Record<Who, string[]>;
  /** Filenames in the public listing, with their owner. */
  public?: [string, Who][];
  /** Names that must not appear in anyone's listing (scope mine or public). */
  absent?: string[];
}

const scenarios: Scenario[] = [
  {
    title: "a name is taken once in one's private namespace: the second upload is 409 name_conflict",
    steps: [
      { who: "alice", name: "cat.png", status: 201 },
      { who: "alice", name: "cat.png", status: 409, code: "name_conflict" },
    ],
    mine: { alice: ["cat.png"], bob: [] },
    absent: ["cat (1).png"],
  },
  {
    title: "names compare case-insensitively",
    steps: [
      { who: "alice", name: "Cat.PNG", status: 201 },
      { who: "alice", name: "cat.png", status: 409, code: "name_conflict" },
      { who: "alice", name: "CAT.png", options: { onConflict: "fail" }, status: 409, code: "name_conflict" },
    ],
    mine: { alice: ["Cat.PNG"], bob: [] },
    absent: ["cat.png", "CAT.png"],
  },
  {
    title: "onConflict=rename takes the first free `name (n)`",
    steps: [
      { who: "alice", name: "cat.png", status: 201 },
      { who: "alice", name: "cat.png", options: { onConflict: "rename" }, status: 201, storedAs: "cat (1).png" },
      { who: "alice", name: "cat.png", options: { onConflict: "rename" }, status: 201, storedAs: "cat (2).png" },
      { who: "alice", name: "dog.png", options: { onConflict: "rename" }, status: 201 },
    ],
    mine: { alice: ["cat.png", "cat (1).png", "cat (2).png", "dog.png"], bob: [] },
    absent: ["dog (1).png", "cat (3).png"],
  },
  {
    title: "private namespaces are per user: the same name twice, neither sees the other's",
    steps: [
      { who: "alice", name: "cat.png", status: 201 },
      { who: "bob", name: "cat.png", status: 201 },
      { who: "bob", name: "cat.png", options: { onConflict: "replace" }, status: 201 },
    ],
    mine: { alice: ["cat.png"], bob: ["cat.png"] },
    public: [],
  },
  {
    title: "a user's private and public namespaces are separate",
    steps: [
      { who: "alice", name: "sun.png", status: 201 },
      { who: "alice", name: "sun.png", options: { visibility: "public" }, status: 201 },
    ],
    mine: { alice: ["sun.png", "sun.png"], bob: [] },
    public: [["sun.png", "alice"]],
  },
  {
    title: "all public images share one namespace: bob cannot publish alice's public name, nor replace it; rename works",
    steps: [
      { who: "alice", name: "sun.png", options: { visibility: "public" }, status: 201 },
      { who: "bob", name: "SUN.png", options: { visibility: "public" }, status: 409, code: "name_conflict" },
      { who: "bob", name: "sun.png", options: { visibility: "public", onConflict: "replace" }, status: 409, code: "name_conflict" },
      { who: "bob", name: "sun.png", options: { visibility: "public", onConflict: "rename" }, status: 201, storedAs: "sun (1).png" },
      { who: "bob", name: "sun.png", status: 201 },
    ],
    mine: { alice: ["sun.png"], bob: ["sun (1).png", "sun.png"] },
    public: [
      ["sun.png", "alice"],
      ["sun (1).png", "bob"],
    ],
    absent: ["SUN.png"],
  },
  {
    title: "onConflict=replace swaps one's own image under the name (and creates it when free)",
    steps: [
      { who: "alice", name: "dog.png", status: 201 },
      { who: "alice", name: "dog.png", options: { onConflict: "replace" }, status: 201 },
      { who: "alice", name: "new.png", options: { onConflict: "replace" }, status: 201 },
    ],
    mine: { alice: ["dog.png", "new.png"], bob: [] },
    absent: ["dog (1).png"],
  },
];

describe("naming (in process)", () => {
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  let seed = 1;
  for (const scenario of scenarios) {
    test(scenario.title, async () => {
      t = await createTestApp();
      const app = t;
      const users: Record<Who, SignedUp> = { alice: await app.signUp(), bob: await app.signUp() };
      const ids: Record<Who, string[]> = { alice: [], bob: [] };
      for (const [i, step] of scenario.steps.entries()) {
        const res = await upload(app, users[step.who].token, step.name, noisePng({ width: 8, height: 8, seed: seed++ }), step.options);
        const body = (await res.clone().json()) as { created?: { id: string; filename: string }[] };
        const expected = { step: i, status: step.status, ...(step.code ? { code: step.code } : {}) };
        expect({ step: i, ...(await outcome(res)) }).toEqual(expected);
        if (step.status === 201) {
          expect(body.created?.[0]?.filename).toBe(step.storedAs ?? step.name);
          ids[step.who].push(body.created![0]!.id);
        }
      }
      for (const who of ["alice", "bob"] as const) {
        const mine = await listed(app, users[who].token);
        expect({ who, names: mine.map((i) => i.filename).sort() }).toEqual({ who, names: [...scenario.mine[who]].sort() });
        // A replaced image is gone: only ids from the last upload of each name remain.
        expect(mine.every((i) => ids[who].includes(i.id))).toBe(true);
      }
      const pub = await listed(app, undefined, "public");
      if (scenario.public) {
        const owners = { [users.alice.id]: "alice", [users.bob.id]: "bob" };
        expect(pub.map((i) => [i.filename, owners[i.owner.id]]).sort()).toEqual([...scenario.public].sort());
      }
      const everyName = [...(await listed(app, users.alice.token)), ...(await listed(app, users.bob.token)), ...pub].map((i) => i.filename);
      for (const name of scenario.absent ?? [])
        expect({ absent: name, found: everyName.includes(name) }).toEqual({ absent: name, found: false });
    });
  }
});
