// What the rules report to the outside world; every service takes its other ports by name
// (domain/accounts/services.ts, domain/images/services.ts), wired once in src/compose.

/** Where the rules report what operators alert on (the server counts them for /metrics). */
export interface DomainEvents {
  integrityError(): void;
  loginFailed(): void;
}
