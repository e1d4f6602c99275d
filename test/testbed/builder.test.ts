import { expect } from 'chai';
import { join } from 'node:path';
import { FALLBACK_TUNNEL_DEVICE, listNetns, nsExec } from '../../harness/netns.js';
import { linkLines, nodeSysctls } from '../../harness/testbed/builder.js';
import { netnsPrefix } from '../../harness/testbed/names.js';
import { listRuns } from '../../harness/testbed/run-state.js';
import { Testbed } from '../../harness/testbed/testbed.js';
import { loadTopology, parseTopology } from '../../harness/topology/load.js';
import { primaryAddress, type Topology } from '../../harness/topology/model.js';
import { rejection } from '../support/rejection.js';
import { TOPOLOGIES, usePrivateRunRoot } from './run-root.js';

interface IpLink { ifname: string; flags: string[]; address: string; master?: string; operstate: string }

async function links(netns: string): Promise<IpLink[]> {
  return JSON.parse((await nsExec(netns, 'ip', ['-j', 'link', 'show'])).stdout) as IpLink[];
}

async function sysctls(netns: string, keys: string[]): Promise<string[]> {
  return (await nsExec(netns, 'sysctl', ['-n', ...keys])).stdout.split('\n');
}

async function globalAddresses(netns: string): Promise<string[]> {
  const out = JSON.parse((await nsExec(netns, 'ip', ['-6', '-j', 'addr', 'show', 'scope', 'global'])).stdout) as { addr_info: { local: string }[] }[];
  return out.flatMap((l) => l.addr_info.flatMap((a) => (a.local ? [a.local] : []))).sort();
}

/** Everything the builder promises, checked against the kernel. */
async function checkBuilt(tb: Testbed, t: Topology): Promise<void> {
  const ours = (await listNetns()).filter((n) => n.startsWith(netnsPrefix(tb.runId)));
  expect(ours.sort()).to.deep.equal(Object.values(tb.nodes).map((n) => n.netns).sort());
  for (const node of Object.values(t.nodes)) {
    const ns = tb.nodes[node.id]!.netns;
    const present = await links(ns);
    const names = present.map((l) => l.ifname).filter((n) => n !== 'lo' && !FALLBACK_TUNNEL_DEVICE.test(n));
    expect(names.sort(), `interfaces of ${node.id}`).to.deep.equal([...node.interfaces.map((i) => i.name), ...(node.kind === 'ap' ? ['br0'] : [])].sort());
    if (node.kind === 'ap') {
      expect(await sysctls(ns, ['net.ipv6.conf.all.disable_ipv6', 'net.ipv6.conf.default.disable_ipv6'])).to.deep.equal(['1', '1']);
      for (const port of present.filter((l) => l.ifname !== 'br0' && l.ifname !== 'lo' && !FALLBACK_TUNNEL_DEVICE.test(l.ifname))) {
        expect(port.master, `${node.id} port ${port.ifname}`).to.equal('br0');
        expect(port.flags, `${node.id} port ${port.ifname} (MNs are attached)`).to.include('UP');
      }
    } else if (node.kind === 'mn') {
      const mn = node.mn!;
      const eth = present.find((l) => l.ifname === mn.ifname)!;
      expect(eth.address).to.equal(mn.mac);
      expect(eth.flags).to.include('UP');
      const conf = `net.ipv6.conf.${mn.ifname}`;
      expect(await sysctls(ns, [`${conf}.accept_ra`, `${conf}.addr_gen_mode`, `${conf}.router_solicitation_delay`, `${conf}.accept_dad`, 'net.ipv6.conf.default.accept_dad']))
        .to.deep.equal(['2', '0', '0', '0', '0']);
    } else {
      expect(await sysctls(ns, ['net.ipv6.conf.all.forwarding']), `${node.id} forwarding`).to.deep.equal([node.kind === 'cn' ? '0' : '1']);
      expect(await globalAddresses(ns)).to.deep.equal(node.interfaces.flatMap((i) => (i.address ? [i.address] : [])).sort());
    }
  }
}

/** Every infrastructure node reaches every other one's address (static routes across routers). */
async function checkReachability(tb: Testbed, t: Topology): Promise<void> {
  const infra = Object.values(t.nodes).filter((n) => n.kind !== 'mn' && n.kind !== 'ap');
  const failures: string[] = [];
  await Promise.all(infra.map(async (from) => {
    for (const to of infra) {
      if (to === from) continue;
      const r = await tb.exec(from.id, 'ping', ['-6', '-n', '-c', '1', '-W', '2', primaryAddress(to)!], { reject: false });
      if (r.exitCode !== 0) failures.push(`${from.id} -> ${to.id} (${primaryAddress(to)})`);
    }
  }));
  expect(failures).to.deep.equal([]);
}

