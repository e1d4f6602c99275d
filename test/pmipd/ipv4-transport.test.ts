// pmipd's RFC 5844 §4 IPv4 transport without sockets: the domain file's ipv4Transport block, the
// LMA's judgement of (F) (129, or NAT Detection on acceptance) and what a MAG's PBU adds over IPv4.
// The sockets and the tun engine: quirks.test.ts (UDP on loopback), tun-ipv4-transport.test.ts;
// the whole: cases/ipv4-transport.
import { expect } from 'chai';
import { YamlConfigError, YamlSource } from '../../harness/yaml-located.js';
import { readDomainConfig } from '../../pmipd/config.js';
import { LmaIpv4Transport } from '../../pmipd/ipv4/transport.js';
import { buildPbu } from '../../pmipd/mag/pbu-builder.js';
import { Quirks } from '../../pmipd/quirks.js';
import { VirtualClock } from '../../pmipd/clock.js';
import { decodeMobilityHeader, encodeMobilityHeader, findOption, type BindingUpdate } from '../../wire/index.js';
import { DOMAIN_YAML, LmaHarness, MAG1, silentLog } from './logic-fixture.js';
import type { BulEntry } from '../../pmipd/mag/bul.js';

const V4 = `
ipv4Transport:
  lmaAddress: 192.0.2.2
  mags:
    - { name: mag1, address: 192.0.2.1 }
    - { name: mag2, address: 198.51.100.1, forceUdp: true }
`;

function problem(yaml: string): string {
  try {
    readDomainConfig(YamlSource.fromText(yaml, 'domain.yaml'));
  } catch (err) {
    if (err instanceof YamlConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a YamlConfigError');
}

describe('pmipd IPv4 transport (RFC 5844 §4)', () => {
  it('reads ipv4Transport: the IPv4-LMAA, each MAG\'s IPv4-Proxy-CoA and (F) setting, AcceptForced... 0 by default', () => {
    const c = readDomainConfig(YamlSource.fromText(DOMAIN_YAML + V4, 'd.yaml'));
    expect(c.ipv4Transport!.lmaAddress).to.equal('192.0.2.2');
    expect(c.ipv4Transport!.acceptForcedUdp).to.equal(false);
    expect([...c.ipv4Transport!.mags]).to.deep.equal([['mag1', { address: '192.0.2.1', forceUdp: false }], ['mag2', { address: '198.51.100.1', forceUdp: true }]]);
    expect(readDomainConfig(YamlSource.fromText(DOMAIN_YAML, 'd.yaml')).ipv4Transport).to.equal(null);
  });

  it('names file, line and field for a bad block', () => {
    expect(problem(DOMAIN_YAML + V4.replace('192.0.2.2', '2001:db8::2'))).to.match(/domain\.yaml:\d+.*ipv4Transport\.lmaAddress.*not an IPv4 address/);
    expect(problem(DOMAIN_YAML + V4.replace(/ {4}- \{ name: mag2.*\n/, ''))).to.match(/every MAG needs its IPv4-Proxy-CoA here; missing: mag2/);
    expect(problem(DOMAIN_YAML + V4.replace('name: mag2', 'name: mag9'))).to.match(/no MAG named "mag9"/);
    expect(problem(DOMAIN_YAML.replace('dataplane: none', 'dataplane: ip6tnl') + V4)).to.match(/ip6tnl data plane cannot tunnel over an IPv4 transport/);
  });

  describe('the LMA and (F)', () => {
    const transport = (accept: boolean, quirks: string[] = []) => {
      const c = readDomainConfig(YamlSource.fromText(DOMAIN_YAML + V4.replace('lmaAddress: 192.0.2.2', `lmaAddress: 192.0.2.2\n  acceptForcedUdp: ${accept}`), 'd.yaml'));
      return new LmaIpv4Transport(c.ipv4Transport!, c.mags, new Quirks(quirks), silentLog(new VirtualClock(), 'lma'));
    };

    it('refuses (F) with 129 when AcceptForcedIPv4UDPEncapsulationRequest is 0, after the other checks', () => {
      const h = new LmaHarness({ forcedUdp: transport(false) });
      expect(h.pbu({ flags: { F: true } })!.status).to.equal(129);
      expect(h.pbu({ seq: 2, flags: { F: true }, mnId: 'nobody@pmip.example' })!.status, 'an unknown MN is still 133').to.not.equal(129);
      expect(h.pbu({ seq: 3 })!.status, 'without (F)').to.equal(0);
    });

    it('grants (F) with a NAT Detection option (F set) when it accepts forced UDP, and the tun peer of that MAG is IPv4-UDP', () => {
      const t = transport(true);
      const pba = new LmaHarness({ forcedUdp: t }).pbu({ flags: { F: true } })!;
      expect(pba.status).to.equal(0);
      expect(findOption(pba.options, 31)).to.include({ F: true, refreshTime: 0 });
      const c = readDomainConfig(YamlSource.fromText(DOMAIN_YAML + V4, 'd.yaml'));
      expect([...t.tunPlan(c.mags).peers.values()]).to.deep.equal([{ address: '192.0.2.1', udp: false }, { address: '198.51.100.1', udp: true }]);
      expect(new LmaHarness({ forcedUdp: t }).pbu({})!.options.some((o) => o.type === 31), 'no NAT Detection without (F)').to.equal(false);
    });

    it('over IPv6 (no ipv4Transport) (F) changes nothing', () => {
      expect(new LmaHarness().pbu({ flags: { F: true } })!.status).to.equal(0);
    });

    it('answers a PBU from an IPv4 address that is no MAG of the domain as from any unknown MAG (154)', () => {
      const h = new LmaHarness({ forcedUdp: transport(false) });
      expect(h.pbu({}, '203.0.113.9')!.status).to.equal(154);
      expect(h.pbu({}, MAG1)!.status).to.equal(0);
    });
  });

  it('a MAG\'s PBU over IPv4 has (F) as configured and its IPv4-Proxy-CoA in an IPv4 Care-of Address option (4n aligned)', () => {
    const e = { mnId: 'mn1@pmip.example', mac: '02:00:00:00:01:01', request: [], hnps: [], lla: null, ipv6Service: true, ipv4Service: false, ipv4: null } as unknown as BulEntry;
    const base = { kind: 'register' as const, seq: 1, hi: 1, lifetimeUnits: 100, accessTechnology: 3, timestamps: false, fixedLinkLocal: false, wallMs: 0 };
    const pbu = (p: Parameters<typeof buildPbu>[1]) => { const b = encodeMobilityHeader(buildPbu(e, p, new Quirks())); return decodeMobilityHeader(b, 0, b.length) as BindingUpdate; };
    const m = pbu({ ...base, ipv4Transport: { forceUdp: true, pcoa: '198.51.100.1' } });
    expect(m.flags.F).to.equal(true);
    expect(findOption(m.options, 32)?.address).to.equal('198.51.100.1');
    expect(findOption(m.options, 32)!.offset % 4).to.equal(0);
    expect(pbu(base).flags.F, 'over IPv6').to.equal(false);
  });
});
