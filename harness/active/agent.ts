#!/usr/bin/env node
// The active tester's hands inside a network namespace: raw IPv6 sockets there, driven over a
// control socket (JSON lines) by the harness, which crafts every packet itself. It sends IPv6
// packets as given (own header, so any source and any checksum), records every Mobility Header
// that reaches the namespace, answers `wait` requests as soon as a matching one arrives, and,
// when configured as an emulated LMA, answers PBUs by its script (emulated-lma.ts).
//
//   node dist/harness/active/agent.js --control PATH --address ADDR [--address ADDR]...
import { parseArgs } from 'node:util';
import { IPPROTO_MH, decodeMobilityHeader, formatIpv6, fromHex, parseIpv6, toHex, type BindingUpdate, type MobilityHeaderSpec } from '../../wire/index.js';
import type { ControlRequest } from '../../pmipd/control-socket.js';
import { agentLog, agentMain } from './agent-main.js';
import { IPPROTO_RAW, openRaw, sendRaw, SOL_SOCKET, SO_RCVBUF, type RawSocket } from '../../pmipd/io/raw.js';
import { matches, type AgentMessage, type HeartbeatAnswer, type MessageMatch } from './agent-protocol.js';
import { EmulatedLma, type EmulatedLmaConfig, type LmaRule } from './emulated-lma.js';
import { mhPacket, restampPbu } from './stimulus.js';
import { tunnelModule } from '../../pmipd/dataplane/tun-tunnel.js';

interface Waiter { match: MessageMatch; since: number; resolve: (m: AgentMessage | null) => void; timer: NodeJS.Timeout }


class Agent {
  private readonly rx: RawSocket;
  private readonly tx: RawSocket;
  private readonly messages: AgentMessage[] = [];
  private waiters: Waiter[] = [];
  private lma: EmulatedLma | undefined;
  private heartbeat: HeartbeatAnswer = { mode: 'none' };
  /** be2: UPNs (RFC 7077) get Binding Error 2, as from a MAG that does not know them (UPN-10). */
  private upnAnswer: 'none' | 'be2' = 'none';
  private readonly pending = new Set<NodeJS.Timeout>();
  /** Bound protocol-135 sockets by source address, for sends the namespace's IPsec policies protect. */
  private readonly bound = new Map<string, number>();

  constructor(readonly addresses: string[]) {
    this.rx = openRaw(IPPROTO_MH);
    this.rx.setOption(SOL_SOCKET, SO_RCVBUF, 4 * 1024 * 1024);
    this.rx.on('message', (buf, src) => this.receive(buf, src));
    this.rx.on('error', (err) => log(`receive: ${err.message}`));
    this.tx = openRaw(IPPROTO_RAW);
    this.tx.on('error', (err) => log(`send: ${err.message}`));
  }

  private receive(buf: Buffer, src: string): void {
    // Linux checks the checksum of every protocol-135 raw socket (rawv6_init_sk sets offset 4):
    // a Mobility Header with a bad one never gets here, as at a real MAG or LMA.
    const bytes = Uint8Array.from(buf);
    const mh = decodeMobilityHeader(bytes, 0, bytes.length);
    const m: AgentMessage = { index: this.messages.length, timeMs: Date.now(), src, hex: toHex(bytes), type: mh.type };
    if ('seq' in mh) m.seq = mh.seq;
    if ('status' in mh) m.status = mh.status;
    this.messages.push(m);
    this.waiters = this.waiters.filter((w) => {
      if (m.index < w.since || !matches(m, w.match)) return true;
      clearTimeout(w.timer);
      w.resolve(m);
      return false;
    });
    // Like a real LMA, the emulated one drops what RFC 6275 §9.2 drops.
    if (this.lma !== undefined && mh.type === 5 && mh.malformed === undefined && mh.payloadProto === 59) this.answerPbu(mh, src);
    if (mh.type === 13 && !mh.flags.R && mh.malformed === undefined) this.answerHeartbeat(mh.seq, src);
    if (mh.type === 19 && this.upnAnswer === 'be2') {
      sendRaw(this.tx, mhPacket({ type: 7, status: 2, homeAddress: '::' }, this.addresses[0]!, src).packet, src).catch((err: Error) => log(`BE to ${src}: ${err.message}`));
    }
  }

  private answerHeartbeat(seq: number, src: string): void {
    const h = this.heartbeat;
    if (h.mode === 'none') return;
    const spec: MobilityHeaderSpec = h.mode === 'be2' ? { type: 7, status: 2, homeAddress: '::' }
      : { type: 13, seq, flags: { R: true }, options: [{ type: 28, value: h.restartCounter }], autoPad: true };
    const { packet } = mhPacket(spec, this.addresses[0]!, src);
    sendRaw(this.tx, packet, src).catch((err: Error) => log(`heartbeat answer to ${src}: ${err.message}`));
  }

