// The MAG as a state machine: MN detection (RS, link events, control commands) drives the Binding
// Update List; PBUs with retransmission and refresh go to the LMA; accepted PBAs install the data
// plane and start the home-link emulation (RAs). No sockets here: the daemon wires them in.
import {
  BA_STATUS, BA_STATUS_CODE, MH_OPTION, encodeIcmpv6, encodeMobilityHeader, findOption, findOptions, parsePrefix,
  BRA_STATUS_CODE, UPA_STATUS_CODE, UPN_REASON_CODE, randomLinkLocal, toHex, type UpdateNotification, sameAddress, type BindingAck, type BindingError, type BindingRevocationIndication,
  type HeartbeatMessage, type MobilityOptionSpec, type Prefix, type Ipv4TrafficSelector,
} from '../../wire/index.js';
import { Heartbeat } from '../heartbeat.js';
import type { RestartState } from '../restart-state.js';
import type { Clock } from '../clock.js';
import { FIXED_MAG_LINK_LOCAL, FIXED_MAG_MAC, type DomainConfig, type MagEntry, type MobileNodePolicy } from '../config.js';
import type { Counters, Logger } from '../log.js';
import { MhScreen } from '../mh-screen.js';
import { GRE_KEYED_HEADER, GreKeyAllocator, tunnelKeys } from '../gre-keys.js';
import type { GreKeys } from '../dataplane/tun-tunnel.js';
import type { Quirks } from '../quirks.js';
import { BindingUpdateList, type BulEntry, type PbuKind } from './bul.js';
import { buildPbu, handoffIndicator } from './pbu-builder.js';
import { grantedIpv4 } from './ipv4-request.js';
import { grantedSelectors, OFFLOAD_REQUEST } from './offload.js';
import type { Ipv4Grant } from '../ipv4/addresses.js';
import { MAX_QUICK_RETRIES, nextTimeout } from './retransmit.js';
import { buildPresenceProbe, buildRouterAdvertisement } from './router-advert.js';

export interface AccessLink { iface: string; mac: string }

/** What the data plane must carry for one session; `gre`: in a GRE tunnel with these keys (RFC 5845). */
export interface SessionRoute {
  iface: string; hnps: readonly Prefix[]; lla: string | null; lma: string; gre?: GreKeys; ipv4?: Ipv4Grant | null;
  /** Quirk ipv4-any-source-tunnelled: every IPv4 source from the MN's link enters the tunnel. */
  ipv4AnySource?: boolean;
  /** RFC 6909: the IPv4 flows to break out locally instead (the PBA's selectors). */
  offload?: readonly Ipv4TrafficSelector[];
}

/** The MAG side of the data plane (pmipd/dataplane/). Resolves once the kernel has it. */
export interface MagDataplane {
  addSession(s: SessionRoute): Promise<void>;
  removeSession(s: SessionRoute): Promise<void>;
  /** The transport link's MTU changed: the tunnel follows it (RA-11). */
  transportMtuChanged(mtu: number): Promise<void>;
}

export interface MagIo {
  sendMh(bytes: Uint8Array, dst: string): void;
  /** An ICMPv6 message out of `iface`; `src` null lets the kernel pick the interface's link-local. */
  sendIcmp(iface: string, bytes: Uint8Array, dst: string, src: string | null): void;
  /** The MTU of a local interface now (read for every RA: it can change at any time, RA-11). */
  mtu(iface: string): number;
}

/** Where an MN was last registered in the access network (see MagSettings.accessNetworkStateDir). */
export interface HandoverKnowledge {
  lastMag(nai: string): string | null;
  record(nai: string, mag: string): void;
}

export interface MagCoreOptions {
  self: MagEntry;
  domain: DomainConfig;
  links: ReadonlyMap<string, AccessLink>;
  clock: Clock;
  dataplane: MagDataplane;
  io: MagIo;
  quirks: Quirks;
  log: Logger;
  counters: Counters;
  handoverKnowledge?: HandoverKnowledge;
  /** The persisted Restart Counter and former peers (none: counter 0, nothing announced). */
  restart?: RestartState;
  /** RFC 5844 §4 (domain ipv4Transport): what each PBU adds over IPv4. */
  ipv4Transport?: { forceUdp: boolean; pcoa: string };
}

/** How long a handover hint from the control socket waits for the MN to show up. */
const HINT_TTL_MS = 10_000;
/** Presence probe: NS tries and the gap between them. */
const PROBE_TRIES = 3;
const PROBE_GAP_MS = 300;
/** Tunnel overhead of IPv6-in-IPv6 without an encapsulation-limit option (devices use encaplimit none). */
export const TUNNEL_OVERHEAD = 40;
/** RFC 8200 §5: no link of an IPv6 path has a smaller MTU. */
export const IPV6_MIN_MTU = 1280;

export interface BulDump {
  mnId: string;
  mac: string;
  iface: string;
  state: string;
  hnps: string[];
  lla: string | null;
  lifetime: number;
  lma: string;
  outstandingSeq: number | null;
  installed: boolean;
  /** RFC 5844: the IPv4 HoA, default router and DHCP mode the LMA granted (what the MAG's DHCPv4 serves). */
  ipv4?: Ipv4Grant | null;
}

export class MagCore {
  readonly bul = new BindingUpdateList();
  private readonly greKeys = new GreKeyAllocator();
  private readonly byMac = new Map<string, MobileNodePolicy>();
  private readonly byNai = new Map<string, MobileNodePolicy>();
  private readonly hints = new Map<string, { hi: number; until: number }>();
  private readonly probes = new Map<string, { target: string; iface: string; tries: number; timer: { cancel(): void }; then: () => void }>();
  private readonly screen: MhScreen;
  private readonly heartbeat: Heartbeat | null;
  private readonly handled: number[];
  private seq: number;
  /** Shutting down: MNs are being de-registered and no new one is taken on. */
  private stopping = false;

