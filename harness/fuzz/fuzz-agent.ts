#!/usr/bin/env node
// The fuzzer's hands inside a network namespace: one long-lived process that generates the
// inputs of its channel itself (generator.ts, from the seed and the input's index: nothing but a
// range crosses the control socket), sends them through one IPPROTO_RAW socket, keeps what it
// sent since the last healthy probe (for the reproducer), and runs the liveness probe of an LMA
// target (a conformant PBU, answered within its deadline). As the emulated LMA of a MAG target it
// answers the MAG's PBUs: conformant PBAs while probing, generated (mostly malformed) ones while
// fuzzing.
//
//   node dist/harness/fuzz/fuzz-agent.js --control PATH
import { parseArgs } from 'node:util';
import type { ControlRequest } from '../../pmipd/control-socket.js';
import { agentLog, agentMain } from '../active/agent-main.js';
import { IPPROTO_RAW, openRaw, sendRaw, SOL_SOCKET, SO_RCVBUF, type RawSocket } from '../../pmipd/io/raw.js';
import { IPPROTO_MH, decodeMobilityHeader, findOption, fromHex, toHex, type BindingUpdate } from '../../wire/index.js';
import { EmulatedLma } from '../active/emulated-lma.js';
import { mhPacket } from '../active/stimulus.js';
import { channelOf, fuzzedPba, generateInput, probePbu, type Channel, type FuzzInput, type GenContext } from './generator.js';

/** What the harness tells the agent once. */
export interface AgentInit {
  seed: number;
  channel: Channel;
  ctx: Omit<GenContext, 'nowMs'>;
  /** The NAI of the probe's MN (no fuzz input uses it): LMA target, the probe PBU's; MAG target, the attaching MN's. */
  probeNai?: string;
  /** MAG target, peer channel: act as its LMA, handing out these prefixes (NAI -> HNP). */
  emulateLma?: { prefixes: Record<string, string>; defaultPrefix: string };
  /** Bound to this interface (the access link's sender: scoped multicast destinations). */
  device?: string;
}

/** One packet sent, as the reproducer keeps it. */
export interface SentPacket { index: number; channel: Channel; dst: string; hex: string; timeMs: number }

export interface BatchResult {
  inputs: number;
  packets: number;
  octets: number;
  /** Inputs per message type and per mutated field in this batch. */
  messages: Record<string, number>;
  fields: Record<string, number>;
  probe?: ProbeResult;
}

export interface ProbeResult { ok: boolean; attempts: number; rttMs: number | null; status: number | null; detail: string }

/** A PBU the probe sends before it counts as failed; each waits this long for its PBA. */
const PROBE_ATTEMPTS = 4;

class FuzzAgent {
  private readonly tx: RawSocket;
  private rx: RawSocket | null = null;
  private init: AgentInit | undefined;
  /** Packets sent since the last healthy probe (made into SentPackets only when asked for). */
  private pending: { index: number; channel: Channel; dst: string; bytes: Uint8Array; timeMs: number }[] = [];
  private probeSeq = 1;
  private waiting: { seq: number; resolve: (status: number) => void } | null = null;
  private lma: EmulatedLma | null = null;
  /** MAG target: conformant answers (probing) or generated ones (fuzzing). */
  private lmaFuzzing = false;
  private pbasSent = 0;
  private pbusSeen = 0;
  private lastPbu: GenContext['lastPbu'];
  /** Generated PBAs sent since the last batch (counted into its result). */
  private answers: FuzzInput[] = [];

  constructor(device?: string) {
    this.tx = openRaw(IPPROTO_RAW, device);
    this.tx.on('error', (err) => log(`send: ${err.message}`));
  }

  private listen(): void {
    if (this.rx !== null) return;
    this.rx = openRaw(IPPROTO_MH);
    this.rx.setOption(SOL_SOCKET, SO_RCVBUF, 4 * 1024 * 1024);
    this.rx.on('message', (buf, src) => this.receive(Uint8Array.from(buf), src));
    this.rx.on('error', (err) => log(`receive: ${err.message}`));
  }

