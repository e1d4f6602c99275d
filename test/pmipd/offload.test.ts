// RFC 6909 selective IPv4 offload in pmipd: the domain file's offload section, the LMA's grant,
// the MAG's request and session policy, and the rules the breakout installs.
import { expect } from 'chai';
import { findOptions } from '../../wire/index.js';
import { readDomainConfig } from '../../pmipd/config.js';
import { YamlSource } from '../../harness/yaml-located.js';
import { Quirks } from '../../pmipd/quirks.js';
import { natScript, rangeToCidrs, sessionRules, sessionRules6, unsupported } from '../../pmipd/dataplane/offload-rules.js';
import { parsePrefix } from '../../wire/index.js';
import { ipv4Number } from '../../pmipd/ipv4/addresses.js';
import { LmaHarness, MagHarness, offloadDomain, settle } from './logic-fixture.js';

const LL1 = '020000000101';
const V4_REQ = { type: 36, prefixLength: 0, address: '0.0.0.0' } as const;
const ASK = { type: 53, M: false } as const;

describe('pmipd offload (RFC 6909)', () => {
  it('reads selectors and breakouts from the domain file', () => {
    const cfg = offloadDomain();
    expect(cfg.offload!.ipv4).to.deep.equal([{ startDst: '198.51.100.0', endDst: '198.51.100.255' }]);
    expect(cfg.offload!.mags.get('mag1')).to.deep.include({ interface: 'brk0', gateway: '100.64.1.1' });
  });

  it('names the file, line and field of a bad selector', () => {
    const text = 'lma: { address: "2001:db8::1", prefixPool: [2001:db8:a000::/48] }\nmags: []\noffload:\n  ipv4:\n    - { dst: 198.51.100.0/24, dstPorts: 90-80 }\n';
    expect(() => readDomainConfig(YamlSource.fromText(text, 'd.yaml'))).to.throw(/d\.yaml:5:.*dstPorts.*range/);
  });

  it('covers an address range with the fewest CIDR blocks', () => {
    expect(rangeToCidrs(ipv4Number('198.51.100.0'), ipv4Number('198.51.100.255'))).to.deep.equal(['198.51.100.0/24']);
    expect(rangeToCidrs(ipv4Number('10.0.0.1'), ipv4Number('10.0.0.6'))).to.deep.equal(['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']);
    expect(rangeToCidrs(0, 0xffffffff)).to.deep.equal(['0.0.0.0/0']);
  });

  it('turns a selector into policy rules; what the rules cannot express is named and left in the tunnel', () => {
    const ts = { startDst: '198.51.100.0', endDst: '198.51.100.255', startProtocol: 17, startDstPort: 5000, endDstPort: 5010 };
    expect(sessionRules('acc0', '10.64.0.2', [ts], new Quirks())).to.deep.equal(['pref 190 from 10.64.0.2/32 iif acc0 to 198.51.100.0/24 ipproto 17 dport 5000-5010 table 6909']);
    expect(unsupported({ startSrc: '10.0.0.1' })).to.match(/source/);
    expect(sessionRules('acc0', '10.64.0.2', [{ startSrc: '10.0.0.1' }], new Quirks())).to.deep.equal([]);
  });

  it('sends the IPv6 flows of each HNP to the domain\'s offload prefixes to the breakout table, NATed in one inet table', () => {
    expect(sessionRules6('acc0', [parsePrefix('2001:db8:a000::/64')], [parsePrefix('2001:db8:ff::/64')], new Quirks()))
      .to.deep.equal(['pref 190 from 2001:db8:a000::/64 iif acc0 to 2001:db8:ff::/64 table 6909']);
    expect(natScript(offloadDomain().offload!.mags.get('mag1')!, new Quirks())).to.match(/^table inet pmipd_offload \{\n chain postrouting \{ type nat hook postrouting priority srcnat; policy accept; oifname "brk0" masquerade; \}/);
  });

  it('the LMA grants its selectors to a PBU that asks, for an MN with an IPv4 HoA, and to no other', () => {
    const pba = (extra: object[]) => new LmaHarness({ cfg: offloadDomain() }).pbu({ llId: LL1, extra: extra as never[] })!;
    const granted = findOptions(pba([V4_REQ, ASK]).options, 53);
    expect(granted.map((o) => [o.M, o.ts?.tsFormat, o.ts?.selector])).to.deep.equal([[false, 1, { startDst: '198.51.100.0', endDst: '198.51.100.255' }]]);
    expect(findOptions(pba([V4_REQ]).options, 53), 'not asked').to.deep.equal([]);
    expect(findOptions(pba([ASK]).options, 53), 'no IPv4 HoA').to.deep.equal([]);
  });

  it('a MAG with a breakout asks in its PBU and hands the granted selectors to its data plane', async () => {
    const h = new MagHarness({ cfg: offloadDomain() });
    h.rs();
    expect(findOptions(h.lastPbu().options, 53)).to.have.length(1);
    h.answer(0, (spec) => {
      spec.options = [...(spec.options ?? []).filter((o) => o.type !== 36 && o.type !== 53), { type: 37, status: 0, prefixLength: 16, address: '10.64.0.2' }, { type: 38, address: '10.64.0.1' },
        { type: 53, M: false, ts: { tsFormat: 1, selector: { startDst: '198.51.100.0', endDst: '198.51.100.255' } } }];
    });
    await settle();
    expect(h.dp.added.at(-1)?.offload).to.deep.equal([{ startDst: '198.51.100.0', endDst: '198.51.100.255' }]);
  });

  it('a MAG without a breakout does not ask', () => {
    const h = new MagHarness({ cfg: offloadDomain(), mag: 'mag2' });
    h.rs();
    expect(findOptions(h.lastPbu().options, 53)).to.deep.equal([]);
  });
});
