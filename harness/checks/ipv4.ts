// D.1: RFC 5844 IPv4 home addresses as the signalling shows them: the MAG's IPv4 HoA Request
// (§3.2.3.1, §3.2.3.3) and the LMA's IPv4 options in its PBAs (§3.1.2.6). Whether an MN is
// entitled to IPv4 or IPv6 is the LMA's word: its 170 or 172 says which service the MN lacks.
import { BA_STATUS_CODE } from '../../wire/index.js';
import { countOptions, everyOptionOf, optionOf, type Exchange, type Trace } from '../trace/index.js';
import { check } from './check.js';
import { mhEv } from './evidence.js';
import { answered, isAccepted } from './helpers.js';

const asksIpv4 = (ex: Exchange): boolean => countOptions(ex.pbu, 36) > 0;
const ipv4Exchanges = (list: readonly Exchange[]): Exchange[] => list.filter(asksIpv4);
const evOf = (t: Trace, ex: Exchange) => (ex.pba !== undefined ? [mhEv(t, ex.pbu), mhEv(t, ex.pba)] : [mhEv(t, ex.pbu)]);

export const ipv4Request = check('ipv4-hoa-request', ['V4-01', 'V4-02'], (t, [one, noHnp]) => {
  one!.inconclusiveBecause('no PBU from a MAG asks for an IPv4 home address');
  noHnp!.inconclusiveBecause('no PBU from a MAG for an MN whose IPv6 service is known (IPv4-only PBUs, or the LMA\'s 172 or acceptance)');
  for (const ex of ipv4Exchanges(t.magExchanges)) {
    const ev = evOf(t, ex);
    const all = everyOptionOf(ex.pbu, 36);
    const req = optionOf(ex.pbu, 36);
    const zeroOk = req === undefined || req.address !== '0.0.0.0' || req.prefixLength === 0;
    if (all.length === 1 && all[0]!.length === 6 && req !== undefined && zeroOk) {
      one!.pass(() => `PBU carries one IPv4 HoA Request ${req.address}/${req.prefixLength}`, ev);
    } else {
      one!.fail(() => (all.length !== 1 ? `PBU carries ${all.length} IPv4 HoA Request options` : req === undefined ? `IPv4 HoA Request of length ${all[0]!.length}` : `0.0.0.0 asked with prefix length ${req.prefixLength}`), ev,
        () => ({ field: 'IPv4 HoA Request', expected: 'one, length 6 (0.0.0.0/0 or the address)', seen: `${all.length}, length ${all[0]?.length}` }));
    }
    const hnps = countOptions(ex.pbu, 22);
    if (hnps === 0) noHnp!.pass('PBU for IPv4 carries no HNP option', ev);
    else if (ex.pba?.mh.status === BA_STATUS_CODE.NOT_AUTHORIZED_FOR_IPV6_MOBILITY_SERVICE) {
      noHnp!.fail(() => `PBU carries ${hnps} HNP option(s) for an MN the LMA says is not entitled to IPv6 (172)`, ev, { field: 'HNP options', expected: 0, seen: hnps });
    } else if (ex.pba !== undefined && isAccepted(ex)) noHnp!.pass('HNP and IPv4 HoA Request for a dual-stack MN (accepted)', ev);
  }
});

