// C.16: signalling protection (RFC 5213 §4 and the companion RFCs' security sections), judged from
// the ESP and IKEv2 packets between MAGs and LMAs. Messages inside ESP are ordinary MhFrames with a
// `protection` (trace/types.ts); ESP that no SA opens is recorded too, so these checks say
// INCONCLUSIVE ("encrypted, no SA") rather than taking the signalling for absent.
import { espSummary, IKE_AUTH, IKE_SA_INIT, IPPROTO_MH, spiText } from '../../wire/index.js';
import type { EspFrame, MhFrame, Trace } from '../trace/index.js';
import { check } from './check.js';
import { mhEv } from './evidence.js';
import { iutMessages } from './helpers.js';
import type { Judge } from './judge.js';
import type { EvidenceFrame } from './types.js';

function pairOf(t: Trace, src: string, dst: string): boolean {
  const m = t.roles.mags, l = t.roles.lmas;
  return (m.includes(src) && l.includes(dst)) || (l.includes(src) && m.includes(dst));
}

/** One key for both directions of a pair. */
function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

function espEv(e: EspFrame): EvidenceFrame {
  return { ...e.ref, summary: `${e.src} > ${e.dst}: ${espSummary(e.esp)}` };
}

/**
 * ESP between a MAG and an LMA. When the roles are unknown (every PBU hidden in ESP no SA opens,
 * and no --mag/--lma), any ESP may be theirs: the checks then say what keeps them from judging.
 */
function pairEsp(t: Trace): EspFrame[] {
  if (t.roles.mags.length === 0 || t.roles.lmas.length === 0) return t.esp;
  return t.esp.filter((e) => pairOf(t, e.src, e.dst));
}

/** ESP no SA opened: what it carries is unknown. */
function unread(e: EspFrame): boolean {
  return e.esp.payloadLength === undefined;
}

/** ESP carrying signalling, or whose content is unknown (it may): what the SA checks judge. */
function signallingEsp(t: Trace): EspFrame[] {
  return pairEsp(t).filter((e) => unread(e) || typeof e.carries === 'object');
}

function validlyProtected(f: MhFrame): boolean {
  return f.protection !== undefined && f.protection.icv !== 'failed';
}

function noSaText(list: readonly EspFrame[]): string {
  const spis = [...new Set(list.map((e) => spiText(e.spi)))];
  return `ESP between MAG and LMA is encrypted and no SA is known for SPI ${spis.slice(0, 4).join(', ')}${spis.length > 4 ? '...' : ''}: give its keys with --esp-sa SPI:ALG:KEY or --esp-sas FILE`;
}

function protectionText(f: MhFrame): string {
  const p = f.protection!;
  return `${f.mh.name} ${f.src} > ${f.dst} inside ESP spi=${spiText(p.spi)} seq=${p.sequence} (${p.alg ?? 'algorithm unknown'}, ${p.icv === 'verified' ? 'ICV verified' : 'ICV not verified: no key'})`;
}

export const signallingProtected = check('signalling-protected', ['SEC-01'], (t, [j]) => {
  for (const f of iutMessages(t)) {
    if ((f.mh.type !== 5 && f.mh.type !== 6) || !pairOf(t, f.src, f.dst)) continue;
    if (f.protection === undefined) {
      j!.fail(() => `${f.mh.name} travels in clear between ${f.src} and ${f.dst} (no ESP)`, [mhEv(t, f)], () => ({ field: 'IPv6 next header chain', expected: 'ESP (50) before the MH', seen: 'MH (135) in clear' }));
    } else if (f.protection.icv === 'failed') {
      j!.fail(() => `${f.mh.name} ${f.src} > ${f.dst} in ESP spi=${spiText(f.protection!.spi)} fails its ICV: forged or corrupted, no integrity or data-origin authentication (or the key given for that SPI is wrong)`, [mhEv(t, f)],
        () => ({ field: 'ESP ICV', expected: `verifies with the SA of SPI ${spiText(f.protection!.spi)}`, seen: 'does not verify' }));
    } else {
      j!.pass(() => protectionText(f), [mhEv(t, f)]);
    }
  }
  const hidden = pairEsp(t).filter(unread);
  if (hidden.length > 0) j!.inconclusiveBecause(noSaText(hidden));
});

