// pmipd's user-space IPv6-in-IPv6 engine (the `tun` data plane) between two namespaces, with a
// host behind each end (tunnel-fixture.ts has the diagram). On the wire it must look like ip6tnl
// with `encaplimit none`: RFC 2473 §3.1 (hop limit), §7 (tunnel MTU), RFC 6040 / RFC 5213 §5.6.3
// (ECN), and no ICMPv6 error from the kernel for next header 41.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startCapture, type CaptureSpec } from '../../harness/capture/tcpdump.js';
import { readCaptureAll } from '../../harness/capture/pcap-reader.js';
import { ipBatch, nsExec } from '../../harness/netns.js';
import { pollUntil } from '../../harness/poll.js';
import { Supervisor } from '../../harness/process/supervisor.js';
import { TunTunnel, type TunCounters } from '../../pmipd/dataplane/tun-tunnel.js';
import { decodeFrame, encodeIpv6, encodeUdp, type DecodedFrame } from '../../wire/index.js';
import { Scratch } from '../testbed/scratch.js';
import { A, B, TUNNEL_DEVICE, tunnelFixture, type TunnelFixture } from './tunnel-fixture.js';

const PYTHON = '/usr/bin/python3';
/** Sends argv[4] (hex) from argv[1] to argv[2] over a raw socket of protocol argv[5] with traffic class argv[3]. */
const SEND_RAW = `import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, int(sys.argv[5]))
s.bind((sys.argv[1], 0))
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, int(sys.argv[3]))
s.sendto(bytes.fromhex(sys.argv[4]), (sys.argv[2], 0))
`;
const ECN = { notEct: 0, ect0: 2, ce: 3 } as const;

function innerUdp(src: string, dst: string, port: number, trafficClass: number): Uint8Array {
  const udp = encodeUdp({ srcPort: 40000, dstPort: port, payload: Buffer.from('pmipd tun test') }, src, dst);
  return encodeIpv6({ src, dst, hopLimit: 64, trafficClass, nextHeader: 17, payload: udp });
}

/** The tunnelled packet `inner` sent from `from` (in netns) to `to` with outer traffic class `tclass`. */
async function sendTunnelled(netns: string, from: string, to: string, tclass: number, inner: Uint8Array): Promise<void> {
  await nsExec(netns, PYTHON, ['-c', SEND_RAW, from, to, String(tclass), Buffer.from(inner).toString('hex'), '41']);
}

/** A UDP datagram from the host in `netns` with traffic class `tclass` (an ordinary socket). */
async function sendUdp(netns: string, to: string, port: number, tclass: number): Promise<void> {
  await nsExec(netns, PYTHON, ['-c', `import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, int(sys.argv[3]))
s.sendto(b'pmipd tun test', (sys.argv[1], int(sys.argv[2])))
`, to, String(port), String(tclass)]);
}

const ping = async (netns: string, to: string, extra: string[] = []) =>
  nsExec(netns, 'ping', ['-6', '-n', '-c', '1', '-W', '1', ...extra, to], { reject: false });

