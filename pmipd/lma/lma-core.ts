// The LMA as a state machine: Mobility Headers in, PBAs / Binding Errors and data-plane changes
// out, timers for lifetime expiry, MinDelayBeforeBCEDelete and MaxDelayBeforeNewBCEAssign. No
// sockets here: the daemon feeds it bytes, tests feed it bytes in virtual time.
import {
  BA_STATUS, BA_STATUS_CODE, BRA_STATUS_CODE, MH_OPTION, encodeMobilityHeader, findOption, withShortHeaderLen,
  BRI_TRIGGER_CODE, type BindingError, type BindingRevocationAck, type BindingRevocationIndication, type BindingUpdate,
  type HeartbeatMessage, type MobilityHeaderSpec, type MobilityOptionSpec, type UpdateNotificationAck,
} from '../../wire/index.js';
import type { Ipv4TrafficSelector } from '../../wire/index.js';
import type { Clock } from '../clock.js';
import type { HeartbeatSettings, LmaSettings } from '../config.js';
import { Heartbeat } from '../heartbeat.js';
import { RevocationInitiator } from '../revocation.js';
import { UpdateNotifier } from '../update-notification.js';
import type { RestartState } from '../restart-state.js';
import type { Counters, Logger } from '../log.js';
import { makePrefix, randomLinkLocal, type Prefix } from '../../wire/index.js';
import type { Quirks } from '../quirks.js';
import { MhScreen } from '../mh-screen.js';
import { GreKeyAllocator, tunnelKeys, type SessionGreKeys } from '../gre-keys.js';
import type { GreKeys } from '../dataplane/tun-tunnel.js';
import { BindingCache, type BindingCacheEntry } from './binding-cache.js';
import { buildPba, decidePbu, lmaTimestamp, timestampNumber, viewPbu, type PbuView } from './pbu-processing.js';
import { PolicyStore, PrefixPool } from './policy.js';
import { Ipv4HoaAssigner, type HeldIpv4 } from './ipv4-hoa.js';

/** The LMA side of the data plane (implemented per kernel in pmipd/dataplane/). */
export interface LmaDataplane {
  /** Downlink for `hnp` into the tunnel toward `proxyCoa` (added, or replaced without a gap). */
  routePrefix(hnp: Prefix, proxyCoa: string): void;
  /** Drop traffic for `hnp` while the session waits for deletion (DEREG-09). */
  blackholePrefix(hnp: Prefix): void;
  removePrefix(hnp: Prefix): void;
  /**
   * RFC 5845: traffic for `hnp` goes into a GRE tunnel with these keys from the next routePrefix
   * on (null: back to the plain tunnel). Absent: the back-end cannot do GRE.
   */
  setGreKeys?(hnp: Prefix, keys: GreKeys | null): void;
  /** RFC 5844: the downlink of an IPv4 HoA into the tunnel toward `proxyCoa` (back-ends that carry IPv4). */
  /** `hnps`: the session's prefixes, whose GRE tunnel (RFC 5845) the IPv4 HoA shares. */
  routeIpv4?(address: string, proxyCoa: string, hnps?: readonly Prefix[]): void;
  removeIpv4?(address: string): void;
  /** Resolves once every route change asked for so far is in the kernel (absent: changes are immediate). */
  applied?(): Promise<void>;
}

/** Quirk crash-on-oversized-nai: the NAI length past which the LMA crashes. */
export const OVERSIZED_NAI_OCTETS = 128;

export type MhSend = (bytes: Uint8Array, dst: string) => void;

interface Waiter { v: PbuView; proxyCoa: string; replyTo: string; timer: { cancel(): void } }

/** What a revocation asks for: every binding of one MN, the one holding a prefix, or all of one MAG's. */
export type RevokeTarget = { mn: string } | { hnp: string } | { global: true; mag?: string };

export interface LmaCoreOptions {
  settings: LmaSettings;
  policy: PolicyStore;
  clock: Clock;
  dataplane: LmaDataplane;
  quirks: Quirks;
  log: Logger;
  counters: Counters;
  send: MhSend;
  /** RFC 5847; absent or null: off (Heartbeats get Binding Error 2). */
  heartbeat?: HeartbeatSettings | null;
  /** The persisted Restart Counter and former peers (none: counter 0, nothing announced). */
  restart?: RestartState;
  /** RFC 5846 Binding Revocation (off: BRIs/BRAs get Binding Error 2). */
  revocation?: boolean;
  /** RFC 7077 Update Notifications (off: UPAs get Binding Error 2, `notify` is refused). */
  updateNotifications?: boolean;
  /** RFC 5845 GRE keys (off: a GRE Key option in a PBU is ignored). */
  greKeys?: boolean;
  /** RFC 5844 §3.3.4: the S flag of the IPv4 DHCP Support Mode option of PBAs granting an IPv4 HoA (absent: no option). */
  ipv4DhcpServer?: boolean;
  /** RFC 6909: the IPv4 offload selectors granted to a PBU that asks (none: offload is never granted). */
  offload?: readonly Ipv4TrafficSelector[];
  /** RFC 5844 §4 (domain ipv4Transport): whether a PBU with (F) from `src` is refused (129). */
  forcedUdp?: { refusesForcedUdp(src: string): boolean };
}