export const espTransportWithIntegrity = check('esp-transport-integrity', ['SEC-02'], (t, [j]) => {
  const esp = pairEsp(t);
  if (esp.length === 0) { j!.na('no ESP between MAGs and LMAs in the trace (SEC-01 judges the signalling in clear)'); return; }
  for (const e of esp) {
    if (typeof e.carries === 'object') {
      const f = e.carries;
      // The trailer's Next Header: the MH itself (135) is transport mode, an inner IP packet (41, 4)
      // tunnel mode. Every algorithm here has integrity.
      if (e.esp.nextHeader === IPPROTO_MH) j!.pass(() => `${f.mh.name} in transport-mode ESP spi=${spiText(e.spi)} with ${e.esp.alg} integrity`, [espEv(e)]);
      else j!.fail(() => `${f.mh.name} inside tunnel-mode ESP ${e.src} > ${e.dst} spi=${spiText(e.spi)} (ESP Next Header ${e.esp.nextHeader}: an inner IP header)`, [espEv(e)],
        () => ({ field: 'ESP mode (trailer Next Header)', expected: 'transport (135: the MH right after ESP)', seen: `tunnel (${e.esp.nextHeader}: an inner IP header)` }));
    } else if (unread(e)) {
      j!.undecided(() => `${noSaText([e])} (mode and algorithm unknown)`, [espEv(e)]);
    }
  }
  // SPIs per direction, over the signalling SAs: a second one is a second SA for the same traffic.
  const spis = new Map<string, Map<number, EspFrame>>();
  for (const e of signallingEsp(t)) {
    const k = `${e.src} > ${e.dst}`;
    let s = spis.get(k);
    if (s === undefined) spis.set(k, s = new Map());
    if (!s.has(e.spi)) s.set(e.spi, e);
  }
  for (const [k, s] of spis) {
    const first = [...s.values()];
    if (s.size === 1) j!.pass(() => `one SPI ${spiText(first[0]!.spi)} for ${k}`, [espEv(first[0]!)]);
    else j!.fail(() => `${s.size} SPIs carry the signalling ${k}`, first.map(espEv), () => ({ field: 'SPI', expected: 'one per direction', seen: first.map((e) => spiText(e.spi)).join(', ') }));
  }
});

export const saPerPeer = check('sa-per-peer', ['SEC-05', 'LMA-PBA-16'], (t, [perMag, lmaSide]) => {
  const esp = signallingEsp(t);
  if (esp.length === 0) {
    for (const j of [perMag, lmaSide]) j!.na('no ESP between MAGs and LMAs in the trace');
    return;
  }
  const spis = new Map<string, Map<number, EspFrame>>();
  for (const e of esp) {
    const k = `${e.src}>${e.dst}`;
    let s = spis.get(k);
    if (s === undefined) spis.set(k, s = new Map());
    if (!s.has(e.spi)) s.set(e.spi, e);
  }
  const keys = [...spis.keys()];
  for (let a = 0; a < keys.length; a++) {
    for (let b = a + 1; b < keys.length; b++) {
      const sa = spis.get(keys[a]!)!, sb = spis.get(keys[b]!)!;
      const shared = [...sa.keys()].filter((x) => sb.has(x));
      const fromLma = t.roles.lmas.includes(keys[a]!.split('>')[0]!) && t.roles.lmas.includes(keys[b]!.split('>')[0]!);
      const judges = fromLma ? [perMag!, lmaSide!] : [perMag!];
      const ev = shared.length > 0 ? [espEv(sa.get(shared[0]!)!), espEv(sb.get(shared[0]!)!)] : [espEv([...sa.values()][0]!), espEv([...sb.values()][0]!)];
      for (const j of judges) {
        if (shared.length === 0) j.pass(() => `${keys[a]} and ${keys[b]} use different SAs`, ev);
        else j.fail(() => `${keys[a]} and ${keys[b]} share SPI ${spiText(shared[0]!)}`, ev, () => ({ field: 'SPI', expected: 'one SA per MAG-LMA pair and direction', seen: `${spiText(shared[0]!)} on both` }));
      }
    }
  }
});

