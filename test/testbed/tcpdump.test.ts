import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCapture } from '../../harness/capture/tcpdump.js';
import { PCAP_MAGIC_US } from '../../harness/capture/pcap-format.js';
import { DeferStack } from '../../harness/defer.js';
import { netnsPids, nsExec } from '../../harness/netns.js';
import { Supervisor } from '../../harness/process/supervisor.js';
import { Scratch } from './scratch.js';
import { rejection } from '../support/rejection.js';


/** tcpdump's own one-line summaries of a capture file, decoded independently of our code. */
async function readBack(file: string): Promise<string[]> {
  const { stdout } = await nsExec(null, 'tcpdump', ['-r', file, '-n', '-t']);
  return stdout ? stdout.split('\n') : [];
}

describe('testbed/capture/tcpdump', function () {
  let scratch: Scratch;
  let a: string;
  let b: string;
  let link: Awaited<ReturnType<Scratch['vethPair']>>;
  let dir: string;
  let supervisor: Supervisor;
  let unexpected: string[];
  const cleanup = new DeferStack();

  before(async () => {
    scratch = new Scratch();
    a = await scratch.netns();
    b = await scratch.netns();
    dir = scratch.tmpDir();
    link = await scratch.vethPair(a, b);
  });
  after(() => scratch.cleanup());
  beforeEach(() => {
    unexpected = [];
    supervisor = new Supervisor({ onUnexpectedExit: (_p, _i, report) => unexpected.push(report) });
    cleanup.defer('stop all', () => supervisor.stopAll());
  });
  afterEach(async () => {
    expect(await cleanup.unwind()).to.deep.equal([]);
    expect([...await netnsPids(a), ...await netnsPids(b)]).to.deep.equal([]);
  });

  it('captures a ping across a veth pair into a classic pcap file, with the counts tcpdump printed', async () => {
    const file = join(dir, 'b', 'ping.pcap');
    const cap = await startCapture({ name: 'b-ptb', node: 'b', netns: b, ifname: link.ifB, file }, supervisor);
    expect(await netnsPids(b)).to.deep.equal([cap.pid]);

    await nsExec(a, 'ping', ['-6', '-n', '-c', '3', '-i', '0.2', '-W', '2', link.addrB]);
    const result = await cap.stop();

    const decoded = await readBack(file);
    expect(decoded.filter((l) => l.includes(`IP6 ${link.addrA} > ${link.addrB}: ICMP6, echo request`))).to.have.length(3);
    expect(decoded.filter((l) => l.includes(`IP6 ${link.addrB} > ${link.addrA}: ICMP6, echo reply`))).to.have.length(3);
    expect(result).to.deep.equal({
      name: 'b-ptb', file, packets: decoded.length, receivedByFilter: decoded.length, droppedByKernel: 0, warnings: [],
    });
    expect(result.packets).to.be.at.least(6);

    const head = readFileSync(file).subarray(0, 24);
    expect(head.readUInt32LE(0)).to.equal(PCAP_MAGIC_US); // classic pcap, microseconds, little-endian
    expect([head.readUInt16LE(4), head.readUInt16LE(6)]).to.deep.equal([2, 4]);
    expect(head.readUInt32LE(16)).to.equal(4096); // snaplen
    expect(head.readUInt32LE(20)).to.equal(1); // LINKTYPE_ETHERNET
    expect(readFileSync(`${file}.log`, 'utf8')).to.match(/^# .* start tcpdump b-ptb \(node b, netns pt-test-\S+\) pid \d+: tcpdump --immediate-mode -i ptb -U -w \S+ping\.pcap -s 4096 -B 8192 -n\ntcpdump: listening on ptb,/);
    expect(unexpected).to.deep.equal([]);
  });

  it('is listening when startCapture resolves: the first packet sent right after is in the file', async () => {
    const file = join(dir, 'first.pcap');
    // The sender is ready before the capture starts and sends on a word through a FIFO, so the
    // echo request leaves ~2 ms after startCapture resolves (tcpdump needs ~17 ms to listen).
    // Multicast needs no neighbour resolution: nothing else delays it.
    const fifo = join(dir, 'go');
    await nsExec(null, 'mkfifo', [fifo]);
    const sender = supervisor.start({
      name: 'sender', netns: a, cmd: 'sh', args: ['-c', `read go < ${fifo}; exec ping -6 -n -c 1 -W 1 -I ${link.ifA} ff02::1`], logFile: join(dir, 'sender.log'),
    });
    const cap = await startCapture({ name: 'a-pta', netns: a, ifname: link.ifA, file }, supervisor);
    await writeFile(fifo, 'go\n');
    expect(await sender.exited).to.deep.include({ code: 0 });
    const result = await cap.stop();
    const decoded = await readBack(file);
    expect(decoded.filter((l) => / > ff02::1: ICMP6, echo request, id \d+, seq 1, length 64$/.test(l))).to.have.length(1);
    expect(result.packets).to.equal(decoded.length);
    unexpected = [];
  });

  it('loses nothing in a burst of 2000 packets at ~100k packets/s (default snap length and ring)', async () => {
    const file = join(dir, 'burst.pcap');
    const cap = await startCapture({ name: 'b-burst', netns: b, ifname: link.ifB, file }, supervisor);
    await nsExec(a, 'ping', ['-6', '-n', '-q', '-f', '-c', '1000', '-W', '2', link.addrB]);
    const result = await cap.stop();
    const decoded = await readBack(file);
    expect(decoded.filter((l) => l.includes('echo request'))).to.have.length(1000);
    expect(decoded.filter((l) => l.includes('echo reply'))).to.have.length(1000);
    expect(result).to.deep.include({ packets: decoded.length, receivedByFilter: decoded.length, droppedByKernel: 0, warnings: [] });
  });

  it('stop() waits until tcpdump has written what the kernel queued for it before sending SIGINT', async () => {
    const file = join(dir, 'lagging.pcap');
    const cap = await startCapture({ name: 'b-lagging', netns: b, ifname: link.ifB, file }, supervisor);
    // A stopped tcpdump cannot read its ring: the packets wait there, as when it lags behind.
    process.kill(cap.pid, 'SIGSTOP');
    await nsExec(a, 'ping', ['-6', '-n', '-c', '3', '-i', '0.01', '-W', '2', link.addrB]);
    const stopping = cap.stop(); // sends its first signal before returning
    process.kill(cap.pid, 'SIGCONT');
    const result = await stopping;
    const decoded = await readBack(file);
    // A SIGINT pending at SIGCONT would make tcpdump leave without reading the ring: 0 packets.
    expect(decoded.filter((l) => /echo (request|reply)/.test(l))).to.have.length(6);
    expect(result).to.deep.include({ packets: decoded.length, receivedByFilter: decoded.length, droppedByKernel: 0, warnings: [] });
  });

  it('on loopback, where libpcap discards a copy of each packet the kernel counted', async () => {
    await nsExec(a, 'ip', ['link', 'set', 'lo', 'up']);
    const file = join(dir, 'lo.pcap');
    const cap = await startCapture({ name: 'a-lo', netns: a, ifname: 'lo', file }, supervisor);
    await nsExec(a, 'ping', ['-6', '-n', '-c', '2', '-i', '0.2', '::1']);
    const result = await cap.stop();
    expect(await readBack(file)).to.have.length(4);
    expect(result).to.deep.include({ packets: 4, receivedByFilter: 8, droppedByKernel: 0, warnings: [] });
  });

  it('applies the snap length and the filter', async () => {
    const file = join(dir, 'filtered.pcap');
    const cap = await startCapture({
      name: 'b-requests', netns: b, ifname: link.ifB, file, snaplen: 96, filter: ['icmp6', 'and', 'ip6[40]', '==', '128'],
    }, supervisor);
    await nsExec(a, 'ping', ['-6', '-n', '-c', '2', '-i', '0.2', '-s', '500', link.addrB]);
    const result = await cap.stop();
    expect(result.packets).to.equal(2);
    const decoded = await readBack(file);
    expect(decoded).to.have.length(2);
    for (const line of decoded) expect(line).to.contain('echo request');
    const data = readFileSync(file);
    expect(data.readUInt32LE(16)).to.equal(96);
    // First record: captured length cut to the snap length, original length 14 + 40 + 8 + 500.
    expect([data.readUInt32LE(24 + 8), data.readUInt32LE(24 + 12)]).to.deep.equal([96, 562]);
    expect(await cap.stop()).to.equal(result);
  });

  it('names the capture, node and interface when tcpdump cannot start', async () => {
    const t0 = Date.now();
    const err = await rejection(startCapture({ name: 'bad', node: 'mag1', netns: a, ifname: 'nosuch0', file: join(dir, 'bad.pcap') }, supervisor));
    expect(Date.now() - t0).to.be.below(3000);
    expect(err.message).to.match(/^capture bad on mag1\/nosuch0 did not start: tcpdump bad ended \(exit code 1\) before printing \/\^tcpdump: listening on \/m; last \d+ lines of \S+bad\.pcap\.log:\n/);
    expect(err.message).to.contain('nosuch0: No such device exists');
  });

  it('says how to get tcpdump when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = dir;
    try {
      const err = await rejection(startCapture({ name: 'x', netns: a, ifname: link.ifA, file: join(dir, 'x.pcap') }, supervisor));
      expect(err.message).to.equal('tcpdump not found: run npm run setup');
    } finally {
      process.env.PATH = path;
    }
    expect(supervisor.list()).to.deep.equal([]);
  });
});
