// RFC 5845 GRE tunnels, one per (peer, keys): each mobility session has its own keys, so its own
// tunnel device, shared only by sessions with the same peer and keys (never, with pmipd's keys).
// Two engines: the kernel's ip6gre device (okey/ikey, encaplimit none) or pmipd's user-space
// engine (a TunTunnel of one GRE peer; its protocol-47 raw socket sees every GRE packet to the
// local address and takes those of its key only).
// Calls are synchronous: the lines go to the daemon's one `ip -batch` in call order, so a route
// queued after acquire() finds its device.
import type { Logger } from '../log.js';
import { IpBatch } from './ip-batch.js';
import { TunTunnel, type GreKeys } from './tun-tunnel.js';

export type GreEngine = 'ip6gre' | 'tun';
const DEVICE_PREFIX = 'pmipgre';

interface GreTunnel { device: string; users: Set<string>; tun: TunTunnel | null }

/**
 * Tries an ip6gre device and removes it again: null when the kernel has one (CONFIG_IPV6_GRE),
 * else what it said.
 */
export async function probeIp6gre(ip: IpBatch): Promise<string | null> {
  const f = await ip.run(['link add pmipd-probe1 type ip6gre local ::1 remote ::2 okey 1 ikey 2', 'link del pmipd-probe1']);
  return f.length === 0 ? null : f[0]!.message;
}

/** Routing table of the MAG's uplink through GRE device `device` (one per session). */
export function greUplinkTable(device: string): number {
  return 2000 + Number(device.slice(DEVICE_PREFIX.length));
}

/**
 * The GRE engine with `greKeys: true`: the kernel's ip6gre beside an ip6tnl data plane when it has
 * one, else the user-space engine; none without a tunnel back-end. Logged with the reason.
 */
export async function chooseGreEngine(ip: IpBatch, backend: string, log: Logger): Promise<GreEngine | null> {
  if (backend === 'none') {
    log.warn('gre-engine-chosen', { engine: 'none', why: 'no data plane: GRE keys are negotiated but no GRE tunnel is made' });
    return null;
  }
  if (backend === 'ip6tnl') {
    const failure = await probeIp6gre(ip);
    log.info('gre-engine-probe', { engine: 'ip6gre', ok: failure === null, said: failure ?? undefined });
    if (failure === null) { log.info('gre-engine-chosen', { engine: 'ip6gre' }); return 'ip6gre'; }
  }
  log.info('gre-engine-chosen', { engine: 'tun', why: backend === 'tun' ? 'the tun data plane' : 'no ip6gre in this kernel' });
  return 'tun';
}

export class GreTunnels {
  private readonly byParams = new Map<string, GreTunnel>();
  private readonly byUser = new Map<string, GreTunnel>();
  private next = 0;

  /** `transportMtu`: read when a device is made; the devices get it less `overhead` (40 + 8). */
  constructor(private readonly ip: IpBatch, private readonly log: Logger, readonly engine: GreEngine,
    private readonly local: string, private readonly transport: string, private readonly transportMtu: () => number,
    private readonly overhead: number) {}

  private apply(lines: string[], then?: () => void): void {
    this.ip.run(lines).then((f) => {
      for (const x of f) this.log.error('dataplane-failed', { command: x.command, why: x.message });
      then?.();
    }, (err: Error) => this.log.error('dataplane-failed', { command: lines.join('; '), why: err.message }));
  }

  /** The device carrying `user` (a session or prefix) to `peer` with `keys`; made on first use. */
  acquire(user: string, peer: string, keys: GreKeys): string {
    const params = `${peer} ${keys.outKey ?? '-'} ${keys.inKey ?? '-'}`;
    const held = this.byUser.get(user);
    let t = this.byParams.get(params);
    if (held !== undefined && held === t) return t.device;
    if (t === undefined) {
      const device = `${DEVICE_PREFIX}${this.next++}`;
      const lines: string[] = [];
      let tun: TunTunnel | null = null;
      if (this.engine === 'tun') {
        tun = TunTunnel.open(this.local, [{ device, peer, gre: keys }]);
      } else {
        const k = `${keys.outKey !== undefined ? ` okey ${keys.outKey}` : ''}${keys.inKey !== undefined ? ` ikey ${keys.inKey}` : ''}`;
        lines.push(`link add ${device} type ip6gre local ${this.local} remote ${peer}${k} encaplimit none dev ${this.transport}`);
      }
      // No link-local address: see noLinkLocal in backends.ts.
      lines.push(`link set ${device} addrgenmode none`, `link set ${device} mtu ${this.transportMtu() - this.overhead} up`);
      this.apply(lines);
      t = { device, users: new Set(), tun };
      this.byParams.set(params, t);
      this.log.info('gre-tunnel-up', { device, engine: this.engine, peer, outKey: keys.outKey, inKey: keys.inKey });
    }
    t.users.add(user);
    this.byUser.set(user, t);
    // The old one goes after the lines the caller queues in this turn (moving its routes here).
    if (held !== undefined) queueMicrotask(() => this.drop(user, held));
    return t.device;
  }

  /** `user` no longer needs its tunnel; the last user's going removes it (after the queued lines). */
  release(user: string): void {
    const t = this.byUser.get(user);
    if (t !== undefined) this.drop(user, t);
  }

  /** The lines giving every tunnel the MTU of a transport link of `transportMtu` (RA-11). */
  mtuLines(transportMtu: number): string[] {
    return [...this.byParams.values()].map((t) => `link set ${t.device} mtu ${transportMtu - this.overhead}`);
  }

  /** The device of `user`, if it has one. */
  deviceOf(user: string): string | undefined {
    return this.byUser.get(user)?.device;
  }

  private drop(user: string, t: GreTunnel): void {
    t.users.delete(user);
    if (this.byUser.get(user) === t) this.byUser.delete(user);
    if (t.users.size > 0) return;
    for (const [k, v] of this.byParams) if (v === t) this.byParams.delete(k);
    // A TUN device goes with its descriptor, once the lines queued before (route moves) ran.
    if (t.tun !== null) this.apply([], () => t.tun!.close());
    else this.apply([`link del ${t.device}`]);
    this.log.info('gre-tunnel-down', { device: t.device });
  }

  counters(): Record<string, number> {
    let decap = 0, encap = 0, badKey = 0;
    for (const t of this.byParams.values()) {
      if (t.tun === null) continue;
      const c = t.tun.counters();
      decap += c.decapsulated; encap += c.encapsulated; badKey += c.droppedGreKey;
    }
    return { gre_tunnels: this.byParams.size, gre_tun_encapsulated: encap, gre_tun_decapsulated: decap, gre_tun_dropped_key: badKey };
  }

  /** Removes every tunnel at once (daemon stop). */
  async close(): Promise<void> {
    const dels: string[] = [];
    for (const t of this.byParams.values()) {
      if (t.tun !== null) t.tun.close();
      else dels.push(`link del ${t.device}`);
    }
    this.byParams.clear();
    this.byUser.clear();
    for (const f of await this.ip.run(dels)) this.log.warn('dataplane-undo-failed', { command: f.command, why: f.message });
  }
}
