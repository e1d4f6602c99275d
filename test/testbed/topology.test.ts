import { expect } from 'chai';
import { nodeSysctls } from '../../harness/testbed/builder.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTopology, parseTopology, TopologyError } from '../../harness/topology/load.js';
import { topologySchema } from '../../harness/topology/schema.js';
import { rejection } from '../support/rejection.js';

const TOPOLOGIES = join(process.cwd(), 'topologies');
const SHIPPED = ['flat-domain', 'handover', 'domain-chaining', 'scale'];

/** The issues of a file that must not load, as "line:column: path: message" lines. */
function issues(yaml: string): string[] {
  try {
    parseTopology(yaml, 't.yaml');
  } catch (err) {
    if (!(err instanceof TopologyError)) throw err;
    return err.issues.map((i) => `${i.line}:${i.column}: ${i.path}: ${i.message}`);
  }
  throw new Error('expected a TopologyError');
}

const MINIMAL = `name: t
nodes:
  mag1: { kind: mag }
  ap1: { kind: ap }
  mn1: { kind: mn }
links:
  - ["mag1:acc0", "ap1"]
  - ["mn1", "ap1"]
`;

describe('testbed/topology', () => {
  describe('shipped topologies', () => {
    for (const name of SHIPPED) {
      it(`${name}.yaml loads and has a diagram comment at its top`, async () => {
        const file = join(TOPOLOGIES, `${name}.yaml`);
        const t = await loadTopology(file);
        expect(t.name).to.equal(name);
        const head = readFileSync(file, 'utf8').split('\n').slice(0, 30).join('\n');
        expect(head).to.match(/^#.*\|/m, 'an ASCII diagram in the leading comment');
      });
    }

    it('flat-domain has the documented node ids, kinds and attachments', async () => {
      const t = await loadTopology(join(TOPOLOGIES, 'flat-domain.yaml'));
      expect(Object.fromEntries(Object.values(t.nodes).map((n) => [n.id, n.kind]))).to.deep.equal({
        lma1: 'lma', mag1: 'mag', mag2: 'mag', ap1: 'ap', ap2: 'ap', mn1: 'mn', mn2: 'mn', cn1: 'cn',
      });
      expect(t.nodes.mn1!.mn!.ap).to.equal('ap1');
      expect(t.nodes.mn2!.mn!.ap).to.equal('ap2');
      // pmipd is the IUT of the shipped topologies.
      expect(t.nodes.mag1!.iut!.adapter).to.equal('pmipd');
      expect(t.nodes.lma1!.iut!.adapter).to.equal('pmipd');
      expect(t.captures.map((c) => `${c.name}@${c.node}/${c.ifname}`)).to.deep.equal([
        'ap1@ap1/br0', 'ap2@ap2/br0', 'mag1-lma1@mag1/eth0', 'mag2-lma1@mag2/eth0', 'lma1-cn1@lma1/eth2', 'mn1@mn1/eth0', 'mn2@mn2/eth0',
      ]);
    });

    it('flat-domain addressing: a /64 per infrastructure link from the pool, in link order; HNPs from the HNP pool', async () => {
      const t = await loadTopology(join(TOPOLOGIES, 'flat-domain.yaml'));
      // Links in file order: mag1-lma1, mag2-lma1, lma1-cn1, mag1-ap1, mag2-ap2 (MN links get none).
      expect(t.links.map((l) => l.prefix ?? '-')).to.deep.equal([
        '2001:db8::/64', '2001:db8:0:1::/64', '2001:db8:0:2::/64', '2001:db8:0:3::/64', '2001:db8:0:4::/64', '-', '-',
      ]);
      const addr = (node: string) => Object.fromEntries(t.nodes[node]!.interfaces.map((i) => [i.name, i.address ?? null]));
      expect(addr('lma1')).to.deep.equal({ eth0: '2001:db8::2', eth1: '2001:db8:0:1::2', eth2: '2001:db8:0:2::1' });
      expect(addr('mag1')).to.deep.equal({ eth0: '2001:db8::1', acc0: '2001:db8:0:3::1' });
      expect(addr('cn1')).to.deep.equal({ eth0: '2001:db8:0:2::2' });
      expect(addr('ap1')).to.deep.equal({ mag1: null, mn1: null });
      expect(t.nodes.mn1!.mn).to.deep.include({ mac: '02:00:00:00:01:01', nai: 'mn1@example.org', hnp: '2001:db8:8000::/64', iid: '::ff:fe00:101', ifname: 'eth0', dad: 'off' });
      expect(t.nodes.mn2!.mn!.hnp).to.equal('2001:db8:8000:1::/64');
      // cn1 reaches every other link through lma1, and the HNP pool is anchored at lma1.
      expect(t.nodes.cn1!.routes).to.deep.equal([
        { prefix: '2001:db8::/64', via: '2001:db8:0:2::1', dev: 'eth0' },
        { prefix: '2001:db8:0:1::/64', via: '2001:db8:0:2::1', dev: 'eth0' },
        { prefix: '2001:db8:0:3::/64', via: '2001:db8:0:2::1', dev: 'eth0' },
        { prefix: '2001:db8:0:4::/64', via: '2001:db8:0:2::1', dev: 'eth0' },
        { prefix: '2001:db8:8000::/33', via: '2001:db8:0:2::1', dev: 'eth0' },
      ]);
      // The MAG's access prefix is reachable from lma1 through mag1 only.
      expect(t.nodes.lma1!.routes).to.deep.include({ prefix: '2001:db8:0:3::/64', via: '2001:db8::1', dev: 'eth0' });
      expect(t.nodes.lma1!.routes.find((r) => r.prefix === '2001:db8:8000::/33')).to.equal(undefined);
    });

    it('domain-chaining: each MAG reaches the LMA through its own access router (r1, r3), then r2', async () => {
      const t = await loadTopology(join(TOPOLOGIES, 'domain-chaining.yaml'));
      const lmaNet = t.nodes.lma1!.interfaces.find((i) => i.peer === 'r2')!.prefix!;
      for (const [mag, router] of [['mag1', 'r1'], ['mag2', 'r3']] as const) {
        const route = t.nodes[mag]!.routes.find((r) => r.prefix === lmaNet)!;
        expect(route.via, `${mag}'s next hop toward the LMA`).to.equal(t.nodes[router]!.interfaces.find((i) => i.peer === mag)!.address);
        const routerRoute = t.nodes[router]!.routes.find((r) => r.prefix === lmaNet)!;
        expect(routerRoute.via, `${router}'s next hop toward the LMA`).to.equal(t.nodes.r2!.interfaces.find((i) => i.peer === router)!.address);
      }
    });

    it('scale: the mns parameter expands a group with generated MACs and NAIs', async () => {
      const t = await loadTopology(join(TOPOLOGIES, 'scale.yaml'), { params: { mns: 3 } });
      const mns = Object.values(t.nodes).filter((n) => n.kind === 'mn');
      expect(mns.map((n) => [n.id, n.mn!.mac, n.mn!.nai, n.mn!.ap])).to.deep.equal([
        ['mn1', '02:70:6d:00:00:01', 'mn1@example.org', 'ap1'],
        ['mn2', '02:70:6d:00:00:02', 'mn2@example.org', 'ap1'],
        ['mn3', '02:70:6d:00:00:03', 'mn3@example.org', 'ap1'],
      ]);
      expect(t.nodes.ap1!.interfaces.map((i) => i.name)).to.deep.equal(['mag1', 'mn1', 'mn2', 'mn3']);
      expect((await loadTopology(join(TOPOLOGIES, 'scale.yaml'))).params).to.deep.equal({ mns: 10 });
      const err = await rejection(loadTopology(join(TOPOLOGIES, 'scale.yaml'), { params: { mnz: 3 } }));
      expect(err.message).to.match(/has no parameter 'mnz' \(parameters: mns\)/);
    });

    it('topologies/schema.json is the schema the loader enforces', () => {
      const published = readFileSync(join(TOPOLOGIES, 'schema.json'), 'utf8');
      expect(published, 'regenerate: node -e "import(\'./dist/harness/topology/schema.js\').then(m=>process.stdout.write(JSON.stringify(m.topologySchema,null,2)+\'\\n\'))" > topologies/schema.json')
        .to.equal(`${JSON.stringify(topologySchema, null, 2)}\n`);
    });
  });

  describe('hosts on an access link', () => {
    it('a host gets an address in its MAG\'s access prefix and that MAG as default router, nothing from RAs', () => {
      const t = parseTopology(`${MINIMAL}  - ["h1", "ap1"]\n`.replace('mn1: { kind: mn }', 'mn1: { kind: mn }\n  h1: { kind: host }'), 't.yaml');
      const acc = t.nodes.mag1!.interfaces.find((i) => i.role === 'access')!;
      const h1 = t.nodes.h1!.interfaces[0]!;
      expect([h1.role, h1.prefix, h1.address]).to.deep.equal(['host', acc.prefix, `${acc.prefix!.split('::/')[0]}::100`]);
      expect(t.nodes.h1!.routes).to.deep.equal([{ prefix: '::/0', via: acc.address, dev: 'eth0' }]);
      expect(nodeSysctls(t.nodes.h1!)).to.deep.include.members([['net.ipv6.conf.all.forwarding', '0'], ['net.ipv6.conf.eth0.accept_ra', '0']]);
    });

    it('a host linked to anything but an AP, or on an AP without a MAG, is refused by name', () => {
      expect(issues(`${MINIMAL}  - ["h1", "mag1"]\n`.replace('mn1: { kind: mn }', 'mn1: { kind: mn }\n  h1: { kind: host }')))
        .to.deep.equal(["10:12: links[2][1]: a host sits on a MAG's access link: link it to an AP, not to 'mag1'"]);
      expect(issues(`${MINIMAL}  - ["h1", "ap2"]\n`.replace('mn1: { kind: mn }', 'mn1: { kind: mn }\n  ap2: { kind: ap }\n  h1: { kind: host }')))
        .to.deep.equal(["7:3: nodes.h1: host 'h1' is on AP 'ap2', where no MAG has an addressed access link to take an address from"]);
    });
  });

  describe('errors name the line, column and field', () => {
    it('a YAML syntax error', () => {
      expect(issues('name: t\nnodes:\n  mag1: { kind: mag\n')[0]).to.match(/^\d+:\d+: : YAML: /);
    });

    it('an unknown key, with a suggestion, at the key', () => {
      expect(issues(MINIMAL.replace('mn1: { kind: mn }', 'mn1: { kind: mn, macc: "02:00:00:00:00:01" }'))).to.deep.equal([
        "5:20: nodes.mn1.macc: unknown field 'macc' (did you mean 'mac'?)",
      ]);
      expect(issues(`${MINIMAL}linkz: []\n`)).to.deep.equal(["9:1: linkz: unknown field 'linkz' (did you mean 'links'?)"]);
    });

    it('a bad kind, a field of another kind, a bad node id', () => {
      expect(issues(MINIMAL.replace('ap1: { kind: ap }', 'ap1: { kind: switch }'))).to.deep.equal([
        '4:16: nodes.ap1.kind: must be one of mn, mag, lma, cn, router, ap, host (got "switch")',
      ]);
      expect(issues(MINIMAL.replace('mag1: { kind: mag }', 'mag1: { kind: mag, mac: "02:00:00:00:00:01" }'))[0]).to.match(/^3:22: nodes\.mag1\.mac: unknown field 'mac'/);
      expect(issues(MINIMAL.replace('  mn1: { kind: mn }', '  Mn-1: { kind: mn }'))[0]).to.match(/^5:3: nodes.Mn-1: must be a node id/);
      expect(issues(MINIMAL.replace('  mag1: { kind: mag }', '  br0: { kind: mag }'))).to.include("3:3: nodes.br0: node id 'br0' is reserved (an interface name inside nodes)");
    });

    it('interface and capture names are held to their patterns', () => {
      expect(issues(MINIMAL.replace('"mag1:acc0"', '"mag1:access-interface0"'))[0]).to.match(/^7:6: links\[0\]\[0\]: must be an endpoint "node" or "node:ifname" \(got "mag1:access-interface0"\)/);
      expect(issues(MINIMAL.replace('["mn1", "ap1"]', '{ endpoints: ["mn1", "ap1"], capture: "../etc" }'))[0]).to.match(/^8:43: links\[1\]\.capture: must be a capture point name/);
      expect(issues(MINIMAL.replace('ap1: { kind: ap }', 'ap1: { kind: ap, capture: x }').replace('["mn1", "ap1"]', '{ endpoints: ["mn1", "ap1"], capture: x }'))).to.deep.equal([
        "8:43: links[1].capture: capture point 'x' is already defined (nodes.ap1.capture)",
      ]);
    });

    it('references: unknown nodes, an MN on two APs, an MN on a MAG, an AP port name, APs linked together', () => {
      expect(issues(MINIMAL.replace('"mag1:acc0"', '"mag3:acc0"'))).to.deep.equal(["7:6: links[0][0]: unknown node 'mag3' (did you mean 'mag1'?)"]);
      const twoAps = `${MINIMAL.replace('  mn1: { kind: mn }', '  mn1: { kind: mn }\n  ap2: { kind: ap }')}  - ["mn1", "ap2"]\n`;
      expect(issues(twoAps)).to.deep.equal(["10:6: links[2][0]: MN 'mn1' is already on an AP (line 9); an MN is on one AP at a time: move it with handover"]);
      expect(issues(MINIMAL.replace('["mn1", "ap1"]', '["mn1", "mag1"]'))).to.deep.equal(["8:13: links[1][1]: an MN attaches to an AP, and 'mag1' is a mag"]);
      expect(issues(MINIMAL.replace('["mn1", "ap1"]', '["mn1", "ap1:p1"]'))).to.deep.equal(["8:13: links[1][1]: an AP's port is named after the node plugged into it: write 'ap1', not 'ap1:p1'"]);
      expect(issues(MINIMAL.replace('"mag1:acc0", "ap1"', '"mag1:acc0", "mag1:acc1"'))[0]).to.match(/links\[0\]\[1\]: links node 'mag1' to itself/);
    });

    it('several mistakes are reported together, in file order', () => {
      const bad = MINIMAL.replace('mag1: { kind: mag }', 'mag1: { kind: mag, sysctl: {} }').replace('["mn1", "ap1"]', '["mn2", "ap1"]');
      expect(issues(bad)).to.have.length(1, 'schema issues come first: references are checked on a valid file');
      expect(issues(MINIMAL.replace('["mn1", "ap1"]', '["mn2", "ap9"]'))).to.deep.equal([
        "8:6: links[1][0]: unknown node 'mn2' (did you mean 'mn1'?)",
        "8:13: links[1][1]: unknown node 'ap9' (did you mean 'ap1'?)",
      ]);
    });

    it('addressing mistakes: prefixes that are not /64 or overlap, multicast or duplicate MACs, unknown parameters', () => {
      const withLma = MINIMAL.replace('  ap1: { kind: ap }', '  ap1: { kind: ap }\n  lma1: { kind: lma }');
      expect(issues(`${withLma}  - { endpoints: ["mag1", "lma1"], prefix: "2001:db8:5::/56" }\n`)).to.deep.equal(['10:44: links[2].prefix: must be a /64 (got /56)']);
      expect(issues(MINIMAL.replace('mn1: { kind: mn }', 'mn1: { kind: mn, mac: "03:00:00:00:00:01" }'))).to.deep.equal(['5:25: nodes.mn1.mac: 03:00:00:00:00:01 is a multicast address (lowest bit of the first byte set)']);
      expect(issues(MINIMAL.replace('mn1: { kind: mn }', 'mn1: { kind: mn, count: "${n}" }'))).to.deep.equal(["5:27: nodes.mn1.count: unknown parameter 'n' (declare it under parameters)"]);
      expect(issues(`addressing: { pool: "2001:db8::1/48" }\n${MINIMAL}`)).to.deep.equal(['1:21: addressing.pool: invalid IPv6 prefix "2001:db8::1/48": bits set after the first 48 (did you mean 2001:db8::/48?)']);
    });

    it('a node\'s setting replaces the default of the same name', () => {
      const yaml = `name: t
defaults:
  mn: { dad: optimistic, sysctls: { net.ipv6.conf.all.mtu: 1400 } }
nodes:
  mn1: { kind: mn }
  mn2: { kind: mn, sysctls: { net.ipv6.conf.all.hop_limit: 9 } }
`;
      const t = parseTopology(yaml, 't.yaml');
      expect(t.nodes.mn1!.mn!.dad).to.equal('optimistic');
      expect(t.nodes.mn1!.sysctls).to.deep.equal({ 'net.ipv6.conf.all.mtu': '1400' });
      expect(t.nodes.mn2!.sysctls).to.deep.equal({ 'net.ipv6.conf.all.hop_limit': '9' });
      expect(t.nodes.mn1!.mn!.ap).to.equal(null);
    });
  });
});
