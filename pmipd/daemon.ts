// Wires the protocol cores to sockets, the kernel data plane, link events and the control socket.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UPN_REASON_CODE, decodeIcmpv6, formatIpv6, formatMac, fromHex, macFromEui64, parseIpv6, type Icmpv6Message } from '../wire/index.js';
import { RealClock } from './clock.js';
import type { DomainConfig, MagEntry } from './config.js';
import { FIXED_MAG_LINK_LOCAL, FIXED_MAG_MAC, RFC_MIN_HEARTBEAT_INTERVAL_S } from './config.js';
import { ControlRequestError, ControlSocket, type ControlRequest } from './control-socket.js';
import { BACKENDS, LmaTunnelDataplane, MagTunnelDataplane, NullDataplane, probeBackend, type BackendName } from './dataplane/backends.js';
import { OffloadRules } from './dataplane/offload-rules.js';
import { withOffload } from './mag/offload.js';
import { IpBatch } from './dataplane/ip-batch.js';
import { chooseGreEngine } from './dataplane/gre-tunnels.js';
import { readInterfaceFile } from './dataplane/sysctl.js';
import { Icmpv6Socket } from './io/icmpv6-socket.js';
import { LinkMonitor } from './io/link-monitor.js';
import { MhSocket } from './io/mh-socket.js';
import { Counters, Logger, type LogLevel } from './log.js';
import { LmaCore } from './lma/lma-core.js';
import { PolicyStore } from './lma/policy.js';
import { MagCore, type AccessLink, type HandoverKnowledge } from './mag/mag-core.js';
import { startDhcpv6Relay } from './mag/dhcpv6-relay.js';
import { startDhcpv4Access } from './mag/dhcpv4-access.js';
import { Quirks } from './quirks.js';
import { openRestartState, type RestartState } from './restart-state.js';
import { protectSignalling } from './ipsec/protect.js';
import { LmaIpv4Transport, MagIpv4Transport } from './ipv4/transport.js';
import { pollUntil, TimeoutError } from '../harness/poll.js';

export interface DaemonOptions {
  role: 'lma' | 'mag';
  config: DomainConfig;
  /** MAG name in the domain file (required for --role mag). */
  name?: string;
  controlPath?: string;
  quirks: string[];
  logLevel: LogLevel;
  /** Where the Restart Counter (RFC 5847) survives restarts; absent: nothing persists (counter 0). */
  stateDir?: string;
}

export class DaemonSetupError extends Error {
  override readonly name = 'DaemonSetupError';
}

export interface Daemon { stop(): Promise<void> }

interface BackendChoice {
  backend: BackendName | 'none';
  /** Set when `auto` found no back-end that works: what each probe said. */
  why?: string;
}

/**
 * `auto`: the first back-end whose probe works, in BACKENDS order, each probe logged; none working
 * leaves signalling only (`none`), said on the ready line. A configured back-end is taken as is.
 */
async function chooseBackend(ip: IpBatch, cfg: DomainConfig, transport: string, log: Logger): Promise<BackendChoice> {
  if (cfg.dataplane !== 'auto') return { backend: cfg.dataplane };
  const said: string[] = [];
  // RFC 5844: only tun carries IPv4 home addresses (next header 4), so a domain with them tries it first.
  const ipv4 = cfg.mobileNodes.some((mn) => (mn.ipv4?.kind ?? 'none') !== 'none');
  if (ipv4) log.info('dataplane-order', { first: 'tun', why: 'mobile nodes with IPv4 home addresses: only the tun back-end carries IPv4 inner packets' });
  for (const backend of ipv4 || cfg.ipv4Transport !== null ? ['tun' as const, ...BACKENDS.filter((b) => b !== 'tun')] : BACKENDS) {
    if (cfg.ipv4Transport !== null && backend !== 'tun') {
      // RFC 5844 §4: the kernel tunnels pmipd drives here are IPv6-in-IPv6 (or GRE in IPv6) only.
      log.info('dataplane-probe', { backend, ok: false, said: 'skipped: cannot tunnel over an IPv4 transport (ipv4Transport)' });
      said.push(`${backend}: cannot tunnel over IPv4`);
      continue;
    }
    if (cfg.greKeys && backend === 'seg6') {
      // RFC 5845 sessions need GRE, which seg6 encapsulation cannot make.
      log.info('dataplane-probe', { backend, ok: false, said: 'skipped: seg6 cannot encapsulate in GRE (greKeys: true)' });
      said.push(`${backend}: cannot do GRE`);
      continue;
    }
    const failure = await probeBackend(ip, backend, transport);
    log.info('dataplane-probe', { backend, ok: failure === null, said: failure ?? undefined });
    if (failure === null) {
      log.info('dataplane-chosen', { backend });
      return { backend };
    }
    said.push(`${backend}: ${failure}`);
  }
  const why = `no IPv6-in-IPv6 data plane on this kernel: ${said.join('; ')}`;
  log.warn('dataplane-chosen', { backend: 'none', why });
  return { backend: 'none', why };
}