export interface BindingDump {
  mnId: string;
  hnps: string[];
  proxyCoa: string;
  lla: string | null;
  llId: string | null;
  att: number;
  lifetime: number;
  state: 'active' | 'deleting';
  /** RFC 5845 keys of the session (greKeys domains): the MAG's downlink key, this LMA's uplink key. */
  greKeys?: SessionGreKeys;
  ageMs: number;
  lastSeq: number;
  /** RFC 5844: the session's IPv4 home address with its prefix length. */
  ipv4?: string;
}

export class LmaCore {
  readonly cache = new BindingCache();
  readonly pool: PrefixPool;
  private readonly greKeys = new GreKeyAllocator();
  private readonly waiters = new Map<number, Waiter[]>();
  private readonly screen: MhScreen;
  private readonly heartbeat: Heartbeat | null;
  private readonly revocation: RevocationInitiator | null;
  private readonly notifier: UpdateNotifier | null;
  private readonly handled: number[];
  private readonly ipv4: Ipv4HoaAssigner;

  constructor(private readonly o: LmaCoreOptions) {
    this.pool = new PrefixPool(o.settings.prefixPool, o.settings.hnpLength, o.policy.reserved);
    this.ipv4 = new Ipv4HoaAssigner(o.settings.ipv4Pool, o.policy.all(), o.quirks);
    this.screen = new MhScreen(o.clock, o.log, o.counters, o.send, !o.quirks.has('no-binding-error'));
    const hb = o.heartbeat ?? null;
    const ctx = { clock: o.clock, log: o.log, counters: o.counters, quirks: o.quirks, send: o.send };
    this.heartbeat = hb === null ? null : new Heartbeat(hb, o.restart?.restartCounter ?? 0, ctx, {
      // RFC 5847 §3.2: a MAG that lost its state lost the sessions the LMA holds for it.
      peerRestarted: (mag) => this.dropBindingsOf(mag, 'its MAG restarted and lost its state'),
      peerUnreachable: (mag) => { if (hb.onUnreachable === 'drop-bindings') this.dropBindingsOf(mag, 'its MAG is unreachable (heartbeats unanswered)'); },
    });
    this.revocation = o.revocation !== true ? null : new RevocationInitiator(ctx,
      (src) => this.transmit({ type: 7, status: 2, homeAddress: '::' }, src));
    this.notifier = o.updateNotifications !== true ? null : new UpdateNotifier(ctx);
    this.handled = [5, ...(this.heartbeat !== null || this.notifier !== null ? [7] : []), ...(this.heartbeat !== null ? [13] : []),
      ...(this.revocation !== null ? [16] : []), ...(this.notifier !== null ? [20] : [])];
  }

  /** Tells the peers of the run before a restart that lost state (HB-07); once the socket is up. */
  announceRestart(): void {
    this.heartbeat?.announceRestart(this.o.restart?.formerPeers ?? []);
  }

  /** A Mobility Header that arrived from `src` (the kernel has verified its checksum). */
  receive(buf: Uint8Array, src: string): void {
    const msg = this.screen.screen(buf, src, this.handled);
    if (msg === null) return;
    if (msg.type === 13) this.heartbeat!.receive(msg as HeartbeatMessage, src);
    else if (msg.type === 7) {
      const status = (msg as BindingError).status;
      if (this.notifier?.bindingError(src, status) !== true) this.heartbeat?.bindingError(src, status);
    } else if (msg.type === 16) this.onRevocation(msg as BindingRevocationIndication | BindingRevocationAck, src);
    else if (msg.type === 20) this.notifier!.receive(msg as UpdateNotificationAck, src);
    else this.onBindingUpdate(msg as BindingUpdate, src);
  }

  // ------------------------------------------------------------------------------------------
  // Binding Revocation (RFC 5846)

