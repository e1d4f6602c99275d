// The testbed's event log (<run>/events.jsonl, harness/testbed/event-log.ts) in the trace's terms:
// the MN moves (attach, detach, handover) and IUT restarts in seconds, with the MN's identity and the MAG serving
// the access point. The one place the testbed's events become trace events, for a case judging
// its run and for `pmip-testbed analyze --events` alike.
import type { TestbedEvent as LoggedEvent } from '../testbed/event-log.js';
import type { TestbedEvent } from './types.js';

/** What the conversion reads of a log entry. */
export type LogEntry = Pick<LoggedEvent, 'timeUs' | 'type' | 'node' | 'detail'>;

const MOVES = new Set(['attach', 'detach', 'handover']);

/** What a log entry may leave out and a topology knows (older logs name only the node and the AP). */
export interface LogIdentities {
  mn(node: string): { nai: string; mac: string } | undefined;
  magOfAp(ap: string): string | undefined;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The MN moves of a testbed event log, as trace events (other entries are left out). */
export function traceEventsFromLog(entries: readonly LogEntry[], ids?: LogIdentities): TestbedEvent[] {
  const out: TestbedEvent[] = [];
  for (const e of entries) {
    if (e.type === 'iut-restart' && e.node !== undefined) {
      // An implementation restarted (and lost its sessions): its Restart Counter may change (HB-05).
      out.push({ time: e.timeUs / 1e6, kind: 'iut-restart', detail: { node: e.node, address: text(e.detail?.address) } });
      continue;
    }
    if (!MOVES.has(e.type) || e.node === undefined) continue;
    const d = e.detail ?? {};
    const known = ids?.mn(e.node);
    const ap = text(e.type === 'handover' ? d.to : d.ap);
    const ev: TestbedEvent = { time: e.timeUs / 1e6, kind: e.type, mn: e.node };
    const mnId = text(d.mnId) ?? known?.nai;
    if (mnId !== undefined) ev.mnId = mnId;
    const mac = text(d.mac) ?? known?.mac;
    if (mac !== undefined) ev.mac = mac;
    if (ap !== undefined) {
      ev.ap = ap;
      const mag = text(d.mag) ?? ids?.magOfAp(ap);
      if (mag !== undefined) ev.mag = mag;
    }
    out.push(ev);
  }
  return out;
}

/** An entry of the testbed's log, or a message saying what it lacks. */
export function checkLogEntry(x: unknown): LogEntry | string {
  const e = x as Partial<LogEntry> | null;
  if (typeof e !== 'object' || e === null) return 'is not an object';
  if (typeof e.timeUs !== 'number' || typeof e.type !== 'string') return 'needs a numeric "timeUs" (µs since the epoch) and a "type" (the testbed\'s events.jsonl)';
  if (e.node !== undefined && typeof e.node !== 'string') return '"node" is not a string';
  if (e.detail !== undefined && (typeof e.detail !== 'object' || e.detail === null)) return '"detail" is not an object';
  return e as LogEntry;
}