/**
 * A data plane that cannot be set up ends the daemon with one line: the command and what it said.
 * What it did set up is removed first; once it runs, the daemon's clean-up removes it.
 */
async function startDataplane(c: Ctx, dataplane: LmaTunnelDataplane | MagTunnelDataplane): Promise<void> {
  try {
    await dataplane.start();
  } catch (err) {
    await dataplane.stop(true);
    throw new DaemonSetupError(`data plane ${dataplane.name} could not be set up: ${(err as Error).message.split('\n')[0]}`);
  }
  c.cleanups.push(() => dataplane.stop());
}

/**
 * A received-message handler whose exception ends the daemon: raw-socket would turn it into an
 * 'error' event, logged, and go on as if nothing happened. A bug in message handling is a crash
 * (uncaught, with its stack), loud, as robustness testing (`pmip-testbed fuzz`) expects of any daemon.
 */
function crashOnThrow(handle: (buf: Buffer, src: string) => void): (buf: Buffer, src: string) => void {
  return (buf, src) => {
    try {
      handle(buf, src);
    } catch (err) {
      process.nextTick(() => { throw err; });
    }
  };
}

function ifaceExists(iface: string): boolean {
  try { readInterfaceFile(iface, 'ifindex'); return true; } catch { return false; }
}

/** The MTU assumed for a transport interface that does not exist (`dataplane: none`). */
const DEFAULT_MTU = 1500;

/** /proc/net/if_inet6 flag bits (IFA_F_*) and the link-local scope. */
const IFA_F_NODAD = 0x02, IFA_F_DADFAILED = 0x08, IFA_F_TENTATIVE = 0x40, SCOPE_LINK = 0x20;

/**
 * The kernel's own link-local address of `iface`, or null while it has none (it appears when the
 * link first gets carrier). Addresses pmipd adds (session LLAs, RFC 6543) are `nodad`: skipped.
 */
function linkLocalOf(iface: string): string | null {
  for (const line of readFileSync('/proc/net/if_inet6', 'utf8').split('\n')) {
    const [hex, , , scope, flags, name] = line.trim().split(/\s+/);
    if (name !== iface || hex === undefined || Number.parseInt(scope!, 16) !== SCOPE_LINK) continue;
    if ((Number.parseInt(flags!, 16) & (IFA_F_NODAD | IFA_F_DADFAILED | IFA_F_TENTATIVE)) !== 0) continue;
    return formatIpv6(fromHex(hex), 0);
  }
  return null;
}

export async function startDaemon(o: DaemonOptions): Promise<Daemon> {
  const clock = new RealClock();
  const counters = new Counters();
  const role = o.role === 'lma' ? o.config.lma.name : o.name ?? 'mag';
  const log = new Logger(clock, role, o.logLevel);
  const quirks = new Quirks(o.quirks, o.role);
  if (quirks.list().length > 0) log.warn('quirks-enabled', { quirks: quirks.list() });
  const ip = new IpBatch();
  const cleanups: (() => Promise<void> | void)[] = [() => ip.close()];
  const stop = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try { await c(); } catch (err) { log.warn('cleanup-failed', { why: (err as Error).message }); }
    }
  };
  try {
    const restart = openRestartState(o.stateDir ?? null, o.role === 'lma' ? 'lma' : `mag-${o.name ?? 'mag'}`);
    const hb = o.config.heartbeat;
    if (hb !== null) {
      log.info('heartbeat', { intervalMs: hb.intervalMs, missingAllowed: hb.missingAllowed, restartCounter: restart.restartCounter, formerPeers: restart.formerPeers.length });
      if (hb.intervalMs < RFC_MIN_HEARTBEAT_INTERVAL_S * 1000) log.warn('heartbeat-interval-short', { intervalMs: hb.intervalMs, rfcMinimumMs: RFC_MIN_HEARTBEAT_INTERVAL_S * 1000, why: 'RFC 5847 §5: 30-3600 s; shorter only for tests' });
    }
    const ctx: Ctx = { clock, counters, log, quirks, ip, cleanups, restart, dataplaneCounters: () => ({}) };
    if (o.role === 'lma') await startLma(o, ctx);
    else await startMag(o, ctx);
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}

