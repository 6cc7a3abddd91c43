// Session JWTs (jose, HS256): signed with a key derived from the master key version named in `kid`.
import { errors, jwtVerify, SignJWT } from "jose";
import { INSTANCE_KEY } from "./context.ts";
import type { Keyring } from "./master-key.ts";
import { deriveInstanceKey } from "./user-key.ts";

export interface SessionClaims {
  /** User id. */
  sub: string;
  /** Session id: the row that makes revocation immediate. */
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface SessionSigner {
  sign(claims: SessionClaims): Promise<string>;
  /** The claims of a well-formed, correctly signed, unexpired token; undefined otherwise. */
  verify(token: string): Promise<SessionClaims | undefined>;
}

export function createSessionSigner(keyring: Keyring): SessionSigner {
  const keys = new Map<number, Uint8Array>();
  const keyFor = (id: number) => {
    let key = keys.get(id);
    const version = keyring.get(id);
    if (!key && version) keys.set(id, (key = deriveInstanceKey(version.key, INSTANCE_KEY.jwt)));
    return key;
  };
  return {
    sign: (claims) =>
      new SignJWT({})
        .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: String(keyring.current.id) })
        .setSubject(claims.sub)
        .setJti(claims.jti)
        .setIssuedAt()
        .setExpirationTime(claims.exp)
        .sign(keyFor(keyring.current.id)!),
    async verify(token) {
      try {
        // Only HS256 is accepted, so `alg: none` and algorithm confusion fail here.
        const { payload } = await jwtVerify(
          token,
          async (header) => {
            const key = keyFor(Number(header.kid));
            if (!key) throw new errors.JWSSignatureVerificationFailed("unknown key id");
            return key;
          },
          { algorithms: ["HS256"], requiredClaims: ["sub", "jti", "exp"] },
        );
        if (typeof payload.sub !== "string" || typeof payload.jti !== "string" || typeof payload.exp !== "number") {
          return undefined;
        }
        return { sub: payload.sub, jti: payload.jti, exp: payload.exp };
      } catch {
        return undefined;
      }
    },
  };
}
