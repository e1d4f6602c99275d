// A synthetic capture shaped like a busy PMIPv6 domain: many MNs behind a few MAGs, a mix of
// signalling (PBU/PBA), home-link ND (RS/RA/NS/NA) and tunnelled data, with a few hundred
// distinct addresses as a real testbed capture has. Shared by the decode and analyze benchmarks.
import {
  encodeEsp, encodeEthernet, encodeIpv6, encodeIcmpv6, encodeMobilityHeader, espSaFrom, parseIpv6, timestampFromDate,
  ETHERTYPE_IPV6, IPPROTO_MH, type EspSa, type MobilityHeaderSpec, type Icmpv6Spec,
} from '../wire/index.js';
import { createPcapWriter } from '../harness/capture/pcap-writer.js';

const MNS = 200;
const MAGS = 8;
const LMAA = '2001:db8:1::ff';
const CN = '2001:db8:ff::1';
const MAG_LL = 'fe80::200:5eff:fe00:5213';
const hex = (n: number, w = 2) => n.toString(16).padStart(w, '0');
const magAddress = (m: number) => `2001:db8:1::${hex(m + 1, 1)}`;
const mnMac = (i: number) => `02:00:00:00:${hex(i >> 8)}:${hex(i & 0xff)}`;
const mnLinkLocal = (i: number) => `fe80::ff:fe00:${hex(i, 1)}`;
const mnPrefix = (i: number) => `2001:db8:aa:${hex(i, 1)}::`;

function ether(payload: Uint8Array, src = '02:00:00:00:00:01', dst = '02:00:00:00:00:02'): Uint8Array {
  return encodeEthernet({ src, dst, ethertype: ETHERTYPE_IPV6 }, payload);
}
/** ESP-NULL SAs of the signalling, one per MAG and direction (for a capture written with `esp`). */
export const MIX_ESP_SAS: readonly EspSa[] = Array.from({ length: MAGS }, (_, m) => [
  { ...espSaFrom(0x1000 + m + 1, 'null-sha256', '5a'.repeat(32)), src: magAddress(m), dst: LMAA },
  { ...espSaFrom(0x2000 + m + 1, 'null-sha256', '5a'.repeat(32)), src: LMAA, dst: magAddress(m) },
]).flat();

function mh(src: string, dst: string, msg: MobilityHeaderSpec, esp: boolean): Uint8Array {
  const payload = encodeMobilityHeader(msg, { src: parseIpv6(src), dst: parseIpv6(dst) });
  if (!esp) return ether(encodeIpv6({ src, dst, hopLimit: 64, nextHeader: 135, payload }));
  const sa = MIX_ESP_SAS.find((x) => x.src === src && x.dst === dst)!;
  return ether(encodeIpv6({ src, dst, hopLimit: 64, nextHeader: 50, payload: encodeEsp({ sequence: (msg as { seq: number }).seq + 1, nextHeader: IPPROTO_MH, payload }, sa) }));
}
function nd(src: string, dst: string, msg: Icmpv6Spec, mac: string): Uint8Array {
  return ether(encodeIpv6({ src, dst, hopLimit: 255, nextHeader: 58, payload: encodeIcmpv6(msg, src, dst) }), mac);
}

/** The frames of one MN's life, which the capture repeats in a shuffled order. */
function framesOf(i: number, o: MixOptions): Uint8Array[] {
  const mag = magAddress(i % MAGS);
  const nai = `mn${i}@example.com`;
  const ts = timestampFromDate(Date.UTC(2026, 10, 27) + i * 1000);
  const hoa = `${mnPrefix(i)}5`;
  const common = [{ type: 23, value: 1 }, { type: 24, value: 3 }, { type: 8, subtype: 1, id: nai }, { type: 27, ...ts }] as const;
  const echo = encodeIpv6({ src: hoa, dst: CN, hopLimit: 63, nextHeader: 58, payload: encodeIcmpv6({ type: 128, id: i, seq: 1, dataLength: 56 }, hoa, CN) });
  const signalling = [
    mh(mag, LMAA, { type: 5, seq: i, flags: { A: true, P: true }, lifetime: 3600, autoPad: true, options: [{ type: 22, prefix: '::/0' }, ...common, { type: 26, address: '::' }, { type: 25, id: mnMac(i).replace(/:/g, '') }] }, o.esp === true),
    mh(LMAA, mag, { type: 6, status: 0, seq: i, flags: { P: true }, lifetime: 3600, autoPad: true, options: [{ type: 22, prefix: `${mnPrefix(i)}/64` }, ...common, { type: 26, address: MAG_LL }, { type: 25, id: mnMac(i).replace(/:/g, '') }] }, o.esp === true),
  ];
  if (o.signallingOnly) return signalling;
  return [
    ...signalling,
    nd(mnLinkLocal(i), 'ff02::2', { type: 133, sourceLinkLayer: mnMac(i) }, mnMac(i)),
    nd(MAG_LL, mnLinkLocal(i), { type: 134, curHopLimit: 64, routerLifetime: 1800, sourceLinkLayer: '00:00:5e:00:52:13', mtu: 1460, prefixes: [{ type: 3, prefix: `${mnPrefix(i)}/64`, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400 }] }, '00:00:5e:00:52:13'),
    nd(mnLinkLocal(i), MAG_LL, { type: 135, target: MAG_LL, sourceLinkLayer: mnMac(i) }, mnMac(i)),
    nd(MAG_LL, mnLinkLocal(i), { type: 136, router: true, solicited: true, target: MAG_LL, targetLinkLayer: '00:00:5e:00:52:13' }, '00:00:5e:00:52:13'),
    ether(encodeIpv6({ src: mag, dst: LMAA, hopLimit: 64, nextHeader: 41, payload: echo })),
    ether(encodeIpv6({ src: LMAA, dst: mag, hopLimit: 64, nextHeader: 41, payload: echo })),
  ];
}

export interface MixOptions {
  /** Only the PBUs and PBAs. */
  signallingOnly?: boolean;
  /** The signalling inside ESP-NULL (MIX_ESP_SAS). */
  esp?: boolean;
}

/** Writes `count` frames to a classic µs pcap at `path` (deterministic content). */
export function writeMixCapture(path: string, count: number, o: MixOptions = {}): void {
  const templates = Array.from({ length: MNS }, (_, i) => framesOf(i, o)).flat();
  const w = createPcapWriter(path, { format: 'pcap' });
  // A fixed stride through the templates mixes kinds and MNs without a random generator.
  const stride = 7919 % templates.length;
  let t = 1_800_000_000;
  for (let n = 0, k = 0; n < count; n++, k = (k + stride) % templates.length) {
    w.write(templates[k]!, { timeSec: t + Math.floor(n / 1e5), timeNsec: (n % 100_000) * 10_000 });
  }
  w.close();
}