interface Ctx {
  clock: RealClock;
  counters: Counters;
  log: Logger;
  quirks: Quirks;
  ip: IpBatch;
  cleanups: (() => Promise<void> | void)[];
  restart: RestartState;
  /** The data plane's own counters (the tun back-end's packets), read when asked. */
  dataplaneCounters: () => Record<string, number>;
}

function allCounters(c: Ctx): Record<string, number> {
  return { ...c.counters.snapshot(), ...c.dataplaneCounters() };
}

function requireIface(iface: string, what: string): void {
  if (!ifaceExists(iface)) throw new DaemonSetupError(`${what} ${iface} does not exist in this network namespace`);
}

async function startLma(o: DaemonOptions, c: Ctx): Promise<void> {
  const cfg = o.config;
  if (cfg.dataplane !== 'none') requireIface(cfg.lma.transportInterface, 'lma.transportInterface');
  const { backend, why } = await chooseBackend(c.ip, cfg, cfg.lma.transportInterface, c.log);
  const dataplane = backend === 'none' ? new NullDataplane(c.log)
    : new LmaTunnelDataplane(c.ip, c.log, backend, cfg.lma.address, cfg.lma.transportInterface, cfg.mags.map((m) => m.address), c.quirks);
  const greEngine = cfg.greKeys ? await chooseGreEngine(c.ip, backend, c.log) : null;
  if (greEngine !== null && dataplane instanceof LmaTunnelDataplane) dataplane.enableGre(greEngine, cfg.lma.address, cfg.lma.transportInterface);
  const v4 = cfg.ipv4Transport === null ? null : new LmaIpv4Transport(cfg.ipv4Transport, cfg.mags, c.quirks, c.log);
  if (v4 !== null && dataplane instanceof LmaTunnelDataplane) dataplane.useIpv4Transport(v4.tunPlan(cfg.mags));
  c.dataplaneCounters = () => dataplane.counters();
  if (dataplane instanceof LmaTunnelDataplane) {
    await startDataplane(c, dataplane);
  }
  let sock: MhSocket | null = null;
  const core = new LmaCore({
    settings: cfg.lma, policy: new PolicyStore(cfg.mobileNodes, cfg.mags), clock: c.clock, dataplane, quirks: c.quirks,
    log: c.log, counters: c.counters, heartbeat: cfg.heartbeat, restart: c.restart, revocation: cfg.revocation, updateNotifications: cfg.updateNotifications,
    greKeys: cfg.greKeys,
    ...(cfg.ipv4Dhcp.announce ? { ipv4DhcpServer: cfg.ipv4Dhcp.mode === 'server' } : {}),
    ...(cfg.offload !== null ? { offload: cfg.offload.ipv4 } : {}),
    ...(v4 !== null ? { forcedUdp: v4 } : {}),
    send: (bytes, dst) => {
      (v4?.send(bytes, dst) ?? sock?.send(bytes, dst))?.then(() => undefined, (err: Error) => { c.counters.inc('send_errors'); c.log.error('mh-send-failed', { dst, why: err.message }); });
    },
  });
  c.cleanups.push(() => core.close());
  // Removed last: after the socket closed (cleanups run in reverse).
  c.cleanups.push(await protectSignalling({
    settings: cfg.ipsec, role: 'lma', self: cfg.lma.address, pairs: cfg.mags.map((m) => ({ mag: m.name, peer: m.address })), quirks: c.quirks, log: c.log,
  }));
  sock = new MhSocket(cfg.lma.address, crashOnThrow((buf, src) => core.receive(buf, src)), (err) => c.log.error('mh-socket', { why: err.message }), cfg.ipsec.mode !== 'off');
  c.cleanups.push(() => sock!.close());
  if (v4 !== null) await openIpv4Transport(c, v4, (buf, src) => core.receive(buf, src));
  core.announceRestart();
  await control(o, c, (req) => {
    switch (req.cmd) {
      case 'dump': return { role: 'lma', bindingCache: core.bindings(), heartbeat: core.heartbeatState(), counters: allCounters(c), poolAllocated: core.pool.allocated };
      case 'revoke': return { bris: revoke(core, req) };
      case 'notify': return { upns: notify(core, req) };
      default: return undefined;
    }
  });
  c.log.info('ready', { role: 'lma', lmaa: cfg.lma.address, dataplane: backend, dataplaneWhy: why, ipsec: cfg.ipsec.mode, mags: cfg.mags.length, mobileNodes: cfg.mobileNodes.length });
}

