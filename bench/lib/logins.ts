// Sustained logins against a running pixvault: the Argon2id verification sets the pace.
import { quantile } from "./stats.ts";

export interface LoginRate {
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

export interface Credentials {
  username: string;
  password: string;
}

/**
 * Logins back to back on `concurrency` lanes, lane i as users[i % users.length]. pixvault counts a
 * login attempt against its username before checking the password, so more than
 * --login-max-failures (5) logins in flight for one user are refused: give each lane its own user.
 */
export async function measureLogins(url: string, users: Credentials[], seconds: number, concurrency: number): Promise<LoginRate> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      const { username, password } = users[lane % users.length]!;
      while (performance.now() < end) {
        const t = performance.now();
        const res = await fetch(`${url}/api/v1/sessions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username, password }),
        });
        await res.arrayBuffer();
        if (res.status === 201) latencies.push(performance.now() - t);
        else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / elapsed,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    errors,
  };
}
