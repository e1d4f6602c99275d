// The one way to wait in this project: poll a condition until it holds or a deadline passes.
// Sleeping a fixed time is either too long (slow suite) or too short (flaky suite).

/**
 * How long a process (an IUT, a tester agent) may take to start and say it is ready. A deadline,
 * not a speed goal: generous, because Node starts about ten times slower in a VM under emulation
 * (with three cases starting side by side), and a healthy start ends the wait at once anyway.
 */
export const START_DEADLINE_MS = 60_000;

export class TimeoutError extends Error {
  constructor(readonly what: string, readonly timeoutMs: number, readonly lastSeen?: string) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${lastSeen !== undefined ? ` (last seen: ${lastSeen})` : ''}`);
  }
}

export interface PollOptions {
  /** What is awaited, for the error message: "an address in 2001:db8:1::/64 on mn1". */
  what: string;
  timeoutMs: number;
  /** First interval; it doubles up to maxIntervalMs so cheap conditions are seen quickly. */
  intervalMs?: number;
  maxIntervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Calls `probe` until it returns a value other than undefined/false and returns that value.
 * `probe` may also return `{ pending: string }` to say what it saw, which the timeout error shows.
 */
export async function pollUntil<T>(
  probe: () => T | undefined | false | { pending: string } | Promise<T | undefined | false | { pending: string }>,
  opts: PollOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let interval = opts.intervalMs ?? 2;
  const maxInterval = opts.maxIntervalMs ?? 50;
  let lastSeen: string | undefined;
  for (;;) {
    opts.signal?.throwIfAborted();
    const v = await probe();
    if (v !== undefined && v !== false) {
      if (typeof v === 'object' && v !== null && 'pending' in (v as object)) {
        lastSeen = (v as { pending: string }).pending;
      } else {
        return v as T;
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new TimeoutError(opts.what, opts.timeoutMs, lastSeen);
    await new Promise((r) => setTimeout(r, Math.min(interval, left)));
    interval = Math.min(interval * 2, maxInterval);
  }
}
