// D.1/D.2 RFC 5844 §4 and RFC 5846 §4: PMIPv6 between a MAG and an LMA that reach each other over
// IPv4. The Mobility Header rides in UDP to port 5436 with MH checksum 0, the PBA comes back from
// 5436 to the PBU's source port and from the address the PBU went to (V4-13); data is tunnelled
// in IPv4-UDP 5437 exactly when the accepted PBU had (F), plain IPv4 otherwise (V4-14, passive:
// the refusal of (F) with 129 needs the LMA's AcceptForcedIPv4UDPEncapsulationRequest and is
// judged by the case that set it); BRI/BRA reuse the addresses and ports of the MN's last
// successful PBU exchange (BR-10).
import type { BindingRevocationAck, BindingRevocationIndication, BindingUpdate } from '../../wire/index.js';
import { UDP_PORT_PMIP_SIGNALLING } from '../../wire/index.js';
import { DATA_OUTER_V4, DATA_UDP, optionOf, type Exchange, type MhFrame, type Trace } from '../trace/index.js';
import { check } from './check.js';
import { dataEv, mhEv } from './evidence.js';

const overUdp = (f: MhFrame): boolean => f.ipv4 !== undefined && f.udp !== undefined;
const endpoint = (f: MhFrame, side: 'src' | 'dst'): string => `${f[side]}:${side === 'src' ? f.udp?.srcPort : f.udp?.dstPort}`;

/** Accepted (status 0, not de-registering) PBU exchanges over IPv4/UDP, in time order. */
function acceptedOverUdp(t: Trace): Exchange[] {
  return t.exchanges.filter((ex) => overUdp(ex.pbu) && ex.pba !== undefined && ex.pba.mh.status === 0 && !ex.deregistration && ex.pbu.duplicateOf === undefined);
}

export const udpSignalling = check('ipv4-udp-signalling', ['V4-13'], (t, [j]) => {
  j!.inconclusiveBecause('no PBU over IPv4/UDP in the trace');
  for (const ex of t.exchanges) {
    const pbu = ex.pbu;
    if (!overUdp(pbu) || pbu.duplicateOf !== undefined || pbu.fromTester) continue;
    const problems: string[] = [];
    if (pbu.udp!.dstPort !== UDP_PORT_PMIP_SIGNALLING) problems.push(`PBU to UDP port ${pbu.udp!.dstPort}`);
    if (pbu.mh.checksum !== 0) problems.push(`PBU MH checksum 0x${pbu.mh.checksum.toString(16)}`);
    const pba = ex.pba ?? ex.droppedPbas?.[0];
    if (pba !== undefined && overUdp(pba)) {
      if (pba.udp!.srcPort !== UDP_PORT_PMIP_SIGNALLING) problems.push(`PBA from UDP port ${pba.udp!.srcPort}`);
      if (pba.udp!.dstPort !== pbu.udp!.srcPort) problems.push(`PBA to port ${pba.udp!.dstPort}, the PBU came from ${pbu.udp!.srcPort}`);
      if (pba.src !== pbu.dst) problems.push(`PBA from ${pba.src}, the PBU went to ${pbu.dst}`);
      if (pba.mh.checksum !== 0) problems.push(`PBA MH checksum 0x${pba.mh.checksum.toString(16)}`);
    }
    const ev = [mhEv(t, pbu), ...(pba !== undefined ? [mhEv(t, pba)] : [])];
    const what = `PBU seq ${pbu.mh.seq} ${endpoint(pbu, 'src')} > ${endpoint(pbu, 'dst')}${pba !== undefined ? `, PBA ${endpoint(pba, 'src')} > ${endpoint(pba, 'dst')}` : ' (unanswered)'}`;
    if (problems.length === 0) j!.pass(() => `${what}: port 5436, MH checksum 0, the PBA back from where the PBU went`, ev);
    else j!.fail(() => `${what}: ${problems.join('; ')}`, ev, { field: 'UDP ports / addresses / MH checksum', expected: 'PBU to 5436; PBA from 5436 and the PBU\'s destination to its source port; checksum 0', seen: problems.join('; ') });
  }
  // Every other Mobility Header over UDP (Heartbeat, BRI/BRA, UPN/UPA, Binding Error) alike.
  for (const f of t.signalling) {
    if (!overUdp(f) || f.duplicateOf !== undefined || f.fromTester || f.mh.type === 5 || f.mh.type === 6) continue;
    const onPort = f.udp!.srcPort === UDP_PORT_PMIP_SIGNALLING || f.udp!.dstPort === UDP_PORT_PMIP_SIGNALLING;
    if (f.mh.checksum === 0 && onPort) j!.pass(() => `MH type ${f.mh.type} ${endpoint(f, 'src')} > ${endpoint(f, 'dst')}: port 5436, checksum 0`, [mhEv(t, f)]);
    else j!.fail(() => `MH type ${f.mh.type} ${endpoint(f, 'src')} > ${endpoint(f, 'dst')}: checksum 0x${f.mh.checksum.toString(16)}${onPort ? '' : ', neither port 5436'}`, [mhEv(t, f)], { field: 'MH checksum / port', expected: '0 / 5436', seen: `0x${f.mh.checksum.toString(16)} / ${f.udp!.srcPort}>${f.udp!.dstPort}` });
  }
});

