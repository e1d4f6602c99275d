// The `tun` data plane's engine: pmipd's own native addon (pmipd/native, package pmipd-tunnel)
// opens one TUN device per peer and a protocol-41 raw socket bound to the local tunnel address,
// and a C thread of it forwards between them (see pmipd/native/src/tunnel.c). JavaScript only
// opens, reads the counters and closes.
import { createRequire } from 'node:module';

export interface TunPeer {
  /** TUN device name (< 16 characters); the routes toward `peer` point at it. */
  device: string;
  /** The tunnel's far end: the Proxy-CoA (at the LMA) or the LMAA (at a MAG); IPv4 ones over an IPv4 transport. */
  peer: string;
  /**
   * GRE instead of IPv6-in-IPv6 (RFC 5845): `outKey` goes into every packet sent, and only
   * packets carrying `inKey` (or no key, when it is absent) are taken. All peers of one tunnel or none.
   */
  gre?: GreKeys;
  /** IPv4 transport (a local and peer IPv4 address, RFC 5844 §4): IPv4-UDP port 5437 instead of plain IPv4 (F = 1). */
  udp?: boolean;
}

/** A GRE tunnel's keys: what it sends with and what it accepts. */
export interface GreKeys { outKey?: number; inKey?: number }

export interface TunCounters {
  encapsulated: number;
  decapsulated: number;
  droppedUnknownPeer: number;
  /** Outer CE on a Not-ECT inner packet (RFC 6040 §4.2), as ip6tnl drops it. */
  droppedEcn: number;
  droppedNotIpv6: number;
  errors: number;
  /** GRE packets from a known peer with a key no peer of this tunnel takes. */
  droppedGreKey: number;
  /** The last errno text of an error, if any. */
  lastError?: string;
}

interface Handle { readonly __tunnel: unique symbol }

interface TunnelModule {
  open(local: string, peers: TunPeer[], netns: string): Handle;
  counters(h: Handle): TunCounters;
  close(h: Handle): void;
  ignoreEcnOnExit(h: Handle): void;
  probe(netns: string): string | null;
  mhOpen(local: string): number;
  mhSend(fd: number, mh: Uint8Array, dst: string): void;
  mhClose(fd: number): void;
}

export class TunnelAddonUnavailable extends Error {
  override readonly name = 'TunnelAddonUnavailable';
}

let mod: TunnelModule | undefined;

/** The addon (also pmipd's bound Mobility Header socket, io/mh-socket.ts). */
export function tunnelModule(): TunnelModule {
  if (mod !== undefined) return mod;
  try {
    mod = createRequire(import.meta.url)('pmipd-tunnel') as TunnelModule;
  } catch (err) {
    throw new TunnelAddonUnavailable(
      `pmipd's tunnel addon (pmipd-tunnel) cannot be loaded: ${(err as Error).message.split('\n')[0]}; ` +
      'run `npm rebuild pmipd-tunnel` (node-gyp must build pmipd/native/build/Release/pmipd_tunnel.node)');
  }
  return mod;
}

const netnsPath = (netns: string | undefined) => (netns === undefined ? '' : `/run/netns/${netns}`);

/** Why the tun data plane cannot work here (no addon, no /dev/net/tun, no raw socket), or null. */
export function tunUnusableBecause(netns?: string): string | null {
  try {
    return tunnelModule().probe(netnsPath(netns));
  } catch (err) {
    return (err as Error).message;
  }
}

export class TunTunnel {
  private handle: Handle | null;

  private constructor(handle: Handle) { this.handle = handle; }

  /**
   * Creates the TUN devices (down, default MTU: the caller sets both) and starts forwarding.
   * `netns`: open them in that named namespace (tests); by default in the process's own.
   */
  static open(local: string, peers: TunPeer[], netns?: string): TunTunnel {
    return new TunTunnel(tunnelModule().open(local, peers, netnsPath(netns)));
  }

  counters(): TunCounters {
    if (this.handle === null) throw new Error('the tunnel is closed');
    return tunnelModule().counters(this.handle);
  }

  /** Decapsulation leaves the inner ECN field as it came, outer CE or not (quirk ecn-not-propagated). */
  ignoreEcnOnExit(): void {
    if (this.handle === null) throw new Error('the tunnel is closed');
    tunnelModule().ignoreEcnOnExit(this.handle);
  }

  /** Stops the thread and closes the descriptors: the TUN devices and their routes disappear. */
  close(): void {
    if (this.handle === null) return;
    tunnelModule().close(this.handle);
    this.handle = null;
  }
}
