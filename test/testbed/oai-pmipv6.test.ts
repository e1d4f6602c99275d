// The oai-pmipv6 adapter's parts that need no Mobile IPv6 kernel: the config and MN file it writes
// from a topology and the identity its MAG sends. The cached build (harness/iut/source-build.ts) is
// tested with a stand-in recipe in opmip-adapter.test.ts.
import { expect } from 'chai';
import { join } from 'node:path';
import { lmaConfig, macMappingFile, magConfig, oaiMnIdentifier } from '../../harness/iut/oai-pmipv6/config.js';
import { iutVars } from '../../harness/iut/vars.js';
import { loadTopology } from '../../harness/topology/load.js';

const CASES = new URL('../../../cases/', import.meta.url).pathname;

describe('iut/oai-pmipv6', () => {
  describe('configuration from the topology', () => {
    it('writes the MAG\'s UMIP config with its access and transport links, the LMA\'s with the MAG list ended by 0::0', async () => {
      const t = await loadTopology(join(CASES, 'handover', 'topology.yaml'));
      const mag = magConfig(iutVars(t, t.nodes.mag1!, 'r', 'ns', '/c', '/r'), {});
      expect(mag).to.match(/^NodeConfig MAG;$/m).and.match(/^ProxyMipMag "mag1" \{$/m);
      const magNode = t.nodes.mag1!;
      const acc = magNode.interfaces.find((i) => i.role === 'access')!;
      expect(mag).to.include(`MagAddressIngress ${acc.address};`).and.include(`MagDeviceIngress "${acc.name}";`);
      expect(mag).to.include('PcapSyslogAssociationGrepString "');
      const lma = lmaConfig(iutVars(t, t.nodes.lma1!, 'r', 'ns', '/c', '/r'), t, { timestampValidityWindowMs: 3000 });
      expect(lma).to.match(/^NodeConfig HA;$/m).and.include('RFC5213TimestampValidityWindow 3000;');
      const pairs = [...lma.matchAll(/MagAddressIngress (\S+);\n\s+MagAddressEgress (\S+);/g)].map((m) => [m[1], m[2]]);
      expect(pairs.at(-1)).to.deep.equal(['0::0', '0::0']);
      expect(pairs.length).to.equal(3);
    });

    it('lists each MN as its HNP in 32 hex digits, then 0000 and its MAC', () => {
      expect(macMappingFile([{ id: 'mn1', nai: 'mn1@x', mac: '02:00:00:00:01:01', iid: '::ff:fe00:101', hnp: '2001:db8:8000:1::/64', ap: null }]).split('\n')[1])
        .to.equal('20010db8800000010000000000000000 0000020000000101');
    });

    it('gives the MN identity OAI\'s MAG sends as the testbed\'s decoder reads it (binary NAI: 0, 0, the MAC)', () => {
      expect(oaiMnIdentifier('02:00:00:00:01:01')).to.equal('\\x00\\x00\\x02\\x00\\x00\\x00\\x01\\x01 (binary NAI)');
    });
  });
});