  constructor(private readonly o: MagCoreOptions) {
    for (const mn of o.domain.mobileNodes) {
      this.byNai.set(mn.nai, mn);
      if (mn.mac !== undefined) this.byMac.set(mn.mac, mn);
    }
    this.screen = new MhScreen(o.clock, o.log, o.counters, (b, d) => o.io.sendMh(b, d), true);
    this.seq = crypto.getRandomValues(new Uint16Array(1))[0]!;
    const hb = o.domain.heartbeat;
    const ctx = { clock: o.clock, log: o.log, counters: o.counters, quirks: o.quirks, send: (b: Uint8Array, d: string) => o.io.sendMh(b, d) };
    this.heartbeat = hb === null ? null : new Heartbeat(hb, o.restart?.restartCounter ?? 0, ctx, {
      peerRestarted: (lma) => this.lmaRestarted(lma),
      peerUnreachable: (lma) => {
        if (hb.onUnreachable !== 'drop-bindings') return;
        for (const e of this.bul.entries()) if (e.lma === lma) this.finish(e, 'LMA unreachable (heartbeats unanswered)');
      },
    });
    this.handled = [6, ...(this.heartbeat !== null ? [7, 13] : []), ...(o.domain.revocation ? [16] : []), ...(o.domain.updateNotifications ? [19] : [])];
  }

  /** Tells the LMA of the run before a restart that lost state (HB-07); once the socket is up. */
  announceRestart(): void {
    this.heartbeat?.announceRestart(this.o.restart?.formerPeers ?? []);
  }

  /**
   * The LMA lost its state (its Restart Counter changed): every session is registered anew, asking
   * for the prefixes it had (an LMA that cannot give them back says 155, and the MAG asks for ::/0).
   */
  private lmaRestarted(lma: string): void {
    for (const e of this.bul.entries()) {
      if (e.lma !== lma || (e.state !== 'registered' && e.state !== 'refreshing')) continue;
      this.o.log.info('reregister-after-lma-restart', { mn: e.mnId });
      this.o.counters.inc('reregistrations_after_lma_restart');
      e.request = e.hnps;
      this.sendPbu(e, 'register');
    }
  }

  /** The LMAs a registered session links this MAG to (maybe) changed: heartbeats and restart state follow. */
  private linksChanged(): void {
    const peers = new Set<string>();
    for (const e of this.bul.entries()) if (e.registeredAt !== null && (e.state === 'registered' || e.state === 'refreshing')) peers.add(e.lma);
    this.heartbeat?.setLinked(peers);
    this.o.restart?.rememberPeers(peers);
  }

  // ------------------------------------------------------------------------------------------
  // MN detection

  /** An RS on `iface` from `src`, with the MAC of its SLLA option when it had one. */
  onRouterSolicitation(iface: string, src: string, sourceMac: string | null, eui64Mac: string | null): void {
    const { counters, log } = this.o;
    counters.inc('rs_rx');
    if (this.stopping) {
      counters.inc('rs_ignored_stopping');
      log.debug('rs-ignored', { iface, src, why: 'pmipd stopping' });
      return;
    }
    const mac = sourceMac ?? eui64Mac;
    if (mac === null) {
      counters.inc('rs_unidentified');
      log.debug('rs-unidentified', { iface, src });
      return;
    }
    const mn = this.byMac.get(mac);
    if (mn === undefined || !this.entitled(mn)) {
      // MAG-PBU-20: no PMIPv6 service for nodes the domain does not know.
      counters.inc('rs_not_entitled');
      log.debug('rs-not-entitled', { iface, src, mac });
      return;
    }
    const e = this.bul.get(mn.nai);
    const mnLinkLocal = src === '::' ? null : src;
    if (e !== undefined && e.iface === iface) {
      if (mnLinkLocal !== null) e.mnLinkLocal = mnLinkLocal;
      // While registering, the RA follows the PBA anyway.
      if (e.state === 'registered' || e.state === 'refreshing') this.sendRa(e);
      return;
    }
    if (e !== undefined) this.finish(e, `moved to ${iface}`);
    this.attach(mn, iface, mnLinkLocal);
  }

  /** Carrier change on an access interface: losing it means every MN there has left. */
  onLinkChange(iface: string, up: boolean): void {
    if (!this.o.links.has(iface)) return;
    this.o.log.info('access-link', { iface, carrier: up ? 'up' : 'down' });
    if (!up) for (const e of this.bul.onInterface(iface)) this.detach(e, `carrier lost on ${iface}`);
  }

  onNeighborAdvertisement(iface: string, target: string): void {
    if (this.stopping) return;
    for (const [mnId, p] of this.probes) {
      if (p.iface !== iface || p.target !== target) continue;
      p.timer.cancel();
      this.probes.delete(mnId);
      if (this.bul.get(mnId) !== undefined) p.then();
    }
  }

  /** Control socket: attach `nai` on `iface` as if detected (hi 3 for a known handover). */
  attachByName(nai: string, iface: string, hi: number | undefined): string | null {
    if (this.stopping) return `${this.o.self.name} is stopping`;
    const mn = this.byNai.get(nai);
    if (mn === undefined || mn.mac === undefined) return `no mobile node "${nai}" with a MAC in ${this.o.domain.file}`;
    if (!this.o.links.has(iface)) return `${iface} is not an access interface of ${this.o.self.name}`;
    if (!this.entitled(mn)) return `${nai} may not use ${this.o.self.name}`;
    if (hi !== undefined) this.hints.set(nai, { hi, until: this.o.clock.now() + HINT_TTL_MS });
    const e = this.bul.get(nai);
    if (e !== undefined) this.finish(e, 'attached again by command');
    this.attach(mn, iface, null);
    return null;
  }

  /** Control socket: the next attachment of `nai` is a handover between MAGs (HI = `hi`). */
  expectHandover(nai: string, hi: number): string | null {
    if (!this.byNai.has(nai)) return `no mobile node "${nai}" in ${this.o.domain.file}`;
    this.hints.set(nai, { hi, until: this.o.clock.now() + HINT_TTL_MS });
    return null;
  }

  /** Control socket: `nai` has left. */
  detachByName(nai: string): string | null {
    const e = this.bul.get(nai);
    if (e === undefined) return `${nai} is not attached to ${this.o.self.name}`;
    this.detach(e, 'detach command');
    return null;
  }