  private onRevocation(msg: BindingRevocationIndication | BindingRevocationAck, src: string): void {
    if (msg.brType === 2) { this.revocation!.receive(msg, src); return; }
    if (msg.brType !== 1) return;
    // A MAG revoking (§9.2): G = 1 drops every binding it holds, otherwise those of the MN named.
    const mnId = findOption(msg.options, MH_OPTION.MN_ID)?.id;
    const mine = [...this.cache.entries()].filter((b) => b.proxyCoa === src && (msg.flags.G || b.mnId === mnId));
    for (const b of mine) this.delete(b, `revoked by its MAG (trigger ${msg.trigger})`);
    const options: MobilityOptionSpec[] = mnId !== undefined && !msg.flags.G ? [{ type: 8, subtype: 1, id: mnId }] : [];
    this.transmit({ type: 16, brType: 2, status: mine.length > 0 || msg.flags.G ? 0 : 128, seq: msg.seq, flags: msg.flags, options, autoPad: true }, src);
  }

  /** Control socket `revoke`: BRIs for `target` (trigger 1 unless told; 128 for a global one). Returns how many went out. */
  revoke(target: RevokeTarget, trigger?: number): number {
    if (this.revocation === null) throw new Error('Binding Revocation is off in this domain (revocation: true turns it on)');
    if ('global' in target) {
      const mags = new Set([...this.cache.entries()].map((b) => b.proxyCoa));
      const wanted = target.mag === undefined ? [...mags] : [...mags].filter((m) => m === target.mag || this.o.policy.magAt(m)?.name === target.mag);
      for (const mag of wanted) {
        this.revocation.revoke({
          dst: mag, global: true, options: [],
          trigger: trigger ?? (this.o.quirks.has('global-bri-trigger-1') ? BRI_TRIGGER_CODE.ADMINISTRATIVE_REASON : BRI_TRIGGER_CODE.PER_PEER_POLICY),
          done: () => { for (const b of [...this.cache.entries()]) if (b.proxyCoa === mag) this.delete(b, 'revoked (global)'); },
        });
      }
      return wanted.length;
    }
    const bces = 'mn' in target ? [...this.cache.forMn(target.mn)] : [this.cache.byPrefix(target.hnp)].filter((b): b is BindingCacheEntry => b !== undefined);
    for (const bce of bces) {
      const several = this.cache.forMn(bce.mnId).length > 1;
      this.sendBri(bce, trigger ?? BRI_TRIGGER_CODE.ADMINISTRATIVE_REASON, 'hnp' in target || several, () => this.delete(bce, 'revoked'), true);
    }
    return bces.length;
  }

  /**
   * Control socket `notify` (RFC 7077): a UPN with `reason` for one MN's sessions (to each MAG
   * holding one) or, with `group`, for every session at a MAG (MN Group Identifier 1). Returns the
   * Sequence #s sent.
   */
  notify(target: { mn: string } | { group: true; mag?: string }, reason: number, ack?: boolean): number[] {
    if (this.notifier === null) throw new Error('Update Notifications are off in this domain (updateNotifications: true turns them on)');
    const bces = [...this.cache.entries()].filter((b) => b.state === 'active');
    const sends: { dst: string; mnId: string | null }[] = 'mn' in target
      ? [...new Set(bces.filter((b) => b.mnId === target.mn).map((b) => b.proxyCoa))].map((dst) => ({ dst, mnId: target.mn }))
      : [...new Set(bces.map((b) => b.proxyCoa))].filter((m) => target.mag === undefined || m === target.mag || this.o.policy.magAt(m)?.name === target.mag).map((dst) => ({ dst, mnId: null }));
    const seqs: number[] = [];
    for (const s of sends) {
      const seq = this.notifier.notify({ ...s, reason, ...(ack !== undefined ? { ack } : {}) });
      if (seq !== null) seqs.push(seq);
    }
    return seqs;
  }

  /**
   * A per-MN BRI for `bce` to its MAG (BR-01, BR-02); with `withHnp` it names the prefixes revoked.
   * `operator`: asked on the control socket (the quirks bri-no-mn-id and bri-wrong-dst apply there only).
   */
  private sendBri(bce: BindingCacheEntry, trigger: number, withHnp: boolean, done: (bra: BindingRevocationAck | null) => void, operator = false): void {
    const options: MobilityOptionSpec[] = [];
    if (!(operator && this.o.quirks.has('bri-no-mn-id'))) options.push({ type: 8, subtype: 1, id: bce.mnId });
    if (withHnp) for (const p of bce.hnps) options.push({ type: 22, prefix: p.text });
    const other = operator && this.o.quirks.has('bri-wrong-dst') ? this.o.policy.otherMag(bce.proxyCoa) : undefined;
    this.revocation!.revoke({ dst: other ?? bce.proxyCoa, trigger, options, done });
  }