export const ikeBeforePbu = check('ike-before-pbu', ['SEC-03'], (t, [j]) => {
  const first = new Map<string, MhFrame>();
  for (const f of iutMessages(t)) {
    if (f.mh.type !== 5 || !pairOf(t, f.src, f.dst)) continue;
    const k = pairKey(f.src, f.dst);
    if (!first.has(k)) first.set(k, f);
  }
  const hidden = pairEsp(t).filter(unread);
  if (first.size === 0 && hidden.length > 0) { j!.inconclusiveBecause(noSaText(hidden)); return; }
  // Without IKE at all the SAs are keyed by hand, or there is no IPsec (SEC-01 fails then, not this).
  if (t.ike.length === 0) {
    j!.na(pairEsp(t).length > 0 ? 'ESP between MAG and LMA with no IKE message in the trace: the SAs are keyed manually'
      : 'no ESP and no IKE between MAG and LMA: no SAs to set up (SEC-01 judges the missing protection)');
    return;
  }
  for (const [k, pbu] of first) {
    const ike = t.ike.filter((m) => pairKey(m.src, m.dst) === k && m.ref.time <= pbu.ref.time);
    const init = ike.find((m) => m.exchangeType === IKE_SA_INIT), auth = ike.find((m) => m.exchangeType === IKE_AUTH);
    const ikeEv = (m: typeof ike[number]): EvidenceFrame => ({ ...m.ref, summary: `${m.src} > ${m.dst}: IKEv2 ${m.exchangeName} ${m.response ? 'response' : 'request'} mid ${m.messageId}` });
    if (init !== undefined && auth !== undefined) {
      j!.pass(() => `IKE_SA_INIT and IKE_AUTH between ${pbu.src} and ${pbu.dst} before the first PBU`, [ikeEv(init), ikeEv(auth), mhEv(t, pbu)]);
    } else {
      const seen = init !== undefined ? 'IKE_SA_INIT only' : auth !== undefined ? 'IKE_AUTH only' : 'no IKEv2 exchange';
      j!.fail(() => `first PBU ${pbu.src} > ${pbu.dst} with ${seen} between the pair before it`, [...[init, auth].filter((m) => m !== undefined).map(ikeEv), mhEv(t, pbu)],
        () => ({ field: 'IKEv2 (UDP 500/4500) before the first PBU', expected: 'IKE_SA_INIT and IKE_AUTH', seen }));
    }
  }
});

/** Companion signalling that must share the PBU/PBA SA (RFCs 5846 §6.1, 5847 §6, 7077 §5.2). */
const COMPANION: Record<number, 'HB-09' | 'BR-09' | 'UPN-11' | undefined> = { 13: 'HB-09', 16: 'BR-09', 19: 'UPN-11', 20: 'UPN-11' };

/**
 * SEC-04 on every Mobility Header a MAG or an LMA sends to the other (RFC 5213 §4.2's SPD selects
 * the MH between the pair's addresses: PBU/PBA, Binding Errors, Heartbeat, BRI/BRA, LRI/LRA,
 * UPN/UPA alike), once the pair's PBU/PBA show IPsec is on; the companion messages also judge
 * their own rows.
 */
export const signallingSpdCoverage = check('signalling-spd-coverage', ['SEC-04', 'HB-09', 'BR-09', 'UPN-11'], (t, judges) => {
  const [sec04, hb, br, upn] = judges as [Judge, Judge, Judge, Judge];
  const byId: Record<string, Judge> = { 'HB-09': hb, 'BR-09': br, 'UPN-11': upn };
  const protectedPairs = new Set<string>();
  for (const f of iutMessages(t)) if ((f.mh.type === 5 || f.mh.type === 6) && validlyProtected(f)) protectedPairs.add(pairKey(f.src, f.dst));
  const seen = new Set<Judge>();
  for (const f of iutMessages(t)) {
    if (!pairOf(t, f.src, f.dst)) continue;
    const row = COMPANION[f.mh.type];
    const js = [sec04, ...(row !== undefined ? [byId[row]!] : [])];
    for (const j of js) seen.add(j);
    if (!protectedPairs.has(pairKey(f.src, f.dst))) continue;
    for (const j of js) {
      if (validlyProtected(f)) j.pass(() => protectionText(f), [mhEv(t, f)]);
      else j.fail(() => `${f.mh.name} (MH type ${f.mh.type}) ${f.src} > ${f.dst} ${f.protection ? `fails its ESP ICV (spi=${spiText(f.protection.spi)})` : 'travels in clear'} while the pair's PBU/PBA are inside ESP`, [mhEv(t, f)],
        () => ({ field: 'IPv6 next header chain', expected: 'ESP (50) with a valid ICV, as the PBU/PBA', seen: f.protection ? 'ESP, ICV failed' : 'MH (135) in clear' }));
    }
  }
  const hidden = pairEsp(t).filter(unread);
  const names: [Judge, string][] = [[sec04, 'Mobility Header'], [hb, 'Heartbeat'], [br, 'Binding Revocation'], [upn, 'UPN/UPA']];
  for (const [j, what] of names) {
    if (hidden.length > 0 && j.instances === 0) j.inconclusiveBecause(noSaText(hidden));
    else if (!seen.has(j)) j.na(`no ${what} messages between MAG and LMA in the trace`);
    else j.na(`the pair's PBU/PBA are not inside ESP (SEC-01 judges that): nothing to match the ${what} protection against`);
  }
});

