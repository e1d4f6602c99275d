import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCaptureAll } from '../../harness/capture/pcap-reader.js';
import { EventLog, isoMicros } from '../../harness/testbed/event-log.js';
import { NodeError } from '../../harness/testbed/events.js';
import { Testbed, type TeardownResult } from '../../harness/testbed/testbed.js';
import { TimeoutError } from '../../harness/poll.js';
import { formatMac } from '../../wire/bytes.js';
import { rejection } from '../support/rejection.js';
import { FLAT_RADVD, usePrivateRunRoot } from './run-root.js';

interface Solicitation { timeUs: number; srcMac: string }

/** Router solicitations (ICMPv6 type 133) in an Ethernet capture, read with the project's pcap reader. */
async function solicitations(file: string): Promise<Solicitation[]> {
  const { records } = await readCaptureAll(file);
  return records
    .filter((r) => r.data[12] === 0x86 && r.data[13] === 0xdd && r.data[20] === 58 && r.data[54] === 133)
    .map((r) => ({ timeUs: r.timeSec * 1e6 + Math.round(r.timeNsec / 1000), srcMac: formatMac(r.data, 6) }));
}

async function link(tb: Testbed, node: string, ifname: string): Promise<{ ifindex: number; address: string; operstate: string; flags: string[] }> {
  const [l] = JSON.parse((await tb.exec(node, 'ip', ['-j', 'link', 'show', 'dev', ifname])).stdout) as { ifindex: number; address: string; operstate: string; flags: string[] }[];
  return l!;
}

