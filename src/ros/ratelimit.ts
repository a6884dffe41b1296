// Log lines for bad frames, at most one per kind per interval: a camera sending garbage at 30 Hz
// must not flood rosout. The first occurrence is logged at once; later ones are counted and the
// count is reported with the next line of that kind.

export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Returns true when the line was written. */
  report(kind: string, message: string): boolean {
    const t = this.now();
    const entry = this.last.get(kind);
    if (entry && t - entry.at < this.intervalMs) {
      entry.suppressed++;
      return false;
    }
    const more = entry && entry.suppressed > 0 ? ` (${entry.suppressed} more like this in the last ${Math.round((t - entry.at) / 1000)} s)` : '';
    this.write(`${message}${more}`);
    this.last.set(kind, { at: t, suppressed: 0 });
    return true;
  }
}
