// The run's event log: what the testbed did and saw (attach, handover, address configured, ping),
// each with a wall-clock timestamp in microseconds, the clock tcpdump stamps packets with, so a
// report can put events and packets on one time line. Entries are also appended to
// <outDir>/events.jsonl, which commands run from other processes (pmip-testbed handover) share.
import { appendFileSync, readFileSync } from 'node:fs';

export interface TestbedEvent {
  /** Microseconds since the epoch (wall clock, like pcap timestamps). */
  timeUs: number;
  /** The same instant as ISO 8601 with microseconds. */
  time: string;
  type: string;
  node?: string;
  text: string;
  detail?: Record<string, unknown>;
}

// Date.now() has millisecond steps; the monotonic clock has microseconds but drifts from the
// wall clock (NTP slews it, an admin may step it). Anchor one to the other and re-anchor when
// they part by more than a millisecond.
// Never going backwards keeps the log in order across a re-anchoring.
let anchorUs = Date.now() * 1000 - Math.round(performance.now() * 1000);
let lastUs = 0;

export function wallClockUs(): number {
  let t = anchorUs + Math.round(performance.now() * 1000);
  const wall = Date.now() * 1000;
  if (Math.abs(t - wall) > 1000) {
    anchorUs = wall - Math.round(performance.now() * 1000);
    t = wall;
  }
  lastUs = Math.max(lastUs, t);
  return lastUs;
}

export function isoMicros(timeUs: number): string {
  const iso = new Date(Math.floor(timeUs / 1000)).toISOString();
  return `${iso.slice(0, -1)}${String(timeUs % 1000).padStart(3, '0')}Z`;
}

export class EventLog {
  private readonly list: TestbedEvent[] = [];

  /** `file`: where entries are appended as JSON lines (none: memory only). */
  constructor(readonly file?: string) {}

  record(type: string, text: string, extra: { node?: string; detail?: Record<string, unknown>; timeUs?: number } = {}): TestbedEvent {
    const timeUs = extra.timeUs ?? wallClockUs();
    const event: TestbedEvent = {
      timeUs,
      time: isoMicros(timeUs),
      type,
      ...(extra.node !== undefined ? { node: extra.node } : {}),
      text,
      ...(extra.detail !== undefined ? { detail: extra.detail } : {}),
    };
    // An operation stamps its event with the time it began; concurrent ones finish out of order.
    let i = this.list.length;
    while (i > 0 && this.list[i - 1]!.timeUs > timeUs) i--;
    this.list.splice(i, 0, event);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(event)}\n`);
    return event;
  }

  /** Events recorded through this log, in time order. */
  get entries(): readonly TestbedEvent[] {
    return this.list;
  }

  /** Every event in a log file, including those other processes appended; sorted by time. */
  static readFile(file: string): TestbedEvent[] {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as TestbedEvent).sort((a, b) => a.timeUs - b.timeUs);
  }
}
