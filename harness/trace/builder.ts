// Builds a Trace from frames of one or more capture points. addFrame() runs once per captured
// frame, so it decodes and keeps only what the checks read; finish() merges the points on one
// clock and interprets the signalling (exchanges, sessions, roles, settings).
import {
  decodeFrame, EspSaTable, isLinkLocal, isMulticast, lastEspPayload, spiText, type DecodedFrame, type Icmpv6Message, type Ipv6Header,
  type MobilityOption,
} from '../../wire/index.js';
import {
  AddressTable, DataTable, DATA_ENCAP_LIMIT, DATA_GRE, DATA_GRE_KEY, DATA_INNER_V4, DATA_TUNNELLED, DATA_OUTER_V4, DATA_UDP, packetFingerprint,
} from './data-table.js';
import { pairExchanges } from './exchanges.js';
import { optionTypesOf } from './options.js';
import { buildSessions } from './sessions.js';
import { discardReason } from './discard.js';
import { SharedMessages } from './shared-messages.js';
import { inferFromCaptures, resolvePoints, resolveRoles, resolveSettings, type PointDraft } from './infer.js';
import type {
  ArpFrame, CapturePointKind, Dhcpv4Frame, Dhcpv6Frame, EspFrame, FrameRef, IkeFrame, MhFrame, NdFrame, TraceOptions,
} from './types.js';
import { Trace } from './trace.js';

const ND_FIRST = 133;
/** How long after its ESP frame the receiver's decapsulated copy of a tunnel-mode packet may show. */
const DECAPSULATED_COPY_WINDOW_S = 1;
const ND_LAST = 137;

function extensionLength(h: Ipv6Header): number {
  let n = 0;
  for (const e of h.extensionHeaders) n += e.type === 50 ? 0 : e.length;
  return n;
}

export class TraceBuilder {
  private readonly points: PointDraft[] = [];
  private readonly mh: MhFrame[] = [];
  private readonly nd: NdFrame[] = [];
  private readonly esp: EspFrame[] = [];
  private readonly ike: IkeFrame[] = [];
  private readonly dhcpv6: Dhcpv6Frame[] = [];
  private readonly dhcpv4: Dhcpv4Frame[] = [];
  private readonly arp: ArpFrame[] = [];
  private readonly sas: EspSaTable | undefined;
  private readonly data = new DataTable();
  private readonly addresses = new AddressTable();
  private readonly ndMessages = new SharedMessages<Icmpv6Message>();
  private readonly mhOptions = new SharedMessages<MobilityOption>();
  private readonly testers: Set<string>;
  /** Per capture point: the inner packets of tunnel-mode ESP received lately (fingerprint+length -> time). */
  private readonly decapsulated = new Map<number, Map<string, number>>();

  constructor(private readonly options: TraceOptions = {}) {
    this.testers = new Set(options.testers ?? []);
    if (options.espSas !== undefined && options.espSas.length > 0) this.sas = new EspSaTable(options.espSas);
  }

  /** Declares a capture point; frames are then added with its index. */
  addPoint(p: { name: string; path?: string; label?: string; kind?: CapturePointKind; mag?: string }): number {
    if (this.points.some((q) => q.name === p.name)) throw new Error(`capture point "${p.name}" is declared twice`);
    if (this.points.length >= 255) throw new Error('a trace holds at most 255 capture points');
    this.points.push({ ...p, frames: 0, kept: 0 });
    return this.points.length - 1;
  }

  /** One captured frame: `len` octets at `off` of `buf` (only read during the call). */
  addFrame(point: number, frame: number, time: number, linkType: number, buf: Uint8Array, off: number, len: number): void {
    const p = this.points[point]!;
    p.frames++;
    if (p.firstTime === undefined) p.firstTime = time;
    p.lastTime = time;
    p.linkType ??= linkType;
    const f = decodeFrame(linkType, buf, off, len, this.sas);
    // What the path carried at least: the tunnel MTU a MAG advertises must fit (RA-10).
    if (f.ipv6 !== undefined && 40 + f.ipv6.payloadLength > (p.largestIpv6?.octets ?? 0)) {
      p.largestIpv6 = { octets: 40 + f.ipv6.payloadLength, ref: { point: p.name, frame, time } };
    }
    if (this.keep(f, p.name, point, frame, time, buf, off, len)) p.kept++;
  }

