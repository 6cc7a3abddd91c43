// Invites for `--registration invite`: made, listed and revoked by the operator; the code is
// shown once and only its hash is kept.
import { hashInviteCode, newInviteCode } from "../crypto/invite-code.ts";
import { newId } from "../crypto/random-id.ts";
import { findInviteByHash, insertInvite, listInviteRows, revokeInviteRow, type InviteRow } from "../store/invite-repository.ts";
import type { AccountDeps } from "./context.ts";
import { fail, ok, type Result } from "./errors.ts";

type InviteDeps = Pick<AccountDeps, "db" | "now">;

export type InviteState = "active" | "expired" | "used-up" | "revoked";

/** What `invite list` shows: never the code (it is not stored) nor its hash. */
export interface InviteView {
  id: string;
  uses: number;
  maxUses: number;
  state: InviteState;
  createdAt: string;
  expiresAt: string;
}

export interface CreatedInvite extends InviteView {
  /** The only time the code exists outside the hands it is given to. */
  code: string;
}

export async function createInvite(deps: InviteDeps, options: { maxUses: number; expiresInMs: number }): Promise<CreatedInvite> {
  const now = deps.now();
  const code = newInviteCode();
  const row = {
    id: newId(),
    codeHash: hashInviteCode(code),
    maxUses: options.maxUses,
    uses: 0,
    createdAt: now,
    expiresAt: new Date(now.getTime() + options.expiresInMs),
    revokedAt: null,
  };
  await insertInvite(deps.db.orm, row);
  return { ...viewOf(row, now), code };
}

export async function listInvites(deps: InviteDeps): Promise<InviteView[]> {
  const now = deps.now();
  return (await listInviteRows(deps.db.orm)).map((row) => viewOf(row, now));
}

export async function revokeInvite(deps: InviteDeps, id: string): Promise<Result<void>> {
  return (await revokeInviteRow(deps.db, id, deps.now())) ? ok(undefined) : fail("not_found", `no invite "${id}"`);
}

/**
 * The hash of a code that can still be spent, or why not. Only a first look, before the
 * costly password hashing: the use itself is taken atomically with the user insert.
 */
export async function usableInvite(deps: InviteDeps, code: string | undefined): Promise<Result<Buffer>> {
  if (code === undefined || code.trim() === "") {
    return fail("invite_invalid", "this server registers by invitation: an invite code is required");
  }
  const hash = hashInviteCode(code);
  const row = await findInviteByHash(deps.db.orm, hash);
  const state = row ? stateOf(row, deps.now()) : undefined;
  if (state === "active") return ok(hash);
  return fail("invite_invalid", inviteRefusal(state));
}

export function inviteRefusal(state: InviteState | undefined): string {
  if (state === "expired") return "this invite code has expired";
  if (state === "used-up") return "this invite code has been used up";
  return "this invite code is not valid";
}

function stateOf(row: InviteRow, now: Date): InviteState {
  if (row.revokedAt !== null) return "revoked";
  if (row.expiresAt <= now) return "expired";
  if (row.uses >= row.maxUses) return "used-up";
  return "active";
}

function viewOf(row: InviteRow, now: Date): InviteView {
  return {
    id: row.id,
    uses: row.uses,
    maxUses: row.maxUses,
    state: stateOf(row, now),
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
  };
}
