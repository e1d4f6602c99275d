// RFC 5844 §4: PMIPv6 between a MAG and an LMA that reach each other over IPv4 only. The domain
// file's `ipv4Transport` block names the IPv4-LMAA, each MAG's IPv4-Proxy-CoA and the two F-flag
// variables; the Mobility Header rides in UDP 5436 and the data plane in IPv4 (or IPv4-UDP 5437).
//
// The protocol cores keep naming each peer by its address in `mags:`/`lma:` (the IPv6 Proxy-CoA
// and LMAA, which then only label the peers); this module is where those labels become the IPv4
// addresses and UDP ports on the wire, in both directions, so the cores need no IPv4 notion.
import { internetChecksum, parseIpv4, UDP_PORT_PMIP_SIGNALLING } from '../../wire/index.js';
import type { FieldPath, YamlReader } from '../../harness/yaml-located.js';
import type { Logger } from '../log.js';
import type { Quirks } from '../quirks.js';
import { UdpMhSocket, type UdpMhPeer } from '../io/udp-mh.js';

export interface Ipv4TransportMag {
  /** IPv4-Proxy-CoA: the source of its PBUs, the LMA's tunnel end point toward it. */
  address: string;
  /** ForceIPv4UDPEncapsulationSupport (RFC 5844 §5.2): (F) in its PBUs, data in IPv4-UDP. */
  forceUdp: boolean;
}

export interface Ipv4TransportSettings {
  /** IPv4-LMAA. */
  lmaAddress: string;
  /** AcceptForcedIPv4UDPEncapsulationRequest (RFC 5844 §5.1). */
  acceptForcedUdp: boolean;
  /** By MAG name. */
  mags: ReadonlyMap<string, Ipv4TransportMag>;
}

export const IPV4_TRANSPORT_FIELD = 'ipv4Transport';

const ipv4Address = (r: YamlReader, path: FieldPath): string => {
  const text = r.str(path);
  return r.parsed(path, text, (t) => {
    try { parseIpv4(t); return t; } catch { throw new Error(`"${t}" is not an IPv4 address`); }
  });
};

/**
 * ipv4Transport: { lmaAddress: A.B.C.D, acceptForcedUdp: false,
 *                  mags: [{ name: mag1, address: A.B.C.D, forceUdp: false }, ...] }
 * Every MAG of `mags:` needs its IPv4-Proxy-CoA here: the domain signals over IPv4 only.
 */
export function readIpv4Transport(r: YamlReader, magNames: readonly string[]): Ipv4TransportSettings | null {
  const p = [IPV4_TRANSPORT_FIELD];
  const raw = r.raw(p);
  if (raw === undefined || raw === null) return null;
  r.map(p, ['lmaAddress', 'acceptForcedUdp', 'mags']);
  const mags = new Map<string, Ipv4TransportMag>();
  const n = r.list([...p, 'mags']);
  for (let i = 0; i < n; i++) {
    const q = [...p, 'mags', i];
    r.map(q, ['name', 'address', 'forceUdp']);
    const name = r.str([...q, 'name']);
    if (!magNames.includes(name)) r.fail([...q, 'name'], `no MAG named "${name}" in mags`);
    if (mags.has(name)) r.fail([...q, 'name'], `MAG "${name}" is listed twice`);
    mags.set(name, { address: ipv4Address(r, [...q, 'address']), forceUdp: r.bool([...q, 'forceUdp'], false) });
  }
  const missing = magNames.filter((m) => !mags.has(m));
  if (missing.length > 0) r.fail([...p, 'mags'], `every MAG needs its IPv4-Proxy-CoA here; missing: ${missing.join(', ')}`);
  return { lmaAddress: ipv4Address(r, [...p, 'lmaAddress']), acceptForcedUdp: r.bool([...p, 'acceptForcedUdp'], false), mags };
}

