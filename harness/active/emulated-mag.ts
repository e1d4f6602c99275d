// The emulated MAG: crafts PBUs (and other Mobility Headers) through a tester agent to judge an
// LMA under test, and tells what came back. Every message it sends is logged with the fields that
// find it again in the captures (MhRef), so verdicts point at frames.
import { decodeMobilityHeader, type MobilityHeaderSpec } from '../../wire/index.js';
import type { MhRef } from '../conformance/verdicts.js';
import type { ReceivedMh, TesterAgent } from './agent-client.js';
import { mhPacket, pbuSpec, type PbuParams } from './stimulus.js';

/** A message the tester sent and what answered it. */
export interface Sent {
  ref: MhRef;
  /** The reply it was waiting for (a PBA with its Sequence #, a Binding Error), or null. */
  reply: ReceivedMh | null;
  replyRef: MhRef | null;
  /** The PBA that came back carries another Sequence # than the PBU (LMA-PBA-03 judges that). */
  seqMismatch?: boolean;
}

export interface SendOptions {
  /** Source address (default the tester's first): another of the agent's addresses (rogue MAG). */
  src?: string;
  badChecksum?: boolean;
  /** How long to wait for the reply (default 1000 ms). */
  timeoutMs?: number;
  /** The agent stamps the PBU's Timestamp option as it sends it (see restampPbu). */
  stampOnSend?: boolean;
  /** Through the tester namespace's IPsec policies (CaseRun.protectTester); by default crafted packets bypass them. */
  protectable?: boolean;
}

/** The shortest silence accepted as "no reply", even once the barrier has been answered. */
export const MIN_SILENCE_MS = 200;
const DEFAULT_REPLY_TIMEOUT_MS = 1000;

export class EmulatedMag {
  private seq: number;

  constructor(readonly agent: TesterAgent, readonly lma: string, readonly address: string = agent.addresses[0]!, firstSeq = 4000) {
    this.seq = firstSeq;
  }

  nextSeq(): number {
    this.seq = (this.seq + 1) & 0xffff;
    return this.seq;
  }

  /**
   * Sends a PBU (defaults: a conformant initial registration) and waits for the PBA with its
   * Sequence #. A PBU stamped "now" (no timestamp given) is stamped by the agent as it leaves.
   */
  async pbu(params: Partial<PbuParams> = {}, o: SendOptions = {}): Promise<Sent> {
    const seq = params.seq ?? this.nextSeq();
    return this.send(pbuSpec({ ...params, seq }), { type: 6, seq }, { stampOnSend: params.timestamp === undefined, ...o });
  }

  /** Sends any Mobility Header and waits for a reply of `replyType` (with `seq` when given). */
  async send(mh: MobilityHeaderSpec | Uint8Array, expect: { type: number; seq?: number }, o: SendOptions = {}): Promise<Sent> {
    const src = o.src ?? this.address;
    const since = await this.agent.cursor();
    const { packet, mh: bytes } = mhPacket(mh, src, this.lma, o.badChecksum ? { badChecksum: true } : {});
    const timeMs = await this.agent.send(packet, this.lma, o.stampOnSend === true, o.protectable === true);
    const decoded = decodeMobilityHeader(bytes, 0, bytes.length);
    const seq = 'seq' in decoded ? decoded.seq : undefined;
    const ref: MhRef = { src, dst: this.lma, type: bytes[2]!, ...(seq !== undefined ? { seq } : {}), timeMs };
    // The first reply of that type after sending is the answer (messages go one at a time), even
    // with a wrong Sequence #: each stimulus judges one thing, and LMA-PBA-03 judges the number.
    const reply = await this.agent.wait({ type: expect.type, src: this.lma }, { since, timeoutMs: o.timeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS });
    const sent: Sent = { ref, reply, replyRef: reply === null ? null : replyRef(reply, src) };
    if (reply !== null && expect.seq !== undefined && reply.seq !== expect.seq) sent.seqMismatch = true;
    return sent;
  }

  /** Sends a Heartbeat Request (RFC 5847) and waits for the Heartbeat that answers it. */
  heartbeat(seq: number, o: SendOptions = {}): Promise<Sent> {
    return this.send({ type: 13, seq, flags: { R: false }, options: [], autoPad: true }, { type: 13, seq }, o);
  }

  /**
   * Sends something the LMA must not answer and proves the silence: then a PBU without MN-ID
   * (which every LMA must answer, with 160) as a barrier; a reply to the first that has not come
   * once the barrier's has, and not within MIN_SILENCE_MS, is taken as never coming.
   */
  async sendExpectingSilence(mh: MobilityHeaderSpec | Uint8Array, expect: { type: number; seq?: number }, o: SendOptions = {}): Promise<Sent & { barrier: Sent }> {
    const src = o.src ?? this.address;
    const since = await this.agent.cursor();
    const sent = await this.send(mh, expect, { ...o, timeoutMs: 1 });
    const barrier = await this.pbu({ mnId: null }, { timeoutMs: 2000 });
    const left = MIN_SILENCE_MS - (Date.now() - sent.ref.timeMs);
    const match = { type: expect.type, src: this.lma, ...(expect.seq !== undefined ? { seq: expect.seq } : {}) };
    const reply = await this.agent.wait(match, { since, timeoutMs: Math.max(1, left) });
    return { ref: sent.ref, reply, replyRef: reply === null ? null : replyRef(reply, src), barrier };
  }

  /** A PBU the LMA must not answer (bad checksum, de-registration of nothing, ...). */
  pbuExpectingSilence(params: Partial<PbuParams> = {}, o: SendOptions = {}): Promise<Sent & { barrier: Sent }> {
    const seq = params.seq ?? this.nextSeq();
    return this.sendExpectingSilence(pbuSpec({ ...params, seq }), { type: 6, seq }, { stampOnSend: params.timestamp === undefined, ...o });
  }
}

function replyRef(m: ReceivedMh, to: string): MhRef {
  return { src: m.src, dst: to, type: m.type, ...(m.seq !== undefined ? { seq: m.seq } : {}), timeMs: m.timeMs };
}

/** The prefixes an accepting PBA granted (empty when there is no accepting PBA). */
export function grantedPrefixes(s: Sent): string[] {
  const m = s.reply?.mh;
  if (m === undefined || m.type !== 6 || m.status >= 128) return [];
  return m.options.flatMap((o) => (o.type === 22 && 'prefix' in o ? [o.prefix] : []));
}

/** The Link-local Address option of the reply, if any. */
export function grantedLinkLocal(s: Sent): string | undefined {
  const o = s.reply?.mh.options.find((x) => x.type === 26);
  return o !== undefined && 'address' in o ? o.address : undefined;
}