describe('testbed/builder', function () {
  this.timeout(30000);
  const root = usePrivateRunRoot();

  for (const [name, params] of [['flat-domain', {}], ['handover', {}], ['domain-chaining', {}], ['scale', { mns: 25 }]] as const) {
    it(`builds ${name}, reaches every infrastructure node, tears down to nothing`, async () => {
      const t = await loadTopology(join(TOPOLOGIES, `${name}.yaml`), { params });
      const tb = await Testbed.up(t, { iut: false, captures: false, outDir: join(root.out, name), keepOutput: false });
      try {
        await checkBuilt(tb, t);
        await checkReachability(tb, t);
      } finally {
        const r = await tb.down();
        expect(r.leftovers).to.deep.equal({ netns: [], processes: [], runDir: false });
        expect(r.warnings).to.deep.equal([]);
      }
      expect((await listNetns()).filter((n) => n.startsWith(netnsPrefix(tb.runId)))).to.deep.equal([]);
      expect(await listRuns()).to.deep.equal([]);
    });
  }

  it('creates every link inside its namespaces, enslaving AP ports at creation', () => {
    const t = parseTopology(`name: t
nodes:
  mag1: { kind: mag }
  lma1: { kind: lma }
  ap1: { kind: ap }
  mn1: { kind: mn, mac: "02:00:00:00:00:07" }
links:
  - ["mag1", "lma1"]
  - ["mag1:acc0", "ap1"]
  - ["mn1:wlan0", "ap1"]
`, 't.yaml');
    const lines = linkLines(t, 'abcde');
    expect(lines.host).to.deep.equal(['link add eth0 netns ptabcde-mag1 type veth peer name eth0 netns ptabcde-lma1']);
    expect([...lines.aps]).to.deep.equal([['ptabcde-ap1', [
      'link add br0 up type bridge mcast_snooping 0',
      'link add mag1 up master br0 type veth peer name acc0 netns ptabcde-mag1',
      'link add mn1 master br0 type veth peer name wlan0 address 02:00:00:00:00:07 netns ptabcde-mn1',
    ]]]);
    expect(nodeSysctls(t.nodes.mn1!)).to.deep.include.members([['net.ipv6.conf.wlan0.accept_ra', '2'], ['net.ipv6.conf.default.router_solicitation_delay', '0'], ['net.ipv6.conf.wlan0.accept_dad', '0']]);
  });

  // A pinned ifindex breaks on Debian 12 twice over: Linux 6.1 checks `index 2 netns AP` against
  // the namespace the request comes from (the host's eth0 is index 2: "File exists", while 6.18
  // accepts it), and a loaded ip6_tunnel puts ip6tnl0 at index 2 of every new namespace. The VM
  // part of CI builds every topology on 6.1 with ip6_tunnel loaded; this catches it on any kernel.
  it('pins no ifindex anywhere (Linux 6.1 and fallback tunnel devices make any index taken)', async () => {
    for (const name of ['flat-domain', 'handover', 'domain-chaining', 'scale']) {
      const lines = linkLines(await loadTopology(join(TOPOLOGIES, `${name}.yaml`)), 'abcde');
      const pinned = [...lines.host, ...[...lines.aps.values()].flat()].filter((l) => /\bindex\b|\bif\d+\b/.test(l));
      expect(pinned, `${name}: lines naming an index`).to.deep.equal([]);
    }
  });

  it('an MN with dad: optimistic gets optimistic DAD instead of none', () => {
    const t = parseTopology('name: t\nnodes:\n  mn1: { kind: mn, dad: optimistic }\n', 't.yaml');
    expect(nodeSysctls(t.nodes.mn1!)).to.deep.equal([
      ['net.ipv6.conf.default.accept_ra', '2'], ['net.ipv6.conf.default.addr_gen_mode', '0'], ['net.ipv6.conf.default.router_solicitation_delay', '0'],
      ['net.ipv6.conf.default.accept_dad', '1'], ['net.ipv6.conf.default.optimistic_dad', '1'], ['net.ipv6.conf.default.use_optimistic', '1'],
    ]);
  });

  it('a node that cannot be set up fails the build by name, and nothing is left', async () => {
    const t = parseTopology(`name: t
nodes:
  r1: { kind: router, sysctls: { net.ipv6.conf.all.no_such_setting: 1 } }
  cn1: { kind: cn }
links:
  - ["r1", "cn1"]
`, 't.yaml');
    let runId = '';
    const err = await rejection(Testbed.up(t, { iut: false, outDir: join(root.out, 'fail'), keepOutput: false, onDown: (r) => { runId = r.runId; } }));
    expect(err.message).to.match(/^setting up node r1 failed: .*no_such_setting/);
    expect(runId).to.match(/^[a-z][a-z0-9]{4}$/);
    expect((await listNetns()).filter((n) => n.startsWith(netnsPrefix(runId)))).to.deep.equal([]);
    expect(await listRuns()).to.deep.equal([]);
  });
});