/** RFC 5844 §4: the UDP 5436 socket; an address it cannot bind (not configured here) ends the daemon with one line. */
async function openIpv4Transport(c: Ctx, t: LmaIpv4Transport | MagIpv4Transport, deliver: (buf: Buffer, src: string) => void): Promise<void> {
  try {
    await t.open(crashOnThrow(deliver), (err) => c.log.error('udp-mh-socket', { why: err.message }));
  } catch (err) {
    throw new DaemonSetupError(`ipv4Transport: cannot bind UDP port 5436: ${(err as Error).message}`);
  }
  c.cleanups.push(() => t.close());
}

function accessLink(iface: string): AccessLink & { linkLocal: string | null } {
  return { iface, mac: readInterfaceFile(iface, 'address'), linkLocal: linkLocalOf(iface) };
}

async function startMag(o: DaemonOptions, c: Ctx): Promise<void> {
  const cfg = o.config;
  const self: MagEntry | undefined = cfg.mags.find((m) => m.name === o.name);
  if (self === undefined) throw new DaemonSetupError(`no MAG named "${o.name ?? ''}" in ${cfg.file} (give --name; known: ${cfg.mags.map((m) => m.name).join(', ')})`);
  for (const a of self.accessInterfaces) requireIface(a, 'access interface');
  if (cfg.dataplane !== 'none') requireIface(self.transportInterface, 'transportInterface');
  const { backend, why } = await chooseBackend(c.ip, cfg, self.transportInterface, c.log);
  const fixed = cfg.fixedMagAddresses ? { address: FIXED_MAG_LINK_LOCAL, mac: FIXED_MAG_MAC } : null;
  const dataplane = new MagTunnelDataplane(c.ip, c.log, backend, self.address, cfg.lma.address, self.transportInterface, fixed, self.accessInterfaces,
    c.quirks);
  const greEngine = cfg.greKeys ? await chooseGreEngine(c.ip, backend, c.log) : null;
  if (greEngine !== null) dataplane.enableGre(greEngine, self.address, self.transportInterface);
  const v4 = cfg.ipv4Transport === null ? null : new MagIpv4Transport(cfg.ipv4Transport, self.name, cfg.lma.address, c.quirks, c.log);
  if (v4 !== null) dataplane.useIpv4Transport(v4.tunPlan());
  c.dataplaneCounters = () => dataplane.counters();
  await startDataplane(c, dataplane);
  const breakout = cfg.offload?.mags.get(self.name);
  const offload = breakout === undefined ? null : new OffloadRules(breakout, cfg.offload!.ipv6, c.log, c.quirks);
  if (offload !== null) {
    requireIface(breakout!.interface, 'offload breakout interface');
    c.cleanups.push(() => offload.stop());
    await offload.start().catch((err: Error) => { throw new DaemonSetupError(`offload breakout on ${breakout!.interface} could not be set up: ${err.message.split('\n')[0]}`); });
  }
  const links = new Map(self.accessInterfaces.map((a) => [a, accessLink(a)]));
  const mtuOf = (iface: string) => (ifaceExists(iface) ? Number(readInterfaceFile(iface, 'mtu')) : DEFAULT_MTU);
  let mh: MhSocket | null = null;
  const icmp = new Map<string, Icmpv6Socket>();
  const core = new MagCore({
    ...(cfg.mag.accessNetworkStateDir !== null ? { handoverKnowledge: fileKnowledge(cfg.mag.accessNetworkStateDir) } : {}),
    self, domain: cfg, links, clock: c.clock, dataplane: offload === null ? dataplane : withOffload(dataplane, offload), quirks: c.quirks, log: c.log, counters: c.counters, restart: c.restart,
    ...(v4 !== null ? { ipv4Transport: v4.pbuExtras() } : {}),
    io: {
      sendMh: (bytes, dst) => {
        (v4?.send(bytes, dst) ?? mh?.send(bytes, dst))?.then(() => undefined, (err: Error) => { c.counters.inc('send_errors'); c.log.error('mh-send-failed', { dst, why: err.message }); });
      },
      sendIcmp: (iface, bytes, dst, src) => {
        const link = links.get(iface);
        if (link !== undefined && link.linkLocal === null) link.linkLocal = linkLocalOf(iface);
        const from = src ?? link?.linkLocal;
        if (from === null || from === undefined) { c.log.error('icmp-no-source', { iface }); return; }
        icmp.get(iface)?.send(bytes, from, dst).then(() => undefined, (err: Error) => { c.counters.inc('send_errors'); c.log.error('icmp-send-failed', { iface, dst, why: err.message }); });
      },
      mtu: mtuOf,
    },
  });
  c.cleanups.push(() => core.close());
  // Before the first PBU (ikev2: once the IKE daemon's SAs exist); removed after the de-registrations.
  c.cleanups.push(await protectSignalling({
    settings: cfg.ipsec, role: 'mag', self: self.address, pairs: [{ mag: self.name, peer: cfg.lma.address }], quirks: c.quirks, log: c.log,
  }));
  mh = new MhSocket(self.address, crashOnThrow((buf, src) => core.receive(buf, src)), (err) => c.log.error('mh-socket', { why: err.message }), cfg.ipsec.mode !== 'off');
  c.cleanups.push(() => mh!.close());
  if (v4 !== null) await openIpv4Transport(c, v4, (buf, src) => core.receive(buf, src));
  core.announceRestart();
  for (const iface of self.accessInterfaces) {
    const s = new Icmpv6Socket(iface, [133, 136], crashOnThrow((buf, src) => onIcmp(core, c, iface, buf, src)), (err) => c.log.error('icmp-socket', { iface, why: err.message }));
    icmp.set(iface, s);
    c.cleanups.push(() => s.close());
  }
  if (cfg.dhcpv6 !== null) {
    c.cleanups.push(await startDhcpv6Relay({
      server: cfg.dhcpv6.server, self, accessInterfaces: self.accessInterfaces, sessions: () => core.dump(), quirks: c.quirks, log: c.log, counters: c.counters,
    }));
  }
  if (cfg.mobileNodes.some((mn) => (mn.ipv4?.kind ?? 'none') !== 'none')) {
    c.cleanups.push(await startDhcpv4Access({
      defaultMode: cfg.ipv4Dhcp.mode, relayServer: cfg.ipv4Dhcp.server, accessInterfaces: self.accessInterfaces, sessions: () => core.dump(),
      quirks: c.quirks, log: c.log, counters: c.counters,
    }));
  }
  if (cfg.dataplane !== 'none') {
    // RFC 2473 §7.1: Packet Too Big messages about the tunnel's packets set the tunnel MTU.
    const ptb = new Icmpv6Socket(self.transportInterface, [ICMPV6_PACKET_TOO_BIG], crashOnThrow((buf) => onTransportPtb(core, self.address, cfg.lma.address, buf)),
      (err) => c.log.error('icmp-socket', { iface: self.transportInterface, why: err.message }));
    c.cleanups.push(() => ptb.close());
  }
  const monitor = new LinkMonitor({ carrier: (iface, up) => core.onLinkChange(iface, up), mtu: (iface, mtu) => core.onMtuChange(iface, mtu) });
  for (const a of self.accessInterfaces) monitor.watch(a, { up: readInterfaceFile(a, 'carrier') === '1', mtu: mtuOf(a) });
  // RA-11: the tunnel's path MTU is the transport link's.
  if (ifaceExists(self.transportInterface)) monitor.watch(self.transportInterface, { up: true, mtu: mtuOf(self.transportInterface) });
  c.cleanups.push(() => monitor.close());
  // On shutdown the sessions are de-registered first (DEREG-01), for at most a second.
  c.cleanups.push(async () => {
    core.deregisterAll('pmipd stopping');
    await pollUntil(() => core.bul.size === 0, { what: 'the de-registrations to be answered', timeoutMs: 1200, maxIntervalMs: 10 })
      .catch((err: unknown) => { if (!(err instanceof TimeoutError)) throw err; });
  });
  await control(o, c, (req) => {
    const mn = typeof req.mn === 'string' ? req.mn : undefined;
    const need = () => { if (mn === undefined) throw new ControlRequestError(`"${String(req.cmd)}" needs "mn": an NAI`); return mn; };
    const check = (err: string | null) => { if (err !== null) throw new ControlRequestError(err); return {}; };
    const hi = req.hi === undefined ? undefined : Number(req.hi);
    switch (req.cmd) {
      case 'dump': return { role: 'mag', name: self.name, bindingUpdateList: core.dump(), heartbeat: core.heartbeatState(), counters: allCounters(c) };
      case 'attach': {
        const iface = typeof req.iface === 'string' ? req.iface : self.accessInterfaces[0]!;
        return check(core.attachByName(need(), iface, hi));
      }
      case 'detach': return check(core.detachByName(need()));
      case 'expect-handover': return check(core.expectHandover(need(), hi ?? 3));
      default: return undefined;
    }
  });
  c.log.info('ready', { role: 'mag', name: self.name, pcoa: self.address, lmaa: cfg.lma.address, dataplane: backend, dataplaneWhy: why, ipsec: cfg.ipsec.mode, access: self.accessInterfaces });
}

