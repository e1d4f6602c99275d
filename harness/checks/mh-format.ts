// C.1: the Mobility Header rules of RFC 6275 §6.1 applied to what the IUTs send, plus the
// receiver rules (MH-05, MH-06) whenever the trace holds the stimulus.
import { beyondHeaderText, OPTION_ALIGNMENT } from '../../wire/index.js';
import { check } from './check.js';
import { mhEv } from './evidence.js';
import { countOptions, partitionPoint, pushTo, type MhFrame } from '../trace/index.js';
import { iutMessages } from './helpers.js';

const PBU_PBA = (type: number): boolean => type === 5 || type === 6;

export const mhPayloadProto = check('mh-payload-proto', ['MH-01'], (t, [j]) => {
  for (const f of iutMessages(t)) {
    if (f.mh.payloadProto === 59) j!.pass(() => `${f.mh.name} Payload Proto 59`, [mhEv(t, f)]);
    else j!.fail(() => `${f.mh.name} Payload Proto is ${f.mh.payloadProto}, not 59`, [mhEv(t, f)], { field: 'Payload Proto', expected: 59, seen: f.mh.payloadProto });
  }
});

export const mhLength = check('mh-length', ['MH-02'], (t, [j]) => {
  for (const f of iutMessages(t)) {
    if (f.upperLength < 0) continue;
    const m = f.mh;
    if (m.length === f.upperLength) j!.pass(() => `${m.name} Header Len ${m.headerLen} matches the ${f.upperLength}-octet payload`, [mhEv(t, f)]);
    else j!.fail(() => `${m.name} (Header Len+1)x8 = ${m.length} octets, but the IPv6 payload after extension headers holds ${f.upperLength}${beyondText(m)}`,
      [mhEv(t, f)], () => ({ field: 'Header Len', expected: `${f.upperLength} octets`, seen: `${m.length} octets` }));
  }
});

/** "; option 27 (Timestamp) at offset 66 is present after the declared end of the Mobility Header (...)" for each such option. */
function beyondText(m: MhFrame['mh']): string {
  return (m.beyondHeader ?? []).filter((o) => o.type > 1).map((o) => `; option ${o.type} (${o.name}) at offset ${o.offset} is ${beyondHeaderText(m, o)}`).join('');
}

export const mhChecksum = check('mh-checksum', ['MH-03'], (t, [j]) => {
  for (const f of iutMessages(t)) {
    if (f.mh.checksumOk === null || f.udp) continue;
    const m = f.mh;
    const sum = `0x${m.checksum.toString(16).padStart(4, '0')}`;
    if (m.checksumOk) j!.pass(() => `${m.name} checksum verifies`, [mhEv(t, f)]);
    // RFC 6275 §6.1.1: the pseudo-header length is that of the MH, which Header Len declares.
    else if (m.checksumOkOverCarried) {
      j!.fail(() => `${m.name} checksum ${sum} is wrong for the ${m.length} octets Header Len declares, but right over all ${f.upperLength} octets of the IPv6 payload: the sender summed octets after the end of the Mobility Header`,
        [mhEv(t, f)], () => ({ field: 'Checksum', expected: `the Internet checksum over the ${m.length}-octet MH`, seen: `${sum}, the checksum over the whole IPv6 payload` }));
    } else j!.fail(() => `${m.name} checksum ${sum} is wrong for its pseudo-header`, [mhEv(t, f)], () => ({ field: 'Checksum', expected: 'valid Internet checksum', seen: sum }));
  }
});

export const mhReserved = check('mh-reserved', ['MH-04'], (t, [j]) => {
  for (const f of iutMessages(t)) {
    const m = f.mh;
    const bad: string[] = [];
    if (m.reserved !== 0) bad.push(`Reserved octet = ${m.reserved}`);
    if ((m.type === 5 || m.type === 6) && m.reservedFlags !== 0) bad.push(`unallocated flag bits = 0x${m.reservedFlags.toString(16)}`);
    if (bad.length === 0) j!.pass(() => `${m.name} reserved fields are 0`, [mhEv(t, f)]);
    else j!.fail(() => `${m.name} ${bad.join(', ')}`, [mhEv(t, f)], () => ({ field: 'reserved', expected: 0, seen: bad.join(', ') }));
  }
});

export const mhAlignment = check('mh-option-alignment', ['MH-10', 'MH-11'], (t, [align, lli]) => {
  for (const f of iutMessages(t)) {
    if (!PBU_PBA(f.mh.type)) continue;
    let ok = true;
    for (const o of f.mh.options) {
      if (o.type === 25) {
        if (o.offset % 8 === 0) lli!.pass(() => `MN-LL-ID at MH offset ${o.offset} (8n)`, [mhEv(t, f)]);
        else lli!.fail(() => `MN-LL-ID at MH offset ${o.offset}, not 8n`, [mhEv(t, f)], { field: 'MN-LL-ID offset', expected: '8n', seen: o.offset });
        continue;
      }
      if (o.type === 1 && 'nonZero' in o && o.nonZero) {
        ok = false;
        align!.fail(() => `PadN at MH offset ${o.offset} has non-zero contents`, [mhEv(t, f)], { field: 'PadN', expected: 'zero octets', seen: 'non-zero' });
        continue;
      }
      const a = OPTION_ALIGNMENT[o.type];
      if (a === undefined || o.offset % a.x === a.y) continue;
      ok = false;
      align!.fail(() => `${o.name} (type ${o.type}) at MH offset ${o.offset}, not ${a.x}n+${a.y}`, [mhEv(t, f)],
        () => ({ field: `option ${o.type} offset`, expected: `${a.x}n+${a.y}`, seen: o.offset }));
    }
    if (ok) align!.pass(() => `${f.mh.name} options meet their alignment`, [mhEv(t, f)]);
  }
});