export const dataTunnelEsp = check('data-esp-tunnel', ['SEC-07'], (t, [j]) => {
  const esp = pairEsp(t);
  const tunnel = esp.filter((e) => e.carries === 'tunnel');
  if (tunnel.length > 0) {
    const e = tunnel[0]!;
    j!.pass(() => `MN data inside tunnel-mode ESP ${e.src} > ${e.dst} spi=${spiText(e.spi)} (${tunnel.length} packets)`, [espEv(e)]);
    return;
  }
  const hidden = esp.filter(unread);
  if (hidden.length > 0) j!.inconclusiveBecause(`${noSaText(hidden)} (whether it carries MN data in tunnel mode is unknown)`);
  else j!.na('no tunnel-mode ESP between MAG and LMA: MN data is not protected, which RFC 5213 §4 allows (MAY)');
});

/** The first PBA answering `pbu` (same pair, same sequence number) before a validly protected PBU of that number. */
function answerTo(t: Trace, pbu: MhFrame): MhFrame | undefined {
  const seq = (pbu.mh as { seq: number }).seq;
  for (const f of t.signalling) {
    if (f.ref.time < pbu.ref.time || f === pbu) continue;
    if (f.ref.time - pbu.ref.time > 5) return undefined;
    const m = f.mh as { seq?: number };
    if (m.seq !== seq) continue;
    if (f.mh.type === 5 && f.src === pbu.src && f.dst === pbu.dst && validlyProtected(f)) return undefined;
    if (f.mh.type === 6 && f.src === pbu.dst && f.dst === pbu.src) return f;
  }
  return undefined;
}

export const unprotectedPbuRefused = check('unprotected-pbu-refused', ['LMA-VAL-01'], (t, [j]) => {
  const pairs = new Set(t.esp.filter((e) => e.esp.icv !== 'failed').map((e) => pairKey(e.src, e.dst)));
  if (pairs.size === 0) { j!.na('no ESP in the trace: the LMA authenticates PBUs with IPsec only when it is configured'); return; }
  for (const f of t.signalling) {
    if (f.mh.type !== 5 || validlyProtected(f) || !pairs.has(pairKey(f.src, f.dst)) || !t.roles.lmas.includes(f.dst)) continue;
    const why = f.protection ? `in ESP spi=${spiText(f.protection.spi)} that fails its ICV` : 'in clear';
    const pba = answerTo(t, f);
    if (pba === undefined) j!.pass(() => `PBU seq ${(f.mh as { seq: number }).seq} ${f.src} > ${f.dst} ${why} got no PBA`, [mhEv(t, f)]);
    else j!.fail(() => `PBU seq ${(f.mh as { seq: number }).seq} ${f.src} > ${f.dst} ${why} (the pair uses ESP) was answered`, [mhEv(t, f), mhEv(t, pba)],
      () => ({ field: 'PBA to an unauthenticated PBU', expected: 'none (the PBU is not processed)', seen: `PBA status ${(pba.mh as { status: number }).status}` }));
  }
  j!.inconclusiveBecause('no PBU without valid ESP protection reached the LMA of a pair that uses ESP (the active test sends one)');
});

export const SECURITY_CHECKS = [signallingProtected, espTransportWithIntegrity, saPerPeer, ikeBeforePbu, signallingSpdCoverage, dataTunnelEsp, unprotectedPbuRefused];