/** Where the tun engine sends a peer's packets over IPv4: the peer's IPv4 address, and IPv4-UDP or not. */
export interface Ipv4TunPlan { local: string; peers: ReadonlyMap<string, { address: string; udp: boolean }> }

const MH_TYPE_PBU = 5, MH_TYPE_PBA = 6, MH_TYPE_BRI_BRA = 16;
const isIpv4 = (a: string) => a.includes('.') && !a.includes(':');

/**
 * The MH checksum field over UDP: 0 (RFC 5844 §4.1.3.2, §4.2.2.1). Quirk udp-mh-checksum-nonzero:
 * the one's complement sum of the message, as if a checksum were still due.
 */
function setChecksum(mh: Uint8Array, quirks: Quirks): Uint8Array {
  const out = Uint8Array.from(mh);
  out[4] = 0;
  out[5] = 0;
  if (quirks.has('udp-mh-checksum-nonzero')) {
    const sum = internetChecksum(out, 0, out.length) || 0xffff;
    out[4] = sum >>> 8;
    out[5] = sum & 0xff;
  }
  return out;
}

interface PeerPorts {
  /** Source port of the last PBU from the peer: where its PBA goes. */
  last: number;
  /** The port of the last PBU exchange that succeeded (RFC 5846 §4: where a BRI goes, BR-10). */
  accepted?: number;
}

/**
 * The LMA's side: a socket on IPv4-LMAA:5436. PBAs go from there to the PBU's source port; other
 * messages to a MAG (BRI, Heartbeat, UPN) to the port of the last successful PBU exchange.
 */
export class LmaIpv4Transport {
  private sock: UdpMhSocket | null = null;
  /** Quirk pba-from-wrong-port: replies leave from this socket's ephemeral port instead. */
  private wrongPort: UdpMhSocket | null = null;
  private readonly labelOf = new Map<string, string>();
  private readonly addressOf = new Map<string, string>();
  private readonly ports = new Map<string, PeerPorts>();

  constructor(private readonly settings: Ipv4TransportSettings, mags: readonly { name: string; address: string }[],
    private readonly quirks: Quirks, private readonly log: Logger) {
    for (const m of mags) {
      const v4 = settings.mags.get(m.name)!.address;
      this.labelOf.set(v4, m.address);
      this.addressOf.set(m.address, v4);
    }
  }

  async open(deliver: (mh: Buffer, src: string) => void, onError: (err: Error) => void): Promise<void> {
    this.sock = await UdpMhSocket.open(this.settings.lmaAddress, (mh, from) => {
      // §4.1.3.1: the MH checksum is ignored (the UDP checksum covered the message).
      if (this.quirks.has('udp-mh-checksum-verified') && mh.length > 5 && (mh[4] !== 0 || mh[5] !== 0)) {
        this.log.warn('udp-mh-dropped', { src: from.address, why: 'non-zero MH checksum (quirk udp-mh-checksum-verified)' });
        return;
      }
      if (mh.length > 2 && mh[2] === MH_TYPE_PBU) this.ports.set(from.address, { ...this.ports.get(from.address), last: from.port });
      // A MAG of the domain by its label; anyone else by its IPv4 address (the core refuses it, 154).
      deliver(mh, this.labelOf.get(from.address) ?? from.address);
    }, onError);
    if (this.quirks.has('pba-from-wrong-port')) this.wrongPort = await UdpMhSocket.open(this.settings.lmaAddress, () => undefined, onError, 0);
    this.log.info('ipv4-transport', { lmaa: this.settings.lmaAddress, port: UDP_PORT_PMIP_SIGNALLING, acceptForcedUdp: this.settings.acceptForcedUdp });
  }

