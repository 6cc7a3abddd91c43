// The time every rule reads (sessions, throttling, invites, shares): a port, so tests move it.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