  /** The MAGs a binding links the LMA to changed (maybe): heartbeats and the restart state follow. */
  private linksChanged(): void {
    const peers = new Set<string>();
    for (const b of this.cache.entries()) peers.add(b.proxyCoa);
    this.heartbeat?.setLinked(peers);
    this.o.restart?.rememberPeers(peers);
  }

  private dropBindingsOf(mag: string, why: string): void {
    for (const b of [...this.cache.entries()]) if (b.proxyCoa === mag) this.delete(b, why);
  }

  private onBindingUpdate(msg: BindingUpdate, src: string): void {
    const { counters, log } = this.o;
    counters.inc('pbu_rx');
    const v = viewPbu(msg);
    // A fixed-size identifier buffer, as C daemons have them: what the fuzzer must find.
    if (this.o.quirks.has('crash-on-oversized-nai') && v.mnIdOption !== undefined && v.mnIdOption.length - 1 > OVERSIZED_NAI_OCTETS) {
      throw new RangeError(`MN-ID of ${v.mnIdOption.length - 1} octets overflows the ${OVERSIZED_NAI_OCTETS}-octet NAI buffer (quirk crash-on-oversized-nai)`);
    }
    if (!v.proxy) {
      // A plain MIPv6 home registration: this is no home agent.
      log.info('bu-not-proxy', { src, seq: v.seq });
      this.transmit({ type: 6, status: BA_STATUS_CODE.HOME_REGISTRATION_NOT_SUPPORTED, seq: v.seq, lifetimeUnits: 0, autoPad: true }, src);
      return;
    }
    for (const t of v.unknownOptionTypes) log.debug('pbu-unknown-option-skipped', { src, option: t });
    this.process(v, v.alternateCoa ?? src, src, false);
  }

  private process(v: PbuView, proxyCoa: string, replyTo: string, waited: boolean): void {
    const { counters, log, settings, clock, quirks } = this.o;
    const d = decidePbu(v, proxyCoa, {
      cache: this.cache, policy: this.o.policy, quirks, nowWallMs: clock.wallMs(),
      timestampValidityWindow: settings.timestampValidityWindow, waited,
    });
    switch (d.action) {
      case 'drop':
        counters.inc('pbu_dropped');
        log.info('pbu-dropped', { mn: v.mnId, pcoa: proxyCoa, seq: v.seq, why: d.why });
        return;
      case 'wait':
        this.wait(d.bce, v, proxyCoa, replyTo);
        return;
      case 'reject':
        this.reject(v, replyTo, d.status, d.lastSeq);
        return;
      case 'deregister':
        this.deregister(d.bce, v, replyTo);
        return;
      case 'register':
        // RFC 5844 §4.1.3.1: (F) is judged once the request is otherwise accepted.
        if (v.forceUdp && this.o.forcedUdp?.refusesForcedUdp(replyTo) === true) {
          this.reject(v, replyTo, BA_STATUS_CODE.ADMINISTRATIVELY_PROHIBITED);
          return;
        }
        this.register(v, d.mnId, d.lookup.kind === 'update' ? d.lookup.bce : null, proxyCoa, replyTo);
    }
  }

  private reject(v: PbuView, replyTo: string, status: number, lastSeq?: number): void {
    const { counters, log, clock } = this.o;
    counters.inc('rejected');
    counters.inc(`rejected_status_${status}`);
    log.info('pbu-rejected', { mn: v.mnId, src: replyTo, seq: v.seq, status, name: BA_STATUS[status] });
    const ts = v.timestamp === undefined ? null
      : status === BA_STATUS_CODE.TIMESTAMP_MISMATCH || status === BA_STATUS_CODE.TIMESTAMP_LOWER_THAN_PREV_ACCEPTED
        ? lmaTimestamp(clock.wallMs()) : v.timestamp;
    // Rejections are answered even without the A flag (RFC 6275 §10.3.1).
    this.sendPba(v, replyTo, { status, seq: lastSeq ?? v.seq, lifetimeUnits: 0, hnps: [], lla: v.lla ?? null, timestamp: ts });
  }

