// The IPv4 half of the data plane (RFC 5844 §3.1.3, §3.2.4): IPv4 home addresses ride the same
// tunnel as IPv6, as next header 4 (in a GRE-keyed session's own tunnel: protocol type 0x0800). Only the tun back-end carries them (its engine takes IPv4 inner
// packets); ip6tnl is created in mode ip6ip6 and seg6 steers next header 41 only, so with them an
// IPv4 session is signalled but not forwarded (logged once). The data plane's `ip -batch` runs
// with -6, so IPv4 gets a batch of its own (-4), in the same namespace, started on first use.
import type { Ipv4Grant } from '../ipv4/addresses.js';
import type { Logger } from '../log.js';
import { IpBatch } from './ip-batch.js';
import { setSysctl } from './sysctl.js';

export class Ipv4Routes {
  /** Access interface + default-router address -> sessions using it (the MAG answers ARP for it). */
  private readonly routerUsers = new Map<string, number>();
  /** Access interface + HoA -> the source its uplink rule selects (the HoA; any with a quirk) and that rule's table. */
  private readonly uplinkFrom = new Map<string, { from: string; table: number }>();
  private ipForward: string | null = null;
  private warned = false;
  private batch: IpBatch | null = null;

  /** `ip6`: the data plane's batch (its namespace is this one's); `carries`: the back-end forwards IPv4 inner packets (tun). */
  constructor(private readonly ip6: IpBatch, private readonly log: Logger, private readonly carries: boolean,
    private readonly table: number, private readonly pref: number) {}

  private async ip(args: string[], quiet = false): Promise<void> {
    this.batch ??= new IpBatch(this.ip6.netns, '-4');
    const command = args.join(' ');
    const failures = await this.batch.run([command]).catch((err: Error) => [{ command, message: err.message }]);
    if (!quiet) for (const f of failures) this.log.error('dataplane-failed', { command: `ip -4 ${f.command}`, why: f.message });
  }

  private usable(what: string): boolean {
    if (!this.carries && !this.warned) {
      this.warned = true;
      this.log.warn('ipv4-dataplane-unavailable', { why: `only the tun back-end carries IPv4 home addresses; ${what} is signalled, not forwarded` });
    }
    return this.carries;
  }

  private forwarding(): void {
    if (this.ipForward === null) this.ipForward = setSysctl('net.ipv4.ip_forward', 1);
  }

  /** MAG: IPv4 from the MN into `device` (the uplink table), IPv4 to it onto its link, ARP for the router. */
  async startMag(device: string): Promise<void> {
    if (!this.carries) return;
    this.forwarding();
    await this.ip(['route', 'flush', 'table', String(this.table)], true);
    await this.ip(['route', 'add', 'default', 'dev', device, 'table', String(this.table)]);
  }

  /**
   * `uplink`: the session's own tunnel and table (RFC 5845 GRE keys: one device per session) instead
   * of the shared one; its IPv4 default route is made here (the table's IPv6 routes are the caller's).
   */
  async addMnSession(iface: string, g: Ipv4Grant, anySource = false, uplink?: { table: number; device: string }): Promise<void> {
    if (!this.usable(`IPv4 HoA ${g.address}`)) return;
    const key = `${iface} ${g.router}`;
    const n = this.routerUsers.get(key) ?? 0;
    this.routerUsers.set(key, n + 1);
    // V4-10: the MAG is the MN's default router: it owns the address (and so answers ARP for it).
    if (n === 0 && g.router !== '') await this.ip(['addr', 'replace', `${g.router}/32`, 'dev', iface]);
    await this.ip(['route', 'replace', `${g.address}/32`, 'dev', iface]);
    // V4-09: only the assigned HoA enters the tunnel from this link.
    const from = anySource ? '0.0.0.0/0' : `${g.address}/32`;
    const table = uplink?.table ?? this.table;
    this.uplinkFrom.set(`${iface} ${g.address}`, { from, table });
    if (uplink !== undefined) await this.ip(['route', 'replace', 'default', 'dev', uplink.device, 'table', String(table)]);
    await this.ip(['rule', 'add', 'pref', String(this.pref), 'from', from, 'iif', iface, 'table', String(table)]);
  }

  async removeMnSession(iface: string, g: Ipv4Grant): Promise<void> {
    if (!this.carries) return;
    const { from, table } = this.uplinkFrom.get(`${iface} ${g.address}`) ?? { from: `${g.address}/32`, table: this.table };
    this.uplinkFrom.delete(`${iface} ${g.address}`);
    await this.ip(['rule', 'del', 'pref', String(this.pref), 'from', from, 'iif', iface, 'table', String(table)], true);
    await this.ip(['route', 'del', `${g.address}/32`, 'dev', iface], true);
    const key = `${iface} ${g.router}`;
    const n = (this.routerUsers.get(key) ?? 1) - 1;
    if (n > 0) { this.routerUsers.set(key, n); return; }
    this.routerUsers.delete(key);
    if (g.router !== '') await this.ip(['addr', 'del', `${g.router}/32`, 'dev', iface], true);
  }

  /** LMA: the HoA's downlink into the tunnel toward its MAG. */
  async routeHoa(address: string, device: string): Promise<void> {
    if (!this.usable(`IPv4 HoA ${address}`)) return;
    this.forwarding();
    await this.ip(['route', 'replace', `${address}/32`, 'dev', device]);
  }

  async removeHoa(address: string): Promise<void> {
    if (this.carries) await this.ip(['route', 'del', `${address}/32`], true);
  }

  async stop(): Promise<void> {
    if (this.carries) await this.ip(['route', 'flush', 'table', String(this.table)], true);
    if (this.ipForward !== null) { try { setSysctl('net.ipv4.ip_forward', this.ipForward); } catch { /* gone */ } }
    this.ipForward = null;
    await this.batch?.close();
    this.batch = null;
  }
}
