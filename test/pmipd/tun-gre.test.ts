// pmipd's user-space engine as a GRE tunnel (RFC 5845 data plane on kernels without ip6gre):
// GRE-in-IPv6 with the key of each direction on the wire (RFC 2890 §2.1), and on exit only
// packets carrying the key this end negotiated. Same fixture as tun-tunnel.test.ts.
import { expect } from 'chai';
import { join } from 'node:path';
import { startCapture } from '../../harness/capture/tcpdump.js';
import { readCaptureAll } from '../../harness/capture/pcap-reader.js';
import { nsExec } from '../../harness/netns.js';
import { pollUntil } from '../../harness/poll.js';
import { Supervisor } from '../../harness/process/supervisor.js';
import { decodeFrame, encodeGre, encodeIpv6, encodeUdp, GRE_PROTOCOL_IPV6 } from '../../wire/index.js';
import { Scratch } from '../testbed/scratch.js';
import { A, B, GRE_KEYS, tunnelFixture, type TunnelFixture } from './tunnel-fixture.js';

const ping = async (netns: string, to: string, extra: string[] = []) =>
  nsExec(netns, 'ping', ['-6', '-n', '-c', '1', '-W', '1', ...extra, to], { reject: false });

/** Sends argv[3] (hex) from argv[1] to argv[2] over a protocol-47 raw socket. */
const SEND_GRE = `import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 47)
s.bind((sys.argv[1], 0))
s.sendto(bytes.fromhex(sys.argv[3]), (sys.argv[2], 0))
`;

describe('pmipd tun data plane: GRE with keys (RFC 5845)', function () {
  this.timeout(30_000);
  let scratch: Scratch;
  let sup: Supervisor;
  let fx: TunnelFixture;

  beforeEach(async () => {
    scratch = new Scratch();
    sup = new Supervisor();
    fx = await tunnelFixture(scratch, 'tun-gre');
    await pollUntil(async () => (await ping(fx.ns.hostA, B.host)).exitCode === 0, { what: 'a ping hostA -> hostB through the GRE tunnel', timeoutMs: 5000, maxIntervalMs: 100 });
  });
  afterEach(async () => {
    fx.close();
    await sup.stopAll();
    await scratch.cleanup();
  });

  it('puts GRE (next header 47) on the wire with the uplink key toward lma and the downlink key toward mag', async () => {
    const cap = await startCapture({ name: 'gre', netns: fx.ns.mag, ifname: fx.mag.ifname, file: join(scratch.tmpDir(), 'gre.pcap'), filter: ['ip6', 'proto', '47'] }, sup);
    expect((await ping(fx.ns.hostA, B.host)).exitCode, 'hostA -> hostB').to.equal(0);
    const result = await cap.stop();
    const f = (await readCaptureAll(result.file)).records.map((r) => decodeFrame(r.linkType, r.data, 0, r.data.length));
    expect(f.length, 'GRE packets seen (request and reply)').to.equal(2);
    const [up, down] = f;
    expect([up!.ipv6!.src, up!.ipv6!.dst, up!.gre?.key, up!.gre?.protocolType]).to.deep.equal([fx.mag.address, fx.lma.address, GRE_KEYS.up, GRE_PROTOCOL_IPV6]);
    expect([down!.ipv6!.src, down!.ipv6!.dst, down!.gre?.key]).to.deep.equal([fx.lma.address, fx.mag.address, GRE_KEYS.down]);
    expect([up!.inner!.ipv6!.src, up!.inner!.ipv6!.dst, up!.inner!.ipv6!.hopLimit]).to.deep.equal([A.host, B.host, 63]);
    expect(up!.malformed).to.equal(undefined);
  });

  it('has tunnel MTU 1452 (40 + 8 GRE octets of overhead)', async () => {
    expect((await ping(fx.ns.hostA, B.host, ['-M', 'do', '-s', '1404'])).exitCode, '1452-octet packet').to.equal(0);
    const r = await ping(fx.ns.hostA, B.host, ['-M', 'do', '-s', '1405']);
    expect(r.stdout + r.stderr).to.match(/(Packet too big|message too long).*mtu[=:] ?1452/i);
  });

  it('drops and counts a packet with another key or none, takes one with the right key', async () => {
    const inner = encodeIpv6({ src: A.host, dst: B.host, hopLimit: 64, nextHeader: 17, payload: encodeUdp({ srcPort: 40000, dstPort: 7300, payload: Buffer.from('gre') }, A.host, B.host) });
    const send = (key: number | undefined) => nsExec(fx.ns.mag, '/usr/bin/python3', ['-c', SEND_GRE, fx.mag.address, fx.lma.address,
      Buffer.from(encodeGre({ protocolType: GRE_PROTOCOL_IPV6, ...(key !== undefined ? { key } : {}), payload: inner })).toString('hex')]);
    const lma = () => fx.engines!.lma.counters();
    const before = lma();
    await send(GRE_KEYS.up + 1);
    await send(undefined);
    await pollUntil(() => lma().droppedGreKey === before.droppedGreKey + 2 || { pending: JSON.stringify(lma()) }, { what: 'two packets dropped for their key at lma', timeoutMs: 3000 });
    expect(lma().decapsulated).to.equal(before.decapsulated);
    await send(GRE_KEYS.up);
    await pollUntil(() => lma().decapsulated === before.decapsulated + 1 || { pending: JSON.stringify(lma()) }, { what: 'the packet with the uplink key decapsulated at lma', timeoutMs: 3000 });
  });
});