/**
 * Control socket `revoke` (RFC 5846): {"mn": NAI} every binding of an MN, {"hnp": PREFIX} the one
 * holding a prefix, {"global": true[, "mag": NAME|ADDRESS]} all bindings of a MAG (G = 1);
 * "trigger" overrides the Revocation Trigger.
 */
function revoke(core: LmaCore, req: ControlRequest): number {
  const trigger = req.trigger === undefined ? undefined : Number(req.trigger);
  if (trigger !== undefined && !(Number.isInteger(trigger) && trigger >= 0 && trigger <= 255)) throw new ControlRequestError('"trigger" is a Revocation Trigger, 0-255');
  const target = typeof req.mn === 'string' ? { mn: req.mn }
    : typeof req.hnp === 'string' ? { hnp: req.hnp }
      : req.global === true ? { global: true as const, ...(typeof req.mag === 'string' ? { mag: req.mag } : {}) } : undefined;
  if (target === undefined) throw new ControlRequestError('"revoke" needs "mn" (an NAI), "hnp" (a prefix) or "global": true (with "mag")');
  try {
    return core.revoke(target, trigger);
  } catch (err) {
    throw new ControlRequestError((err as Error).message);
  }
}

/**
 * Control socket `notify` (RFC 7077): {"mn": NAI} or {"group": true[, "mag": NAME|ADDRESS]},
 * "reason" (1 FORCE-REREGISTRATION, 2 UPDATE-SESSION-PARAMETERS, 3 VENDOR-SPECIFIC-REASON,
 * 4 ANI-PARAMS-REQUESTED, or the name), "ack" to set or clear the A flag.
 */
