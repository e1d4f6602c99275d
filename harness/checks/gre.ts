// D.5: RFC 5845 GRE keys, judged on the wire: the GRE Key option in the initial PBU and in the
// PBA accepting it (GRE-01), one uplink key for the whole session (GRE-02), and the negotiated key
// of each direction in the GRE data packets (GRE-03). A trace where no PBU carries a GRE Key
// option did not ask for keys: NOT-APPLICABLE.
import { accepted, DATA_GRE, DATA_GRE_KEY, optionOf, type Exchange, type MhFrame, type Session, type Trace } from '../trace/index.js';
import { check } from './check.js';
import { dataEv, mhEv } from './evidence.js';

/** RFC 5845 §6.1: a GRE Key option carrying a key has length 6. */
const KEYED_LENGTH = 6;
/**
 * A data packet may still carry the key in force before an accepting PBA for this long after it:
 * the end point switches when the PBA reaches it and its data plane has the new key.
 */
const KEY_CHANGE_GRACE_S = 1;

const NO_KEYS = 'no PBU in the trace carries a GRE Key option: GRE keys were not asked for (RFC 5845 §3.3.1)';

const keyText = (k: number | undefined) => (k === undefined ? 'none' : `0x${k.toString(16).padStart(8, '0')}`);

function greOption(f: MhFrame | undefined): { length: number; key?: number } | undefined {
  return f === undefined ? undefined : optionOf(f, 33);
}

function keysWanted(t: Trace): boolean {
  return t.exchanges.some((ex) => greOption(ex.pbu) !== undefined);
}

/** The session's registrations (not de-registrations) the LMA accepted, in order. */
function registrations(s: Session): Exchange[] {
  return s.events.filter((e) => e.exchange.pba !== undefined && accepted(e.exchange) && !e.exchange.deregistration).map((e) => e.exchange);
}

export const greKeyOptions = check('gre-key-options', ['GRE-01'], (t, [j]) => {
  if (!keysWanted(t)) { j!.na(NO_KEYS); return; }
  j!.inconclusiveBecause('no session whose PBUs carry a GRE Key option was registered in the trace');
  for (const s of t.sessions) {
    const first = s.events[0]?.exchange;
    if (first === undefined || !s.events.some((e) => greOption(e.exchange.pbu) !== undefined)) continue;
    const pbuOpt = greOption(first.pbu);
    if (pbuOpt === undefined || pbuOpt.length !== KEYED_LENGTH) {
      j!.fail(() => `${t.nodeName(first.mag)}'s initial PBU for ${s.mnId} (seq ${first.pbu.mh.seq}) carries ${pbuOpt === undefined ? 'no GRE Key option' : `a GRE Key option of length ${pbuOpt.length}`} although later PBUs of the session do`,
        [mhEv(t, first.pbu)], { field: 'GRE Key option (33) in the initial PBU', expected: 'length 6 with the downlink key', seen: pbuOpt === undefined ? 'none' : `length ${pbuOpt.length}` });
      continue;
    }
    const reg = registrations(s)[0];
    if (reg === undefined || reg.pba === undefined) continue;
    const pbaOpt = greOption(reg.pba);
    if (pbaOpt === undefined || pbaOpt.length !== KEYED_LENGTH) {
      j!.fail(() => `${t.nodeName(reg.lma)} accepted ${s.mnId}'s PBU with a GRE Key option (seq ${reg.pbu.mh.seq}) without giving an uplink key`,
        [mhEv(t, reg.pbu), mhEv(t, reg.pba!)], { field: 'GRE Key option (33) in the accepting PBA', expected: 'length 6 with the uplink key', seen: pbaOpt === undefined ? 'none' : `length ${pbaOpt.length}` });
      continue;
    }
    j!.pass(() => `${s.mnId}: the initial PBU asks for downlink key ${keyText(pbuOpt.key)}, the PBA gives uplink key ${keyText(pbaOpt.key)}`, [mhEv(t, first.pbu), mhEv(t, reg.pba!)]);
  }
});

