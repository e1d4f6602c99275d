// The MAG's local breakout for RFC 6909 IPv4 offload (and the domain's IPv6 offload prefixes):
// policy rules send the MN's matching flows (from its HoA or HNP, in from its access link, to a
// selector's destinations, protocol and ports, or to an offload prefix) to a table whose default
// route leaves by the breakout link; nftables masquerades what leaves there to the MAG's breakout
// address (NAT44, and NAT66 for IPv6: the HNP is anchored at the LMA, replies to it would go
// there), so replies come back to this MAG, which de-NATs them and routes them to the MN like any
// downlink. Everything else meets the uplink rule (the tunnel).
import { execFile } from 'node:child_process';
import { ipv4Number, ipv4String } from '../ipv4/addresses.js';
import type { Ipv4TrafficSelector, Prefix } from '../../wire/index.js';
import type { Logger } from '../log.js';
import type { MagBreakout } from '../offload-settings.js';
import type { Quirks } from '../quirks.js';
import { IpBatch } from './ip-batch.js';

/** Below the IPv4 uplink rule (pref 200, backends.ts): offload is decided first. */
export const PREF_OFFLOAD = 190;
export const TABLE_OFFLOAD = 6909;
export const NFT_TABLE = 'pmipd_offload';

/** The fewest CIDR blocks covering [start, end] (IPv4 numbers). */
export function rangeToCidrs(start: number, end: number): string[] {
  const out: string[] = [];
  let a = start;
  while (a <= end) {
    let len = 32;
    while (len > 0) {
      const size = 2 ** (33 - len);
      if (a % size !== 0 || a + size - 1 > end) break;
      len--;
    }
    out.push(`${ipv4String(a)}/${len}`);
    a += 2 ** (32 - len);
  }
  return out;
}

/** Why the kernel rules cannot express `ts` (then its flows stay in the tunnel), or null. */
export function unsupported(ts: Ipv4TrafficSelector): string | null {
  if (ts.startSrc !== undefined || ts.startSpi !== undefined || ts.startSrcPort !== undefined || ts.startDs !== undefined) return 'source, SPI, source port and DS selectors are not installed by pmipd';
  if (ts.endProtocol !== undefined && ts.endProtocol !== ts.startProtocol) return 'a protocol range is not installed by pmipd';
  return null;
}

/** `ip -4 rule` selector parts (after "from … iif …") of one traffic selector. */
function ruleMatches(ts: Ipv4TrafficSelector): string[] {
  const dsts = ts.startDst === undefined ? ['0.0.0.0/0'] : rangeToCidrs(ipv4Number(ts.startDst), ipv4Number(ts.endDst ?? ts.startDst));
  const proto = ts.startProtocol === undefined ? '' : ` ipproto ${ts.startProtocol}`;
  const ports = ts.startDstPort === undefined ? '' : ` dport ${ts.startDstPort}-${ts.endDstPort ?? ts.startDstPort}`;
  return dsts.map((d) => `to ${d}${proto}${ports}`);
}

/** The rules sending an MN's offloaded flows (from `source`, an address/len) to the breakout table. */
function rulesFor(iface: string, source: string, matches: string[], quirks: Quirks): string[] {
  if (quirks.has('offload-tunnels-everything')) return [];
  const head = `pref ${PREF_OFFLOAD} from ${source} iif ${iface}`;
  if (quirks.has('offload-everything')) return [`${head} table ${TABLE_OFFLOAD}`];
  return matches.map((m) => `${head} ${m} table ${TABLE_OFFLOAD}`);
}

/** `ip -4 rule` arguments for an MN's IPv4 flows matching the granted selectors. */
export function sessionRules(iface: string, hoa: string, selectors: readonly Ipv4TrafficSelector[], quirks: Quirks): string[] {
  return rulesFor(iface, `${hoa}/32`, selectors.filter((ts) => unsupported(ts) === null).flatMap(ruleMatches), quirks);
}

/** `ip -6 rule` arguments for an MN's IPv6 flows (from its HNPs) to the domain's offload prefixes. */
export function sessionRules6(iface: string, hnps: readonly Prefix[], prefixes: readonly Prefix[], quirks: Quirks): string[] {
  return hnps.flatMap((h) => rulesFor(iface, h.text, prefixes.map((p) => `to ${p.text}`), quirks));
}

/** The nft script of the breakout's NAT44/NAT66 (offload-no-nat: the chain without its masquerade). */
export function natScript(b: MagBreakout, quirks: Quirks): string {
  const rule = quirks.has('offload-no-nat') ? '' : ` oifname "${b.interface}" masquerade;`;
  return `table inet ${NFT_TABLE} {\n chain postrouting { type nat hook postrouting priority srcnat; policy accept;${rule} }\n}\n`;
}