const SINGLE: readonly [number, string][] = [[8, 'MN-ID'], [23, 'HI'], [24, 'ATT'], [27, 'Timestamp'], [25, 'MN-LL-ID'], [26, 'LLA']];

export const mhOptionCount = check('mh-option-count', ['MH-12'], (t, [j]) => {
  for (const f of iutMessages(t)) {
    if (!PBU_PBA(f.mh.type)) continue;
    const over: string[] = [];
    for (const [type, name] of SINGLE) {
      const n = countOptions(f, type);
      if (n > 1) over.push(`${n} ${name}`);
    }
    if (over.length === 0) j!.pass(() => `${f.mh.name} carries each single option at most once`, [mhEv(t, f)]);
    else j!.fail(() => `${f.mh.name} carries ${over.join(', ')} options`, [mhEv(t, f)], () => ({ field: 'option count', expected: 'at most 1 each', seen: over.join(', ') }));
  }
});

/** Signalling by source, and by source then destination, in time order: what replies() searches. */
interface ReplyIndex { bySrc: Map<string, MhFrame[]>; byPair: Map<string, Map<string, MhFrame[]>> }

function replyIndex(all: readonly MhFrame[]): ReplyIndex {
  const ix: ReplyIndex = { bySrc: new Map(), byPair: new Map() };
  for (const g of all) {
    pushTo(ix.bySrc, g.src, g);
    let to = ix.byPair.get(g.src);
    if (to === undefined) ix.byPair.set(g.src, to = new Map());
    pushTo(to, g.dst, g);
  }
  return ix;
}

/** Replies of `type` from the receiver of `f` to its sender, within `window` s and before the sender's next message. */
function replies(ix: ReplyIndex, f: MhFrame, window: number, type: number): MhFrame[] {
  const mine = ix.bySrc.get(f.src) ?? [];
  const next = mine[partitionPoint(mine.length, (i) => mine[i]!.ref.time <= f.ref.time)]?.ref.time ?? Infinity;
  const end = Math.min(f.ref.time + window, next);
  const back = ix.byPair.get(f.dst)?.get(f.src) ?? [];
  const out: MhFrame[] = [];
  for (let k = partitionPoint(back.length, (i) => back[i]!.ref.time < f.ref.time); k < back.length && back[k]!.ref.time <= end; k++) {
    if (back[k]!.mh.type === type) out.push(back[k]!);
  }
  return out;
}

export const mhBadChecksumDropped = check('mh-bad-checksum-dropped', ['MH-05'], (t, [j]) => {
  j!.inconclusiveBecause('no PBU with a bad checksum was sent to an IUT');
  const all = t.signalling;
  let ix: ReplyIndex | undefined;
  for (const f of all) {
    if (f.mh.type !== 5 || f.mh.checksumOk !== false || f.udp) continue;
    const seq = f.mh.seq;
    ix ??= replyIndex(all);
    const r = [...replies(ix, f, 2, 6).filter((g) => g.mh.type === 6 && g.mh.seq === seq), ...replies(ix, f, 2, 7)];
    if (r.length === 0) j!.pass('PBU with a bad checksum got no reply', [mhEv(t, f)]);
    else j!.fail(() => `PBU with a bad checksum was answered by ${r[0]!.mh.name}`, [mhEv(t, f), mhEv(t, r[0]!)], () => ({ field: 'reply', expected: 'none (silent drop)', seen: r[0]!.mh.name }));
  }
});

/** MH types RFC 6275 and the PMIPv6 companions define. */
const KNOWN_TYPES = new Set([...Array(24).keys()]);

export const mhUnknownType = check('mh-unknown-type', ['MH-06'], (t, [j]) => {
  j!.inconclusiveBecause('no Mobility Header of an unknown type was sent to an IUT');
  const all = t.signalling;
  const iuts = new Set([...t.roles.mags, ...t.roles.lmas]);
  let ix: ReplyIndex | undefined;
  for (const f of all) {
    if (KNOWN_TYPES.has(f.mh.type) || !iuts.has(f.dst)) continue;
    ix ??= replyIndex(all);
    const be = replies(ix, f, 2, 7);
    const hit = be.find((g) => g.mh.type === 7 && g.mh.status === 2);
    if (hit) j!.pass(() => `MH type ${f.mh.type} answered with Binding Error status 2`, [mhEv(t, f), mhEv(t, hit)]);
    else j!.fail(() => `MH type ${f.mh.type} got ${be.length > 0 ? `a Binding Error with status ${(be[0]!.mh as { status: number }).status}` : 'no Binding Error'}`,
      be.length > 0 ? [mhEv(t, f), mhEv(t, be[0]!)] : [mhEv(t, f)], () => ({ field: 'BE status', expected: 2, seen: be.length > 0 ? (be[0]!.mh as { status: number }).status : 'none' }));
  }
});

export const MH_CHECKS = [mhPayloadProto, mhLength, mhChecksum, mhReserved, mhAlignment, mhOptionCount, mhBadChecksumDropped, mhUnknownType];