  private register(v: PbuView, mnId: string, existing: BindingCacheEntry | null, proxyCoa: string, replyTo: string): void {
    const { settings, quirks, clock, dataplane, log, counters } = this.o;
    const granted = Math.min(v.lifetimeUnits, Math.floor(settings.maxLifetime / 4));
    let bce: BindingCacheEntry;
    let ipv4: HeldIpv4 | null = existing?.ipv4 ?? null;
    const req = v.ipv4Requests[0];
    if (req !== undefined && ipv4 !== null && !this.ipv4.keeps(ipv4, req)) {
      this.reject(v, replyTo, BA_STATUS_CODE.NOT_AUTHORIZED_FOR_IPV4_HOME_ADDRESS);
      return;
    }
    const gainsIpv4 = req !== undefined && ipv4 === null;
    if (gainsIpv4) {
      const got = this.ipv4.assign(req, mnId, this.o.policy.mobileNode(mnId) ?? { nai: mnId, prefixes: [], proxyMobility: true, mags: [] });
      if (typeof got === 'number') { this.reject(v, replyTo, got); return; }
      ipv4 = got;
    }
    let rerouted = false;
    if (existing === null) {
      // RFC 5844: a PBU with only an IPv4 HoA Request makes an IPv4-only session.
      const hnps = v.hnpOptions.length === 0 ? { prefixes: [], pooled: [] } : this.assignPrefixes(v, mnId);
      if (typeof hnps === 'number') { this.ipv4.release(ipv4); this.reject(v, replyTo, hnps); return; }
      bce = {
        id: this.cache.newId(), mnId, llId: v.llId ?? null, att: v.att!, hnps: hnps.prefixes,
        lla: v.lla === undefined ? null : v.lla === '::' ? randomLinkLocal() : v.lla,
        proxyCoa, lifetimeUnits: granted, createdAt: clock.now(), updatedAt: clock.now(),
        lastTimestamp: null, lastSeq: v.seq, state: 'active', pooled: hnps.pooled, timer: null, ipv4,
      };
      this.cache.add(bce);
      this.negotiateGre(bce, v);
      for (const p of bce.hnps) dataplane.routePrefix(p, proxyCoa);
      if (ipv4 !== null) dataplane.routeIpv4?.(ipv4.grant.address, proxyCoa, bce.hnps);
      rerouted = true;
      counters.inc('bce_created');
      log.info('bce-created', { mn: mnId, hnp: bce.hnps.map((p) => p.text), ipv4: ipv4?.grant.address, pcoa: proxyCoa, lla: bce.lla, lifetime: granted * 4 });
    } else {
      bce = existing;
      bce.ipv4 = ipv4;
      const previous = bce.proxyCoa;
      const moved = previous !== proxyCoa;
      const wasDeleting = bce.state === 'deleting';
      if (v.lla !== undefined) {
        if (v.lla !== '::') bce.lla = v.lla;
        else if (bce.lla === null || (moved && quirks.has('new-lla-on-handover'))) bce.lla = randomLinkLocal();
      }
      bce.proxyCoa = proxyCoa;
      bce.att = v.att!;
      if (v.llId !== undefined) bce.llId = v.llId;
      bce.state = 'active';
      bce.lifetimeUnits = granted;
      bce.updatedAt = clock.now();
      // New GRE keys mean a new tunnel: the IPv4 HoA follows its HNPs there.
      const rekeyed = this.negotiateGre(bce, v) && !moved && !wasDeleting;
      if (rekeyed) for (const p of bce.hnps) dataplane.routePrefix(p, proxyCoa);
      if (moved || wasDeleting) {
        const target = quirks.has('downlink-to-old-mag') ? previous : proxyCoa;
        for (const p of bce.hnps) dataplane.routePrefix(p, target);
        rerouted = true;
      }
      if (moved && quirks.has('dhcpv6-extra-hnp-on-handover') && bce.hnps.length > 0) {
        // The /64 after the last HNP joins the session's prefix set.
        const last = bce.hnps[bce.hnps.length - 1]!, b = Uint8Array.from(last.bytes);
        for (let i = 7; i >= 0 && ++b[i]! === 256; i--) b[i] = 0;
        const extra = makePrefix(b, 64);
        bce.hnps = [...bce.hnps, extra];
        dataplane.routePrefix(extra, proxyCoa);
      }
      if (gainsIpv4 || ((moved || wasDeleting || rekeyed) && ipv4 !== null)) dataplane.routeIpv4?.(ipv4!.grant.address, quirks.has('downlink-to-old-mag') ? previous : proxyCoa, bce.hnps);
      if (moved) {
        counters.inc('handovers');
        log.info('bce-handover', { mn: mnId, hnp: bce.hnps.map((p) => p.text), from: previous, to: proxyCoa, hi: v.hi });
      } else {
        counters.inc(wasDeleting ? 'bce_revived' : 'bce_refreshed');
        log.debug('bce-refreshed', { mn: mnId, pcoa: proxyCoa, lifetime: granted * 4 });
      }
    }
    bce.lastTimestamp = v.timestamp === undefined ? null : timestampNumber(v.timestamp);
    bce.lastSeq = v.seq;
    bce.timer?.cancel();
    bce.timer = clock.setTimer(granted * 4000 + (quirks.has('bce-expires-late') ? 8000 : 0), () => this.expire(bce));
    counters.inc('accepted');
    const acknowledge = () => {
      if (v.ackRequested) {
        const units = quirks.has('lifetime-in-seconds') ? Math.min(0xffff, granted * 4) : granted;
        this.sendPba(v, replyTo, {
          status: 0, seq: v.seq, lifetimeUnits: units, hnps: bce.hnps, lla: bce.lla, timestamp: v.timestamp ?? null,
          ...(bce.gre?.up !== undefined ? { greKey: bce.gre.up } : {}),
          ipv4: { grant: bce.ipv4?.grant ?? null, refresh: existing !== null && !gainsIpv4, ...(this.o.ipv4DhcpServer !== undefined ? { dhcpServer: this.o.ipv4DhcpServer } : {}) },
        }, existing === null);
      }
      // After the PBA: the MAG holds the binding only once it has it (a first request before would find none there).
      this.linksChanged();
    };
    // The downlink follows the binding from the PBA on (HO-09): the new MAG forwards the MN's uplink
    // as soon as it has the PBA, and the answers to it must not go down the old route.
    if (rerouted && dataplane.applied !== undefined) void dataplane.applied().then(acknowledge);
    else acknowledge();
  }