describe('testbed/events', function () {
  this.timeout(20000);
  const root = usePrivateRunRoot();
  let tb: Testbed | undefined;
  let result: TeardownResult | undefined;

  let outDir = '';
  let count = 0;
  const up = async (file: string, captures: boolean | string[] = false) => {
    outDir = join(root.out, `run-${count++}`);
    tb = await Testbed.up(file, { captures, outDir });
    return tb;
  };
  const down = async () => {
    result = await tb?.down();
    tb = undefined;
    return result!;
  };
  afterEach(async () => {
    if (tb) await down();
    const r = result;
    result = undefined;
    if (r) expect(r.leftovers).to.deep.equal({ netns: [], processes: [], runDir: false });
  });

  it('an MN attached to an AP gets a global address from an RA (radvd through the command adapter)', async () => {
    const t = await up(FLAT_RADVD, ['mn1']);
    const access = t.topology.nodes.mag1!.interfaces.find((i) => i.role === 'access')!.prefix!;
    const addr = await t.waitForAddress('mn1', { timeoutMs: 3000 });
    // SLAAC: the access prefix of mag1 and the EUI-64 identifier of 02:00:00:00:01:01.
    expect(access).to.equal('2001:db8:0:3::/64');
    expect(addr).to.equal('2001:db8:0:3:0:ff:fe00:101');
    expect(await t.waitForAddress('mn2', { timeoutMs: 3000 })).to.equal('2001:db8:0:4:0:ff:fe00:102');
    const ping = await t.ping('mn1', 'cn1');
    expect(ping.address).to.equal('2001:db8:0:2::2');
    const r = await down();
    const [rs] = await solicitations(join(outDir, 'captures', 'mn1.pcap'));
    expect(rs, 'the MN\'s first RS is captured: captures listen before MNs get carrier').to.not.equal(undefined);
    expect(rs!.srcMac).to.equal('02:00:00:00:01:01');
    expect(r.captures.find((c) => c.name === 'mn1')!.packets).to.be.greaterThan(3);
  });

  it('a handover keeps the MN\'s interface and MAC and makes it solicit again', async () => {
    const t = await up(FLAT_RADVD, ['mn1']);
    await t.waitForAddress('mn1', { prefix: '2001:db8:0:3::/64' });
    const before = await link(t, 'mn1', 'eth0');
    expect(await t.locate('mn1')).to.deep.equal({ ap: 'ap1', portIn: 'ap1' });
    await t.handover('mn1', 'ap2');
    expect(await t.locate('mn1')).to.deep.equal({ ap: 'ap2', portIn: 'ap2' });
    const after = await link(t, 'mn1', 'eth0');
    expect(after.ifindex).to.equal(before.ifindex);
    expect(after.address).to.equal('02:00:00:00:01:01');
    // mag2 answers the new RS: the MN configures an address in mag2's access prefix.
    expect(await t.waitForAddress('mn1', { prefix: '2001:db8:0:4::/64', timeoutMs: 2000 })).to.equal('2001:db8:0:4:0:ff:fe00:101');
    const r = await down();
    const handover = r.events.find((e) => e.type === 'handover')!;
    // The MN's identity and its new MAG ride along, for the trace model (analyze --events).
    expect(handover.detail).to.deep.equal({ from: 'ap1', to: 'ap2', mnId: 'mn1@example.org', mac: '02:00:00:00:01:01', mag: '2001:db8:0:1::1' });
    const rss = await solicitations(join(outDir, 'captures', 'mn1.pcap'));
    expect(rss.filter((s) => s.timeUs < handover.timeUs), 'RS at the first attachment').to.have.length.greaterThan(0);
    const later = rss.filter((s) => s.timeUs > handover.timeUs);
    expect(later, 'RS after the handover').to.have.length.greaterThan(0);
    expect(later[0]!.srcMac).to.equal('02:00:00:00:01:01');
    const solicit = r.events.find((e) => e.type === 'solicit')!;
    expect(later[0]!.timeUs - solicit.timeUs, 'the RS follows the solicit event within 100 ms (same clock)').to.be.within(0, 100000);
  });

  it('detach drops the carrier, attach restores it and the MN solicits again', async () => {
    const t = await up(FLAT_RADVD, ['mn2']);
    await t.waitForAddress('mn2');
    await t.detach('mn2');
    expect(await t.locate('mn2')).to.deep.equal({ ap: null, portIn: 'ap2' });
    const l = await link(t, 'mn2', 'eth0');
    expect(l.flags).to.include('NO-CARRIER');
    await t.attach('mn2', 'ap1');
    expect(await t.locate('mn2')).to.deep.equal({ ap: 'ap1', portIn: 'ap1' });
    expect(await t.waitForAddress('mn2', { prefix: '2001:db8:0:3::/64', timeoutMs: 2000 })).to.equal('2001:db8:0:3:0:ff:fe00:102');
    const r = await down();
    expect(r.events.map((e) => e.type).filter((x) => ['detach', 'attach', 'solicit'].includes(x)).slice(-3)).to.deep.equal(['detach', 'attach', 'solicit']);
    const rss = await solicitations(join(outDir, 'captures', 'mn2.pcap'));
    expect(rss.filter((s) => s.timeUs > r.events.find((e) => e.type === 'detach')!.timeUs)).to.have.length.greaterThan(0);
  });

  it('an MN without a link is created detached and gets its link on attach', async () => {
    const topo = join(root.out, 'late.yaml');
    const yaml = readFileSync(FLAT_RADVD, 'utf8').replace('  - { endpoints: ["mn2:eth0", "ap2"], capture: mn2 }\n', '');
    writeFileSync(topo, yaml);
    tb = await Testbed.up(topo, { captures: false, outDir: join(root.out, 'late') });
    expect(await tb.locate('mn2')).to.deep.equal({ ap: null, portIn: null });
    await tb.attach('mn2', 'ap2');
    expect(await tb.waitForAddress('mn2', { timeoutMs: 2000 })).to.equal('2001:db8:0:4:0:ff:fe00:102');
    expect((await link(tb, 'mn2', 'eth0')).address).to.equal('02:00:00:00:01:02');
  });

  it('deadlines and misuse give clear errors', async () => {
    const t = await up(FLAT_RADVD);
    await t.waitForAddress('mn1');
    const timeout = await rejection(t.waitForAddress('mn1', { prefix: '2001:db8:ffff::/64', timeoutMs: 200 }));
    expect(timeout).to.be.instanceOf(TimeoutError);
    expect(timeout.message).to.match(/^timed out after 200 ms waiting for a global address in 2001:db8:ffff::\/64 on mn1 \(eth0\) \(last seen: 2001:db8:0:3:0:ff:fe00:101\/64\)$/);
    const ping = await rejection(t.ping('mn1', '2001:db8:eeee::1', { timeoutMs: 1000 }));
    expect(ping.message).to.match(/^ping mn1 -> 2001:db8:eeee::1 \(2001:db8:eeee::1\) got no reply within 1000 ms: /);
    expect(await rejection(t.handover('mn1', 'ap1'))).to.be.instanceOf(NodeError).with.property('message', 'mn1 is already attached to ap1');
    expect((await rejection(t.handover('mn1', 'mag1'))).message).to.equal("'mag1' is a mag, not an ap (aps: ap1, ap2)");
    expect((await rejection(t.attach('mn1', 'ap2'))).message).to.equal('mn1 is attached to ap1: detach it first, or use handover');
    expect((await rejection(t.detach('mn9'))).message).to.match(/^no node 'mn9' in topology flat-domain/);
    await t.detach('mn1');
    expect((await rejection(t.handover('mn1', 'ap2'))).message).to.equal('mn1 is not attached to any AP: use attach');
    const late = await rejection(t.attach('mn1', 'ap2', { timeoutMs: 1 }));
    expect(late).to.be.instanceOf(TimeoutError).with.property('message', 'timed out after 1 ms waiting for attach mn1 to ap2');
  });

  it('the event log is on the wall clock in microseconds, in order, and in events.jsonl', async () => {
    const t = await up(FLAT_RADVD);
    const before = Date.now() * 1000;
    await t.handover('mn1', 'ap2');
    const after = Date.now() * 1000;
    const r = await down();
    const times = r.events.map((e) => e.timeUs);
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    const handover = r.events.find((e) => e.type === 'handover')!;
    expect(handover.timeUs).to.be.within(before - 1000, after + 1000);
    expect(handover.time).to.equal(isoMicros(handover.timeUs));
    expect(isoMicros(1700000000123456)).to.equal('2023-11-14T22:13:20.123456Z');
    expect(EventLog.readFile(join(outDir, 'events.jsonl'))).to.deep.equal(r.events);
  });
});
