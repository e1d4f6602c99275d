// C.16: signalling protection (RFC 5213 §4). This kernel has no IPv6 ESP (platform notes), so a
// run on it records SEC-01 as a known deviation rather than hiding the failure.
import type { Trace } from '../trace/index.js';
import { check } from './check.js';
import { mhEv } from './evidence.js';
import { iutMessages } from './helpers.js';

function pairOf(t: Trace, src: string, dst: string): boolean {
  const m = t.roles.mags, l = t.roles.lmas;
  return (m.includes(src) && l.includes(dst)) || (l.includes(src) && m.includes(dst));
}

export const signallingProtected = check('signalling-protected', ['SEC-01'], (t, [j]) => {
  for (const f of iutMessages(t)) {
    if (f.mh.type !== 5 && f.mh.type !== 6) continue;
    j!.fail(() => `${f.mh.name} travels in clear between ${f.src} and ${f.dst} (no ESP)`, [mhEv(t, f)], () => ({ field: 'IPv6 next header chain', expected: 'ESP (50) before the MH', seen: 'MH (135) in clear' }));
  }
  const esp = t.esp.filter((e) => pairOf(t, e.src, e.dst));
  if (esp.length > 0) j!.pass(() => `signalling between MAG and LMA is inside ESP (${esp.length} packets)`, [{ ...esp[0]!.ref, summary: `ESP ${esp[0]!.src} > ${esp[0]!.dst} spi 0x${esp[0]!.spi.toString(16)}` }]);
});

export const saPerPeer = check('sa-per-peer', ['SEC-05', 'LMA-PBA-16', 'SEC-02'], (t, [perMag, lmaSide, consistent]) => {
  const esp = t.esp.filter((e) => pairOf(t, e.src, e.dst));
  if (esp.length === 0) {
    for (const j of [perMag, lmaSide, consistent]) j!.na('no ESP between MAGs and LMAs in the trace');
    return;
  }
  const spis = new Map<string, Set<number>>();
  for (const e of esp) {
    const k = `${e.src}>${e.dst}`;
    let s = spis.get(k);
    if (s === undefined) spis.set(k, s = new Set());
    s.add(e.spi);
  }
  const ev = (k: string) => { const e = esp.find((x) => `${x.src}>${x.dst}` === k)!; return [{ ...e.ref, summary: `ESP ${e.src} > ${e.dst} spi 0x${e.spi.toString(16)}` }]; };
  for (const [k, s] of spis) {
    if (s.size === 1) consistent!.pass(() => `one SPI 0x${[...s][0]!.toString(16)} for ${k}`, ev(k));
    else consistent!.fail(() => `${s.size} SPIs for ${k}`, ev(k), () => ({ field: 'SPI', expected: 'one per direction', seen: [...s].map((x) => `0x${x.toString(16)}`).join(', ') }));
  }
  const keys = [...spis.keys()];
  for (let a = 0; a < keys.length; a++) {
    for (let b = a + 1; b < keys.length; b++) {
      const shared = [...spis.get(keys[a]!)!].filter((x) => spis.get(keys[b]!)!.has(x));
      const fromLma = t.roles.lmas.includes(keys[a]!.split('>')[0]!) && t.roles.lmas.includes(keys[b]!.split('>')[0]!);
      const judges = fromLma ? [perMag!, lmaSide!] : [perMag!];
      for (const j of judges) {
        if (shared.length === 0) j.pass(() => `${keys[a]} and ${keys[b]} use different SAs`, [...ev(keys[a]!), ...ev(keys[b]!)]);
        else j.fail(() => `${keys[a]} and ${keys[b]} share SPI 0x${shared[0]!.toString(16)}`, [...ev(keys[a]!), ...ev(keys[b]!)], () => ({ field: 'SPI', expected: 'one SA per MAG-LMA pair', seen: `0x${shared[0]!.toString(16)} on both` }));
      }
    }
  }
});

export const SECURITY_CHECKS = [signallingProtected, saPerPeer];
