// A link's `ipv4:` subnet (RFC 5844 §4 IPv4 transport): the infrastructure endpoints get its first
// hosts in endpoint order, besides their IPv6 address, and the builder configures them.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { nodeIpLines } from '../../harness/testbed/builder.js';
import { parseTopology, TopologyError } from '../../harness/topology/load.js';

const CASE_TOPOLOGY = new URL('../../../cases/ipv4-transport/topology.yaml', import.meta.url);

describe('topology: IPv4 subnets on links', () => {
  it('gives the endpoints of an ipv4 link its first hosts, and the builder adds them', () => {
    const t = parseTopology(readFileSync(CASE_TOPOLOGY, 'utf8'), 'topology.yaml');
    const iface = (node: string, name: string) => t.nodes[node]!.interfaces.find((i) => i.name === name)!;
    expect([iface('mag1', 'eth0').ipv4, iface('lma1', 'eth0').ipv4, iface('mag2', 'eth0').ipv4, iface('lma1', 'eth1').ipv4])
      .to.deep.equal(['192.0.2.1/24', '192.0.2.2/24', '198.51.100.1/24', '198.51.100.2/24']);
    expect(iface('lma1', 'eth2').ipv4, 'a link without ipv4').to.equal(undefined);
    expect(iface('mag1', 'eth0').address, 'the IPv6 address stays').to.be.a('string');
    expect(nodeIpLines(t.nodes.lma1!)).to.include.members(['addr add 192.0.2.2/24 dev eth0', 'addr add 198.51.100.2/24 dev eth1']);
  });

  it('refuses a subnet that is not one, naming the field', () => {
    const text = 'name: t\nnodes:\n  lma1: { kind: lma }\n  mag1: { kind: mag }\nlinks:\n  - { endpoints: ["mag1:eth0", "lma1:eth0"], ipv4: 192.0.2.0/31 }\n';
    expect(() => parseTopology(text, 't.yaml')).to.throw(TopologyError, /ipv4.*not an IPv4 subnet with room for two hosts/);
  });
});