function nft(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('nft', ['-f', '-'], (err, _out, stderr) => (err ? reject(new Error(`nft: ${stderr.trim() || err.message}`)) : resolve()));
    child.stdin?.end(script);
  });
}

type Family = '-4' | '-6';

export class OffloadRules {
  private readonly batches = new Map<Family, IpBatch>();
  /** Family + access interface + session source -> the rules installed for it. */
  private readonly installed = new Map<string, { family: Family; rules: string[] }>();

  /** `prefixes6`: the domain's IPv6 offload prefixes (used only when the breakout has gateway6). */
  constructor(private readonly b: MagBreakout, private readonly prefixes6: readonly Prefix[], private readonly log: Logger, private readonly quirks: Quirks) {}

  private batch(family: Family): IpBatch {
    let b = this.batches.get(family);
    if (b === undefined) this.batches.set(family, b = new IpBatch(undefined, family));
    return b;
  }

  private async ip(family: Family, lines: string[], quiet = false): Promise<void> {
    if (lines.length === 0) return;
    for (const f of await this.batch(family).run(lines)) if (!quiet) this.log.error('offload-rule-failed', { command: `ip ${family} ${f.command}`, why: f.message });
  }

  /** Whether this MAG breaks out IPv6 (a gateway6 and offload prefixes). */
  get ipv6(): boolean { return this.b.gateway6 !== undefined && this.prefixes6.length > 0; }

  /** The breakout link's address, its default routes (onlink: the gateway need not answer yet) and the NAT. */
  async start(): Promise<void> {
    const { interface: dev, address, gateway, gateway6 } = this.b;
    await this.batch('-4').runOrThrow([`addr replace ${ipv4String(address.address)}/${address.length} dev ${dev}`,
      `route replace default via ${gateway} dev ${dev} onlink table ${TABLE_OFFLOAD}`]);
    if (this.ipv6) await this.batch('-6').runOrThrow([`route replace default via ${gateway6!} dev ${dev} onlink table ${TABLE_OFFLOAD}`]);
    await nft(`table inet ${NFT_TABLE}\ndelete table inet ${NFT_TABLE}\n${natScript(this.b, this.quirks)}`);
    this.log.info('offload-breakout', { iface: dev, address: address.text, gateway, gateway6, ipv6: this.prefixes6.map((p) => p.text), nat: !this.quirks.has('offload-no-nat') });
  }

  private async install(family: Family, key: string, rules: string[]): Promise<void> {
    await this.remove(key);
    this.installed.set(key, { family, rules });
    await this.ip(family, rules.map((r) => `rule add ${r}`));
    this.log.info('offload-installed', { session: key, family, rules: rules.length });
  }

  /** The IPv4 breakout of a session's HoA; returns the key its rules are removed by. */
  async add(iface: string, hoa: string, selectors: readonly Ipv4TrafficSelector[]): Promise<string> {
    for (const ts of selectors) {
      const why = unsupported(ts);
      if (why !== null) this.log.warn('offload-selector-not-installed', { hoa, why });
    }
    const key = `-4 ${iface} ${hoa}`;
    await this.install('-4', key, sessionRules(iface, hoa, selectors, this.quirks));
    return key;
  }

  /** The IPv6 breakout of a session's HNPs (when this MAG breaks out IPv6); returns its key. */
  async add6(iface: string, hnps: readonly Prefix[]): Promise<string> {
    const key = `-6 ${iface} ${hnps.map((h) => h.text).join(',')}`;
    if (this.ipv6) await this.install('-6', key, sessionRules6(iface, hnps, this.prefixes6, this.quirks));
    return key;
  }

  async remove(key: string): Promise<void> {
    const e = this.installed.get(key);
    if (e === undefined) return;
    this.installed.delete(key);
    await this.ip(e.family, e.rules.map((r) => `rule del ${r}`), true);
  }

  async stop(): Promise<void> {
    for (const key of [...this.installed.keys()]) await this.remove(key);
    const { interface: dev, address } = this.b;
    await this.ip('-4', [`route flush table ${TABLE_OFFLOAD}`, `addr del ${ipv4String(address.address)}/${address.length} dev ${dev}`], true);
    if (this.ipv6) await this.ip('-6', [`route flush table ${TABLE_OFFLOAD}`], true);
    await nft(`delete table inet ${NFT_TABLE}\n`).catch((err: Error) => this.log.warn('offload-nat-cleanup', { why: err.message }));
    for (const b of this.batches.values()) await b.close();
    this.batches.clear();
  }
}