  /**
   * RFC 5845 §3.3.2: a PBU with a GRE Key option in a greKeys domain gets the session's uplink key,
   * made once and kept across refreshes and handovers; the downlink key is the MAG's latest. The
   * data plane learns the keys; true when they changed (the prefix routes must be made again).
   */
  private negotiateGre(bce: BindingCacheEntry, v: PbuView): boolean {
    const { quirks, dataplane } = this.o;
    if (this.o.greKeys !== true || v.greKey === undefined) return false;
    const before = bce.gre;
    let up = before?.up;
    if (up === undefined || quirks.has('gre-uplink-key-changes')) {
      this.greKeys.release(up);
      up = this.greKeys.allocate();
    }
    bce.gre = { down: v.greKey, up };
    if (before !== undefined && before.down === bce.gre.down && before.up === up) return false;
    // pba-no-gre-key: the MAG is told no uplink key, so it sends none; the LMA then takes keyless packets.
    const told = quirks.has('pba-no-gre-key') ? { down: v.greKey } : bce.gre;
    for (const p of bce.hnps) dataplane.setGreKeys?.(p, tunnelKeys('lma', told, quirks));
    return true;
  }

  /** §5.3.2: the prefixes of a new session, or the status that refuses it. */
  private assignPrefixes(v: PbuView, mnId: string): { prefixes: Prefix[]; pooled: Prefix[] } | number {
    const mn = this.o.policy.mobileNode(mnId);
    if (v.requested.length > 0) {
      const pooled: Prefix[] = [];
      for (const p of v.requested) {
        if (this.o.policy.reserved.get(p.text) === mnId) {
          if (this.cache.byPrefix(p.text) !== undefined) return this.undo(pooled, BA_STATUS_CODE.NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX);
        } else if (this.pool.claim(p, mnId)) pooled.push(p);
        else return this.undo(pooled, BA_STATUS_CODE.NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX);
      }
      return { prefixes: v.requested, pooled };
    }
    if (mn !== undefined && mn.prefixes.length > 0) {
      // Fixed prefixes serve one session at a time (per-MN prefix model, §5.2).
      if (mn.prefixes.some((p) => this.cache.byPrefix(p.text) !== undefined)) return BA_STATUS_CODE.INSUFFICIENT_RESOURCES;
      return { prefixes: mn.prefixes, pooled: [] };
    }
    if (this.o.quirks.has('same-hnp-for-all-mns')) {
      const first = this.pool.first();
      return first === null ? BA_STATUS_CODE.INSUFFICIENT_RESOURCES : { prefixes: [first], pooled: [] };
    }
    const p = this.pool.allocate(mnId);
    return p === null ? BA_STATUS_CODE.INSUFFICIENT_RESOURCES : { prefixes: [p], pooled: [p] };
  }

  private undo(pooled: Prefix[], status: number): number {
    for (const p of pooled) this.pool.release(p.text, p);
    return status;
  }