export const dataEncapsulation = check('ipv4-data-encapsulation', ['V4-14'], (t, [j]) => {
  j!.inconclusiveBecause('no data tunnelled over IPv4 between a MAG and an LMA with an accepted PBU over IPv4/UDP');
  const accepted = acceptedOverUdp(t);
  if (accepted.length === 0) return;
  const d = t.data, a = t.addresses;
  // One judgement per pair, direction and (F): each packet is checked, the first wrong one shown.
  const seen = new Map<string, { ok: number; bad: number; first: number; ex: Exchange; udp: boolean }>();
  for (let i = 0; i < d.length; i++) {
    if ((d.flags[i]! & DATA_OUTER_V4) === 0) continue;
    const src = a.texts[d.outerSrc[i]!]!, dst = a.texts[d.outerDst[i]!]!, time = d.time[i]!;
    let ex: Exchange | undefined;
    for (const x of accepted) {
      if (x.pba!.ref.time > time) break;
      if ((x.mag === src && x.lma === dst) || (x.mag === dst && x.lma === src)) ex = x;
    }
    if (ex === undefined) continue;
    const forced = (ex.pbu.mh as BindingUpdate).flags.F;
    const udp = (d.flags[i]! & DATA_UDP) !== 0;
    const key = `${src}>${dst} F=${Number(forced)}`;
    let s = seen.get(key);
    if (s === undefined) seen.set(key, s = { ok: 0, bad: 0, first: i, ex, udp });
    if (udp === forced) s.ok++;
    else { if (s.bad === 0) { s.first = i; s.udp = udp; } s.bad++; }
  }
  for (const [key, s] of seen) {
    const forced = (s.ex.pbu.mh as BindingUpdate).flags.F;
    const want = forced ? 'IPv4-UDP (port 5437)' : 'plain IPv4 (protocol 4 or 41)';
    const ev = [mhEv(t, s.ex.pbu), mhEv(t, s.ex.pba!), dataEv(t, s.first)];
    if (s.bad === 0) j!.pass(() => `${key}: ${s.ok} tunnelled packet(s) in ${want}, as the accepted PBU seq ${s.ex.pbu.mh.seq} asked`, ev);
    else j!.fail(() => `${key}: ${s.bad} of ${s.ok + s.bad} tunnelled packet(s) in ${s.udp ? 'IPv4-UDP' : 'plain IPv4'}, but the accepted PBU seq ${s.ex.pbu.mh.seq} had F = ${Number(forced)}`, ev, { field: 'data encapsulation', expected: want, seen: s.udp ? 'IPv4-UDP' : 'plain IPv4' });
  }
});

export const revocationPorts = check('revocation-over-ipv4', ['BR-10'], (t, [j]) => {
  j!.inconclusiveBecause('no BRI or BRA for an MN whose last successful PBU exchange was over IPv4/UDP');
  const accepted = acceptedOverUdp(t);
  if (accepted.length === 0) return;
  type BrFrame = MhFrame & { mh: BindingRevocationIndication | BindingRevocationAck };
  const bris = t.signalling.filter((f): f is BrFrame => f.mh.type === 16 && f.duplicateOf === undefined && f.discarded === undefined);
  for (const f of bris) {
    const isBri = f.mh.brType === 1;
    // The BRA is matched to its BRI by sequence number (it need not name the MN).
    const briOf = isBri ? f : bris.find((b) => b.mh.brType === 1 && b.mh.seq === f.mh.seq && b.ref.time <= f.ref.time && b.src === f.dst);
    const mnId = optionOf(briOf ?? f, 8)?.id;
    if (mnId === undefined) continue;
    let ex: Exchange | undefined;
    for (const x of accepted) if (x.mnId === mnId && x.pba!.ref.time <= f.ref.time) ex = x;
    if (ex === undefined) continue;
    const pbu = ex.pbu, pba = ex.pba!;
    // The PBU's end points, swapped for a BRI (LMA -> MAG); where the PBA came from is V4-13's matter.
    const mag = `${pbu.src}:${pbu.udp!.srcPort}`, lma = `${pbu.dst}:${pbu.udp!.dstPort}`;
    const want = isBri ? { src: lma, dst: mag } : { src: mag, dst: lma };
    const got = overUdp(f) ? { src: endpoint(f, 'src'), dst: endpoint(f, 'dst') } : { src: `${f.src} (IPv6, no UDP)`, dst: f.dst };
    const what = `${isBri ? 'BRI' : 'BRA'} seq ${f.mh.seq} for ${mnId}`;
    const ev = [mhEv(t, pbu), mhEv(t, pba), mhEv(t, f)];
    if (got.src === want.src && got.dst === want.dst) j!.pass(() => `${what}: ${got.src} > ${got.dst}, the end points of the last successful exchange (PBU seq ${pbu.mh.seq})${isBri ? ', swapped' : ''}`, ev);
    else j!.fail(() => `${what}: ${got.src} > ${got.dst}, but the last successful exchange (seq ${pbu.mh.seq}) used ${want.src} > ${want.dst}`, ev, { field: 'addresses:ports', expected: `${want.src} > ${want.dst}`, seen: `${got.src} > ${got.dst}` });
  }
});

export const IPV4_TRANSPORT_CHECKS = [udpSignalling, dataEncapsulation, revocationPorts];
