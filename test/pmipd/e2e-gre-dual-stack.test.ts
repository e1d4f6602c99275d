// GRE keys (RFC 5845) and IPv4 home addresses (RFC 5844) together through pmipd's tun forwarder:
// with `greKeys: true` every session gets a GRE tunnel keyed per direction, and the tun engine
// must carry the MN's IPv4 inside GRE (protocol type 0x0800) beside its IPv6 (0x86DD). A
// dual-stack MN pings the CN and the CN pings the MN, in both families, before and after a
// handover; the capture on mag1-lma1 (then mag2-lma1) must show each family inside GRE with the
// session's keys, never a bare IPv4-in-IPv6 packet.
//
//   mn1 (dual-stack) -- ap1 -- mag1 ==GRE==\
//                       ap2 -- mag2 ==GRE===+== lma1 -- cn1      (topologies/dual-stack.yaml)
import { expect } from 'chai';
import { Testbed } from '../../harness/testbed/testbed.js';
import { captureFile } from '../../harness/testbed/captures.js';
import { CaptureWatch, type LiveFrame } from '../../harness/conformance/live-capture.js';
import { pollUntil } from '../../harness/poll.js';
import { primaryAddress } from '../../harness/topology/model.js';
import { CN4, setUpIpv4 } from './dual-stack-fixture.js';

interface BindingDump { mnId: string; hnps: string[]; proxyCoa: string; ipv4?: string; greKeys?: { down?: number; up?: number } }
const GRE_IPV4 = 0x0800, GRE_IPV6 = 0x86dd;

describe('pmipd end to end: GRE keys with a dual-stack MN over the tun forwarder, IPv4 and IPv6 both ways', function () {
  this.timeout(90_000);
  let tb: Testbed | undefined;
  const domain = { greKeys: true, fixedMagAddresses: true };

  before(async () => {
    tb = await Testbed.up('topologies/dual-stack.yaml', {
      iut: { lma: { adapter: 'pmipd', options: { domain } }, mag: { adapter: 'pmipd', options: { domain } } },
      dataplane: 'tun', captures: ['mag1-lma1', 'mag2-lma1'], keepOutput: false,
    });
  });
  after(async () => {
    if (tb !== undefined) await tb.down();
  });

  const binding = async (): Promise<BindingDump> => {
    const dump = (JSON.parse((await tb!.collectState('lma1')).bindingCache!) as { bindingCache: BindingDump[] }).bindingCache;
    return dump.find((b) => b.mnId === 'mn1@example.org')!;
  };
  const ping = async (from: string, to: string, family: '-4' | '-6') =>
    (await tb!.exec(from, 'ping', [family, '-n', '-c', '1', '-W', '1', to], { reject: false })).exitCode === 0;
  let v6 = '';
  let v4 = '';
  let first: BindingDump;

  /**
   * Pings both ways in both families while watching `point`: each ping must succeed, and each
   * family must cross the MAG–LMA link inside GRE in both directions with the session's keys
   * (uplink: the LMA's key, downlink: the MAG's), never as IPv4 directly inside IPv6.
   */
  const bothWaysInGre = async (point: string, keys: { down?: number; up?: number } | undefined, mag: string, lma: string): Promise<void> => {
    expect(keys?.down, 'the session\'s downlink GRE key').to.be.a('number');
    expect(keys?.up, 'the session\'s uplink GRE key').to.be.a('number');
    const w = await CaptureWatch.open([captureFile(tb!.outDir, point)]);
    try {
      const seen = new Set<string>();
      const bare: string[] = [];
      const look = (f: LiveFrame): true | undefined => {
        const ip = f.frame.ipv6;
        if (ip === undefined || f.frame.mh !== undefined) return undefined;
        if (f.frame.gre === undefined) {
          if (f.frame.inner?.ipv4 !== undefined) bare.push(`${ip.src} > ${ip.dst}: IPv4 inside IPv6 without GRE`);
          return undefined;
        }
        const dir = ip.src === mag && ip.dst === lma ? 'up' : ip.src === lma && ip.dst === mag ? 'down' : undefined;
        const family = f.frame.gre.protocolType === GRE_IPV4 ? 'ipv4' : f.frame.gre.protocolType === GRE_IPV6 ? 'ipv6' : undefined;
        if (dir === undefined || family === undefined || f.frame.gre.key !== keys![dir]) return undefined;
        seen.add(`${family} ${dir}`);
        return seen.size === 4 ? true : undefined;
      };
      for (const [from, to, family] of [['mn1', CN4, '-4'], ['cn1', v4, '-4'], ['cn1', v6, '-6']] as const) {
        await pollUntil(() => ping(from, to, family), { what: `a ping ${from} -> ${to}`, timeoutMs: 5000, maxIntervalMs: 200 });
      }
      await tb!.ping('mn1', 'cn1');
      await w.until(look, { timeoutMs: 5000, what: `IPv4 and IPv6 inside GRE both ways on ${point}` });
      expect(bare, `on ${point}`).to.deep.equal([]);
      expect([...seen].sort(), `GRE-carried families and directions on ${point} (keys down ${keys!.down}, up ${keys!.up})`)
        .to.deep.equal(['ipv4 down', 'ipv4 up', 'ipv6 down', 'ipv6 up']);
    } finally {
      await w.close();
    }
  };

  it('gives mn1 an HNP, an IPv4 HoA and GRE keys, and carries IPv4 and IPv6 inside GRE both ways', async () => {
    v6 = await tb!.waitForAddress('mn1', { timeoutMs: 5000 });
    first = await binding();
    expect(first.ipv4, JSON.stringify(first)).to.match(/^10\.64\.\d+\.\d+\/16$/);
    v4 = first.ipv4!.split('/')[0]!;
    await setUpIpv4(tb!, first.ipv4!);
    await bothWaysInGre('mag1-lma1', first.greKeys, first.proxyCoa, primaryAddress(tb!.topology.nodes.lma1!)!);
  });

  it('hands mn1 over to mag2: same HNP, IPv4 HoA and uplink key, IPv4 and IPv6 inside GRE both ways again', async () => {
    await tb!.handover('mn1', 'ap2');
    await pollUntil(async () => (await binding()).proxyCoa !== first.proxyCoa, { what: 'the LMA moving mn1\'s binding to mag2', timeoutMs: 5000 });
    const after = await binding();
    expect([after.hnps, after.ipv4, after.greKeys?.up]).to.deep.equal([first.hnps, first.ipv4, first.greKeys?.up]);
    expect(await tb!.waitForAddress('mn1', { timeoutMs: 3000 })).to.equal(v6);
    await bothWaysInGre('mag2-lma1', after.greKeys, after.proxyCoa, primaryAddress(tb!.topology.nodes.lma1!)!);
  });
});
