// The tun data plane over an IPv4 transport (RFC 5844 §4.1.4.1, §4.2.2.2): between IPv4 end points
// the engine puts IPv6 inner packets in protocol 41 and IPv4 ones in protocol 4, or both in IPv4/UDP
// with ports 5437 -> 5437 when the peer is a UDP peer (the F flag). tunnel-fixture.ts has the diagram.
import { expect } from 'chai';
import { join } from 'node:path';
import { startCapture } from '../../harness/capture/tcpdump.js';
import { readCaptureAll } from '../../harness/capture/pcap-reader.js';
import { ipBatch, nsExec } from '../../harness/netns.js';
import { pollUntil } from '../../harness/poll.js';
import { Supervisor } from '../../harness/process/supervisor.js';
import { TunTunnel } from '../../pmipd/dataplane/tun-tunnel.js';
import { decodeFrame, type DecodedFrame } from '../../wire/index.js';
import { Scratch } from '../testbed/scratch.js';
import { A, B, TUNNEL_DEVICE, V4_TRANSPORT, tunnelFixture, type FixtureTunnel, type TunnelFixture } from './tunnel-fixture.js';

describe('pmipd tun data plane over an IPv4 transport (RFC 5844 §4)', function () {
  this.timeout(30_000);
  let scratch: Scratch;
  let sup: Supervisor;
  let fx: TunnelFixture | undefined;

  beforeEach(() => { scratch = new Scratch(); sup = new Supervisor(); });
  afterEach(async () => {
    fx?.close();
    await sup.stopAll();
    await scratch.cleanup();
  });

  /** Pings hostA -> hostB over IPv6 and IPv4 and returns what crossed mag's transport interface. */
  async function crossing(kind: FixtureTunnel): Promise<DecodedFrame[]> {
    fx = await tunnelFixture(scratch, kind);
    await ipBatch(['addr add 10.1.0.2/24 dev h0', 'route add default via 10.1.0.1'], { netns: fx.ns.hostA });
    await ipBatch(['addr add 10.2.0.2/24 dev h0', 'route add default via 10.2.0.1'], { netns: fx.ns.hostB });
    await ipBatch(['addr add 10.1.0.1/24 dev acc0', `route add 10.2.0.0/24 dev ${TUNNEL_DEVICE}`], { netns: fx.ns.mag });
    await ipBatch(['addr add 10.2.0.1/24 dev cn0', `route add 10.1.0.0/24 dev ${TUNNEL_DEVICE}`], { netns: fx.ns.lma });
    for (const r of [fx.ns.mag, fx.ns.lma]) await nsExec(r, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    const file = join(scratch.tmpDir(), 'transport.pcap');
    const cap = await startCapture({ name: 'transport', netns: fx.ns.mag, ifname: fx.mag.ifname, file, filter: ['ip'] }, sup);
    for (const [family, to] of [['-6', B.host], ['-4', '10.2.0.2']] as const) {
      await pollUntil(async () => (await nsExec(fx!.ns.hostA, 'ping', [family, '-n', '-c', '1', '-W', '1', to], { reject: false })).exitCode === 0,
        { what: `a ping hostA -> ${to} through the IPv4 tunnel`, timeoutMs: 5000, maxIntervalMs: 100 });
    }
    return (await readCaptureAll((await cap.stop()).file)).records.map((r) => decodeFrame(r.linkType, r.data, 0, r.data.length));
  }

  const outer = (f: DecodedFrame) => [f.ipv4?.src, f.ipv4?.dst, f.ipv4?.protocol, f.udp?.srcPort, f.udp?.dstPort];

  it('plain IPv4 encapsulation: IPv6 inner in protocol 41, IPv4 inner in protocol 4, both ways', async () => {
    const f = await crossing('tun-v4');
    const up6 = f.find((x) => x.inner?.ipv6?.src === A.host), down6 = f.find((x) => x.inner?.ipv6?.src === B.host);
    const up4 = f.find((x) => x.inner?.ipv4?.src === '10.1.0.2'), down4 = f.find((x) => x.inner?.ipv4?.src === '10.2.0.2');
    expect(up6 && outer(up6), 'IPv6 uplink').to.deep.equal([V4_TRANSPORT.mag, V4_TRANSPORT.lma, 41, undefined, undefined]);
    expect(down6 && outer(down6), 'IPv6 downlink').to.deep.equal([V4_TRANSPORT.lma, V4_TRANSPORT.mag, 41, undefined, undefined]);
    expect(up4 && outer(up4), 'IPv4 uplink').to.deep.equal([V4_TRANSPORT.mag, V4_TRANSPORT.lma, 4, undefined, undefined]);
    expect(down4 && outer(down4), 'IPv4 downlink').to.deep.equal([V4_TRANSPORT.lma, V4_TRANSPORT.mag, 4, undefined, undefined]);
    expect(up6!.ipv4!.ttl, 'outer TTL').to.equal(64);
    expect(fx!.engines!.mag.counters().errors).to.equal(0);
  });

  it('UDP encapsulation (F = 1): both families in IPv4/UDP 5437 -> 5437, both ways', async () => {
    const f = await crossing('tun-v4-udp');
    const up6 = f.find((x) => x.inner?.ipv6?.src === A.host), down4 = f.find((x) => x.inner?.ipv4?.src === '10.2.0.2');
    expect(up6 && outer(up6), 'IPv6 uplink').to.deep.equal([V4_TRANSPORT.mag, V4_TRANSPORT.lma, 17, 5437, 5437]);
    expect(down4 && outer(down4), 'IPv4 downlink').to.deep.equal([V4_TRANSPORT.lma, V4_TRANSPORT.mag, 17, 5437, 5437]);
    expect(f.some((x) => x.ipv4?.protocol === 4 || x.ipv4?.protocol === 41), 'no plain encapsulation').to.equal(false);
    // (not the LMA's: what the MAG sends as its TUN comes up may meet the LMA's still down, EIO)
    expect(fx!.engines!.mag.counters().errors, fx!.engines!.mag.counters().lastError).to.equal(0);
  });

  it('refuses a UDP peer with an IPv6 local address, and GRE over IPv4', () => {
    expect(() => TunTunnel.open('2001:db8::1', [{ device: 'ptunx', peer: '2001:db8::2', udp: true }])).to.throw(/udp \(a boolean\) only with an IPv4 local address/);
    expect(() => TunTunnel.open('192.0.2.1', [{ device: 'ptunx', peer: '192.0.2.2', gre: {} }])).to.throw(/GRE over an IPv4 transport is not built/);
  });
});
