// RFC 6909 selective IPv4 offload as the signalling shows it (project-local row X-OFF-01,
// harness/catalog/local-requirements.ts): the LMA's IPv4 Traffic Offload Selector options answer
// a PBU that asked for offload, in accepting PBAs, well-formed. Where the offloaded and the other
// flows go (X-OFF-02..04) needs the breakout links' captures and addresses: cases/sipto judges them.
import { countOptions, everyOptionOf, type Exchange } from '../trace/index.js';
import { check } from './check.js';
import { mhEv } from './evidence.js';
import { answered } from './helpers.js';

const OFFLOAD = 53;

/** What is wrong with the PBA's offload options, or null. */
function grantProblem(ex: Exchange & { pba: NonNullable<Exchange['pba']> }): { why: string; field: string; expected: string; seen: string } | null {
  const asked = countOptions(ex.pbu, OFFLOAD) > 0;
  if (!asked) return { why: `PBA status ${ex.pba.mh.status} grants IPv4 offload to a PBU that did not ask for it (no option 53)`, field: 'option 53 in the PBU', expected: 'present', seen: 'absent' };
  if (ex.pba.mh.status >= 128) return { why: `PBA status ${ex.pba.mh.status} (a refusal) carries IPv4 offload selectors`, field: 'PBA status', expected: '< 128', seen: `${ex.pba.mh.status}` };
  for (const o of everyOptionOf(ex.pba, OFFLOAD)) {
    if (o.malformed !== undefined) return { why: o.malformed, field: 'IPv4 Traffic Offload Selector', expected: 'a TS sub-option (type 3, TS Format 1) whose selector fits its flags', seen: o.malformed };
    if (o.type === OFFLOAD && !('ts' in o && o.ts !== undefined)) return { why: 'an IPv4 Traffic Offload Selector in a PBA carries no TS sub-option', field: 'TS sub-option', expected: 'an RFC 6089 TS sub-option with an RFC 6088 IPv4 binary selector', seen: 'none (length 4)' };
  }
  return null;
}

export const offloadGrant = check('offload-grant', ['X-OFF-01'], (t, [grant]) => {
  grant!.inconclusiveBecause('no PBA carries an IPv4 Traffic Offload Selector option');
  for (const ex of t.exchanges) {
    if (!answered(ex) || countOptions(ex.pba, OFFLOAD) === 0) continue;
    const ev = [mhEv(t, ex.pbu), mhEv(t, ex.pba)];
    const p = grantProblem(ex);
    if (p === null) grant!.pass(() => `PBA status ${ex.pba.mh.status} grants ${countOptions(ex.pba, OFFLOAD)} IPv4 offload selector(s) to a PBU that asked`, ev);
    else grant!.fail(p.why, ev, { field: p.field, expected: p.expected, seen: p.seen });
  }
});

export const OFFLOAD_CHECKS = [offloadGrant];