  private entitled(mn: MobileNodePolicy): boolean {
    return mn.proxyMobility && (mn.mags.length === 0 || mn.mags.includes(this.o.self.name));
  }

  private attach(mn: MobileNodePolicy, iface: string, mnLinkLocal: string | null): void {
    const { clock, counters, log, domain } = this.o;
    const hint = this.hints.get(mn.nai);
    this.hints.delete(mn.nai);
    const previousMag = this.o.handoverKnowledge?.lastMag(mn.nai) ?? null;
    // HO-01: 3 when the access network says the MN comes from another MAG; MAG-PBU-09: 1 otherwise.
    const attachHi = hint !== undefined && hint.until >= clock.now() ? hint.hi
      : previousMag !== null && previousMag !== this.o.self.name ? 3 : 1;
    const e: BulEntry = {
      mnId: mn.nai, mac: mn.mac!, iface, mnLinkLocal, lma: domain.lma.address, state: 'registering',
      hnps: [], request: mn.prefixes.slice(), lla: domain.fixedMagAddresses ? FIXED_MAG_LINK_LOCAL : null,
      lifetimeUnits: 0, installed: false, raMtu: null, outstanding: null, attachHi, createdAt: clock.now(), registeredAt: null,
      refreshTimer: null, raTimer: null, presenceTimer: null, quickRetries: 0,
      ...(domain.greKeys ? { gre: { down: this.greKeys.allocate() } } : {}),
      ipv4Service: (mn.ipv4?.kind ?? 'none') !== 'none', ipv6Service: mn.ipv6 !== false, ipv4: null,
    };
    this.bul.add(e);
    counters.inc('attachments');
    log.info('mn-attached', { mn: mn.nai, mac: mn.mac, iface, hi: attachHi });
    this.sendPbu(e, 'register');
  }

  // ------------------------------------------------------------------------------------------
  // PBU transmission

  private sendPbu(e: BulEntry, kind: PbuKind, timeoutMs?: number, transmissions = 1): void {
    const { clock, io, domain, quirks, counters, log } = this.o;
    this.seq = (this.seq + 1) & 0xffff;
    const hi = handoffIndicator(kind, e.attachHi, quirks);
    const spec = buildPbu(e, {
      kind, seq: this.seq, hi, lifetimeUnits: domain.mag.lifetime / 4, accessTechnology: domain.mag.accessTechnology,
      timestamps: domain.timestamps, fixedLinkLocal: domain.fixedMagAddresses, wallMs: clock.wallMs(),
      ...(e.aniRequested === true && kind !== 'deregister' ? { ani: this.aniOption(e) } : {}),
      ...(e.gre !== undefined ? { greKey: e.gre.down } : {}),
      ...(e.ipv4Service && domain.offload?.mags.has(this.o.self.name) === true ? { offload: OFFLOAD_REQUEST } : {}),
      ...(this.o.ipv4Transport !== undefined ? { ipv4Transport: this.o.ipv4Transport } : {}),
    }, quirks);
    e.aniRequested = false;
    const timeout = timeoutMs ?? domain.mag.initialBindackTimeout;
    const seq = this.seq;
    let timer: { cancel(): void } | null = null;
    if (kind === 'deregister') {
      // DEREG-05: no retransmission; clean up after INITIAL_BINDACK_TIMEOUT without a reply.
      const wait = domain.mag.initialBindackTimeout * (quirks.has('dereg-cleanup-late') ? 3 : 1);
      timer = clock.setTimer(wait, () => this.finish(e, 'de-registration unanswered'));
    } else if (!quirks.has('no-retransmit')) {
      timer = clock.setTimer(timeout, () => this.retransmit(e, seq));
    }
    this.bul.setOutstanding(e, { kind, seq, hi, timeoutMs: timeout, sentAt: clock.now(), transmissions, timer });
    if (kind === 'refresh') e.state = 'refreshing';
    if (kind === 'deregister') e.state = 'deregistering';
    io.sendMh(encodeMobilityHeader(spec), e.lma);
    counters.inc('pbu_tx');
    if (transmissions > 1) counters.inc('pbu_retransmitted');
    log.info('pbu-tx', { mn: e.mnId, kind, seq, hi, try: transmissions, timeoutMs: kind === 'deregister' ? undefined : timeout });
  }

  private retransmit(e: BulEntry, seq: number): void {
    // MAG-RTX-06: a detached MN has no entry any more, so nothing goes out for it.
    if (this.bul.get(e.mnId) !== e || e.outstanding?.seq !== seq) return;
    const o = e.outstanding;
    const resend = () => {
      // A late PBA may have come while the MN was probed.
      if (this.bul.get(e.mnId) !== e || e.outstanding !== o) return;
      this.sendPbu(e, o.kind, nextTimeout(o.timeoutMs, this.o.domain.mag, this.o.quirks), o.transmissions + 1);
    };
    // MAG-RTX-06: an MN that left without a carrier event (e.g. behind a bridge) is found out by
    // probing it first; when it does not answer, the entry goes and no PBU is sent again.
    if (!this.o.domain.mag.presenceProbe || e.mnLinkLocal === null) { resend(); return; }
    this.cancelProbe(e.mnId);
    this.probe(e, 1, resend, 'gone before a retransmission');
  }

  // ------------------------------------------------------------------------------------------
  // PBA processing (§6.9.1.2)

  /** A Mobility Header from `src`. */
  receive(buf: Uint8Array, src: string): void {
    const msg = this.screen.screen(buf, src, this.handled);
    if (msg === null) return;
    if (msg.type === 13) this.heartbeat!.receive(msg as HeartbeatMessage, src);
    else if (msg.type === 7) this.heartbeat!.bindingError(src, (msg as BindingError).status);
    else if (msg.type === 16) { if ((msg as BindingRevocationIndication).brType === 1) this.onBri(msg as BindingRevocationIndication, src); }
    else if (msg.type === 19) this.onUpn(msg as UpdateNotification, src);
    else this.onPba(msg as BindingAck, src);
  }

