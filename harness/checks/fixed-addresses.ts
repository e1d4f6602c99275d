// D.5, RFC 6543: with fixed MAG addresses in use, every MAG sends on every access link from the
// reserved MAC and link-local address, so that an MN moving between MAGs sees one router. RA-08
// and RA-09 judge the Router Advertisements; FIX-01 every Neighbor Discovery message a MAG sends
// (its answers to the MN's address resolution, its own resolution of the MN, Redirects).
import { isLinkLocal, parsePrefix, prefixContains } from '../../wire/index.js';
import { settingKnown, unknownSetting, type CapturePoint, type NdFrame, type Trace } from '../trace/index.js';
import { check } from './check.js';
import { ndEv } from './evidence.js';
import { prefixesAt, servedOn } from './helpers.js';

/**
 * Whether the MAG of `point` sent `f`: only a router sends RAs, Redirects and NAs with R = 1; an
 * NS resolving an address of an MN served there, from a station that is not one of its MNs, is
 * the MAG resolving its downlink (the MNs' prefixes are on-link for no other host).
 */
function sentByMag(t: Trace, point: CapturePoint, f: NdFrame): boolean {
  const m = f.msg;
  if (m.name === 'RA' || m.name === 'redirect') return true;
  if (m.name === 'NA') return m.router;
  if (m.name !== 'NS' || f.src === '::' || (f.linkSrc !== undefined && point.mnMacs.includes(f.linkSrc)) || isLinkLocal(m.target)) return false;
  return servedOn(t, point, f.ref.time).some((s) => prefixesAt(s, f.ref.time).some((p) => prefixContains(parsePrefix(p), m.target)));
}

/** The link-layer address an ND message announces for its sender (SLLAO, or an NA's TLLAO). */
function announcedMac(f: NdFrame): string | undefined {
  const m = f.msg;
  if (m.name === 'NA') return m.targetLinkLayer;
  if (m.name === 'RA' || m.name === 'NS') return m.sourceLinkLayer;
  return undefined;
}

export const fixedMagAddresses = check('fixed-mag-addresses', ['FIX-01'], (t, [j]) => {
  const ll = t.settings.fixedMagLinkLocal;
  const mac = t.settings.fixedMagLinkLayer;
  const macKnown = settingKnown(t, 'fixedMagLinkLayer');
  if (ll === null && (mac === null || !macKnown)) { j!.na('the domain does not use RFC 6543 fixed MAG addresses (FixedMAGLinkLocalAddressOnAllAccessLinks is ALL_ZERO)'); return; }
  j!.inconclusiveBecause('no Neighbor Discovery message from a MAG on an access link');
  for (const f of t.ndOnAccess(134, 135, 136, 137)) {
    const point = t.points[t.pointIndex(f.ref.point)]!;
    if (!sentByMag(t, point, f)) continue;
    const ev = [ndEv(t, f)];
    const what = `${f.msg.name} on ${point.name}`;
    // An NS resolving the MN's global address may come from a global address of the MAG; any
    // link-local source must be the fixed one.
    if (ll !== null && isLinkLocal(f.src) && f.src !== ll) {
      j!.fail(() => `${what} comes from ${f.src}, not the fixed ${ll}`, ev, { field: 'IPv6 source', expected: ll, seen: f.src });
      continue;
    }
    if (mac === null) { j!.pass(() => `${what} from ${f.src}`, ev); continue; }
    const announced = announcedMac(f);
    const wrong = [f.linkSrc, announced].filter((a) => a !== undefined && a !== mac);
    const seen = `Ethernet ${f.linkSrc ?? '?'}${announced !== undefined ? ` / LLAO ${announced}` : ''}`;
    if (wrong.length === 0) j!.pass(() => `${what} from ${f.src} / ${mac}`, ev);
    else if (macKnown || ll !== null) j!.fail(() => `${what}: ${seen}, not the fixed ${mac}`, ev, { field: 'Ethernet source / link-layer address option', expected: mac, seen });
    else j!.undecided(() => `${what}: ${seen} ${unknownSetting('fixedMagLinkLayer', `no RA comes from ${mac}`)}`, ev);
  }
});

export const FIXED_ADDRESS_CHECKS = [fixedMagAddresses];