  private answerPbu(pbu: BindingUpdate, src: string): void {
    const lma = this.lma!;
    const mnId = pbu.options.find((o) => o.type === 8 && 'id' in o) as { id: string } | undefined;
    const rule: LmaRule = lma.ruleFor(mnId?.id ?? '');
    const reply = () => {
      const spec = lma.answer(pbu, rule, Date.now());
      if (spec === null) return;
      const { packet } = mhPacket(spec, this.addresses[0]!, src, rule.badChecksum ? { badChecksum: true } : {});
      sendRaw(this.tx, packet, src).catch((err: Error) => log(`PBA to ${src}: ${err.message}`));
    };
    if ((rule.delayMs ?? 0) <= 0) { reply(); return; }
    // A late PBA is the behaviour under test, not a wait for a condition.
    const t = setTimeout(() => { this.pending.delete(t); reply(); }, rule.delayMs);
    this.pending.add(t);
  }

  async handle(req: ControlRequest): Promise<Record<string, unknown>> {
    switch (req.cmd) {
      case 'ping': return { pong: true };
      case 'send': {
        const packet = fromHex(String(req.packet));
        const dst = String(req.dst);
        parseIpv6(dst);
        const timeMs = Date.now();
        if (req.stamp === true) restampPbu(packet, timeMs);
        if (req.protected === true) this.sendProtectable(packet, dst);
        else await sendRaw(this.tx, packet, dst);
        return { timeMs };
      }
      case 'wait': {
        const match = (req.match ?? {}) as MessageMatch;
        const since = Number(req.since ?? 0);
        const hit = this.messages.find((m) => m.index >= since && matches(m, match));
        if (hit) return { message: hit };
        const timeoutMs = Number(req.timeoutMs ?? 1000);
        const message = await new Promise<AgentMessage | null>((resolve) => {
          const timer = setTimeout(() => {
            this.waiters = this.waiters.filter((w) => w.timer !== timer);
            resolve(null);
          }, timeoutMs);
          this.waiters.push({ match, since, resolve, timer });
        });
        return { message };
      }
      case 'messages': {
        const since = Number(req.since ?? 0);
        return { messages: this.messages.slice(since), count: this.messages.length };
      }
      case 'lma': {
        this.lma = new EmulatedLma(req.config as EmulatedLmaConfig);
        return {};
      }
      case 'heartbeat': {
        const a = req.answer as HeartbeatAnswer;
        if (a?.mode !== 'none' && a?.mode !== 'response' && a?.mode !== 'be2') throw new Error('heartbeat answer mode is none, response or be2');
        this.heartbeat = a;
        return {};
      }
      case 'upn': {
        if (req.answer !== 'none' && req.answer !== 'be2') throw new Error('upn answer is none or be2');
        this.upnAnswer = req.answer;
        return {};
      }
      case 'lma-script': {
        if (this.lma === undefined) throw new Error('not an emulated LMA: send "lma" first');
        this.lma.setScripts(req.scripts as Record<string, LmaRule[]>);
        return {};
      }
      default: throw new Error(`unknown command ${JSON.stringify(req.cmd)}`);
    }
  }

  /**
   * An IPPROTO_RAW send bypasses IPsec (the SPD sees protocol 255): a packet meant to go through
   * the namespace's policies leaves by a protocol-135 socket bound to its source, as pmipd's do;
   * the kernel builds the IPv6 header and the checksum again.
   */
  private sendProtectable(packet: Uint8Array, dst: string): void {
    if (packet[6] !== IPPROTO_MH) throw new Error('a protected send takes an IPv6 packet whose next header is the Mobility Header');
    const src = formatIpv6(packet.subarray(8, 24), 0);
    let fd = this.bound.get(src);
    if (fd === undefined) this.bound.set(src, fd = tunnelModule().mhOpen(src));
    tunnelModule().mhSend(fd, packet.subarray(40), dst);
  }

  close(): void {
    for (const fd of this.bound.values()) tunnelModule().mhClose(fd);
    for (const t of this.pending) clearTimeout(t);
    for (const w of this.waiters) { clearTimeout(w.timer); w.resolve(null); }
    this.rx.close();
    this.tx.close();
  }
}

const log = agentLog('agent');

agentMain('agent', () => {
  const { values } = parseArgs({ options: { control: { type: 'string' }, address: { type: 'string', multiple: true } } });
  if (values.control === undefined || !values.address?.length) throw new Error('usage: agent --control PATH --address ADDR...');
  const agent = new Agent(values.address);
  return { control: values.control, handle: (req) => agent.handle(req), ready: `ready addresses=${values.address.join(',')}`, close: () => agent.close() };
});