  // ------------------------------------------------------------------------------------------
  // Update Notifications (RFC 7077 §6.1): answer when asked (A = 1), act once per notification

  /** UPNs acted on lately (seq -> the status answered): a retransmission (D = 1) is not acted on again. */
  private readonly seenUpns = new Map<number, { status: number; timer: { cancel(): void } }>();

  private onUpn(upn: UpdateNotification, src: string): void {
    const { counters, log, quirks } = this.o;
    counters.inc('upn_rx');
    const mnIdOpt = findOption(upn.options, MH_OPTION.MN_ID);
    const group = findOption(upn.options, MH_OPTION.MN_GROUP_ID);
    const answer = (status: number) => {
      if (!upn.flags.A) {
        if (status >= 128) log.warn('upn-not-applied', { src, seq: upn.seq, reason: upn.reason, status });
        return;
      }
      const options: MobilityOptionSpec[] = quirks.has('upa-no-echo') ? []
        : mnIdOpt !== undefined ? [{ type: 8, subtype: mnIdOpt.subtype, id: mnIdOpt.id }]
          : group !== undefined ? [{ type: 50, subtype: group.subtype, reserved: 0, groupId: group.groupId }] : [];
      this.o.io.sendMh(encodeMobilityHeader({ type: 20, seq: upn.seq, status, options, autoPad: true }), src);
      counters.inc('upa_tx');
      log.info('upa-tx', { dst: src, seq: upn.seq, status });
    };
    const seen = this.seenUpns.get(upn.seq);
    if (seen !== undefined && upn.flags.D && !quirks.has('upn-duplicate-acted')) {
      // UPN-09: the same notification again; answered, not acted on twice.
      log.info('upn-repeated', { src, seq: upn.seq });
      answer(seen.status);
      return;
    }
    const entries = this.bul.entries().filter((e) => e.lma === src && (e.state === 'registered' || e.state === 'refreshing')
      && ((group !== undefined && group.groupId === 1) || (mnIdOpt !== undefined && e.mnId === mnIdOpt.id)));
    log.info('upn-rx', { src, seq: upn.seq, reason: upn.reason, A: upn.flags.A, D: upn.flags.D, sessions: entries.length });
    let status: number = UPA_STATUS_CODE.SUCCESS;
    const refresh = (ani: boolean) => {
      for (const e of entries) {
        if (ani && !quirks.has('upn-no-ani')) e.aniRequested = true;
        this.sendPbu(e, 'refresh');
      }
    };
    if (entries.length === 0 && group === undefined) status = UPA_STATUS_CODE.MN_NOT_ATTACHED;
    else if (upn.reason === UPN_REASON_CODE.FORCE_REREGISTRATION) { if (!quirks.has('upn-no-reregistration')) refresh(false); }
    else if (upn.reason === UPN_REASON_CODE.ANI_PARAMS_REQUESTED) refresh(true);
    else if (upn.reason === UPN_REASON_CODE.UPDATE_SESSION_PARAMETERS) status = quirks.has('upn-params-accepted') ? UPA_STATUS_CODE.SUCCESS : UPA_STATUS_CODE.FAILED_TO_UPDATE_SESSION_PARAMETERS;
    else if (upn.reason === UPN_REASON_CODE.VENDOR_SPECIFIC_REASON) status = findOption(upn.options, MH_OPTION.VENDOR_SPECIFIC) === undefined ? UPA_STATUS_CODE.MISSING_VENDOR_SPECIFIC_OPTION : UPA_STATUS_CODE.SUCCESS;
    else status = UPA_STATUS_CODE.REASON_UNSPECIFIED;
    seen?.timer.cancel();
    this.seenUpns.set(upn.seq, { status, timer: this.o.clock.setTimer(10_000, () => this.seenUpns.delete(upn.seq)) });
    answer(status);
  }

  /** RFC 6757 Network-Identifier of this MAG's access link for `e`, the ANI option of a PBU. */
  private aniOption(e: BulEntry): MobilityOptionSpec {
    const hex = (s: string) => { const b = new TextEncoder().encode(s); return toHex(b, 0, b.length); };
    return { type: 52, subOptions: [{ type: 1, E: true, reserved: 0, networkName: hex('pmip-testbed'), accessPointName: hex(`${this.o.self.name}/${e.iface}`) }] };
  }

  // ------------------------------------------------------------------------------------------
  // Binding Revocation (RFC 5846 §9.1): the LMA revokes, the MAG answers with a BRA and lets go

  /** BRIs answered lately (seq -> status): a retransmitted one gets the same answer. */
  private readonly answeredBris = new Map<number, { status: number; timer: { cancel(): void } }>();

