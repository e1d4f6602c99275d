// The MAG's local breakout for RFC 6909 IPv4 offload: policy rules send the MN's matching flows
// (from its HoA, in from its access link, to a selector's destinations, protocol and ports) to a
// table whose default route leaves by the breakout link; nftables masquerades what leaves there
// to the MAG's breakout address (NAT44), so replies come back to this MAG, which de-NATs them and
// routes them to the MN like any downlink. Everything else meets the uplink rule (the tunnel).
import { execFile } from 'node:child_process';
import { ipv4Number, ipv4String } from '../ipv4/addresses.js';
import type { Ipv4TrafficSelector } from '../../wire/index.js';
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

/** The rules sending an MN's offloaded flows to the breakout table. */
export function sessionRules(iface: string, hoa: string, selectors: readonly Ipv4TrafficSelector[], quirks: Quirks): string[] {
  if (quirks.has('offload-tunnels-everything')) return [];
  const head = `pref ${PREF_OFFLOAD} from ${hoa}/32 iif ${iface}`;
  if (quirks.has('offload-everything')) return [`${head} table ${TABLE_OFFLOAD}`];
  return selectors.filter((ts) => unsupported(ts) === null).flatMap(ruleMatches).map((m) => `${head} ${m} table ${TABLE_OFFLOAD}`);
}

/** The nft script of the breakout's NAT44 (offload-no-nat: the chain without its masquerade). */
export function natScript(b: MagBreakout, quirks: Quirks): string {
  const rule = quirks.has('offload-no-nat') ? '' : ` oifname "${b.interface}" masquerade;`;
  return `table ip ${NFT_TABLE} {\n chain postrouting { type nat hook postrouting priority srcnat; policy accept;${rule} }\n}\n`;
}

function nft(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('nft', ['-f', '-'], (err, _out, stderr) => (err ? reject(new Error(`nft: ${stderr.trim() || err.message}`)) : resolve()));
    child.stdin?.end(script);
  });
}

export class OffloadRules {
  private batch: IpBatch | null = null;
  /** Access interface + HoA -> the rules installed for it. */
  private readonly installed = new Map<string, string[]>();

  constructor(private readonly b: MagBreakout, private readonly log: Logger, private readonly quirks: Quirks) {}

  private async ip(lines: string[], quiet = false): Promise<void> {
    if (lines.length === 0) return;
    this.batch ??= new IpBatch(undefined, '-4');
    for (const f of await this.batch.run(lines)) if (!quiet) this.log.error('offload-rule-failed', { command: `ip -4 ${f.command}`, why: f.message });
  }

  /** The breakout link's address, its default route (onlink: the gateway need not answer yet) and the NAT. */
  async start(): Promise<void> {
    const { interface: dev, address, gateway } = this.b;
    this.batch ??= new IpBatch(undefined, '-4');
    await this.batch.runOrThrow([`addr replace ${ipv4String(address.address)}/${address.length} dev ${dev}`,
      `route replace default via ${gateway} dev ${dev} onlink table ${TABLE_OFFLOAD}`]);
    await nft(`table ip ${NFT_TABLE}\ndelete table ip ${NFT_TABLE}\n${natScript(this.b, this.quirks)}`);
    this.log.info('offload-breakout', { iface: dev, address: address.text, gateway, nat: !this.quirks.has('offload-no-nat') });
  }

  async add(iface: string, hoa: string, selectors: readonly Ipv4TrafficSelector[]): Promise<void> {
    for (const ts of selectors) {
      const why = unsupported(ts);
      if (why !== null) this.log.warn('offload-selector-not-installed', { hoa, why });
    }
    await this.remove(iface, hoa);
    const rules = sessionRules(iface, hoa, selectors, this.quirks);
    this.installed.set(`${iface} ${hoa}`, rules);
    await this.ip(rules.map((r) => `rule add ${r}`));
    this.log.info('offload-installed', { iface, hoa, rules: rules.length });
  }

  async remove(iface: string, hoa: string): Promise<void> {
    const rules = this.installed.get(`${iface} ${hoa}`);
    if (rules === undefined) return;
    this.installed.delete(`${iface} ${hoa}`);
    await this.ip(rules.map((r) => `rule del ${r}`), true);
  }

  async stop(): Promise<void> {
    for (const key of [...this.installed.keys()]) { const [iface, hoa] = key.split(' '); await this.remove(iface!, hoa!); }
    const { interface: dev, address } = this.b;
    await this.ip([`route flush table ${TABLE_OFFLOAD}`, `addr del ${ipv4String(address.address)}/${address.length} dev ${dev}`], true);
    await nft(`delete table ip ${NFT_TABLE}\n`).catch((err: Error) => this.log.warn('offload-nat-cleanup', { why: err.message }));
    await this.batch?.close();
    this.batch = null;
  }
}
