// Our decoder against Wireshark's: a capture holding every message and option of the sample
// corpus is decoded by both, and every field both of them show is compared value by value.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_FRAMES } from '../support/sample-frames.js';
import { createPcapWriter } from '../../harness/capture/pcap-writer.js';
import {
  aniNameText, decodeFrame, type DecodedPacket, type MobilityHeader, type KnownMobilityOption, type Icmpv6Message, type NdOption, type RawNdOption, MH_OPTION_NAME, type GreHeader,
} from '../../wire/index.js';

type Fields = Map<string, string[]>;

function add(f: Fields, key: string, value: string | number | boolean): void {
  const v = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  const list = f.get(key);
  if (list) list.push(v); else f.set(key, [v]);
}

/** tshark's Timestamp text: "Nov 27, 2026 01:02:03.455993652 UTC" (the RFC 5213 48.16 reading). */
function tsharkTime(seconds: number, fraction: number): string {
  const d = new Date(seconds * 1000);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const pad = (n: number) => String(n).padStart(2, '0');
  const ns = String(Math.floor((fraction * 1e9) / 65536)).padStart(9, '0');
  return `${month} ${d.getUTCDate()}, ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${ns} UTC`;
}

function optionFields(f: Fields, o: KnownMobilityOption): void {
  if (o.type !== 0) add(f, 'mip6.mobility_opt.len', o.length);
  switch (o.type) {
    case 8: add(f, 'mip6.mnid.subtype', o.subtype); if (o.subtype === 1) add(f, 'mip6.mnid.identifier', o.id); break;
    case 22: add(f, 'mip6.nemo.mnp.pfl', o.prefixLength); add(f, 'mip6.nemo.mnp.mnp', o.prefix.split('/')[0]!); break;
    case 23: add(f, 'mip6.hi', o.value); break;
    case 24: add(f, 'mip6.att', o.value); break;
    case 25: add(f, 'mip6.mnlli.lli', o.id.replace(/(..)(?!$)/g, '$1:')); break;
    case 26: add(f, 'mip6.lila_lla', o.address); break;
    case 27: add(f, 'mip6.timestamp_tmp', tsharkTime(o.seconds, o.fraction)); break;
    case 28: add(f, 'mip6.rc', o.value); break;
    case 31: add(f, 'mip6.natd.f_flag', o.F); add(f, 'mip6.natd.refresh_t', o.refreshTime); break;
    case 32: add(f, 'mip6.ipv4coa.addr', o.address); break;
    case 33: if (o.key !== undefined) add(f, 'mip6.gre_key', o.key); break;
    case 3: add(f, 'mip6.acoa.acoa', o.address); break;
    case 2: add(f, 'mip6.bra.interval', o.interval); break;
    case 36: add(f, 'mip6.ipv4ha.preflen', o.prefixLength); add(f, 'mip6.ipv4ha.ha', o.address); break;
    case 37: add(f, 'mip6.ipv4aa.sts', o.status); add(f, 'mip6.ipv4ha.preflen', o.prefixLength); add(f, 'mip6.ipv4ha.ha', o.address); break;
    case 38: add(f, 'mip6.ipv4dra.dra', o.address); break;
    case 39: add(f, 'mip6.ipv4dsm.s_flag', o.S); break;
    case 50: add(f, 'mip6.mng.sub_type', o.subtype); add(f, 'mip6.mng.mng_id', o.groupId); break;
    case 19: add(f, 'mip6.vsm.vendorId', o.vendorId); add(f, 'mip6.vsm.subtype', o.subtype); break;
    case 52:
      for (const s of o.subOptions) {
        add(f, 'mip6.acc_net_id.ani', s.type);
        if ('data' in s) continue;
        if (s.type === 1) {
          add(f, 'mip6.acc_net_id.e_bit', s.E);
          add(f, 'mip6.acc_net_id.net_name_len', s.networkName.length / 2);
          add(f, 'mip6.acc_net_id.net_name', aniNameText(s.networkName));
          add(f, 'mip6.acc_net_id.ap_name_len', s.accessPointName.length / 2);
          add(f, 'mip6.acc_net_id.ap_name', aniNameText(s.accessPointName));
        }
        if (s.type === 3) { add(f, 'mip6.acc_net_id.op_id.type', s.opIdType); add(f, 'mip6.acc_net_id.op_id', s.opId.replace(/(..)(?!$)/g, '$1:')); }
      }
      break;
    default: break;
  }
}