  private deregister(bce: BindingCacheEntry, v: PbuView, replyTo: string): void {
    const { quirks, clock, dataplane, log, counters, settings } = this.o;
    const ipv4 = { grant: bce.ipv4?.grant ?? null, refresh: false };
    if (v.hnpOptions.length === 0 && v.ipv4Requests.length > 0 && bce.hnps.length > 0) {
      // RFC 5844 §3.2.3.3: a de-registration of the IPv4 HoA alone; the IPv6 session stays.
      if (bce.ipv4) dataplane.removeIpv4?.(bce.ipv4.grant.address);
      this.ipv4.release(bce.ipv4 ?? null);
      bce.ipv4 = null;
      bce.lastTimestamp = v.timestamp === undefined ? null : timestampNumber(v.timestamp);
      bce.lastSeq = v.seq;
      log.info('bce-ipv4-deregistered', { mn: bce.mnId, ipv4: ipv4.grant?.address });
      if (v.ackRequested) this.sendPba(v, replyTo, { status: 0, seq: v.seq, lifetimeUnits: 0, hnps: [], lla: bce.lla, timestamp: v.timestamp ?? null, ipv4 });
      return;
    }
    const oldUnits = bce.lifetimeUnits;
    bce.state = 'deleting';
    bce.lastTimestamp = v.timestamp === undefined ? null : timestampNumber(v.timestamp);
    bce.lastSeq = v.seq;
    bce.updatedAt = clock.now();
    bce.timer?.cancel();
    bce.timer = null;
    counters.inc('deregistrations');
    log.info('bce-deregistered', { mn: bce.mnId, hnp: bce.hnps.map((p) => p.text), pcoa: bce.proxyCoa, deleteInMs: quirks.has('delete-bce-at-once') ? 0 : settings.minDelayBeforeBCEDelete });
    if (v.ackRequested) {
      this.sendPba(v, replyTo, {
        status: 0, seq: v.seq, lifetimeUnits: quirks.has('dereg-ack-lifetime') ? oldUnits : 0,
        hnps: bce.hnps, lla: bce.lla, timestamp: v.timestamp ?? null, ipv4,
      });
    }
    if (quirks.has('delete-bce-at-once')) {
      this.delete(bce, 'de-registered');
    } else {
      for (const p of bce.hnps) dataplane.blackholePrefix(p);
      bce.timer = clock.setTimer(settings.minDelayBeforeBCEDelete * (quirks.has('bce-delete-late') ? 4 : 1), () => this.delete(bce, 'MinDelayBeforeBCEDelete passed'));
    }
    this.releaseWaiters(bce);
  }

  private expire(bce: BindingCacheEntry): void {
    this.o.counters.inc('bce_expired');
    this.delete(bce, 'lifetime expired');
  }

  private delete(bce: BindingCacheEntry, why: string): void {
    const { dataplane, log, counters } = this.o;
    bce.timer?.cancel();
    bce.timer = null;
    this.cache.remove(bce);
    for (const p of bce.hnps) dataplane.removePrefix(p);
    if (bce.gre !== undefined) {
      for (const p of bce.hnps) dataplane.setGreKeys?.(p, null);
      this.greKeys.release(bce.gre.up);
    }
    for (const p of bce.pooled) this.pool.release(p.text, p);
    if (bce.ipv4) dataplane.removeIpv4?.(bce.ipv4.grant.address);
    this.ipv4.release(bce.ipv4 ?? null);
    counters.inc('bce_deleted');
    log.info('bce-deleted', { mn: bce.mnId, hnp: bce.hnps.map((p) => p.text), why });
    this.linksChanged();
    this.releaseWaiters(bce);
  }