  private keep(f: DecodedFrame, pointName: string, point: number, frame: number, time: number, buf: Uint8Array, off: number, len: number): boolean {
    // Signalling, ND, ESP and IKE get a record of their own (with a FrameRef); data rows go into columns.
    const linkSrc = f.link?.kind === 'ethernet' ? f.link.src : undefined;
    let espRec: EspFrame | undefined;
    if (f.esp) {
      const ip = f.ipv6 ?? f.ipv4!;
      espRec = { ref: { point: pointName, frame, time }, src: ip.src, dst: ip.dst, spi: f.esp.spi, esp: f.esp };
      this.esp.push(espRec);
      if (f.esp.payloadLength === undefined) return true;
      espRec.carries = f.inner && !f.inner.mh ? 'tunnel' : 'other';
      if (f.inner) this.noteDecapsulation(point, time, lastEspPayload()!);
    } else if (f.ipv6 && this.decapsulated.has(point) && this.isDecapsulatedCopy(point, time, buf, off + (f.link?.length ?? 0), 40 + f.ipv6.payloadLength)) {
      return false;
    }
    if (f.ike) {
      const ip = f.ipv6 ?? f.ipv4!;
      const h = f.ike;
      this.ike.push({
        ref: { point: pointName, frame, time }, src: ip.src, dst: ip.dst, exchangeType: h.exchangeType, exchangeName: h.exchangeName,
        response: h.flags.R, initiatorSpi: h.initiatorSpi, messageId: h.messageId,
      });
      return true;
    }
    if (f.dhcpv4 && f.udp && f.ipv4) {
      this.dhcpv4.push({ ref: { point: pointName, frame, time }, src: f.ipv4.src, dst: f.ipv4.dst, srcPort: f.udp.srcPort, dstPort: f.udp.dstPort, ...(linkSrc !== undefined ? { linkSrc } : {}), msg: f.dhcpv4 });
      return true;
    }
    if (f.arp?.senderIp !== undefined) {
      this.arp.push({ ref: { point: pointName, frame, time }, ...(linkSrc !== undefined ? { linkSrc } : {}), arp: f.arp });
      return true;
    }
    if (f.dhcpv6 && f.udp) {
      const ip = f.ipv6 ?? f.ipv4!;
      this.dhcpv6.push({ ref: { point: pointName, frame, time }, src: ip.src, dst: ip.dst, srcPort: f.udp.srcPort, dstPort: f.udp.dstPort, msg: f.dhcpv6 });
      return true;
    }
    // What ESP protects is read where the decoder opened it (in place for ESP-NULL, decrypted otherwise).
    const opened = f.esp ? lastEspPayload() : undefined;
    // Signalling inside tunnel-mode ESP (an inner IPv6 header between the pair's addresses) is
    // protected signalling all the same (SEC-01); SEC-02 tells the mode from the ESP trailer.
    const tunnelled = f.esp !== undefined && opened !== undefined && f.mh === undefined && f.inner?.mh !== undefined && f.inner.ipv6 !== undefined ? f.inner : undefined;
    const m = tunnelled ?? f;
    if (m.mh) {
      let mhBuf = buf, mhStart = m.ipv6 ? off + (f.link?.length ?? 0) + 40 + extensionLength(m.ipv6) : -1, mhEnd = off + len;
      if (tunnelled !== undefined) { mhBuf = opened!.buf; mhStart = opened!.off + 40 + extensionLength(tunnelled.ipv6!); mhEnd = opened!.off + opened!.len; }
      else if (opened !== undefined) { mhBuf = opened.buf; mhStart = opened.off; mhEnd = opened.off + opened.len; }
      if (m.ipv6) this.shareOptions(m.mh.options, mhBuf, mhStart, mhEnd);
      const src = m.ipv6?.src ?? m.ipv4?.src ?? '';
      const rec: MhFrame = {
        ref: { point: pointName, frame, time }, src, dst: m.ipv6?.dst ?? m.ipv4?.dst ?? '', mh: m.mh, optionTypes: optionTypesOf(m.mh.options),
        upperLength: tunnelled !== undefined ? mhEnd - mhStart : f.esp ? f.esp.payloadLength! : m.ipv6 ? m.ipv6.payloadLength - extensionLength(m.ipv6) : -1,
        fromTester: this.testers.has(src),
      };
      if (m.ipv6) rec.ipv6 = m.ipv6;
      if (m.ipv4) rec.ipv4 = m.ipv4;
      if (m.udp) rec.udp = m.udp;
      if (linkSrc !== undefined) rec.linkSrc = linkSrc;
      if (f.esp) rec.protection = f.esp;
      const discarded = f.esp?.icv === 'failed'
        ? `its ESP ICV does not verify with the SA of SPI ${spiText(f.esp.spi)} (RFC 4303 §3.4.4: dropped)`
        : discardReason(rec, m.ipv6 ? mhEnd - mhStart : m.mh.length);
      if (discarded !== undefined) rec.discarded = discarded;
      if (espRec !== undefined) espRec.carries = rec;
      this.mh.push(rec);
      return true;
    }
    const ip6 = f.ipv6;
    if (!ip6 && f.ipv4 && f.inner && espRec === undefined) return this.keepIpv4Tunnelled(f, point, frame, time, buf, off + (f.link?.length ?? 0), linkSrc);
    if (!ip6) return espRec !== undefined;
    const exts = ip6.extensionHeaders;
    const ipStart = off + (f.link?.length ?? 0);
    if (f.icmpv6 && f.icmpv6.type >= ND_FIRST && f.icmpv6.type <= ND_LAST) {
      // A message wholly captured right after the IPv6 header is shared with its earlier repeats.
      const start = ipStart + 40, end = start + ip6.payloadLength;
      const msg = exts.length === 0 && end > start && end <= off + len ? this.ndMessages.share(ip6.src, ip6.dst, buf, start, end, f.icmpv6) : f.icmpv6;
      const rec: NdFrame = { ref: { point: pointName, frame, time }, src: ip6.src, dst: ip6.dst, hopLimit: ip6.hopLimit, msg };
      if (f.link?.kind === 'ethernet') { rec.linkSrc = f.link.src; rec.linkDst = f.link.dst; }
      this.nd.push(rec);
      return true;
    }
    const a = this.addresses;
    if (f.inner) {
      const inner = f.inner.ipv6 ?? f.inner.ipv4;
      if (!inner) return false;
      const innerStart = ipStart + 40 + extensionLength(ip6) + (f.gre?.length ?? 0);
      let flags = DATA_TUNNELLED;
      if (f.inner.ipv4) flags |= DATA_INNER_V4;
      if (exts.some((e) => e.type === 60)) flags |= DATA_ENCAP_LIMIT;
      if (f.gre) flags |= f.gre.key === undefined ? DATA_GRE : DATA_GRE | DATA_GRE_KEY;
      this.data.add({
        time, point, frame, flags, outerSrc: a.id(ip6.src), outerDst: a.id(ip6.dst),
        innerSrc: a.id(inner.src), innerDst: a.id(inner.dst),
        hopLimit: f.inner.ipv6 ? f.inner.ipv6.hopLimit : f.inner.ipv4!.ttl,
        hash: opened !== undefined ? packetFingerprint(opened.buf, opened.off, opened.len)
          : packetFingerprint(buf, innerStart, 40 + ip6.payloadLength - (innerStart - ipStart)),
        linkSrc: linkSrc === undefined ? 0 : a.id(linkSrc), greKey: f.gre?.key ?? 0,
      });
      return true;
    }
    // Other traffic inside transport-mode ESP is the peers' own, not MN data.
    if (espRec !== undefined) return true;
    if (isLinkLocal(ip6.src) || isMulticast(ip6.dst) || isLinkLocal(ip6.dst) || ip6.src === '::') return false;
    const src = a.id(ip6.src), dst = a.id(ip6.dst);
    this.data.add({
      time, point, frame, flags: 0, outerSrc: src, outerDst: dst, innerSrc: src, innerDst: dst, hopLimit: ip6.hopLimit,
      hash: packetFingerprint(buf, ipStart, 40 + ip6.payloadLength), linkSrc: linkSrc === undefined ? 0 : a.id(linkSrc),
    });
    return true;
  }