/** Option types our decoder lays out and Wireshark 4.0 does not: RFC 6909's offload selector (53). */
const WIRESHARK_UNKNOWN_OPTIONS = new Set([53]);

function mhFields(f: Fields, mh: MobilityHeader): void {
  add(f, 'mip6.proto', mh.payloadProto);
  add(f, 'mip6.hlen', mh.headerLen);
  add(f, 'mip6.mhtype', mh.type);
  add(f, 'mip6.csum', `0x${mh.checksum.toString(16).padStart(4, '0')}`);
  switch (mh.type) {
    case 5:
      add(f, 'mip6.bu.seqnr', mh.seq);
      for (const [flag, key] of [['A', 'a'], ['H', 'h'], ['L', 'l'], ['K', 'k'], ['M', 'm'], ['P', 'p'], ['F', 'f'], ['T', 't'], ['B', 'b']] as const) add(f, `mip6.bu.${key}_flag`, mh.flags[flag]);
      add(f, 'mip6.nemo.bu.r_flag', mh.flags.R);
      add(f, 'mip6.bu.lifetime', mh.lifetimeUnits); // tshark 4.0 shows the raw 4-second units
      break;
    case 6:
      add(f, 'mip6.ba.status', mh.status);
      for (const [flag, key] of [['K', 'k'], ['P', 'p'], ['T', 't'], ['B', 'b']] as const) add(f, `mip6.ba.${key}_flag`, mh.flags[flag]);
      add(f, 'mip6.nemo.ba.r_flag', mh.flags.R);
      add(f, 'mip6.ba.seqnr', mh.seq);
      add(f, 'mip6.ba.lifetime', mh.lifetimeUnits);
      break;
    case 7: add(f, 'mip6.be.status', mh.status); add(f, 'mip6.be.haddr', mh.homeAddress); break;
    case 13: add(f, 'mip6.hb.u_flag', mh.flags.U); add(f, 'mip6.hb.r_flag', mh.flags.R); add(f, 'mip6.hb.seqnr', mh.seq); break;
    case 16:
      add(f, 'mip6.bri_br.type', mh.brType);
      add(f, 'mip6.bri_seqnr', mh.seq);
      if (mh.brType === 1) { add(f, 'mip6.bri_r.trigger', mh.trigger); add(f, 'mip6.bri_ip', mh.flags.P); add(f, 'mip6.bri_iv', mh.flags.V); add(f, 'mip6.bri_ig', mh.flags.G); }
      if (mh.brType === 2) { add(f, 'mip6.bri_status', mh.status); add(f, 'mip6.bri_ap', mh.flags.P); add(f, 'mip6.bri_av', mh.flags.V); add(f, 'mip6.bri_ag', mh.flags.G); }
      break;
    default: break;
  }
  // Wireshark 4.0 has no dissector for UPN/UPA (19/20) options nor for BRR's: it shows raw bytes.
  if (mh.type === 19 || mh.type === 20 || mh.type === 0) return;
  // Options of a known type decode to their own shape; raw ones (unknown or malformed) carry only a length.
  for (const o of mh.options) {
    if (MH_OPTION_NAME[o.type] && !WIRESHARK_UNKNOWN_OPTIONS.has(o.type)) optionFields(f, o as KnownMobilityOption);
    else add(f, UNKNOWN_OPTIONS, o.type);
  }
}