  private onBri(bri: BindingRevocationIndication, src: string): void {
    const { counters, log, quirks } = this.o;
    counters.inc('bri_rx');
    const mnIdOpt = findOption(bri.options, MH_OPTION.MN_ID);
    const hnps = findOptions(bri.options, MH_OPTION.HOME_NETWORK_PREFIX).map((h) => h.prefix);
    const answer = (status: number) => {
      const options: MobilityOptionSpec[] = mnIdOpt !== undefined ? [{ type: 8, subtype: mnIdOpt.subtype, id: mnIdOpt.id }] : [];
      const seq = quirks.has('bra-wrong-seq') ? (bri.seq + 1) & 0xffff : bri.seq;
      this.o.io.sendMh(encodeMobilityHeader({ type: 16, brType: 2, status, seq, flags: bri.flags, options, autoPad: true }), src);
      counters.inc('bra_tx');
      log.info('bra-tx', { dst: src, seq, status, mn: mnIdOpt?.id });
      this.answeredBris.get(bri.seq)?.timer.cancel();
      this.answeredBris.set(bri.seq, { status, timer: this.o.clock.setTimer(10_000, () => this.answeredBris.delete(bri.seq)) });
    };
    // §9.1: for a handover the MAG makes sure the MN has really left before it lets go (BR-04).
    const handover = bri.trigger >= 2 && bri.trigger <= 4 && !bri.flags.G;
    const repeated = this.answeredBris.get(bri.seq);
    if (repeated !== undefined) { answer(repeated.status); return; }
    const entries = this.bul.entries().filter((e) => e.lma === src && (bri.flags.G
      || (e.mnId === mnIdOpt?.id && (hnps.length === 0 || e.hnps.some((p) => hnps.includes(p.text))))));
    log.info('bri-rx', { src, seq: bri.seq, trigger: bri.trigger, global: bri.flags.G, mn: mnIdOpt?.id, sessions: entries.length });
    if (!bri.flags.G && mnIdOpt === undefined) { answer(BRA_STATUS_CODE.REVOKED_MN_IDENTITY_REQUIRED); return; }
    if (entries.length === 0) { answer(bri.flags.G ? BRA_STATUS_CODE.SUCCESS : BRA_STATUS_CODE.BINDING_DOES_NOT_EXIST); return; }
    const release = () => {
      for (const e of entries) {
        // §6.12: the MN may still be on the link with addresses from prefixes that are no longer its own.
        if (!handover && e.installed) this.sendRa(e, e.hnps, []);
        this.finish(e, `revoked by the LMA (trigger ${bri.trigger})`);
      }
      answer(BRA_STATUS_CODE.SUCCESS);
    };
    const e = entries[0]!;
    if (!handover || quirks.has('bra-success-while-attached') || e.mnLinkLocal === null || !this.o.domain.mag.presenceProbe) { release(); return; }
    this.cancelProbe(e.mnId);
    this.probe(e, 1, () => {
      log.info('bri-mn-attached', { mn: e.mnId });
      this.armPresence(e);
      answer(BRA_STATUS_CODE.REVOCATION_FAILED_MN_IS_ATTACHED);
    }, 'gone (revocation)', release);
  }

  private onPba(msg: BindingAck, src: string): void {
    const { counters, log, quirks } = this.o;
    counters.inc('pba_rx');
    const e = this.bul.bySequence(msg.seq);
    if (e === undefined || e.lma !== src || !msg.flags.P) {
      counters.inc('pba_unmatched');
      log.info('pba-unmatched', { src, seq: msg.seq, status: msg.status });
      return;
    }
    const o = e.outstanding!;
    const rttMs = Number((this.o.clock.now() - o.sentAt).toFixed(3));
    const mismatch = this.pbaMismatch(msg, e, o.hi);
    this.bul.setOutstanding(e, null);
    if (mismatch !== null) {
      // MAG-PBA-03: ignored, and that PBU is not sent again.
      counters.inc('pba_mismatch');
      log.warn('pba-mismatch', { mn: e.mnId, seq: msg.seq, why: mismatch });
      if (!e.installed) e.state = 'stopped';
      return;
    }
    if (msg.status < 128) {
      if (o.kind === 'deregister' && quirks.has('dereg-ack-cleanup-late')) this.o.clock.setTimer(5 * this.o.domain.mag.initialBindackTimeout, () => this.finish(e, 'de-registration acknowledged (late: quirk)'));
      else if (o.kind === 'deregister') this.finish(e, 'de-registration acknowledged');
      else this.accepted(e, msg, rttMs);
      return;
    }
    counters.inc(`pba_status_${msg.status}`);
    log.info('pba-rejected', { mn: e.mnId, seq: msg.seq, status: msg.status, name: BA_STATUS[msg.status] });
    if (o.kind === 'deregister') { this.finish(e, `de-registration refused (${msg.status})`); return; }
    const retryLater = () => {
      const wait = nextTimeout(o.timeoutMs, this.o.domain.mag, quirks);
      e.refreshTimer?.cancel();
      e.refreshTimer = this.o.clock.setTimer(wait, () => { if (this.bul.get(e.mnId) === e) this.sendPbu(e, o.kind, wait); });
    };
    switch (msg.status) {
      case BA_STATUS_CODE.TIMESTAMP_LOWER_THAN_PREV_ACCEPTED: // ORD-09: again, with a fresh timestamp
      case BA_STATUS_CODE.SEQUENCE_NUMBER_OUT_OF_WINDOW: // RFC 6275 §11.7.1: continue after the LMA's number
        if (msg.status === BA_STATUS_CODE.SEQUENCE_NUMBER_OUT_OF_WINDOW) this.seq = msg.seq;
        if (e.quickRetries++ < MAX_QUICK_RETRIES) this.sendPbu(e, o.kind);
        else retryLater();
        return;
      case BA_STATUS_CODE.TIMESTAMP_MISMATCH: // ORD-10: retry only on our own clock, later
        retryLater();
        return;
      case BA_STATUS_CODE.NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX: // MAG-PBA-08: not that prefix again
        if (o.kind === 'register' && e.request.length > 0) {
          e.request = [];
          this.sendPbu(e, 'register');
          return;
        }
        break;
      default: break;
    }
    // 152 (MAG-PBA-07) and the rest: no service, no more PBUs until an administrator acts.
    this.stop(e, `rejected with ${msg.status}`);
  }

  /** MAG-PBA-03: what in the PBA differs from the PBU it answers, or null. */
  private pbaMismatch(msg: BindingAck, e: BulEntry, hi: number): string | null {
    const mnId = findOption(msg.options, MH_OPTION.MN_ID);
    if (mnId === undefined || mnId.id !== e.mnId) return `MN-ID ${mnId?.id ?? 'missing'}`;
    const h = findOption(msg.options, MH_OPTION.HANDOFF_INDICATOR);
    if (h === undefined || h.value !== hi) return `HI ${h?.value ?? 'missing'}, sent ${hi}`;
    const att = findOption(msg.options, MH_OPTION.ACCESS_TECHNOLOGY_TYPE);
    const sentAtt = this.o.quirks.has('att-zero') ? 0 : this.o.domain.mag.accessTechnology;
    if (att === undefined || att.value !== sentAtt) return `ATT ${att?.value ?? 'missing'}, sent ${sentAtt}`;
    // §6.9.1.2 discards a PBA whose options carry values different from the PBU's; a PBA without
    // the MN-LL-ID carries none (the LMA broke §5.3.6, LMA-PBA-07 judges that; OPMIP's LMA does).
    const ll = findOption(msg.options, MH_OPTION.MN_LINK_LAYER_ID);
    const sentLl = this.o.quirks.has('no-mn-ll-id') ? undefined : e.mac.replace(/:/g, '');
    if (ll !== undefined && ll.id !== sentLl) return `MN-LL-ID ${ll.id}, sent ${sentLl ?? 'none'}`;
    return null;
  }

