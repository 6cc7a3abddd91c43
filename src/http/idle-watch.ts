// The request body's idle limit (README, HTTP conventions: a body that sends nothing for 60 s is answered 408).
export const BODY_TIMEOUT_DETAIL = "the request body sent nothing for too long";

/**
 * Times the waits for a request body's next chunk. A wait runs only while the app asks for
 * data and the client has none in flight, so time the server spends on its side (a slow disk
 * holding back reads) never counts against the client.
 */
export class IdleWatch {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  timedOut = false;

  constructor(
    private readonly ms: number,
    private readonly onTimeout: () => void,
  ) {}

  /** Starts a wait; `fail` ends the body stream the app is reading. */
  begin(fail: () => void): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.stop();
      fail();
      this.onTimeout();
    }, this.ms);
  }

  end(): void {
    clearTimeout(this.timer);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
