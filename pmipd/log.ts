// One line per event: wall-clock ISO time, monotonic seconds since start, level, role, event and
// key=value fields. Counters live beside the log so the control socket can dump them.
import { writeSync } from 'node:fs';
import type { Clock } from './clock.js';

let pending = '';
let flushQueued = false;

/** Writes what coalescedStderr holds now (before writing to stderr otherwise). */
export function flushStderr(): void {
  flushQueued = false;
  if (pending === '') return;
  const buf = Buffer.from(pending);
  pending = '';
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(2, buf, off);
  } catch (err) {
    // A non-blocking pipe that is full: Node's own stream queues the rest. Closed: nothing to tell.
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') process.stderr.write(buf.subarray(off));
  }
}

/**
 * Lines to stderr, written together once per event-loop turn: a write to a pipe is a system call
 * (synchronous on Linux), and one per line was most of the daemon's time under a flood of
 * malformed messages (each is logged). Flushed before an uncaught exception is reported and at
 * exit, so the log keeps its order and nothing is lost.
 */
export function coalescedStderr(line: string): void {
  pending += line;
  if (pending.length > 1 << 16) flushStderr();
  else if (!flushQueued) {
    flushQueued = true;
    setImmediate(flushStderr);
  }
}
process.on('exit', flushStderr);
process.on('uncaughtExceptionMonitor', flushStderr);

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
export const LOG_LEVELS = Object.keys(RANK) as LogLevel[];

export type LogFields = Record<string, string | number | boolean | null | undefined | readonly string[]>;

function fieldText(v: LogFields[string]): string {
  if (Array.isArray(v)) return v.join(',');
  const s = String(v);
  return /[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s;
}

export class Logger {
  private readonly origin: number;
  constructor(
    private readonly clock: Clock,
    private readonly role: string,
    private readonly level: LogLevel = 'info',
    private readonly write: (line: string) => void = coalescedStderr,
  ) {
    this.origin = clock.now();
  }

  enabled(level: LogLevel): boolean { return RANK[level] >= RANK[this.level]; }

  log(level: LogLevel, event: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    let line = `${new Date(this.clock.wallMs()).toISOString()} +${((this.clock.now() - this.origin) / 1000).toFixed(6)} ${level} ${this.role} ${event}`;
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${fieldText(v)}`;
    this.write(line + '\n');
  }

  debug(event: string, fields?: LogFields): void { this.log('debug', event, fields); }
  info(event: string, fields?: LogFields): void { this.log('info', event, fields); }
  warn(event: string, fields?: LogFields): void { this.log('warn', event, fields); }
  error(event: string, fields?: LogFields): void { this.log('error', event, fields); }
}

/** Named event counters (pbu_rx, pba_tx, rejected_status_153, malformed_dropped, ...). */
export class Counters {
  private readonly values = new Map<string, number>();
  inc(name: string, by = 1): void { this.values.set(name, (this.values.get(name) ?? 0) + by); }
  get(name: string): number { return this.values.get(name) ?? 0; }
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
