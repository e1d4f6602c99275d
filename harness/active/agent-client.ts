// The harness side of a tester agent (agent.ts): starts it inside a node of a running testbed,
// under the testbed's supervisor (so it dies with the run), and talks to its control socket.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeMobilityHeader, fromHex, toHex, type MobilityHeader } from '../../wire/index.js';
import { controlRequest } from '../../pmipd/control-socket.js';
import { checkSocketPath } from '../iut/adapter.js';
import { pollUntil, START_DEADLINE_MS } from '../poll.js';
import type { SupervisedProcess, Supervisor } from '../process/supervisor.js';
import type { AgentMessage, HeartbeatAnswer, MessageMatch } from './agent-protocol.js';
import type { EmulatedLmaConfig, LmaRule } from './emulated-lma.js';

const AGENT = join(dirname(fileURLToPath(import.meta.url)), 'agent.js');

/** A Mobility Header the agent received, decoded. */
export interface ReceivedMh extends AgentMessage { mh: MobilityHeader }

export interface AgentPlace {
  runId: string;
  /** A directory on a local file system for its control socket (the testbed's runtimeDir). */
  runtimeDir: string;
  node: string;
  netns: string;
  logFile: string;
  supervisor: Supervisor;
}

export class TesterAgent {
  private constructor(readonly node: string, readonly addresses: string[], private readonly control: string, private readonly proc: SupervisedProcess) {}

  /** Starts an agent in `place` sending from (and answering as) `addresses`. */
  static async start(place: AgentPlace, addresses: string[]): Promise<TesterAgent> {
    // A UNIX socket path has room for 107 bytes.
    const control = checkSocketPath(join(place.runtimeDir, `agent-${place.node}.sock`), `the control socket of the tester agent in ${place.node}`);
    const proc = place.supervisor.start({
      name: `tester ${place.node}`, node: place.node, netns: place.netns, cmd: process.execPath,
      args: [AGENT, '--control', control, ...addresses.flatMap((a) => ['--address', a])], logFile: place.logFile,
    });
    const agent = new TesterAgent(place.node, addresses, control, proc);
    try {
      await pollUntil(async () => {
        if (!proc.running) throw new Error(`the tester agent in ${place.node} ended at start-up; ${proc.formatTail()}`);
        try { return (await controlRequest(control, { cmd: 'ping' }, 1000)).ok === true; } catch { return false; }
      }, { what: `the tester agent in ${place.node}`, timeoutMs: START_DEADLINE_MS, maxIntervalMs: 20 });
    } catch (err) {
      await agent.stop();
      throw err;
    }
    return agent;
  }

  private async request(req: Record<string, unknown>, timeoutMs = 3000): Promise<Record<string, unknown>> {
    const r = await controlRequest(this.control, req, timeoutMs);
    if (r.ok !== true) throw new Error(`tester agent in ${this.node}: ${String(r.error)}`);
    return r;
  }

  /**
   * Sends a complete IPv6 packet; resolves with the wall-clock time (ms) it left. `stamp`: the
   * agent first sets the PBU's Timestamp option to that time (stimulus.ts restampPbu).
   */
  /** `protectable`: through the namespace's IPsec policies (a bound protocol-135 socket), not around them. */
  async send(packet: Uint8Array, dst: string, stamp = false, protectable = false): Promise<number> {
    return Number((await this.request({ cmd: 'send', packet: toHex(packet), dst, ...(stamp ? { stamp } : {}), ...(protectable ? { protected: true } : {}) })).timeMs);
  }

  /** How many messages the agent has received so far: a cursor for `wait`'s `since`. */
  async cursor(): Promise<number> {
    return Number((await this.request({ cmd: 'messages', since: Number.MAX_SAFE_INTEGER })).count);
  }

  /** The first message at or after `since` that matches, once it arrives; null after `timeoutMs`. */
  async wait(match: MessageMatch, opts: { since?: number; timeoutMs?: number } = {}): Promise<ReceivedMh | null> {
    const timeoutMs = opts.timeoutMs ?? 1000;
    const r = await this.request({ cmd: 'wait', match, since: opts.since ?? 0, timeoutMs }, timeoutMs + 2000);
    const m = r.message as AgentMessage | null;
    return m === null ? null : decoded(m);
  }

  async messages(since = 0): Promise<ReceivedMh[]> {
    return ((await this.request({ cmd: 'messages', since })).messages as AgentMessage[]).map(decoded);
  }

  /** Makes the agent an emulated LMA answering PBUs sent to its first address. */
  async emulateLma(config: EmulatedLmaConfig): Promise<void> {
    await this.request({ cmd: 'lma', config });
  }

  /** How the agent answers Heartbeat Requests from now on (default: it does not). */
  async answerHeartbeats(answer: HeartbeatAnswer): Promise<void> {
    await this.request({ cmd: 'heartbeat', answer });
  }

  /** be2: the agent answers every UPN with Binding Error 2 (a MAG without RFC 7077). */
  async answerUpns(answer: 'none' | 'be2'): Promise<void> {
    await this.request({ cmd: 'upn', answer });
  }

  async lmaScript(scripts: Record<string, LmaRule[]>): Promise<void> {
    await this.request({ cmd: 'lma-script', scripts });
  }

  async stop(): Promise<void> {
    await this.proc.stop({ signal: 'SIGTERM', graceMs: 1000 });
    rmSync(this.control, { force: true });
  }
}

function decoded(m: AgentMessage): ReceivedMh {
  const bytes = fromHex(m.hex);
  return { ...m, mh: decodeMobilityHeader(bytes, 0, bytes.length) };
}