  /** A packet tunnelled over an IPv4 transport (RFC 5844 §4): IPv4 outer, plain or in UDP 5437. */
  private keepIpv4Tunnelled(f: DecodedFrame, point: number, frame: number, time: number, buf: Uint8Array, ipStart: number, linkSrc: string | undefined): boolean {
    const outer = f.ipv4!, inner = f.inner!.ipv6 ?? f.inner!.ipv4;
    if (!inner) return false;
    const a = this.addresses;
    const innerStart = ipStart + outer.headerLength + (f.udp ? 8 : 0);
    const innerLen = outer.totalLength - (innerStart - ipStart);
    let flags = DATA_TUNNELLED | DATA_OUTER_V4;
    if (f.inner!.ipv4) flags |= DATA_INNER_V4;
    if (f.udp) flags |= DATA_UDP;
    this.data.add({
      time, point, frame, flags, outerSrc: a.id(outer.src), outerDst: a.id(outer.dst), innerSrc: a.id(inner.src), innerDst: a.id(inner.dst),
      hopLimit: f.inner!.ipv6 ? f.inner!.ipv6.hopLimit : f.inner!.ipv4!.ttl,
      hash: packetFingerprint(buf, innerStart, Math.max(0, innerLen)), linkSrc: linkSrc === undefined ? 0 : a.id(linkSrc), greKey: 0,
    });
    return true;
  }