  private accepted(e: BulEntry, msg: BindingAck, rttMs: number): void {
    const { clock, domain, quirks, counters, log, dataplane } = this.o;
    const hnps = findOptions(msg.options, MH_OPTION.HOME_NETWORK_PREFIX).filter((h) => h.prefix !== '::/0').map((h) => parsePrefix(h.prefix));
    // RFC 5844: an IPv4-only session has an IPv4 HoA and no prefix (a refresh PBA may repeat neither).
    const ipv4 = grantedIpv4(msg) ?? e.ipv4 ?? null;
    const noPrefix = hnps.length === 0 && (e.ipv6Service !== false || ipv4 === null);
    if (noPrefix || msg.lifetimeUnits === 0) {
      this.stop(e, noPrefix ? 'accepting PBA without a prefix' : 'accepting PBA with lifetime 0');
      return;
    }
    let lla = e.lla;
    let llaInUse: string | null = null;
    if (!domain.fixedMagAddresses) {
      const opt = findOption(msg.options, MH_OPTION.LINK_LOCAL_ADDRESS);
      lla = opt !== undefined && opt.address !== '::' ? opt.address : null;
      if (lla !== null && !/^fe[89ab][0-9a-f]?:/i.test(lla)) {
        // Found by fuzzing: a multicast or global address here made the session's install fail.
        // Not a link-local address (RFC 5213 §8.7): the access link's own is used instead.
        log.warn('pba-lla-not-link-local', { mn: e.mnId, lla });
        lla = null;
      }
      if (lla !== null && this.usedOnLink(e, lla)) {
        // MAG-PBA-10: an address the MN uses already is not ours to take; another, made here, is
        // registered at once.
        llaInUse = lla;
        do lla = randomLinkLocal(); while (this.usedOnLink(e, lla));
      }
    }
    const old = { iface: e.iface, hnps: e.hnps, lla: e.lla, lma: e.lma, ipv4: e.ipv4 ?? null, ...this.greRoute(e), ...(e.offload !== undefined ? { offload: e.offload } : {}) };
    const offload = grantedSelectors(msg);
    // RFC 5845 §3.3.1: the uplink key is the LMA's; a change (GRE-02 says it must not) is followed.
    const upKey = findOption(msg.options, MH_OPTION.GRE_KEY)?.key;
    const greChanged = e.gre !== undefined && e.gre.up !== upKey;
    if (e.gre !== undefined) e.gre = { down: e.gre.down, ...(upKey !== undefined ? { up: upKey } : {}) };
    const changed = !samePrefixes(hnps, e.hnps) || lla !== e.lla || greChanged || ipv4?.address !== e.ipv4?.address
      || JSON.stringify(offload) !== JSON.stringify(e.offload ?? []);
    e.offload = offload;
    e.ipv4 = ipv4;
    e.hnps = hnps;
    e.request = hnps;
    e.lla = lla;
    e.lifetimeUnits = msg.lifetimeUnits;
    e.state = 'registered';
    e.registeredAt = clock.now();
    e.quickRetries = 0;
    counters.inc('registrations_accepted');
    this.linksChanged();
    this.o.handoverKnowledge?.record(e.mnId, this.o.self.name);
    this.armPresence(e);
    log.info('pba-accepted', { mn: e.mnId, seq: msg.seq, hnp: hnps.map((p) => p.text), ipv4: ipv4?.address, lla, lifetime: msg.lifetimeUnits * 4, rttMs });
    e.refreshTimer?.cancel();
    e.refreshTimer = quirks.has('no-refresh') ? null
      : clock.setTimer(msg.lifetimeUnits * 4000 * domain.mag.refreshRatio, () => this.refreshDue(e));
    if (llaInUse !== null) {
      counters.inc('pba_lla_in_use');
      log.warn('pba-lla-in-use', { mn: e.mnId, lla: llaInUse, instead: lla });
      this.sendPbu(e, 'refresh');
    }
    if (e.installed && !changed) return;
    // Marked at once: a second PBA before the kernel is done (e.g. MAG-PBA-10) must not install
    // the session twice. ip -batch applies requests in the order they are made.
    const wasInstalled = e.installed;
    e.installed = true;
    const install = async () => {
      if (wasInstalled) await dataplane.removeSession(old);
      await dataplane.addSession({ iface: e.iface, hnps, lla, lma: e.lma, ipv4, ...this.greRoute(e), ...(quirks.has('ipv4-any-source-tunnelled') ? { ipv4AnySource: true } : {}), offload });
    };
    // §6.12: prefixes the LMA no longer grants (renumbered) are withdrawn along with the new RA.
    const lost = wasInstalled ? old.hnps.filter((p) => !hnps.some((h) => h.text === p.text)) : [];
    install().then(() => {
      if (this.bul.get(e.mnId) !== e) return;
      // An IPv4-only session gets its link-local address (presence probes) but no RA: it has no prefix.
      if (hnps.length === 0) { if (lost.length > 0) this.sendRa(e, lost, []); return; }
      // RA-03/HO-11: the prefix is advertised only now, after the PBA and with the routes in place.
      this.sendRa(e, lost);
      this.armPeriodicRa(e);
    }, (err: Error) => {
      e.installed = false;
      counters.inc('dataplane_errors');
      log.error('dataplane-install-failed', { mn: e.mnId, why: err.message });
    });
  }

  /** Whether an MN on `e`'s link uses `address` as its own link-local address (RS source). */
  private usedOnLink(e: BulEntry, address: string): boolean {
    return this.bul.onInterface(e.iface).some((x) => x.mnLinkLocal !== null && sameAddress(x.mnLinkLocal, address));
  }

