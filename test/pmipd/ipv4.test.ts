// RFC 5844 in pmipd's logic: the LMA's refusals (§3.1.2.1, §3.1.2.2), its IPv4 options
// (§3.1.2.6), the IPv4-only de-registration that keeps the IPv6 session (§3.2.3.3), and the MAG's
// PBUs for dual-stack and IPv4-only MNs.
import { expect } from 'chai';
import { findOption, findOptions, type BindingAck } from '../../wire/index.js';
import { readDomainConfig } from '../../pmipd/config.js';
import { YamlSource } from '../../harness/yaml-located.js';
import { LmaHarness, MagHarness, MN1_MAC, V4ONLY, V4ONLY_MAC, ipv4Domain, settle, DOMAIN_YAML } from './logic-fixture.js';

const REQ = { type: 36, prefixLength: 0, address: '0.0.0.0' } as const;
const LL = '020000000101';
const reply = (m: BindingAck) => findOption(m.options, 37);

describe('pmipd RFC 5844 (IPv4 home addresses)', () => {
  it('LMA: a dual-stack PBU gets an HNP, an IPv4 HoA from the pool and the default router', () => {
    const m = new LmaHarness({ cfg: ipv4Domain() }).pbu({ llId: LL, extra: [REQ] })!;
    expect(m.status).to.equal(0);
    expect(findOptions(m.options, 22)).to.have.length(1);
    expect(reply(m)).to.include({ status: 0, prefixLength: 16, address: '10.64.0.2' });
    expect(findOption(m.options, 38)?.address).to.equal('10.64.0.1');
  });

  it('LMA: an IPv4-only PBU is accepted without HNP and answered without one; neither option is 158', () => {
    const h = new LmaHarness({ cfg: ipv4Domain() });
    const m = h.pbu({ mnId: V4ONLY, omit: [22], extra: [REQ] })!;
    expect(m.status).to.equal(0);
    expect(findOptions(m.options, 22)).to.have.length(0);
    expect(h.pbu({ seq: 2, mnId: V4ONLY, omit: [22] })!.status).to.equal(158);
  });

  it('LMA: 173 for two requests, 170 for an MN without IPv4 service, 172 for an HNP of an IPv4-only MN', () => {
    const h = new LmaHarness({ cfg: ipv4Domain() });
    expect(h.pbu({ seq: 1, extra: [REQ, REQ] })!.status).to.equal(173);
    const r170 = h.pbu({ seq: 2, mnId: 'mn2@pmip.example', extra: [REQ] })!;
    expect([r170.status, reply(r170)?.status]).to.deep.equal([170, 129]);
    expect(h.pbu({ seq: 3, mnId: V4ONLY, extra: [REQ] })!.status).to.equal(172);
  });

  it('LMA: an address the MN may not use is 171 with Reply 129; no pool is 130 with Reply 128, echoing the request', () => {
    const m = new LmaHarness({ cfg: ipv4Domain() }).pbu({ llId: LL, extra: [{ ...REQ, prefixLength: 16, address: '10.64.0.77' }] })!;
    expect([m.status, reply(m)?.status, reply(m)?.address]).to.deep.equal([171, 129, '10.64.0.77']);
    expect(findOption(m.options, 38)).to.equal(undefined);
    const noPool = readDomainConfig(YamlSource.fromText(DOMAIN_YAML.replace('{ nai: mn1@pmip.example, mac: "02:00:00:00:01:01" }', '{ nai: mn1@pmip.example, mac: "02:00:00:00:01:01", ipv4: dynamic }'), 'd.yaml'));
    const n = new LmaHarness({ cfg: noPool }).pbu({ llId: LL, extra: [REQ] })!;
    expect([n.status, reply(n)?.status]).to.deep.equal([130, 128]);
  });

  it('LMA: a fixed IPv4 HoA is granted with its own subnet\'s router', () => {
    const m = new LmaHarness({ cfg: ipv4Domain() }).pbu({ mnId: 'fixed4@pmip.example', extra: [REQ] })!;
    expect(reply(m)).to.include({ status: 0, prefixLength: 24, address: '10.99.0.7' });
    expect(findOption(m.options, 38)?.address).to.equal('10.99.0.1');
  });

  it('LMA: de-registering only the IPv4 HoA keeps the IPv6 session', () => {
    const h = new LmaHarness({ cfg: ipv4Domain() });
    const first = h.pbu({ llId: LL, extra: [REQ] })!;
    const d = h.pbu({ seq: 2, llId: LL, hi: 5, omit: [22], lifetimeUnits: 0, extra: [{ ...REQ, prefixLength: 16, address: '10.64.0.2' }] })!;
    expect(d.status).to.equal(0);
    const b = h.core.bindings();
    expect(b).to.have.length(1);
    expect(b[0]!.hnps).to.deep.equal(findOptions(first.options, 22).map((o) => o.prefix));
    expect(b[0]!.ipv4).to.equal(undefined);
  });

  it('MAG: a dual-stack MN asks for ::/0 and 0.0.0.0/0, an IPv4-only MN for 0.0.0.0/0 only; its session needs no prefix', async () => {
    const dual = new MagHarness({ cfg: ipv4Domain() });
    dual.rs(MN1_MAC);
    expect(dual.lastPbu().options.filter((o) => o.type === 22 || o.type === 36).map((o) => o.type)).to.deep.equal([22, 36]);
    const v4 = new MagHarness({ cfg: ipv4Domain() });
    v4.rs(V4ONLY_MAC, 'acc1', 'fe80::ff:fe00:106');
    const pbu = v4.lastPbu();
    expect(findOptions(pbu.options, 22)).to.have.length(0);
    expect(findOption(pbu.options, 36)).to.include({ address: '0.0.0.0', prefixLength: 0 });
    v4.answer(0, (spec) => { spec.options = [...(spec.options ?? []).filter((o) => o.type !== 36), { type: 37, status: 0, prefixLength: 16, address: '10.64.0.9' }, { type: 38, address: '10.64.0.1' }]; });
    await settle();
    expect(v4.core.bul.get(V4ONLY)?.state).to.equal('registered');
    expect(v4.core.bul.get(V4ONLY)?.ipv4?.address).to.equal('10.64.0.9');
  });

  it('domain file: ipv4 must be none, dynamic or an address; an MN without IPv6 needs IPv4', () => {
    const bad = (mn: string) => () => readDomainConfig(YamlSource.fromText(DOMAIN_YAML.replace('{ nai: mn2@pmip.example, mac: "02:00:00:00:01:02" }', mn), 'd.yaml'));
    expect(bad('{ nai: mn2@pmip.example, ipv4: sometimes }')).to.throw(/d\.yaml:\d+.*not none, dynamic or an IPv4 address/);
    expect(bad('{ nai: mn2@pmip.example, ipv6: false }')).to.throw(/needs IPv4 service/);
  });
});
