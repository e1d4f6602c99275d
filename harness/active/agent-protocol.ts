// What the tester agent (agent.ts) and its client (agent-client.ts) exchange: the record of a
// Mobility Header the agent received, and how a wait names the one it is after.

export interface AgentMessage {
  /** Position in the agent's log (0-based). */
  index: number;
  /** Wall clock at reception, ms. */
  timeMs: number;
  src: string;
  /** The Mobility Header as received, from Payload Proto on. */
  hex: string;
  type: number;
  seq?: number;
  status?: number;
}

export interface MessageMatch {
  type?: number;
  seq?: number;
  src?: string;
  status?: number;
}

export function matches(m: AgentMessage, want: MessageMatch): boolean {
  return (want.type === undefined || m.type === want.type)
    && (want.seq === undefined || m.seq === want.seq)
    && (want.src === undefined || m.src === want.src)
    && (want.status === undefined || m.status === want.status);
}

/**
 * What the agent does with a Heartbeat Request (RFC 5847) sent to it: nothing (the default: a peer
 * that vanished), a response with `restartCounter`, or Binding Error 2 (a peer without Heartbeat, HB-06).
 */
export type HeartbeatAnswer = { mode: 'none' } | { mode: 'response'; restartCounter: number } | { mode: 'be2' };
