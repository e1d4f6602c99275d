// GRE-01..03 (RFC 5845) on synthetic captures: the golden domain turned into one that uses GRE
// keys (each MAG asks for its own downlink key, the LMA gives one uplink key per MN, every
// tunnelled packet is GRE with the key of its direction), then broken one field at a time.
import { expect } from 'chai';
import { runChecks } from '../../harness/checks/registry.js';
import type { RequirementResult } from '../../harness/checks/types.js';
import { buildTrace, golden, LMA, MAG1, MN1, MN2, MN3, MN4, msg, spec, type Scenario } from './scenario.js';

const IDS = ['GRE-01', 'GRE-02', 'GRE-03'];
const DOWN_KEY: Record<string, number> = { [MAG1]: 0x0000d001 };
const upKeyOf = (nai: string | undefined) => 0x00a00000 + [MN1, MN2, MN3, MN4].findIndex((m) => m.nai === nai) + 1;
const downKeyOf = (mag: string) => DOWN_KEY[mag] ?? 0x0000d002;
const hoaOwner = (address: string) => [MN1, MN2, MN3, MN4].find((m) => address.startsWith(m.hnp.split('::')[0]!))?.nai;

/** The golden domain with GRE keys negotiated and used. */
function greGolden(): Scenario {
  const sc = golden();
  for (const s of sc.specs) {
    if (s.kind === 'mh' && s.msg.type === 5 && (s.msg.lifetime ?? 1) > 0) {
      s.msg.options = [...(s.msg.options ?? []), { type: 33, key: downKeyOf(s.src) }];
    } else if (s.kind === 'mh' && s.msg.type === 6) {
      const mn = (s.msg.options ?? []).find((o) => o.type === 8) as { id: string } | undefined;
      const rest = (s.msg.options ?? []).filter((o) => o.type !== 33);
      s.msg.options = (s.msg.status ?? 0) < 128 && (s.msg.lifetimeUnits ?? (s.msg.lifetime ?? 0) / 4) > 0 ? [...rest, { type: 33, key: upKeyOf(mn?.id) }] : rest;
    } else if (s.kind === 'data' && s.outer !== undefined && s.esp === undefined) {
      s.gre = { key: s.outer.src === LMA ? downKeyOf(s.outer.dst) : upKeyOf(hoaOwner(s.src)) };
    }
  }
  return sc;
}

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
