// What the fuzzer watches on the implementation under test between batches: its process is
// alive, its memory (RSS) and open file descriptors do not grow without bound (read from
// /proc/<pid>), and its output shows no assertion failure, uncaught exception or sanitizer
// report. Each check names what it saw.
import { readdirSync, readFileSync } from 'node:fs';

/** Output lines that mean the implementation hit a bug, whatever it is written in. */
export const FATAL_OUTPUT = [
  /\bAssertion\b.*\bfailed\b/i, /\bassert(ion)?(Error)?\b.*fail/i, /\bUncaught\b/, /\bunhandled\b.*\b(exception|rejection)\b/i,
  /^[ \t]*(TypeError|RangeError|ReferenceError|SyntaxError|AssertionError|Error \[ERR_[A-Z_]+\])\b.*/m,
  /\bSegmentation fault\b/, /\bSIGSEGV\b/, /\bSIGABRT\b/, /\bcore dumped\b/, /\bAddressSanitizer\b/, /\bUndefinedBehaviorSanitizer\b/,
  /\bstack smashing detected\b/, /\bdouble free\b/, /\bfree\(\): invalid\b/, /\bterminate called\b/, /\bpanic\b/,
];

/** The first fatal line in `text`, or null. */
export function fatalLine(text: string): string | null {
  for (const re of FATAL_OUTPUT) {
    const m = re.exec(text);
    if (m !== null) {
      const start = text.lastIndexOf('\n', m.index) + 1;
      const end = text.indexOf('\n', m.index);
      return text.slice(start, end < 0 ? undefined : end).trim();
    }
  }
  return null;
}

export interface ProcessFigures { rssBytes: number; fds: number }

/** RSS and open descriptors of `pid`; null once it is gone. */
export function processFigures(pid: number): ProcessFigures | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    if (/^State:\s+Z/m.test(status)) return null;
    const rss = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024;
    return { rssBytes: rss, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return null;
  }
}

/**
 * Growth limits: RSS past twice its settled value and 256 MiB more, or 200 more descriptors,
 * is growth without bound for a daemon whose state the campaign keeps bounded (a handful of MNs).
 */
export const RSS_FACTOR = 2;
export const RSS_SLACK_BYTES = 256 * 2 ** 20;
export const FD_SLACK = 200;

/** The figures a process settled at (its first measurement after the warm-up) and the limits over them. */
export class GrowthWatch {
  private base: ProcessFigures | null = null;
  peak: ProcessFigures = { rssBytes: 0, fds: 0 };

  /** null while within bounds; otherwise what grew. */
  check(now: ProcessFigures): string | null {
    this.peak = { rssBytes: Math.max(this.peak.rssBytes, now.rssBytes), fds: Math.max(this.peak.fds, now.fds) };
    if (this.base === null) { this.base = now; return null; }
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    if (now.rssBytes > this.base.rssBytes * RSS_FACTOR && now.rssBytes > this.base.rssBytes + RSS_SLACK_BYTES) {
      return `RSS grew from ${mib(this.base.rssBytes)} to ${mib(now.rssBytes)}`;
    }
    if (now.fds > this.base.fds + FD_SLACK) return `open file descriptors grew from ${this.base.fds} to ${now.fds}`;
    return null;
  }

  get baseline(): ProcessFigures | null { return this.base; }

  reset(): void { this.base = null; }
}

/**
 * Packets the kernel dropped at the process's Mobility Header raw sockets (protocol 135, in its
 * network namespace: /proc/<pid>/net/raw6): bad checksums, and a receive buffer that overflowed.
 */
export function mhSocketDrops(pid: number): number | null {
  try {
    let drops = 0;
    for (const line of readFileSync(`/proc/${pid}/net/raw6`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 2 && f[1]!.endsWith(':0087')) drops += Number(f.at(-1));
    }
    return drops;
  } catch {
    return null;
  }
}

/** A counter summed over the IUT's successive processes (each restart starts it again from 0). */
export class RestartingCounter {
  private done = 0;
  private last = 0;

  see(value: number | null): void {
    if (value === null) return;
    if (value < this.last) this.done += this.last;
    this.last = value;
  }

  get total(): number { return this.done + this.last; }
}