  /**
   * Linux hands the inner packet of tunnel-mode ESP it received back to the receiving device
   * (XFRM tunnel-mode input re-enters netif_receive_skb with the outer Ethernet header), so a
   * capture at the receiver shows each such packet twice: as ESP, then in clear a fraction of a
   * millisecond later (measured on Debian's 6.1 kernel, the esp-tunnel-mode quirk: every PBA
   * seen at mag1's eth0 as ESP of 234 octets, then as the same 166-octet IPv6 packet). The copy
   * never crossed the link: it is not kept, or it would read as signalling sent in clear.
   */
  private noteDecapsulation(point: number, time: number, inner: { buf: Uint8Array; off: number; len: number }): void {
    let recent = this.decapsulated.get(point);
    if (recent === undefined) this.decapsulated.set(point, recent = new Map());
    for (const [k, t] of recent) if (time - t > DECAPSULATED_COPY_WINDOW_S) recent.delete(k);
    recent.set(`${packetFingerprint(inner.buf, inner.off, inner.len)}/${inner.len}`, time);
  }

  private isDecapsulatedCopy(point: number, time: number, buf: Uint8Array, off: number, len: number): boolean {
    const recent = this.decapsulated.get(point)!;
    const k = `${packetFingerprint(buf, off, len)}/${len}`;
    const t = recent.get(k);
    if (t === undefined || time - t > DECAPSULATED_COPY_WINDOW_S || time < t) return false;
    recent.delete(k);
    return true;
  }

  /** Replaces each option wholly captured before `end` by the object kept for its repeats. */
  private shareOptions(options: MobilityOption[], buf: Uint8Array, mhStart: number, end: number): void {
    for (let i = 0; i < options.length; i++) {
      const o = options[i]!;
      const at = mhStart + o.offset;
      if (at >= end || buf[at] !== o.type) continue;
      const next = o.type === 0 ? at + 1 : at + 1 < end ? at + 2 + buf[at + 1]! : end + 1;
      if (next <= end) options[i] = this.mhOptions.share('', o.offset, buf, at, next, o);
    }
  }

  finish(): Trace {
    const pointOrder = new Map(this.points.map((p, i) => [p.name, i]));
    const order = (x: { ref: FrameRef }, y: { ref: FrameRef }): number =>
      x.ref.time - y.ref.time || pointOrder.get(x.ref.point)! - pointOrder.get(y.ref.point)! || x.ref.frame - y.ref.frame;
    this.mh.sort(order);
    this.nd.sort(order);
    this.esp.sort(order);
    this.ike.sort(order);
    this.dhcpv6.sort(order);
    this.dhcpv4.sort(order);
    this.arp.sort(order);
    markDuplicates(this.mh);
    const roles = resolveRoles(this.mh, this.options);
    const settings = resolveSettings(this.mh, this.options);
    const exchanges = pairExchanges(this.mh, roles);
    const { sessions, orphans } = buildSessions(exchanges, settings.values.minDelayBeforeBceDeleteMs / 1000);
    const points = resolvePoints(this.points, this.mh, this.nd, this.data, sessions);
    inferFromCaptures(settings, points, this.nd, this.options);
    const events = [...(this.options.events ?? [])].sort((x, y) => x.time - y.time);
    return new Trace({
      points, mh: this.mh, nd: this.nd, esp: this.esp, ike: this.ike, dhcpv6: this.dhcpv6, dhcpv4: this.dhcpv4, arp: this.arp, data: this.data, addresses: this.addresses,
      exchanges, sessions, orphans, roles, settings: settings.values, provenance: settings.provenance, events,
    });
  }
}

/** A message seen at two capture points (MAG egress and LMA ingress) within a second is one message. */
function markDuplicates(mh: MhFrame[]): void {
  // Only a message seen at another point can be a duplicate.
  if (mh.every((f) => f.ref.point === mh[0]!.ref.point)) return;
  const last = new Map<string, MhFrame>();
  for (const f of mh) {
    const m = f.mh;
    const seq = 'seq' in m ? m.seq : -1;
    const key = `${f.src}|${f.dst}|${m.type}|${seq}|${m.checksum}|${m.length}`;
    const prev = last.get(key);
    if (prev !== undefined && prev.ref.point !== f.ref.point && f.ref.time - prev.ref.time < 1) {
      f.duplicateOf = prev.duplicateOf ?? prev;
      continue;
    }
    last.set(key, f);
  }
}