  /** Stops service for `e` after a rejection; the entry stays (no new PBU on every RS). */
  private stop(e: BulEntry, why: string): void {
    this.o.log.warn('session-stopped', { mn: e.mnId, why });
    this.o.counters.inc('sessions_stopped');
    this.clearTimers(e);
    e.state = 'stopped';
    if (e.installed) this.uninstall(e);
  }

  // ------------------------------------------------------------------------------------------
  // Refresh, presence, de-registration

  private refreshDue(e: BulEntry): void {
    if (this.bul.get(e.mnId) !== e || e.state !== 'registered') return;
    // The LMA deletes the binding when the lifetime runs out; so does the MAG.
    const lifetimeMs = e.lifetimeUnits * 4000;
    e.refreshTimer = this.o.clock.setTimer(lifetimeMs * (1 - this.o.domain.mag.refreshRatio), () => {
      if (this.bul.get(e.mnId) === e && e.state !== 'registered') this.finish(e, 'binding lifetime ran out');
    });
    if (!this.o.domain.mag.presenceProbe || e.mnLinkLocal === null) {
      this.sendPbu(e, 'refresh');
      return;
    }
    this.cancelProbe(e.mnId);
    this.probe(e, 1, () => { if (this.bul.get(e.mnId) === e) this.sendPbu(e, 'refresh'); });
  }

  /**
   * RFC 5213 §6.13: a unicast NS to the MN; its NA means it is still there (REREG-05). `then` runs
   * on the answer; PROBE_TRIES unanswered probes mean the MN has left (`why`).
   */
  private probe(e: BulEntry, tries: number, then: () => void, why = 'presence check failed', gone = () => this.detach(e, why)): void {
    const link = this.o.links.get(e.iface)!;
    this.o.io.sendIcmp(e.iface, encodeIcmpv6(buildPresenceProbe(e.mnLinkLocal!, this.magMac(link))), e.mnLinkLocal!, e.lla);
    this.o.counters.inc('presence_probes');
    const timer = this.o.clock.setTimer(PROBE_GAP_MS, () => {
      if (this.probes.get(e.mnId)?.timer !== timer) return;
      this.probes.delete(e.mnId);
      if (this.bul.get(e.mnId) !== e) return;
      if (tries < PROBE_TRIES) this.probe(e, tries + 1, then, why, gone);
      else gone();
    });
    this.probes.set(e.mnId, { target: e.mnLinkLocal!, iface: e.iface, tries, timer, then });
  }

  private cancelProbe(mnId: string): void {
    const p = this.probes.get(mnId);
    if (p !== undefined) { p.timer.cancel(); this.probes.delete(mnId); }
  }

  /** Periodic presence check while registered, so a departure is noticed without a carrier event. */
  private armPresence(e: BulEntry): void {
    const interval = this.o.domain.mag.presenceInterval;
    if (interval === 0 || e.mnLinkLocal === null) return;
    e.presenceTimer?.cancel();
    e.presenceTimer = this.o.clock.setTimer(interval, () => {
      e.presenceTimer = null;
      if (this.bul.get(e.mnId) !== e || e.state !== 'registered' || this.probes.has(e.mnId)) return;
      this.probe(e, 1, () => this.armPresence(e));
    });
  }

  private detach(e: BulEntry, why: string): void {
    const { quirks, log, counters } = this.o;
    counters.inc('detachments');
    log.info('mn-left', { mn: e.mnId, iface: e.iface, why });
    this.clearTimers(e);
    if (e.state === 'deregistering') return;
    if (quirks.has('no-dereg') || (e.hnps.length === 0 && (e.ipv4 ?? null) === null) || e.state === 'stopped') {
      this.finish(e, why);
      return;
    }
    this.sendPbu(e, 'deregister');
  }

  /** Removes the entry and its routes (DEREG-05, HO-08). */
  private finish(e: BulEntry, why: string): void {
    if (this.bul.get(e.mnId) !== e) return;
    this.clearTimers(e);
    this.bul.setOutstanding(e, null);
    this.bul.remove(e);
    if (e.installed) this.uninstall(e);
    this.greKeys.release(e.gre?.down);
    this.o.log.info('bul-removed', { mn: e.mnId, why });
    this.linksChanged();
  }

  private uninstall(e: BulEntry): void {
    e.installed = false;
    this.o.dataplane.removeSession({ iface: e.iface, hnps: e.hnps, lla: e.lla, lma: e.lma, ipv4: e.ipv4 ?? null, ...this.greRoute(e), ...(e.offload !== undefined ? { offload: e.offload } : {}) }).catch((err: Error) => {
      this.o.counters.inc('dataplane_errors');
      this.o.log.error('dataplane-remove-failed', { mn: e.mnId, why: err.message });
    });
  }

  private clearTimers(e: BulEntry): void {
    e.refreshTimer?.cancel();
    e.refreshTimer = null;
    e.raTimer?.cancel();
    e.raTimer = null;
    e.presenceTimer?.cancel();
    e.presenceTimer = null;
    this.cancelProbe(e.mnId);
    if (e.outstanding?.kind !== 'deregister') this.bul.setOutstanding(e, null);
  }

  // ------------------------------------------------------------------------------------------
  // Router Advertisements

  private magMac(link: AccessLink): string {
    return this.o.domain.fixedMagAddresses ? FIXED_MAG_MAC : link.mac;
  }

  /** The MTU an MN on `iface` may use: that of its link, and what fits into the tunnel (RA-10). */
  private advertisedMtu(iface: string): number {
    return Math.min(this.o.io.mtu(iface), this.pathMtu() - TUNNEL_OVERHEAD - (this.o.domain.greKeys ? GRE_KEYED_HEADER : 0));
  }

  /** The GRE part of a session's route: its tunnel keys, once both ends' keys are known (RFC 5845). */
  private greRoute(e: BulEntry): { gre?: GreKeys } {
    return e.gre === undefined ? {} : { gre: tunnelKeys('mag', e.gre, this.o.quirks) };
  }