function notify(core: LmaCore, req: ControlRequest): number[] {
  const named = typeof req.reason === 'string' ? (UPN_REASON_CODE as Record<string, number>)[req.reason.toUpperCase().replace(/-/g, '_')] : Number(req.reason);
  if (named === undefined || !(Number.isInteger(named) && named >= 1 && named <= 254)) throw new ControlRequestError('"reason" is a Notification Reason: 1-254 or a name (FORCE-REREGISTRATION, ...)');
  const target = typeof req.mn === 'string' ? { mn: req.mn } : req.group === true ? { group: true as const, ...(typeof req.mag === 'string' ? { mag: req.mag } : {}) } : undefined;
  if (target === undefined) throw new ControlRequestError('"notify" needs "mn" (an NAI) or "group": true (with "mag")');
  try {
    return core.notify(target, named, typeof req.ack === 'boolean' ? req.ack : undefined);
  } catch (err) {
    throw new ControlRequestError((err as Error).message);
  }
}

/** One small file per MN in a directory the MAGs share; written atomically (rename). */
function fileKnowledge(dir: string): HandoverKnowledge {
  mkdirSync(dir, { recursive: true });
  const file = (nai: string) => join(dir, encodeURIComponent(nai));
  return {
    lastMag(nai) {
      try { return (JSON.parse(readFileSync(file(nai), 'utf8')) as { mag: string }).mag; } catch { return null; }
    },
    record(nai, mag) {
      const tmp = `${file(nai)}.${process.pid}`;
      writeFileSync(tmp, JSON.stringify({ mag, at: new Date().toISOString() }));
      renameSync(tmp, file(nai));
    },
  };
}