export const greUplinkKeyKept = check('gre-uplink-key-kept', ['GRE-02'], (t, [j]) => {
  if (!keysWanted(t)) { j!.na(NO_KEYS); return; }
  j!.inconclusiveBecause('no session with an uplink GRE key in an accepting PBA in the trace');
  for (const s of t.sessions) {
    const keyed = registrations(s).filter((ex) => greOption(ex.pba)?.key !== undefined);
    if (keyed.length === 0) continue;
    const key = greOption(keyed[0]!.pba)!.key!;
    const other = keyed.find((ex) => greOption(ex.pba)!.key !== key);
    if (other !== undefined) {
      j!.fail(() => `${t.nodeName(other.lma)} changed ${s.mnId}'s uplink GRE key from ${keyText(key)} to ${keyText(greOption(other.pba)!.key)} (PBU seq ${other.pbu.mh.seq}${other.mag !== keyed[0]!.mag ? ', a handover' : ''})`,
        [mhEv(t, keyed[0]!.pba!), mhEv(t, other.pba!)], { field: 'GRE Key in the PBA', expected: keyText(key), seen: keyText(greOption(other.pba)!.key) });
      continue;
    }
    const moves = new Set(keyed.map((ex) => ex.mag)).size - 1;
    j!.pass(() => `${s.mnId}: uplink key ${keyText(key)} in all ${keyed.length} accepting PBAs${moves > 0 ? `, across ${moves} handover(s)` : ''}`, [mhEv(t, keyed[0]!.pba!), mhEv(t, keyed.at(-1)!.pba!)]);
  }
});

/** Key changes of one direction of a session: from `time` on, `key` (undefined: none negotiated). */
interface KeyEpoch { time: number; mag: string; key: number | undefined }

function epochs(s: Session, direction: 'down' | 'up'): KeyEpoch[] {
  return registrations(s).map((ex) => ({
    time: ex.pba!.ref.time, mag: ex.mag,
    key: direction === 'down' ? greOption(ex.pbu)?.key : greOption(ex.pba)?.key,
  }));
}

export const greDataKeys = check('gre-data-keys', ['GRE-03'], (t, [j]) => {
  if (!keysWanted(t)) { j!.na(NO_KEYS); return; }
  j!.inconclusiveBecause('no GRE data packet of a session with negotiated keys between a MAG and the LMA in the trace');
  const d = t.data, a = t.addresses;
  const lmas = new Set(t.roles.lmas), mags = new Set(t.roles.mags);
  const cache = new Map<Session, { down: KeyEpoch[]; up: KeyEpoch[] }>();
  for (let i = 0; i < d.length; i++) {
    const flags = d.flags[i]!;
    if (!(flags & DATA_GRE)) continue;
    const src = a.text(d.outerSrc[i]!), dst = a.text(d.outerDst[i]!);
    const direction = lmas.has(src) && mags.has(dst) ? 'down' : mags.has(src) && lmas.has(dst) ? 'up' : undefined;
    if (direction === undefined) continue;
    const mn = direction === 'down' ? d.innerDst[i]! : d.innerSrc[i]!;
    const mag = direction === 'down' ? dst : src;
    const time = d.time[i]!;
    const s = t.sessionsOfAddressId(mn).find((x) => x.start <= time + KEY_CHANGE_GRACE_S && x.events.some((e) => e.mag === mag));
    if (s === undefined || !s.events.some((e) => greOption(e.exchange.pbu) !== undefined)) continue;
    let ep = cache.get(s);
    if (ep === undefined) cache.set(s, ep = { down: epochs(s, 'down'), up: epochs(s, 'up') });
    const list = ep[direction].filter((e) => e.mag === mag);
    // The key in force, and the one before it while a change is on its way to the data plane.
    let k = -1;
    for (let n = 0; n < list.length && list[n]!.time <= time; n++) k = n;
    const allowed: (number | undefined)[] = [];
    if (k >= 0) allowed.push(list[k]!.key);
    if (k >= 0 && k + 1 < list.length && list[k + 1]!.time - time < KEY_CHANGE_GRACE_S) allowed.push(list[k + 1]!.key);
    if (k >= 1 && time - list[k]!.time < KEY_CHANGE_GRACE_S) allowed.push(list[k - 1]!.key);
    if (k < 0 && list.length > 0 && list[0]!.time - time < KEY_CHANGE_GRACE_S) allowed.push(list[0]!.key);
    if (allowed.length === 0) continue;
    const seen = flags & DATA_GRE_KEY ? d.greKey[i]! : undefined;
    const who = `${t.nodeName(src)} to ${t.nodeName(dst)}`;
    if (allowed.includes(seen)) {
      j!.pass(() => `${direction === 'down' ? 'downlink' : 'uplink'} packet of ${s.mnId} from ${who} carries the negotiated key ${keyText(seen)}`, [dataEv(t, i)]);
    } else {
      j!.fail(() => `${direction === 'down' ? 'a downlink' : 'an uplink'} packet of ${s.mnId} from ${who} carries GRE key ${keyText(seen)}, not the negotiated ${direction === 'down' ? 'downlink (MAG\'s)' : 'uplink (LMA\'s)'} key`,
        [dataEv(t, i)], { field: 'gre.key', expected: allowed.map(keyText).join(' or '), seen: keyText(seen) });
    }
  }
});

export const GRE_CHECKS = [greKeyOptions, greUplinkKeyKept, greDataKeys];
