// V4-13, V4-14 (passive) and BR-10 on synthetic captures of an IPv4 transport (RFC 5844 §4): a
// well-behaved exchange (PBU/PBA in UDP 5436, data in plain IPv4 or IPv4-UDP 5437 as (F) says, a
// revocation over the same ports), then broken one field at a time.
import { expect } from 'chai';
import { runChecks } from '../../harness/checks/registry.js';
import type { RequirementResult } from '../../harness/checks/types.js';
import { TraceBuilder } from '../../harness/trace/builder.js';
import {
  ETHERTYPE_IPV4, LINKTYPE_ETHERNET, encodeEthernet, encodeIcmpv6, encodeIpv4, encodeIpv6, encodeMobilityHeader, encodeUdp, type MobilityHeaderSpec,
} from '../../wire/index.js';

const MAG = '192.0.2.1', LMA = '192.0.2.2';
const MN = 'mn1@example.org';
const IDS = ['V4-13', 'V4-14', 'BR-10'];

interface Variant {
  pbaPort?: number;
  pbuChecksum?: number;
  forced?: boolean;
  dataUdp?: boolean;
  briOverIpv6?: boolean;
  briDstPort?: number;
}

function judge(v: Variant = {}): Record<string, RequirementResult> {
  const frames: Uint8Array[] = [];
  const eth = (ip: Uint8Array) => encodeEthernet({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', ethertype: ETHERTYPE_IPV4 }, ip);
  const mhOverUdp = (src: string, dst: string, sport: number, dport: number, spec: MobilityHeaderSpec, checksum = 0) => {
    const mh = encodeMobilityHeader({ ...spec, checksum } as MobilityHeaderSpec);
    frames.push(eth(encodeIpv4({ src, dst, protocol: 17, payload: encodeUdp({ srcPort: sport, dstPort: dport, payload: mh }, src, dst) })));
  };
  const id = { type: 8 as const, subtype: 1, id: MN };
  mhOverUdp(MAG, LMA, 5436, 5436, { type: 5, seq: 1, flags: { A: true, P: true, F: v.forced === true }, lifetime: 400, autoPad: true,
    options: [{ type: 22, prefix: '::/0' }, { type: 23, value: 1 }, { type: 24, value: 3 }, id, { type: 32, address: MAG }] }, v.pbuChecksum ?? 0);
  mhOverUdp(LMA, MAG, v.pbaPort ?? 5436, 5436, { type: 6, status: 0, flags: { P: true }, seq: 1, lifetime: 400, autoPad: true,
    options: [id, { type: 22, prefix: '2001:db8:8000::/64' }, { type: 23, value: 1 }, { type: 24, value: 3 }, ...(v.forced === true ? [{ type: 31 as const, F: true, refreshTime: 0 }] : [])] });
  const inner = encodeIpv6({ src: '2001:db8:8000::5', dst: '2001:db8:ff::1', nextHeader: 58, payload: encodeIcmpv6({ type: 128, id: 1, seq: 1, dataLength: 8 }, '2001:db8:8000::5', '2001:db8:ff::1') });
  for (const [src, dst] of [[MAG, LMA], [LMA, MAG]] as const) {
    const udp = v.dataUdp ?? v.forced === true;
    frames.push(eth(udp ? encodeIpv4({ src, dst, protocol: 17, payload: encodeUdp({ srcPort: 5437, dstPort: 5437, payload: inner }, src, dst) })
      : encodeIpv4({ src, dst, protocol: 41, payload: inner })));
  }
  const bri: MobilityHeaderSpec = { type: 16, brType: 1, trigger: 1, seq: 9, flags: { P: true }, autoPad: true, options: [id] };
  if (v.briOverIpv6 === true) {
    const mh = encodeMobilityHeader({ ...bri } as MobilityHeaderSpec, { src: new Uint8Array(16).fill(2), dst: new Uint8Array(16).fill(1) });
    frames.push(encodeEthernet({ src: '02:00:00:00:00:02', dst: '02:00:00:00:00:01', ethertype: 0x86dd }, encodeIpv6({ src: '202:202:202:202:202:202:202:202', dst: '101:101:101:101:101:101:101:101', nextHeader: 135, payload: mh })));
  } else {
    mhOverUdp(LMA, MAG, 5436, v.briDstPort ?? 5436, bri);
  }
  mhOverUdp(MAG, LMA, 5436, 5436, { type: 16, brType: 2, status: 0, seq: 9, flags: { P: true }, autoPad: true, options: [id] });
  const b = new TraceBuilder();
  const point = b.addPoint({ name: 'trn', kind: 'transport' });
  frames.forEach((f, i) => b.addFrame(point, i + 1, 1000 + i * 0.01, LINKTYPE_ETHERNET, f, 0, f.length));
  return Object.fromEntries(runChecks(b.finish(), { only: IDS }).map((r) => [r.id, r]));
}

describe('checks V4-13, V4-14, BR-10 (RFC 5844 §4, RFC 5846 §4) on synthetic captures', () => {
  it('pass on signalling in UDP 5436, data as (F) says, a revocation over the same ports', () => {
    for (const forced of [false, true]) {
      const r = judge({ forced });
      for (const id of IDS) expect(r[id]!.verdict, `F=${forced} ${id}: ${r[id]!.message}`).to.equal('PASS');
    }
  });

  it('V4-13 fails on a non-zero MH checksum and on a PBA from another port', () => {
    expect(judge({ pbuChecksum: 0x1234 })['V4-13']!.message).to.match(/PBU MH checksum 0x1234/);
    const r = judge({ pbaPort: 40000 })['V4-13']!;
    expect(r.verdict).to.equal('FAIL');
    expect(r.message).to.match(/PBA from UDP port 40000/);
  });

  it('V4-14 fails on data in IPv4-UDP after F = 0, and in plain IPv4 after F = 1', () => {
    expect(judge({ dataUdp: true })['V4-14']!.verdict).to.equal('FAIL');
    expect(judge({ forced: true, dataUdp: false })['V4-14']!.verdict).to.equal('FAIL');
  });

  it('BR-10 fails on a BRI over IPv6, and on a BRI to another port', () => {
    expect(judge({ briOverIpv6: true })['BR-10']!.verdict).to.equal('FAIL');
    const r = judge({ briDstPort: 40001 })['BR-10']!;
    expect(r.verdict).to.equal('FAIL');
    expect(r.message).to.match(/192\.0\.2\.1:40001/);
  });
});
