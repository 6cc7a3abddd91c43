// Who is signed in. The session itself is an HttpOnly cookie the page cannot read; the page
// only learns the user and the CSRF token bound to that cookie.
import { api, setCsrfToken, type User } from "./api.ts";

interface CurrentSession {
  user: User;
  via: "cookie" | "bearer";
  csrfToken: string | null;
}

let current: User | null = null;

export function currentUser(): User | null {
  return current;
}

function adopt(user: User | null, csrfToken: string | null): User | null {
  current = user;
  setCsrfToken(csrfToken);
  return user;
}

/** After a reload: the cookie, if any, still signs us in. */
export async function resumeSession(): Promise<User | null> {
  try {
    const session = await api<CurrentSession>("GET", "/api/v1/sessions/current");
    return adopt(session.user, session.csrfToken);
  } catch {
    return adopt(null, null);
  }
}

export async function signIn(username: string, password: string): Promise<User> {
  const grant = await api<{ user: User; csrfToken: string }>("POST", "/api/v1/sessions", { username, password, cookie: true });
  return adopt(grant.user, grant.csrfToken)!;
}

export async function signOut(): Promise<void> {
  try {
    await api("DELETE", "/api/v1/sessions/current");
  } finally {
    forgetSession();
  }
}

/** The server already ended the session (expired, account deleted). */
export function forgetSession(): void {
  adopt(null, null);
}