function onIcmp(core: MagCore, c: Ctx, iface: string, buf: Buffer, src: string): void {
  const addrs = new Uint8Array(32);
  let srcBytes: Uint8Array;
  try { srcBytes = parseIpv6(src); } catch { return; }
  addrs.set(srcBytes, 0);
  // The kernel has verified the checksum; the decoder's own check is not used.
  let msg: Icmpv6Message | null;
  try {
    msg = decodeIcmpv6(buf, 0, buf.length, { addrBuf: addrs, srcOff: 0, dstOff: 16 });
  } catch {
    msg = null;
  }
  if (msg === null || msg.malformed !== undefined || msg.code !== 0) {
    c.counters.inc('malformed_nd_dropped');
    c.log.warn('nd-malformed-dropped', { iface, src, why: msg === null ? `${buf.length} octets are too short` : msg.malformed ?? `code ${msg.code}` });
    return;
  }
  if (msg.name === 'RS') {
    const eui = src.startsWith('fe80:') ? macFromEui64(srcBytes) : null;
    const sll = msg.sourceLinkLayer !== undefined && msg.sourceLinkLayer.length === 17 ? msg.sourceLinkLayer : null;
    core.onRouterSolicitation(iface, src, sll, eui === null ? null : formatMac(eui, 0));
  } else if (msg.name === 'NA') {
    core.onNeighborAdvertisement(iface, msg.target);
  }
}

const ICMPV6_PACKET_TOO_BIG = 2;

/**
 * A Packet Too Big received on the transport link: only one whose invoking packet is our own
 * tunnelled packet (Proxy-CoA → LMAA, next header 41) says something about the tunnel's path.
 */
function onTransportPtb(core: MagCore, pcoa: string, lmaa: string, buf: Buffer): void {
  // ICMPv6 header (8 octets: type, code, checksum, MTU), then the invoking packet's IPv6 header.
  if (buf.length < 8 + 40 || buf[0] !== ICMPV6_PACKET_TOO_BIG || (buf[8]! >> 4) !== 6) return;
  if (buf[8 + 6] !== 41 || formatIpv6(buf, 8 + 8) !== pcoa || formatIpv6(buf, 8 + 24) !== lmaa) return;
  core.onTunnelPacketTooBig(buf.readUInt32BE(4));
}

async function control(o: DaemonOptions, c: Ctx, roleHandler: (req: ControlRequest) => Record<string, unknown> | undefined): Promise<void> {
  if (o.controlPath === undefined) return;
  const sock = await ControlSocket.listen(o.controlPath, (req) => {
    if (req.cmd === 'ping') return { pong: true };
    if (req.cmd === 'counters') return { counters: allCounters(c) };
    const r = roleHandler(req);
    if (r === undefined) throw new ControlRequestError(`unknown command ${JSON.stringify(req.cmd)}; known: ping, counters, dump${o.role === 'mag' ? ', attach, detach, expect-handover' : ', revoke, notify'}`);
    c.log.debug('control', { cmd: String(req.cmd) });
    return r;
  });
  c.cleanups.push(() => sock.close());
}