  private receive(bytes: Uint8Array, src: string): void {
    const mh = decodeMobilityHeader(bytes, 0, bytes.length);
    // The probe's PBA: its Sequence # and the probe's NAI (a fuzz input may carry the same number).
    if (mh.type === 6 && this.waiting !== null && mh.seq === this.waiting.seq && findOption(mh.options, 8)?.id === this.init?.probeNai) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve(mh.status);
      return;
    }
    if (mh.type === 5 && this.lma !== null && mh.malformed === undefined) this.answerPbu(mh, src);
  }

  /** The emulated LMA: a conformant PBA while probing, a generated one while fuzzing. */
  private answerPbu(pbu: BindingUpdate, src: string): void {
    const init = this.init!;
    this.pbusSeen++;
    const ts = findOption(pbu.options, 27);
    const nai = findOption(pbu.options, 8)?.id ?? '';
    // The probe's MN gets conformant answers only; fuzzed PBAs aim at the other MNs' entries.
    const probeMn = nai === init.probeNai;
    if (!probeMn) this.lastPbu = { seq: pbu.seq, nai, ...(ts !== undefined ? { timestamp: { seconds: ts.seconds, fraction: ts.fraction } } : {}) };
    const spec = this.lma!.answer(pbu, { answer: true, status: 0 }, Date.now());
    if (spec === null) return;
    this.pbasSent++;
    if (!this.lmaFuzzing || probeMn) {
      sendRaw(this.tx, mhPacket(spec, init.ctx.peer[0]!, src).packet, src).catch(() => undefined);
      return;
    }
    const input = fuzzedPba(init.seed, this.pbusSeen, { ...init.ctx, targetAddress: src, nowMs: Date.now(), lastPbu: this.lastPbu }, spec);
    this.answers.push(input);
    for (const p of input.packets) {
      this.pending.push({ index: input.index, channel: 'peer', dst: p.dst, bytes: p.bytes, timeMs: Date.now() });
      sendRaw(this.tx, p.bytes, p.dst).catch(() => undefined);
    }
  }

  async handle(req: ControlRequest): Promise<Record<string, unknown>> {
    switch (req.cmd) {
      case 'ping': return { pong: true };
      case 'init': {
        this.init = req.init as AgentInit;
        if (this.init.probeNai !== undefined) this.listen();
        if (this.init.emulateLma !== undefined) {
          this.lma = new EmulatedLma({ ...this.init.emulateLma, linkLocal: 'fe80::5213:1', scripts: {} });
        }
        return {};
      }
      case 'batch': return { ...await this.batch(Number(req.from), Number(req.count), Number(req.rate ?? 0), req.healthy === true) };
      case 'probe': return { probe: await this.probe(Number(req.timeoutMs ?? 1000)) };
      case 'pending': return { packets: this.pending.map((p): SentPacket => ({ index: p.index, channel: p.channel, dst: p.dst, hex: toHex(p.bytes), timeMs: p.timeMs })) };
      case 'lma-mode': {
        this.lmaFuzzing = req.fuzzing === true;
        return { pbusSeen: this.pbusSeen, pbasSent: this.pbasSent };
      }
      case 'replay': {
        for (const p of req.packets as SentPacket[]) await sendRaw(this.tx, fromHex(p.hex), p.dst).catch(() => undefined);
        return {};
      }
      default: throw new Error(`unknown command ${JSON.stringify(req.cmd)}`);
    }
  }

  private async batch(from: number, count: number, rate: number, healthy: boolean): Promise<BatchResult> {
    const init = this.init;
    if (init === undefined) throw new Error('send "init" first');
    if (healthy) this.pending = [];
    const messages: Record<string, number> = {};
    const fields: Record<string, number> = {};
    let inputs = 0, packets = 0, octets = 0;
    const target = init.ctx.target;
    const ctx: GenContext = { ...init.ctx, nowMs: Date.now(), ...(this.lastPbu !== undefined ? { lastPbu: this.lastPbu } : {}) };
    for (const a of this.answers.splice(0)) {
      inputs++;
      messages[a.message] = (messages[a.message] ?? 0) + 1;
      for (const f of a.fields) fields[f] = (fields[f] ?? 0) + 1;
    }
    const t0 = performance.now();
    const now = Date.now();
    for (let i = from; i < from + count; i++) {
      if (channelOf(init.seed, i, target) !== init.channel) continue;
      const input = generateInput(init.seed, i, ctx);
      inputs++;
      messages[input.message] = (messages[input.message] ?? 0) + 1;
      for (const f of input.fields) fields[f] = (fields[f] ?? 0) + 1;
      for (const p of input.packets) {
        packets++;
        octets += p.bytes.length;
        this.pending.push({ index: i, channel: p.channel, dst: p.dst, bytes: p.bytes, timeMs: now });
        await sendRaw(this.tx, p.bytes, p.dst).catch(() => undefined);
      }
      if (rate > 0) {
        // Pacing to --rate: the next input is due at t0 + n / rate.
        const ahead = t0 + (inputs * 1000) / rate - performance.now();
        if (ahead > 1) await new Promise((r) => setTimeout(r, ahead));
      }
    }
    return { inputs, packets, octets, messages, fields };
  }

  /** A conformant PBU for the probe MN, answered by an accepting PBA within `timeoutMs` (up to PROBE_ATTEMPTS times). */
  private async probe(timeoutMs: number): Promise<ProbeResult> {
    const init = this.init!;
    if (init.probeNai === undefined || init.ctx.target !== 'lma') throw new Error('this agent has no probe (not the peer of an LMA target)');
    let last = 'no PBA';
    for (let attempt = 1; attempt <= PROBE_ATTEMPTS; attempt++) {
      const seq = this.probeSeq = (this.probeSeq + 1) & 0xffff;
      const t = performance.now();
      const status = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => { if (this.waiting?.seq === seq) this.waiting = null; resolve(null); }, timeoutMs);
        this.waiting = { seq, resolve: (s) => { clearTimeout(timer); resolve(s); } };
        sendRaw(this.tx, probePbu({ ...init.ctx, nowMs: Date.now() }, init.probeNai!, seq), init.ctx.targetAddress).catch((err: Error) => { last = `send: ${err.message}`; });
      });
      if (status === 0) return { ok: true, attempts: attempt, rttMs: performance.now() - t, status, detail: 'accepted' };
      // 156/157: the PBU waited behind the batch longer than the LMA's TimestampValidityWindow
      // (a loaded machine): it is alive and answers; the next PBU, fresh, finds the queue empty.
      if (status === 156 || status === 157) { last = `PBA status ${status} (timestamp)`; continue; }
      if (status !== null) return { ok: false, attempts: attempt, rttMs: performance.now() - t, status, detail: `PBA status ${status}` };
      last = `no PBA within ${timeoutMs} ms`;
    }
    return { ok: false, attempts: PROBE_ATTEMPTS, rttMs: null, status: null, detail: `${last} (${PROBE_ATTEMPTS} PBUs)` };
  }

  close(): void {
    this.rx?.close();
    this.tx.close();
  }
}

const log = agentLog('fuzz-agent');

agentMain('fuzz-agent', () => {
  const { values } = parseArgs({ options: { control: { type: 'string' }, device: { type: 'string' } } });
  if (values.control === undefined) throw new Error('usage: fuzz-agent --control PATH [--device IFACE]');
  const agent = new FuzzAgent(values.device);
  return { control: values.control, handle: (req) => agent.handle(req), ready: 'ready', close: () => agent.close() };
});
