// GRE-01..03 (RFC 5845) on synthetic captures: the golden domain turned into one that uses GRE
// keys (each MAG asks for its own downlink key, the LMA gives one uplink key per MN, every
// tunnelled packet is GRE with the key of its direction), then broken one field at a time.
import { expect } from 'chai';
import { runChecks } from '../../harness/checks/registry.js';
import type { RequirementResult } from '../../harness/checks/types.js';
import { buildTrace, golden, greDomain as greGolden, greDownlinkKey as downKeyOf, MAG1, msg, spec, type Scenario } from './scenario.js';

const IDS = ['GRE-01', 'GRE-02', 'GRE-03'];
function judge(sc: Scenario): Record<string, RequirementResult> {
  return Object.fromEntries(runChecks(buildTrace(sc), { only: IDS }).map((r) => [r.id, r]));
}

describe('checks GRE-01..03 (RFC 5845) on synthetic captures', () => {
  it('pass on a domain that negotiates and uses GRE keys', () => {
    const r = judge(greGolden());
    for (const id of IDS) expect(r[id]!.verdict, `${id}: ${r[id]!.message}`).to.equal('PASS');
    expect(r['GRE-03']!.checked, 'GRE data packets judged').to.be.greaterThan(3);
  });

  it('are NOT-APPLICABLE when no PBU asks for a key', () => {
    const r = judge(golden());
    for (const id of IDS) expect(r[id]!.verdict, id).to.equal('NOT-APPLICABLE');
  });

  it('GRE-01 fails when the accepting PBA gives no uplink key', () => {
    const sc = greGolden();
    const m = msg(sc, 'mn1-attach-pba');
    m.options = m.options.filter((o) => o.type !== 33);
    const r = judge(sc);
    expect(r['GRE-01']!.verdict).to.equal('FAIL');
    expect(r['GRE-01']!.message).to.match(/without giving an uplink key/);
  });

  it('GRE-01 fails when the initial PBU has no key but later ones do', () => {
    const sc = greGolden();
    const m = msg(sc, 'mn1-attach-pbu');
    m.options = m.options.filter((o) => o.type !== 33);
    expect(judge(sc)['GRE-01']!.verdict).to.equal('FAIL');
  });

  it('GRE-02 fails when a refresh gets another uplink key', () => {
    const sc = greGolden();
    const m = msg(sc, 'mn1-refresh-pba');
    m.options = m.options.map((o) => (o.type === 33 ? { type: 33, key: 0xbad } : o));
    const r = judge(sc);
    expect(r['GRE-02']!.verdict).to.equal('FAIL');
    expect(r['GRE-02']!.evidence[0]!.seen).to.equal('0x00000bad');
  });

  it('GRE-03 fails on an uplink packet with the downlink key, and on a downlink packet without a key', () => {
    for (const [tag, gre] of [['mn1-up-1', { key: downKeyOf(MAG1) }], ['mn1-down-1', {}]] as const) {
      const sc = greGolden();
      spec(sc, tag, 'data').gre = gre;
      const r = judge(sc);
      expect(r['GRE-03']!.verdict, tag).to.equal('FAIL');
      expect(r['GRE-03']!.failed, tag).to.equal(1);
    }
  });
});
