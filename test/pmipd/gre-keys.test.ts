// RFC 5845 in pmipd's signalling: the MAG asks for its downlink key in every registration and
// refresh PBU (one key per session), the LMA answers with one uplink key per session that stays
// across refreshes and handovers, and each end's data plane gets the keys of its direction.
import { expect } from 'chai';
import { findOption, type BindingUpdate } from '../../wire/index.js';
import type { SessionRoute } from '../../pmipd/mag/mag-core.js';
import { readDomainConfig } from '../../pmipd/config.js';
import { YamlSource } from '../../harness/yaml-located.js';
import { DOMAIN_YAML, LmaHarness, MAG2, MagHarness, domain, greDomain, settle } from './logic-fixture.js';

const LL1 = '020000000101';
const keyOf = (m: { options: BindingUpdate['options'] }) => findOption(m.options, 33)?.key;

describe('pmipd GRE keys (RFC 5845)', () => {
  describe('MAG', () => {
    it('puts its downlink key in the initial and refresh PBUs, not in the de-registration', async () => {
      const h = new MagHarness({ cfg: greDomain() });
      h.rs();
      const key = keyOf(h.lastPbu());
      expect(key, 'GRE Key in the initial PBU').to.be.a('number');
      h.answer();
      await settle();
      h.clock.advance(320_000);
      h.core.onNeighborAdvertisement('acc1', 'fe80::ff:fe00:101');
      expect(h.pbus().length).to.be.greaterThan(1);
      expect(keyOf(h.lastPbu()), 'the refresh asks for the same key').to.equal(key);
      h.answer();
      h.core.onLinkChange('acc1', false);
      expect(h.lastPbu().lifetimeUnits).to.equal(0);
      expect(keyOf(h.lastPbu()), 'de-registration').to.equal(undefined);
    });

    it('gives two MNs different downlink keys', () => {
      const h = new MagHarness({ cfg: greDomain() });
      h.rs();
      const first = keyOf(h.lastPbu());
      h.rs('02:00:00:00:01:02', 'acc1', 'fe80::ff:fe00:102');
      expect(keyOf(h.lastPbu())).to.be.a('number').and.not.equal(first);
    });

    it('tunnels the session with the uplink key out and its downlink key in', async () => {
      const h = new MagHarness({ cfg: greDomain() });
      const seen: SessionRoute[] = [];
      const add = h.dp.addSession.bind(h.dp);
      h.dp.addSession = async (s) => { seen.push(s); return add(s); };
      h.rs();
      const down = keyOf(h.lastPbu())!;
      h.answer(0, (spec) => { spec.options = (spec.options ?? []).map((o) => (o.type === 33 ? { type: 33, key: 77 } : o)); });
      await settle();
      expect(seen.at(-1)?.gre).to.deep.equal({ outKey: 77, inKey: down });
    });

    it('sends no GRE Key option without greKeys', () => {
      const h = new MagHarness({ cfg: domain() });
      h.rs();
      expect(keyOf(h.lastPbu())).to.equal(undefined);
    });
  });

  describe('LMA', () => {
    const pbu = (key: number) => ({ llId: LL1, extra: [{ type: 33 as const, key }] });

    it('answers with one uplink key per session, the same across a refresh and a handover', () => {
      const h = new LmaHarness({ cfg: greDomain() });
      const a = keyOf(h.pbu(pbu(5))!);
      expect(a).to.be.a('number');
      const refresh = keyOf(h.pbu({ ...pbu(5), seq: 2, hi: 5 })!);
      const handover = keyOf(h.pbu({ ...pbu(9), seq: 3, hi: 3 }, MAG2)!);
      expect([refresh, handover]).to.deep.equal([a, a]);
      const other = keyOf(h.pbu({ ...pbu(6), mnId: 'mn2@pmip.example', llId: '020000000102' })!);
      expect(other, 'another MN').to.be.a('number').and.not.equal(a);
    });

    it('ignores the option without greKeys, and answers a PBU without one with none', () => {
      expect(keyOf(new LmaHarness({ cfg: domain() }).pbu(pbu(5))!)).to.equal(undefined);
      expect(keyOf(new LmaHarness({ cfg: greDomain() }).pbu({ llId: LL1 })!)).to.equal(undefined);
    });
  });

  it('refuses greKeys with the seg6 data plane, naming the field', () => {
    expect(() => readDomainConfig(YamlSource.fromText(`${DOMAIN_YAML.replace(/^dataplane: .*$/m, '')}dataplane: seg6\ngreKeys: true\n`, 'd.yaml'))).to.throw(/greKeys.*seg6/s);
  });
});