function icmpFields(f: Fields, m: Icmpv6Message): void {
  add(f, 'icmpv6.type', m.type);
  add(f, 'icmpv6.code', m.code);
  if (m.name === 'RA') {
    add(f, 'icmpv6.nd.ra.cur_hop_limit', m.curHopLimit);
    add(f, 'icmpv6.nd.ra.flag.m', m.managed);
    add(f, 'icmpv6.nd.ra.flag.o', m.other);
    add(f, 'icmpv6.nd.ra.router_lifetime', m.routerLifetime);
    add(f, 'icmpv6.nd.ra.reachable_time', m.reachableTime);
    add(f, 'icmpv6.nd.ra.retrans_timer', m.retransTimer);
  }
  if (m.name === 'NS') add(f, 'icmpv6.nd.ns.target_address', m.target);
  if (m.name === 'NA') {
    add(f, 'icmpv6.nd.na.target_address', m.target);
    add(f, 'icmpv6.nd.na.flag.r', m.router); add(f, 'icmpv6.nd.na.flag.s', m.solicited); add(f, 'icmpv6.nd.na.flag.o', m.override);
  }
  if (m.name === 'redirect') { add(f, 'icmpv6.nd.rd.target_address', m.target); add(f, 'icmpv6.rd.na.destination_address', m.destination); }
  if (m.name === 'echo-request' || m.name === 'echo-reply') add(f, 'icmpv6.echo.sequence_number', m.seq);
  if (m.name === 'packet-too-big') add(f, 'icmpv6.mtu', m.mtu!);
  if ('options' in m) {
    for (const o of m.options as Exclude<NdOption, RawNdOption>[]) {
      add(f, 'icmpv6.opt.type', o.type);
      add(f, 'icmpv6.opt.length', o.length / 8);
      if (o.type === 1 || o.type === 2) add(f, 'icmpv6.opt.linkaddr', o.address);
      if (o.type === 5) add(f, 'icmpv6.opt.mtu', o.mtu);
      if (o.type === 3) {
        add(f, 'icmpv6.opt.prefix.length', o.prefixLength);
        add(f, 'icmpv6.opt.prefix.flag.l', o.onLink); add(f, 'icmpv6.opt.prefix.flag.a', o.autonomous);
        add(f, 'icmpv6.opt.prefix.valid_lifetime', o.validLifetime); add(f, 'icmpv6.opt.prefix.preferred_lifetime', o.preferredLifetime);
        add(f, 'icmpv6.opt.prefix', o.prefix.split('/')[0]!);
      }
      if (o.type === 24) { add(f, 'icmpv6.opt.prefix.length', o.prefixLength); add(f, 'icmpv6.opt.prefix', o.prefix.split('/')[0]!); }
      if (o.type === 25) for (const s of o.servers) add(f, 'icmpv6.opt.rdnss', s);
      if (o.type === 14) add(f, 'icmpv6.opt.nonce', o.nonce.replace(/(..)(?!$)/g, '$1:'));
    }
  }
}

function greFields(f: Fields, g: GreHeader): void {
  add(f, 'gre.flags.checksum', g.checksumPresent);
  add(f, 'gre.flags.key', g.key !== undefined);
  add(f, 'gre.flags.sequence_number', g.sequence !== undefined);
  add(f, 'gre.flags.version', g.version);
  add(f, 'gre.proto', `0x${g.protocolType.toString(16).padStart(4, '0')}`);
  if (g.checksum !== undefined) add(f, 'gre.checksum', `0x${g.checksum.toString(16).padStart(4, '0')}`);
  if (g.key !== undefined) add(f, 'gre.key', `0x${g.key.toString(16).padStart(8, '0')}`);
  if (g.sequence !== undefined) add(f, 'gre.sequence_number', g.sequence);
}

/** Our decode as tshark field names, in the order tshark shows them (outer packet first). */
function ourFields(p: DecodedPacket, f: Fields = new Map()): Fields {
  if (p.ipv6) {
    add(f, 'ipv6.src', p.ipv6.src); add(f, 'ipv6.dst', p.ipv6.dst);
    add(f, 'ipv6.hlim', p.ipv6.hopLimit); add(f, 'ipv6.plen', p.ipv6.payloadLength);
  }
  if (p.ipv4) { add(f, 'ip.src', p.ipv4.src); add(f, 'ip.dst', p.ipv4.dst); add(f, 'ip.ttl', p.ipv4.ttl); add(f, 'ip.proto', p.ipv4.protocol); }
  if (p.udp) { add(f, 'udp.srcport', p.udp.srcPort); add(f, 'udp.dstport', p.udp.dstPort); add(f, 'udp.length', p.udp.length); }
  if (p.icmpv6) {
    icmpFields(f, p.icmpv6);
    if ('invoking' in p.icmpv6 && p.icmpv6.invoking) ourFields(p.icmpv6.invoking, f);
  }
  if (p.mh) mhFields(f, p.mh);
  if (p.gre) greFields(f, p.gre);
  if (p.inner) ourFields(p.inner, f);
  return f;
}

