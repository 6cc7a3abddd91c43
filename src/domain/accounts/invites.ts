// Invites for `--registration invite`: made, listed and revoked by the operator; the code is
// shown once and only its hash is kept.
import { hashInviteCode, newInviteCode } from "../../crypto/invite-code.ts";
import { newId } from "../../crypto/random-id.ts";
import type { Clock } from "../clock.ts";
import { fail, ok, type Result } from "../errors.ts";
import type { Invite, InviteRepository, NewUser } from "./ports.ts";

type InviteState = "active" | "expired" | "used-up" | "revoked";

/** What `invite list` shows: never the code (it is not stored) nor its hash. */
export interface InviteView {
  id: string;
  uses: number;
  maxUses: number;
  state: InviteState;
  createdAt: string;
  expiresAt: string;
}

interface CreatedInvite extends InviteView {
  /** The only time the code exists outside the hands it is given to. */
  code: string;
}

export interface InviteService {
  create(options: { maxUses: number; expiresInMs: number }): Promise<CreatedInvite>;
  list(): Promise<InviteView[]>;
  revoke(id: string): Promise<Result<void>>;
  /**
   * The hash of a code that can still be spent, or why not. Only a first look, before the
   * costly password hashing: the use itself is taken atomically with the user insert.
   */
  usable(code: string | undefined): Promise<Result<Buffer>>;
  /** Inserts the user while taking one use of the invite; says why when the invite went stale meanwhile. */
  insertUserSpending(user: NewUser, code: string | undefined, codeHash: Buffer): Promise<"ok" | "taken" | Result<never>>;
}

function refusal(state: InviteState | undefined): string {
  if (state === "expired") return "this invite code has expired";
  if (state === "used-up") return "this invite code has been used up";
  return "this invite code is not valid";
}

function stateOf(row: Invite, now: Date): InviteState {
  if (row.revokedAt !== null) return "revoked";
  if (row.expiresAt <= now) return "expired";
  if (row.uses >= row.maxUses) return "used-up";
  return "active";
}

function viewOf(row: Invite, now: Date): InviteView {
  return {
    id: row.id,
    uses: row.uses,
    maxUses: row.maxUses,
    state: stateOf(row, now),
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
  };
}

export function createInviteService(ports: { invites: InviteRepository; clock: Clock }): InviteService {
  const { invites, clock } = ports;

  const usable = async (code: string | undefined): Promise<Result<Buffer>> => {
    if (code === undefined || code.trim() === "") {
      return fail("invite_invalid", "this server registers by invitation: an invite code is required");
    }
    const hash = hashInviteCode(code);
    const row = await invites.findByHash(hash);
    const state = row ? stateOf(row, clock.now()) : undefined;
    if (state === "active") return ok(hash);
    return fail("invite_invalid", refusal(state));
  };

  return {
    async create(options) {
      const now = clock.now();
      const code = newInviteCode();
      const row = {
        id: newId(),
        maxUses: options.maxUses,
        uses: 0,
        createdAt: now,
        expiresAt: new Date(now.getTime() + options.expiresInMs),
        revokedAt: null,
      };
      await invites.insert({ ...row, codeHash: hashInviteCode(code) });
      return { ...viewOf(row, now), code };
    },

    async list() {
      const now = clock.now();
      return (await invites.list()).map((row) => viewOf(row, now));
    },

    async revoke(id) {
      return (await invites.revoke(id, clock.now())) ? ok(undefined) : fail("not_found", `no invite "${id}"`);
    },

    usable,

    async insertUserSpending(user, code, codeHash) {
      const stored = await invites.insertUserSpending(user, codeHash, clock.now());
      if (stored !== "invite_invalid") return stored;
      // Used up, expired or revoked since the first look: say which.
      const why = await usable(code);
      return why.ok ? fail("invite_invalid", refusal(undefined)) : why;
    },
  };
}