describe('pmipd tun data plane: the user-space IPv6-in-IPv6 engine', function () {
  this.timeout(30_000);
  let scratch: Scratch;
  let sup: Supervisor;
  let fx: TunnelFixture;
  let dir: string;

  beforeEach(async () => {
    scratch = new Scratch();
    sup = new Supervisor();
    dir = scratch.tmpDir();
    fx = await tunnelFixture(scratch, 'tun');
    // The first packets wait for neighbour discovery on the three links.
    await pollUntil(async () => (await ping(fx.ns.hostA, B.host)).exitCode === 0, { what: 'a ping hostA -> hostB through the tunnel', timeoutMs: 5000, maxIntervalMs: 100 });
  });
  afterEach(async () => {
    fx.close();
    await sup.stopAll();
    await scratch.cleanup();
  });

  const capture = (name: string, netns: string, ifname: string, filter?: string[]) => {
    const spec: CaptureSpec = { name, netns, ifname, file: join(dir, `${name}.pcap`), ...(filter !== undefined ? { filter } : {}) };
    return startCapture(spec, sup);
  };
  const frames = async (file: string): Promise<DecodedFrame[]> =>
    (await readCaptureAll(file)).records.map((r) => decodeFrame(r.linkType, r.data, 0, r.data.length));
  const counters = (end: 'mag' | 'lma'): TunCounters => fx.engines![end].counters();

  it('carries IPv4 packets as next header 4 between the same end points, both ways (RFC 5844 §3.1.3, V4-09)', async () => {
    // hostA 10.1.0.2 -- mag -- (ptun) -- lma -- hostB 10.2.0.2: IPv4 routes into the same TUN devices.
    await ipBatch(['addr add 10.1.0.2/24 dev h0', 'route add default via 10.1.0.1'], { netns: fx.ns.hostA });
    await ipBatch(['addr add 10.2.0.2/24 dev h0', 'route add default via 10.2.0.1'], { netns: fx.ns.hostB });
    await ipBatch(['addr add 10.1.0.1/24 dev acc0', `route add 10.2.0.0/24 dev ${TUNNEL_DEVICE}`], { netns: fx.ns.mag });
    await ipBatch(['addr add 10.2.0.1/24 dev cn0', `route add 10.1.0.0/24 dev ${TUNNEL_DEVICE}`], { netns: fx.ns.lma });
    for (const r of [fx.ns.mag, fx.ns.lma]) await nsExec(r, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    const cap = await capture('transport-v4', fx.ns.mag, fx.mag.ifname, ['ip6', 'proto', '4']);
    await pollUntil(async () => (await nsExec(fx.ns.hostA, 'ping', ['-4', '-n', '-c', '1', '-W', '1', '10.2.0.2'], { reject: false })).exitCode === 0,
      { what: 'an IPv4 ping hostA -> hostB through the tunnel', timeoutMs: 5000, maxIntervalMs: 100 });
    const f = await frames((await cap.stop()).file);
    const up = f.find((x) => x.inner?.ipv4?.src === '10.1.0.2');
    const down = f.find((x) => x.inner?.ipv4?.src === '10.2.0.2');
    expect([up?.ipv6?.src, up?.ipv6?.dst, up?.ipv6?.nextHeader, up?.inner?.ipv4?.dst], 'uplink').to.deep.equal([fx.mag.address, fx.lma.address, 4, '10.2.0.2']);
    expect([down?.ipv6?.src, down?.ipv6?.dst, down?.ipv6?.nextHeader, down?.inner?.ipv4?.dst], 'downlink').to.deep.equal([fx.lma.address, fx.mag.address, 4, '10.1.0.2']);
    expect(counters('mag').errors).to.equal(0);
  });

  it('carries pings both ways and counts what it encapsulated and decapsulated', async () => {
    const before = counters('mag');
    expect((await ping(fx.ns.hostA, B.host)).exitCode, 'hostA -> hostB').to.equal(0);
    expect((await ping(fx.ns.hostB, A.host)).exitCode, 'hostB -> hostA').to.equal(0);
    const after = counters('mag');
    expect(after.encapsulated - before.encapsulated, 'mag encapsulated').to.equal(2);
    expect(after.decapsulated - before.decapsulated, 'mag decapsulated').to.equal(2);
    expect(after.errors).to.equal(0);
  });

  it('puts next header 41 on the wire with the end points as outer addresses, hop limit 64, no extension header', async () => {
    const cap = await capture('transport', fx.ns.mag, fx.mag.ifname, ['ip6', 'proto', '41']);
    await ping(fx.ns.hostA, B.host);
    const result = await cap.stop();
    const f = await frames(result.file);
    expect(f.length, 'tunnelled packets seen (request and reply)').to.equal(2);
    const [up, down] = f;
    expect([up!.ipv6!.src, up!.ipv6!.dst, up!.ipv6!.hopLimit, up!.ipv6!.extensionHeaders.length]).to.deep.equal([fx.mag.address, fx.lma.address, 64, 0]);
    expect([down!.ipv6!.src, down!.ipv6!.dst]).to.deep.equal([fx.lma.address, fx.mag.address]);
    expect([up!.inner!.ipv6!.src, up!.inner!.ipv6!.dst]).to.deep.equal([A.host, B.host]);
    // Sent by hostA with 64, forwarded into the tunnel by mag: 63 inside the tunnel.
    expect(up!.inner!.ipv6!.hopLimit, 'inner hop limit in the tunnel').to.equal(63);
  });

  it('takes one off the inner hop limit at each end, both ways (RFC 2473 §3.1; FWD-05)', async () => {
    expect((await ping(fx.ns.hostA, B.host, ['-t', '3'])).exitCode, 'hostA -> hostB, hop limit 3').to.equal(0);
    expect((await ping(fx.ns.hostA, B.host, ['-t', '2'])).stdout, 'hostA -> hostB, hop limit 2 expires at lma').to.match(/Time exceeded/i);
    expect((await ping(fx.ns.hostB, A.host, ['-t', '3'])).exitCode, 'hostB -> hostA, hop limit 3').to.equal(0);
    expect((await ping(fx.ns.hostB, A.host, ['-t', '2'])).stdout, 'hostB -> hostA, hop limit 2 expires at mag').to.match(/Time exceeded/i);
  });

  it('has tunnel MTU = path MTU - 40: an oversized inner packet gets Packet Too Big with 1460 (RFC 2473 §7)', async () => {
    // 1460 = 40 + 8 + 1412: the largest echo request that fits.
    expect((await ping(fx.ns.hostA, B.host, ['-M', 'do', '-s', '1412'])).exitCode, '1460-octet packet').to.equal(0);
    const r = await ping(fx.ns.hostA, B.host, ['-M', 'do', '-s', '1413']);
    expect(r.stdout + r.stderr, 'a 1461-octet packet').to.match(/(Packet too big|message too long).*mtu[=:] ?1460/i);
  });

  it('lets no ICMPv6 error out of the kernel for next header 41, drops and counts packets from an unknown peer', async () => {
    await nsExec(fx.ns.mag, 'ip', ['-6', 'addr', 'add', '2001:db8:ff::3/64', 'dev', fx.mag.ifname, 'nodad']);
    const cap = await capture('transport-errors', fx.ns.lma, fx.lma.ifname, ['icmp6', 'and', 'ip6[40]', '<', '128']);
    const before = counters('lma');
    await sendTunnelled(fx.ns.mag, '2001:db8:ff::3', fx.lma.address, 0, innerUdp(A.host, B.host, 7000, 0));
    await pollUntil(() => counters('lma').droppedUnknownPeer === before.droppedUnknownPeer + 1 || { pending: JSON.stringify(counters('lma')) },
      { what: 'the packet from 2001:db8:ff::3 counted as from an unknown peer at lma', timeoutMs: 3000 });
    // Tunnelled traffic from the known peer as well: no error either.
    await ping(fx.ns.hostA, B.host, ['-s', '1000']);
    const result = await cap.stop();
    expect(result.packets, 'ICMPv6 errors on the transport link').to.equal(0);
    expect(counters('lma').decapsulated).to.be.greaterThan(before.decapsulated);
  });

  it('copies ECN to the outer header on entry, CE as ECT(0), as ip6tnl does (RFC 6040 §4.1)', async () => {
    const cap = await capture('transport-ecn', fx.ns.mag, fx.mag.ifname, ['ip6', 'proto', '41']);
    await sendUdp(fx.ns.hostA, B.host, 7101, ECN.ect0);
    await sendUdp(fx.ns.hostA, B.host, 7102, ECN.ce);
    await sendUdp(fx.ns.hostA, B.host, 7103, ECN.notEct);
    await pollUntil(() => counters('mag').encapsulated >= 3, { what: 'three datagrams encapsulated at mag', timeoutMs: 3000 });
    const f = await frames((await cap.stop()).file);
    const outerEcn = (port: number) => {
      const x = f.find((p) => p.inner?.udp?.dstPort === port);
      return x === undefined ? 'not seen' : `outer ${x.ipv6!.trafficClass & 3}, inner ${x.inner!.ipv6!.trafficClass & 3}`;
    };
    expect(outerEcn(7101), 'ECT(0) inner').to.equal('outer 2, inner 2');
    expect(outerEcn(7102), 'CE inner').to.equal('outer 2, inner 3');
    expect(outerEcn(7103), 'Not-ECT inner').to.equal('outer 0, inner 0');
  });

  it('marks an ECT inner packet CE when the outer is CE, drops a Not-ECT one and counts it (RFC 6040 §4.2)', async () => {
    const cap = await capture('hostB', fx.ns.hostB, 'h0', ['udp']);
    const before = counters('lma');
    await sendTunnelled(fx.ns.mag, fx.mag.address, fx.lma.address, ECN.ce, innerUdp(A.host, B.host, 7201, ECN.ect0));
    await sendTunnelled(fx.ns.mag, fx.mag.address, fx.lma.address, ECN.ce, innerUdp(A.host, B.host, 7202, ECN.notEct));
    await sendTunnelled(fx.ns.mag, fx.mag.address, fx.lma.address, ECN.ect0, innerUdp(A.host, B.host, 7203, ECN.notEct));
    await pollUntil(() => {
      const c = counters('lma');
      return (c.decapsulated - before.decapsulated === 2 && c.droppedEcn - before.droppedEcn === 1) || { pending: JSON.stringify(c) };
    }, { what: 'two decapsulated and one dropped for ECN at lma', timeoutMs: 3000 });
    // A ping behind them on the same path: once it is answered they have passed hostB's link too.
    await ping(fx.ns.hostA, B.host);
    const f = await frames((await cap.stop()).file);
    const seen = (port: number) => {
      const x = f.find((p) => p.udp?.dstPort === port);
      return x === undefined ? 'not delivered' : `ECN ${x.ipv6!.trafficClass & 3}`;
    };
    expect(seen(7201), 'outer CE, inner ECT(0)').to.equal('ECN 3');
    expect(seen(7202), 'outer CE, inner Not-ECT').to.equal('not delivered');
    expect(seen(7203), 'outer ECT(0), inner Not-ECT').to.equal('ECN 0');
  });

  it('leaves the inner ECN field as it came once told to ignore the outer one (quirk ecn-not-propagated)', async () => {
    const cap = await capture('hostB-ignored', fx.ns.hostB, 'h0', ['udp']);
    fx.engines!.lma.ignoreEcnOnExit();
    const before = counters('lma');
    await sendTunnelled(fx.ns.mag, fx.mag.address, fx.lma.address, ECN.ce, innerUdp(A.host, B.host, 7301, ECN.ect0));
    await pollUntil(() => counters('lma').decapsulated - before.decapsulated === 1 || { pending: JSON.stringify(counters('lma')) },
      { what: 'the CE-marked packet decapsulated at lma', timeoutMs: 3000 });
    await ping(fx.ns.hostA, B.host);
    const f = await frames((await cap.stop()).file);
    const x = f.find((p) => p.udp?.dstPort === 7301);
    expect(x === undefined ? 'not delivered' : `ECN ${x.ipv6!.trafficClass & 3}`, 'outer CE, inner ECT(0)').to.equal('ECN 2');
  });

  it('removes its TUN device on close', async () => {
    fx.close();
    await pollUntil(async () => (await nsExec(fx.ns.lma, 'ip', ['link', 'show', TUNNEL_DEVICE], { reject: false })).exitCode !== 0,
      { what: `${TUNNEL_DEVICE} gone from lma after close`, timeoutMs: 3000 });
    expect((await ping(fx.ns.hostA, B.host)).exitCode, 'no path once closed').to.not.equal(0);
  });
});

describe('pmipd tun data plane: nothing survives the process', function () {
  this.timeout(30_000);

  it('leaves no TUN device behind after SIGKILL', async () => {
    const scratch = new Scratch();
    try {
      const ns = await scratch.netns();
      await nsExec(ns, 'ip', ['-6', 'addr', 'add', '2001:db8:ff::1/128', 'dev', 'lo']);
      await nsExec(ns, 'ip', ['link', 'set', 'lo', 'up']);
      const engine = join(process.cwd(), 'dist', 'pmipd', 'dataplane', 'tun-tunnel.js');
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e',
        `const { TunTunnel } = await import(${JSON.stringify(engine)}); TunTunnel.open('2001:db8:ff::1', [{ device: 'pkill0', peer: '2001:db8:ff::2' }]); console.log('open'); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      const exited = new Promise((r) => child.once('exit', r));
      await pollUntil(() => out.includes('open'), { what: 'the engine process to open its tunnel', timeoutMs: 10_000 });
      expect((await nsExec(ns, 'ip', ['link', 'show', 'pkill0'], { reject: false })).exitCode, 'pkill0 while the process lives').to.equal(0);
      child.kill('SIGKILL');
      await exited;
      await pollUntil(async () => (await nsExec(ns, 'ip', ['link', 'show', 'pkill0'], { reject: false })).exitCode !== 0,
        { what: 'pkill0 gone after SIGKILL', timeoutMs: 5000 });
    } finally {
      await scratch.cleanup();
    }
  });

  it('says why it cannot open: a taken device name, a local address that is not there', async () => {
    const scratch = new Scratch();
    try {
      const ns = await scratch.netns();
      await nsExec(ns, 'ip', ['link', 'add', 'taken0', 'type', 'veth', 'peer', 'name', 'taken1']);
      expect(() => TunTunnel.open('::1', [{ device: 'taken0', peer: '::2' }], ns)).to.throw(/^TUN device taken0 \(\/dev\/net\/tun, TUNSETIFF\): /);
      expect(() => TunTunnel.open('2001:db8::99', [{ device: 'pfree0', peer: '::2' }], ns))
        .to.throw('raw IPv6 socket for next header 41 bound to 2001:db8::99: Cannot assign requested address');
      // Nothing of the failed opens is left.
      expect((await nsExec(ns, 'ip', ['link', 'show', 'pfree0'], { reject: false })).exitCode).to.not.equal(0);
    } finally {
      await scratch.cleanup();
    }
  });
});