/** Every leaf of tshark's JSON tree, keeping repeated fields in order of appearance. */
function tsharkFields(node: unknown, f: Fields = new Map()): Fields {
  if (Array.isArray(node)) {
    if (node.every((x) => typeof x === 'string')) return f;
    for (const x of node) tsharkFields(x, f);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === 'string') add(f, k, v);
      else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) for (const x of v) add(f, k, x);
      else tsharkFields(v, f);
    }
  }
  return f;
}

const TSHARK = '/usr/bin/tshark';
/**
 * Fields that every option type repeats. --no-duplicate-keys merges repeated subtrees into the
 * first one's place, so across option types their order is Wireshark's grouping, not the wire's.
 */
const ORDER_FREE = new Set(['mip6.mobility_opt.len', 'icmpv6.opt.type', 'icmpv6.opt.length']);
/** Our pseudo-field for option types Wireshark 4.0 does not know: it shows them with a wrong length. */
const UNKNOWN_OPTIONS = 'unknown-options';

describe('decoder cross-checked with tshark', function () {
  this.timeout(60_000);
  let dir: string;
  let tshark: { _source: { layers: unknown } }[];

  before(function () {
    if (!existsSync(TSHARK)) this.skip(); // named skip: "tshark not installed (npm run setup installs it)"
    dir = mkdtempSync(join(tmpdir(), 'pmip-tshark-'));
    const file = join(dir, 'samples.pcapng');
    const linkTypes = [...new Set(SAMPLE_FRAMES.map((s) => s.linkType))];
    const w = createPcapWriter(file, { format: 'pcapng', interfaces: linkTypes.map((linkType) => ({ linkType })) });
    SAMPLE_FRAMES.forEach((s, i) => w.write(s.bytes, 1_800_000_000 + i, { interfaceId: linkTypes.indexOf(s.linkType) }));
    w.close();
    const out = execFileSync(TSHARK, ['-r', file, '-T', 'json', '--no-duplicate-keys', '-d', 'udp.port==5437,ip'], { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
    tshark = JSON.parse(out.toString());
  });

  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('tshark sees every frame', () => expect(tshark).to.have.length(SAMPLE_FRAMES.length));

  SAMPLE_FRAMES.forEach((sample, i) => {
    it(`${sample.name}: every field agrees`, () => {
      const ours = ourFields(decodeFrame(sample.linkType, sample.bytes, 0, sample.bytes.length));
      const theirs = tsharkFields(tshark[i]!._source.layers);
      const mismatches: string[] = [];
      const unknownOptions = ours.get(UNKNOWN_OPTIONS)?.length ?? 0;
      ours.delete(UNKNOWN_OPTIONS);
      for (const [key, values] of ours) {
        let seen = theirs.get(key) ?? [];
        if (ORDER_FREE.has(key)) {
          values.sort();
          // Each unknown option adds one length of Wireshark's own making: drop one that we lack.
          seen = [...seen].sort();
          for (let n = 0; n < unknownOptions && key === 'mip6.mobility_opt.len'; n++) {
            const extra = seen.findIndex((v, j) => v !== values[j]);
            if (extra >= 0) seen.splice(extra, 1);
          }
        }
        if (JSON.stringify(seen) !== JSON.stringify(values)) mismatches.push(`${key}: ours ${JSON.stringify(values)}, tshark ${JSON.stringify(seen)}`);
      }
      expect(mismatches, mismatches.join('\n')).to.deep.equal([]);
      // A mapping that compares nothing proves nothing.
      expect(ours.size, 'fields compared').to.be.greaterThan(3);
    });
  });
});
