// RFC 6909 at the MAG: a MAG with a breakout link asks for IPv4 offload in every registration and
// refresh PBU of an MN with IPv4 service (the option without a selector); the selectors of the
// accepting PBA are the session's offload policy, installed beside its tunnel routes and removed
// with them (detach, de-registration, handover away). A new MAG after a handover asks again and
// installs what it is granted: offloaded flows have no session continuity across MAGs.
import { findOptions, type BindingAck, type Ipv4TrafficSelector, type MobilityOptionSpec } from '../../wire/index.js';
import type { OffloadRules } from '../dataplane/offload-rules.js';
import type { MagDataplane, SessionRoute } from './mag-core.js';

/** The request a PBU carries (RFC 6909 §3.1: M 0, no TS sub-option: "offload what you authorise"). */
export const OFFLOAD_REQUEST: MobilityOptionSpec = { type: 53, M: false };

/** The selectors an accepting PBA grants (options with M set are not offered by pmipd's LMA and not applied). */
export function grantedSelectors(msg: BindingAck): Ipv4TrafficSelector[] {
  return findOptions(msg.options, 53).flatMap((o) => (!o.M && o.ts !== undefined ? [o.ts.selector] : []));
}

/**
 * The data plane with the session's breakout rules installed after, and removed before, its tunnel
 * routes: IPv4 as granted, IPv6 (the domain's prefixes) for every session with an HNP.
 */
export function withOffload(inner: MagDataplane, rules: OffloadRules): MagDataplane {
  // removeSession gets a route rebuilt from the session, not the object addSession got.
  const sessionKey = (s: SessionRoute) => `${s.iface} ${s.ipv4?.address ?? ''} ${s.hnps.map((h) => h.text).join(',')}`;
  const byKey = new Map<string, string[]>();
  return {
    async addSession(s) {
      await inner.addSession(s);
      const installed: string[] = [];
      if (s.ipv4 && s.offload !== undefined && s.offload.length > 0) installed.push(await rules.add(s.iface, s.ipv4.address, s.offload));
      if (s.hnps.length > 0) installed.push(await rules.add6(s.iface, s.hnps));
      byKey.set(sessionKey(s), installed);
    },
    async removeSession(s) {
      const installed = byKey.get(sessionKey(s)) ?? [];
      byKey.delete(sessionKey(s));
      for (const k of installed) await rules.remove(k);
      await inner.removeSession(s);
    },
    transportMtuChanged: (mtu) => inner.transportMtuChanged(mtu),
  };
}