  /**
   * HI = 4 and one candidate session: hold the PBU until the previous MAG de-registers (LMA-BCE-11),
   * or, with Binding Revocation, ask it (BRI trigger 4, BR-07): its BRA 0 counts as the
   * de-registration; 132 (the MN is still there) or no answer makes a new session.
   */
  private wait(bce: BindingCacheEntry, v: PbuView, proxyCoa: string, replyTo: string): void {
    const { clock, settings, log, counters } = this.o;
    const list = this.waiters.get(bce.id) ?? [];
    // A retransmission replaces the PBU it repeats.
    const old = list.findIndex((w) => w.proxyCoa === proxyCoa);
    if (old >= 0) { list[old]!.timer.cancel(); list.splice(old, 1); }
    if (this.revocation !== null && !this.o.quirks.has('bri-hi4-no-revoke')) {
      const revoking = list.length > 0 || old >= 0;
      const w: Waiter = { v, proxyCoa, replyTo, timer: { cancel: () => undefined } };
      list.push(w);
      this.waiters.set(bce.id, list);
      counters.inc('pbu_waiting');
      log.info('pbu-waiting', { mn: v.mnId, pcoa: proxyCoa, for: bce.proxyCoa, revoking: true });
      if (revoking) return;
      this.sendBri(bce, BRI_TRIGGER_CODE.INTER_MAG_HANDOVER_UNKNOWN, this.cache.forMn(bce.mnId).length > 1, (bra) => {
        if (bra?.status === BRA_STATUS_CODE.SUCCESS && this.cache.forMn(bce.mnId).includes(bce) && bce.state === 'active') {
          // The previous MAG gave the session up: as its de-registration would (§5.3.5, then the waiting PBUs).
          bce.state = 'deleting';
          bce.timer?.cancel();
          bce.timer = clock.setTimer(settings.minDelayBeforeBCEDelete, () => this.delete(bce, 'revoked at the previous MAG'));
          for (const p of bce.hnps) this.o.dataplane.blackholePrefix(p);
          this.releaseWaiters(bce);
          return;
        }
        log.info('pbu-wait-over', { mn: v.mnId, why: bra === null ? 'no BRA' : `BRA ${bra.status}` });
        const l = this.waiters.get(bce.id) ?? [];
        this.waiters.delete(bce.id);
        for (const x of l) this.process(x.v, x.proxyCoa, x.replyTo, true);
      });
      return;
    }
    const w: Waiter = {
      v, proxyCoa, replyTo,
      timer: clock.setTimer(settings.maxDelayBeforeNewBCEAssign, () => {
        const l = this.waiters.get(bce.id);
        const i = l?.indexOf(w) ?? -1;
        if (i < 0) return;
        l!.splice(i, 1);
        if (l!.length === 0) this.waiters.delete(bce.id);
        log.info('pbu-wait-over', { mn: v.mnId, pcoa: proxyCoa, why: 'MaxDelayBeforeNewBCEAssign passed' });
        this.process(w.v, w.proxyCoa, w.replyTo, true);
      }),
    };
    list.push(w);
    this.waiters.set(bce.id, list);
    counters.inc('pbu_waiting');
    log.info('pbu-waiting', { mn: v.mnId, pcoa: proxyCoa, for: bce.proxyCoa, maxMs: settings.maxDelayBeforeNewBCEAssign });
  }

  private releaseWaiters(bce: BindingCacheEntry): void {
    const list = this.waiters.get(bce.id);
    if (list === undefined) return;
    this.waiters.delete(bce.id);
    for (const w of list) {
      w.timer.cancel();
      this.process(w.v, w.proxyCoa, w.replyTo, true);
    }
  }

  /** `created`: the PBA accepts a new binding. */
  private sendPba(v: PbuView, dst: string, c: Parameters<typeof buildPba>[1], created = false): void {
    const spec = buildPba(v, this.o.offload !== undefined ? { ...c, offload: this.o.offload } : c, this.o.quirks);
    // RFC 5844 §4.2.2: the NAT Detection option (RFC 5555) with (F) tells the MAG IPv4-UDP was granted.
    if (c.status === 0 && v.forceUdp && this.o.forcedUdp !== undefined) spec.options = [...spec.options ?? [], { type: 31, F: true, refreshTime: 0 }];
    let bytes = encodeMobilityHeader(spec);
    // The socket sums the checksum over every octet sent, as OAI's does.
    if (created && this.o.quirks.has('pba-header-len-short')) bytes = withShortHeaderLen(bytes);
    this.o.send(bytes, dst);
    this.o.counters.inc('pba_tx');
    this.o.log.debug('pba-tx', { dst, seq: c.seq, status: c.status });
  }

  private transmit(spec: MobilityHeaderSpec, dst: string): void {
    this.o.send(encodeMobilityHeader(spec), dst);
  }

  bindings(): BindingDump[] {
    const now = this.o.clock.now();
    return [...this.cache.entries()].map((b) => ({
      mnId: b.mnId, hnps: b.hnps.map((p) => p.text), proxyCoa: b.proxyCoa, lla: b.lla, llId: b.llId, att: b.att,
      lifetime: b.lifetimeUnits * 4, state: b.state, ageMs: Math.round(now - b.createdAt), lastSeq: b.lastSeq,
      ...(b.gre !== undefined ? { greKeys: b.gre } : {}),
      ...(b.ipv4 ? { ipv4: `${b.ipv4.grant.address}/${b.ipv4.grant.prefixLength}` } : {}),
    }));
  }

  heartbeatState(): ReturnType<Heartbeat['dump']> | null {
    return this.heartbeat?.dump() ?? null;
  }

  /** Stops every timer (daemon shutdown, end of a test). */
  close(): void {
    this.heartbeat?.close();
    this.revocation?.close();
    this.notifier?.close();
    for (const b of this.cache.entries()) b.timer?.cancel();
    for (const l of this.waiters.values()) for (const w of l) w.timer.cancel();
    this.waiters.clear();
  }
}
