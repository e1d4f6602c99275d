// The dual-stack "done when" of RFC 5844 in pmipd (tun data plane, the one that carries IPv4): a
// dual-stack MN gets an HNP and an IPv4 home address, reaches the CN in both families through
// the tunnel, hands over from mag1 to mag2 and keeps both addresses and both kinds of traffic.
// The MN's IPv4 address is configured here from the LMA's binding (pmipd has no DHCPv4 server
// yet); the MAGs share RFC 6543's fixed MAC, so the MN's ARP entry for its router stays right.
import { expect } from 'chai';
import { Testbed } from '../../harness/testbed/testbed.js';
import { pollUntil } from '../../harness/poll.js';
import { CN4, setUpIpv4 } from './dual-stack-fixture.js';

interface BindingDump { mnId: string; hnps: string[]; proxyCoa: string; ipv4?: string }

describe('pmipd end to end: a dual-stack MN over the tun data plane keeps both addresses across a handover', function () {
  this.timeout(60_000);
  let tb: Testbed | undefined;

  before(async () => {
    tb = await Testbed.up('topologies/dual-stack.yaml', {
      iut: { lma: { adapter: 'pmipd' }, mag: { adapter: 'pmipd', options: { domain: { fixedMagAddresses: true } } } },
      dataplane: 'tun', captures: false, keepOutput: false,
    });
  });
  after(async () => {
    if (tb !== undefined) await tb.down();
  });

  const binding = async (): Promise<BindingDump> => {
    const dump = (JSON.parse((await tb!.collectState('lma1')).bindingCache!) as { bindingCache: BindingDump[] }).bindingCache;
    return dump.find((b) => b.mnId === 'mn1@example.org')!;
  };
  const ping4 = async () => (await tb!.exec('mn1', 'ping', ['-4', '-n', '-c', '1', '-W', '1', CN4], { reject: false })).exitCode === 0;
  let v6 = '';
  let first: BindingDump;

  it('gives mn1 an HNP and an IPv4 HoA and carries its pings in both families', async () => {
    v6 = await tb!.waitForAddress('mn1', { timeoutMs: 5000 });
    first = await binding();
    expect(first.ipv4, JSON.stringify(first)).to.match(/^10\.64\.\d+\.\d+\/16$/);
    await setUpIpv4(tb!, first.ipv4!);
    await pollUntil(ping4, { what: `an IPv4 ping mn1 (${first.ipv4}) -> cn1`, timeoutMs: 5000, maxIntervalMs: 200 });
    await tb!.ping('mn1', 'cn1');
  });

  it('hands mn1 over to mag2: same HNP, same IPv4 HoA, traffic in both families again', async () => {
    await tb!.handover('mn1', 'ap2');
    await pollUntil(async () => (await binding()).proxyCoa !== first.proxyCoa, { what: 'the LMA moving mn1\'s binding to mag2', timeoutMs: 5000 });
    const after = await binding();
    expect([after.hnps, after.ipv4]).to.deep.equal([first.hnps, first.ipv4]);
    expect(await tb!.waitForAddress('mn1', { timeoutMs: 3000 })).to.equal(v6);
    await pollUntil(ping4, { what: 'an IPv4 ping mn1 -> cn1 after the handover', timeoutMs: 5000, maxIntervalMs: 200 });
    await tb!.ping('mn1', 'cn1');
  });
});