  /** Sends `mh` to the MAG labelled (or addressed) `dst` over UDP; null when `dst` is no IPv4 peer (IPv6 then). */
  send(mh: Uint8Array, dst: string): Promise<void> | null {
    const type = mh[2];
    if (type === MH_TYPE_BRI_BRA && mh[6] === 1 && this.quirks.has('bri-over-ipv6-when-ipv4-transport') && !isIpv4(dst)) return null;
    const address = this.addressOf.get(dst) ?? (isIpv4(dst) ? dst : undefined);
    if (address === undefined || this.sock === null) return null;
    const p = this.ports.get(address);
    let port: number;
    if (type === MH_TYPE_PBA || type === 7) {
      port = p?.last ?? UDP_PORT_PMIP_SIGNALLING;
      if (type === MH_TYPE_PBA && mh[6] === 0 && p !== undefined) p.accepted = p.last;
    } else {
      port = p?.accepted ?? p?.last ?? UDP_PORT_PMIP_SIGNALLING;
    }
    const from = (type === MH_TYPE_PBA ? this.wrongPort : null) ?? this.sock;
    return from.send(setChecksum(mh, this.quirks), { address, port });
  }

  /**
   * RFC 5844 §4.1.3.1: a PBU with (F) from a MAG over IPv4 while AcceptForcedIPv4UDPEncapsulationRequest
   * is 0 is refused with 129 (quirk forced-udp-accepted: it is accepted all the same).
   */
  refusesForcedUdp(src: string): boolean {
    return (this.addressOf.has(src) || isIpv4(src)) && !this.settings.acceptForcedUdp && !this.quirks.has('forced-udp-accepted');
  }

  /** The tun engine's end points: each MAG's IPv4-Proxy-CoA, IPv4-UDP where (F) is both asked and accepted. */
  tunPlan(mags: readonly { name: string; address: string }[]): Ipv4TunPlan {
    return {
      local: this.settings.lmaAddress,
      peers: new Map(mags.map((m) => {
        const t = this.settings.mags.get(m.name)!;
        return [m.address, { address: t.address, udp: t.forceUdp && (this.settings.acceptForcedUdp || this.quirks.has('forced-udp-accepted')) }];
      })),
    };
  }

  close(): void {
    this.sock?.close();
    this.wrongPort?.close();
  }
}

/** The MAG's side: a socket on IPv4-Proxy-CoA:5436, everything to IPv4-LMAA:5436. */
export class MagIpv4Transport {
  private sock: UdpMhSocket | null = null;
  readonly self: Ipv4TransportMag;

  constructor(private readonly settings: Ipv4TransportSettings, magName: string, private readonly lmaLabel: string,
    private readonly quirks: Quirks, private readonly log: Logger) {
    this.self = settings.mags.get(magName)!;
  }

  async open(deliver: (mh: Buffer, src: string) => void, onError: (err: Error) => void): Promise<void> {
    this.sock = await UdpMhSocket.open(this.self.address, (mh, from) => {
      deliver(mh, from.address === this.settings.lmaAddress ? this.lmaLabel : from.address);
    }, onError);
    this.log.info('ipv4-transport', { pcoa: this.self.address, lmaa: this.settings.lmaAddress, forceUdp: this.self.forceUdp });
  }

  send(mh: Uint8Array, dst: string): Promise<void> | null {
    if (this.sock === null) return null;
    const to: UdpMhPeer = { address: dst === this.lmaLabel ? this.settings.lmaAddress : dst, port: UDP_PORT_PMIP_SIGNALLING };
    if (!isIpv4(to.address)) return null;
    return this.sock.send(setChecksum(mh, this.quirks), to);
  }

  /** RFC 5844 §4.2.2.1: what a PBU over IPv4 adds: (F) when forced, and the IPv4-Proxy-CoA (IPv4 Care-of Address option, RFC 5555). */
  pbuExtras(): { forceUdp: boolean; pcoa: string } {
    return { forceUdp: this.self.forceUdp, pcoa: this.self.address };
  }

  tunPlan(): Ipv4TunPlan {
    return { local: this.self.address, peers: new Map([[this.lmaLabel, { address: this.settings.lmaAddress, udp: this.self.forceUdp }]]) };
  }

  close(): void { this.sock?.close(); }
}
