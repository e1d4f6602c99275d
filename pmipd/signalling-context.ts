// What the companion-protocol engines (Heartbeat, Binding Revocation, Update Notifications) share
// with the core that owns them: its clock, log, counters, quirks and way to send a Mobility Header.
import type { Clock } from './clock.js';
import type { Counters, Logger } from './log.js';
import type { Quirks } from './quirks.js';

export interface SignallingContext {
  clock: Clock;
  log: Logger;
  counters: Counters;
  quirks: Quirks;
  send(bytes: Uint8Array, dst: string): void;
}
