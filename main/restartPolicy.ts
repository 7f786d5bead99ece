/**
 * When a crashed helper (the desktop's GPU host window and services' process, the CLI's headless
 * Chromium) is started again: at once, up to `limit` crashes within `windowMs`; past that it stays
 * down and says why, rather than crash-looping and burning the battery.
 */
export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    private readonly limit = 3,
    private readonly windowMs = 60_000,
  ) {}

  /** Records a crash at `now`; true if the helper may be started again. */
  crashed(now: number): boolean {
    this.crashes = [...this.crashes.filter((t) => now - t < this.windowMs), now];
    return this.crashes.length <= this.limit;
  }
}
