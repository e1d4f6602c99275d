// RFC 5844 at the LMA: which PBUs the IPv4 home address service refuses (§3.1.2.1), the IPv4 HoA
// a binding gets (§3.1.2.2, from lma.ipv4Pool or the MN's fixed one) and the IPv4 options of the
// PBA (§3.1.2.6: a Reply in every PBA to such a PBU, the Default-Router option exactly on success).
import {
  BA_STATUS_CODE, IPV4_HOA_REPLY_STATUS_CODE, type Ipv4HoaRequestOption, type MobilityOptionSpec,
} from '../../wire/index.js';
import type { MobileNodePolicy } from '../config.js';
import { defaultRouterOf, ipv4Number, ipv4String, Ipv4Pool, type Ipv4Grant, type Ipv4Prefix } from '../ipv4/addresses.js';
import type { Quirks } from '../quirks.js';
import type { PbuView } from './pbu-processing.js';

/** §3.1.2.1, after RFC 5213's checks: the status refusing the PBU's IPv4/IPv6 service, or null. */
export function ipv4ServiceRefusal(v: PbuView, mn: MobileNodePolicy, quirks: Quirks): number | null {
  if (v.ipv4Requests.length > 1 && !quirks.has('accept-multiple-ipv4-requests')) return BA_STATUS_CODE.MULTIPLE_IPV4_HOME_ADDRESS_ASSIGNMENT_NOT_SUPPORTED;
  if (v.ipv4Requests.length > 0 && (mn.ipv4?.kind ?? 'none') === 'none') return BA_STATUS_CODE.NOT_AUTHORIZED_FOR_IPV4_MOBILITY_SERVICE;
  if (v.hnpOptions.length > 0 && mn.ipv6 === false) return BA_STATUS_CODE.NOT_AUTHORIZED_FOR_IPV6_MOBILITY_SERVICE;
  return null;
}

/** The IPv4 HoA Reply status that goes with a refusing PBA status (§3.1.2.2). */
function replyStatusOf(baStatus: number): number {
  switch (baStatus) {
    case BA_STATUS_CODE.NOT_AUTHORIZED_FOR_IPV4_HOME_ADDRESS:
    case BA_STATUS_CODE.NOT_AUTHORIZED_FOR_IPV4_MOBILITY_SERVICE:
    case BA_STATUS_CODE.NOT_AUTHORIZED_FOR_IPV6_MOBILITY_SERVICE:
      return IPV4_HOA_REPLY_STATUS_CODE.ADMINISTRATIVELY_PROHIBITED;
    default: return IPV4_HOA_REPLY_STATUS_CODE.FAILURE_REASON_UNSPECIFIED;
  }
}

/** What the PBA says about IPv4: the binding's grant when accepted (on a refresh too). */
export interface PbaIpv4 { grant: Ipv4Grant | null; refresh: boolean; /** Option 39's S flag (§3.3.4); absent: no option. */ dhcpServer?: boolean }

export function ipv4PbaOptions(v: PbuView, status: number, c: PbaIpv4 | undefined, quirks: Quirks): MobilityOptionSpec[] {
  const req = v.ipv4Requests[0];
  if (req === undefined) return [];
  if (status >= 128) return [{ type: 37, status: replyStatusOf(status), prefixLength: req.prefixLength, address: req.address }];
  const g = c?.grant ?? null;
  if (g === null) return [];
  const out: MobilityOptionSpec[] = [];
  if (!(c!.refresh && quirks.has('pba-no-ipv4-reply-on-refresh'))) out.push({ type: 37, status: 0, prefixLength: g.prefixLength, address: g.address });
  if (!quirks.has('no-ipv4-default-router')) out.push({ type: 38, address: g.router });
  if (c!.dhcpServer !== undefined) out.push({ type: 39, S: c!.dhcpServer });
  return out;
}

/** An IPv4 HoA held by a binding; `pooled` when it goes back to the pool with it. */
export interface HeldIpv4 { grant: Ipv4Grant; pooled: number | null }

/** The LMA's IPv4 home addresses: the pool and the MNs' fixed ones. */
export class Ipv4HoaAssigner {
  private readonly pool: Ipv4Pool | null;

  constructor(prefix: Ipv4Prefix | null | undefined, fixed: Iterable<MobileNodePolicy>, private readonly quirks: Quirks) {
    const reserved = new Set<number>();
    for (const mn of fixed) if (mn.ipv4?.kind === 'static') reserved.add(mn.ipv4.prefix.address);
    this.pool = prefix === null || prefix === undefined ? null : new Ipv4Pool(prefix, reserved);
  }

  /** §3.1.2.2: the address of a new binding (or one gaining IPv4), or 171 / 130. */
  assign(req: Ipv4HoaRequestOption, mnId: string, mn: MobileNodePolicy): HeldIpv4 | number {
    const wanted = req.address === '0.0.0.0' ? null : ipv4Number(req.address);
    const foreign = (): HeldIpv4 | number => (this.quirks.has('ipv4-foreign-address-accepted') && wanted !== null
      ? { grant: { address: req.address, prefixLength: req.prefixLength || 24, router: defaultRouterOf({ address: wanted, length: req.prefixLength || 24, text: '' }) }, pooled: null }
      : BA_STATUS_CODE.NOT_AUTHORIZED_FOR_IPV4_HOME_ADDRESS);
    if (mn.ipv4?.kind === 'static') {
      const p = mn.ipv4.prefix;
      if (wanted !== null && wanted !== p.address) return foreign();
      return { grant: { address: ipv4String(p.address), prefixLength: p.length, router: defaultRouterOf(p) }, pooled: null };
    }
    if (this.pool === null) return BA_STATUS_CODE.INSUFFICIENT_RESOURCES;
    if (wanted !== null) return this.pool.claim(wanted, mnId) ? { grant: this.pool.grant(wanted), pooled: wanted } : foreign();
    const a = this.pool.allocate(mnId);
    return a === null ? BA_STATUS_CODE.INSUFFICIENT_RESOURCES : { grant: this.pool.grant(a), pooled: a };
  }

  /** A refresh or handover asking for an address: the binding's own (or 0.0.0.0) is fine, another is not. */
  keeps(held: HeldIpv4, req: Ipv4HoaRequestOption): boolean {
    return req.address === '0.0.0.0' || req.address === held.grant.address || this.quirks.has('ipv4-foreign-address-accepted');
  }

  release(held: HeldIpv4 | null): void {
    if (held?.pooled !== null && held?.pooled !== undefined) this.pool?.release(held.pooled);
  }
}