export const ipv4Reply = check('ipv4-hoa-reply', ['V4-06', 'V4-07', 'V4-08'], (t, [reply, router, noHnp]) => {
  reply!.inconclusiveBecause('no PBA answers a PBU with an IPv4 HoA Request');
  router!.inconclusiveBecause('no PBA answers a PBU with an IPv4 HoA Request');
  noHnp!.inconclusiveBecause('no PBA answers a PBU with an IPv4 HoA Request and no HNP');
  for (const ex of ipv4Exchanges(t.exchanges)) {
    if (!answered(ex)) continue;
    const ev = evOf(t, ex);
    const status = ex.pba.mh.status;
    const ok = status < 128;
    const r = optionOf(ex.pba, 37);
    const req = optionOf(ex.pbu, 36)!;
    if (r === undefined) reply!.fail(() => `PBA status ${status} to a PBU with an IPv4 HoA Request carries no IPv4 HoA Reply`, ev, { field: 'IPv4 HoA Reply', expected: 'present', seen: 'absent' });
    else if (ok && (r.status !== 0 || r.address === '0.0.0.0' || r.prefixLength === 0)) {
      reply!.fail(() => `accepting PBA's IPv4 HoA Reply says status ${r.status} ${r.address}/${r.prefixLength}`, ev, { field: 'IPv4 HoA Reply', expected: 'status 0, the assigned address and prefix length', seen: `${r.status} ${r.address}/${r.prefixLength}` });
    } else if (!ok && (r.status < 128 || r.address !== req.address || r.prefixLength !== req.prefixLength)) {
      reply!.fail(() => `refusing PBA's IPv4 HoA Reply says status ${r.status} ${r.address}/${r.prefixLength}, the PBU asked ${req.address}/${req.prefixLength}`, ev,
        { field: 'IPv4 HoA Reply', expected: `an error status, ${req.address}/${req.prefixLength}`, seen: `${r.status} ${r.address}/${r.prefixLength}` });
    } else reply!.pass(() => `PBA status ${status}: IPv4 HoA Reply status ${r.status} ${r.address}/${r.prefixLength}`, ev);
    const drs = countOptions(ex.pba, 38);
    if ((drs === 1) === ok) router!.pass(() => `PBA status ${status} carries ${drs} IPv4 Default-Router option(s)`, ev);
    else router!.fail(() => `PBA status ${status} carries ${drs} IPv4 Default-Router option(s)`, ev, { field: 'IPv4 Default-Router options', expected: ok ? 1 : 0, seen: drs });
    if (countOptions(ex.pbu, 22) > 0) continue;
    const hnps = countOptions(ex.pba, 22);
    if (hnps === 0) noHnp!.pass('PBA to an IPv4-only PBU carries no HNP option', ev);
    else noHnp!.fail(() => `PBA to a PBU without HNP carries ${hnps} HNP option(s)`, ev, { field: 'HNP options', expected: 0, seen: hnps });
  }
});

export const ipv4Refresh = check('ipv4-refresh', ['V4-12'], (t, [j]) => {
  j!.inconclusiveBecause('no refresh or de-registration PBU after an IPv4 HoA was assigned');
  const assigned = new Map<string, string>();
  for (const ex of t.magExchanges) {
    if (ex.mnId === undefined) continue;
    const key = ex.mnId;
    const had = assigned.get(key);
    const later = ex.deregistration || ex.hi === 5;
    if (had !== undefined && later) {
      const reqs = everyOptionOf(ex.pbu, 36);
      const req = optionOf(ex.pbu, 36);
      const seen = req === undefined ? 'none' : `${req.address}/${req.prefixLength}`;
      const what = ex.deregistration ? 'de-registration' : 'refresh';
      if (reqs.length === 1 && seen === had) j!.pass(() => `${what} PBU asks for the assigned IPv4 HoA ${had}`, evOf(t, ex));
      else j!.fail(() => `${what} PBU carries ${reqs.length} IPv4 HoA Request(s) (${seen}), the assigned HoA is ${had}`, evOf(t, ex), { field: 'IPv4 HoA Request', expected: had, seen: `${reqs.length}: ${seen}` });
    }
    if (ex.pba === undefined) continue;
    const r = optionOf(ex.pba, 37);
    if (ex.deregistration && isAccepted(ex)) assigned.delete(key);
    else if (isAccepted(ex) && r !== undefined && r.status === 0) assigned.set(key, `${r.address}/${r.prefixLength}`);
  }
});

export const IPV4_CHECKS = [ipv4Request, ipv4Reply, ipv4Refresh];