  /**
   * The smallest MTU on the path to the LMA, learned from Packet Too Big messages about the
   * tunnel's own packets (RFC 2473 §7.1, RFC 8201 §4); Infinity until one comes.
   */
  private tunnelPathMtu = Infinity;

  /** The tunnel's path MTU: the transport link's, or less where a router further on said so. */
  private pathMtu(): number {
    return Math.min(this.o.io.mtu(this.o.self.transportInterface), this.tunnelPathMtu);
  }

  private setTunnelMtu(): void {
    const { dataplane, log, counters } = this.o;
    const mtu = this.pathMtu();
    dataplane.transportMtuChanged(mtu).catch((err: Error) => {
      counters.inc('dataplane_errors');
      log.error('dataplane-mtu-failed', { mtu, why: err.message });
    });
  }

  /** Every MN whose MTU changed gets an unsolicited RA announcing it (RA-11). */
  private announceMtu(): void {
    for (const e of this.bul.entries()) {
      if (!e.installed || e.raMtu === null || e.raMtu === this.advertisedMtu(e.iface)) continue;
      if (e.state === 'registered' || e.state === 'refreshing') this.sendRa(e);
    }
  }

  /**
   * A router between here and the LMA sent a Packet Too Big for a tunnelled packet: the tunnel MTU
   * becomes that path MTU − 40, so the kernel answers oversized MN packets with a Packet Too Big
   * of its own (RFC 2473 §7.1), and the MNs hear the new MTU (RA-11). A value under the IPv6
   * minimum is not taken (RFC 8201 §4); nor one that would raise the MTU (that takes a new link MTU).
   */
  onTunnelPacketTooBig(mtu: number): void {
    const { quirks, log, counters } = this.o;
    counters.inc('tunnel_ptb_received');
    if (quirks.has('tunnel-ignores-ptb') || !Number.isInteger(mtu) || mtu < IPV6_MIN_MTU || mtu >= this.pathMtu()) return;
    this.tunnelPathMtu = mtu;
    this.setTunnelMtu();
    log.info('tunnel-path-mtu', { mtu, advertised: [...this.o.links.keys()].map((a) => `${a}=${this.advertisedMtu(a)}`) });
    this.announceMtu();
  }

  /**
   * The MTU of the transport link or an access link changed (netlink): the tunnel follows, and
   * every MN whose MTU changes with it gets an unsolicited RA announcing it (RA-11).
   */
  onMtuChange(iface: string, mtu: number): void {
    const { self, links, log } = this.o;
    if (iface === self.transportInterface) this.setTunnelMtu();
    else if (!links.has(iface)) return;
    log.info('mtu-changed', { iface, mtu, advertised: [...links.keys()].map((a) => `${a}=${this.advertisedMtu(a)}`) });
    this.announceMtu();
  }

  /**
   * The RA for `e`'s MN: `hnps` advertised, `withdrawn` with zero lifetimes (RFC 5213 §6.12: prefixes
   * no longer its own, sent before their routes and the session's link-local address go); with no
   * prefix left the MAG stops being its router too.
   */
  private sendRa(e: BulEntry, withdrawn: readonly Prefix[] = [], hnps: readonly Prefix[] = e.hnps): void {
    const { domain, quirks, io, counters, log } = this.o;
    const link = this.o.links.get(e.iface)!;
    e.raMtu = this.advertisedMtu(e.iface);
    const spec = buildRouterAdvertisement({
      hnps, mac: this.magMac(link), mtu: e.raMtu,
      routerLifetime: hnps.length > 0 ? domain.mag.routerLifetime : 0, validLifetime: domain.mag.prefixValidLifetime,
      preferredLifetime: domain.mag.prefixPreferredLifetime, managed: domain.dhcpv6 !== null,
      withdrawn: quirks.has('no-prefix-withdrawal') ? [] : withdrawn,
    }, quirks);
    // Unicast to the MN: several MNs may share the access link, and each must see only its prefix (RA-06).
    io.sendIcmp(e.iface, encodeIcmpv6(spec), e.mnLinkLocal ?? 'ff02::1', e.lla);
    counters.inc('ra_tx');
    log.debug('ra-tx', { mn: e.mnId, iface: e.iface, dst: e.mnLinkLocal ?? 'ff02::1', src: e.lla });
  }

  private armPeriodicRa(e: BulEntry): void {
    e.raTimer?.cancel();
    e.raTimer = this.o.clock.setTimer(this.o.domain.mag.routerAdvertisementInterval, () => {
      if (this.bul.get(e.mnId) !== e || (e.state !== 'registered' && e.state !== 'refreshing')) return;
      this.sendRa(e);
      this.armPeriodicRa(e);
    });
  }

  // ------------------------------------------------------------------------------------------

  dump(): BulDump[] {
    return this.bul.entries().map((e) => ({
      mnId: e.mnId, mac: e.mac, iface: e.iface, state: e.state, hnps: e.hnps.map((p) => p.text), lla: e.lla,
      lifetime: e.lifetimeUnits * 4, lma: e.lma, outstandingSeq: e.outstanding?.seq ?? null, installed: e.installed,
      ...(e.ipv4 ? { ipv4: e.ipv4 } : {}),
    }));
  }

  /** Daemon shutdown: de-registers every session, and takes on no MN from now on (RS, NA, attach). */
  deregisterAll(why: string): void {
    this.stopping = true;
    for (const e of this.bul.entries()) this.detach(e, why);
  }

  heartbeatState(): ReturnType<Heartbeat['dump']> | null {
    return this.heartbeat?.dump() ?? null;
  }

  close(): void {
    this.heartbeat?.close();
    for (const a of this.answeredBris.values()) a.timer.cancel();
    for (const a of this.seenUpns.values()) a.timer.cancel();
    for (const e of this.bul.entries()) {
      this.clearTimers(e);
      this.bul.setOutstanding(e, null);
    }
    for (const p of this.probes.values()) p.timer.cancel();
  }
}

function samePrefixes(a: readonly Prefix[], b: readonly Prefix[]): boolean {
  return a.length === b.length && a.every((p, i) => p.text === b[i]!.text);
}
