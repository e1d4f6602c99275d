// The tester agent on real sockets: two namespaces joined by a veth, an emulated MAG in one and
// an emulated LMA in the other, talking PBU/PBA through the kernel.
import { expect } from '../../harness/conformance/chai-pmip.js';
import { join } from 'node:path';
import { TesterAgent } from '../../harness/active/agent-client.js';
import { EmulatedMag, grantedLinkLocal, grantedPrefixes } from '../../harness/active/emulated-mag.js';
import { unknownTypeSpec } from '../../harness/active/stimulus.js';
import { Supervisor } from '../../harness/process/supervisor.js';
import { Scratch } from '../testbed/scratch.js';

describe('tester agent: an emulated MAG and an emulated LMA over a veth', function () {
  this.timeout(20_000);
  const scratch = new Scratch();
  const supervisor = new Supervisor();
  let mag: EmulatedMag;
  let lma: TesterAgent;

  before(async () => {
    const [a, b] = [await scratch.netns(), await scratch.netns()];
    const link = await scratch.vethPair(a, b);
    const logs = scratch.tmpDir();
    const place = (netns: string, node: string) => ({ runId: `t${process.pid}`, runtimeDir: logs, node, netns, supervisor, logFile: join(logs, `${node}.log`) });
    const magAgent = await TesterAgent.start(place(a, 'mag'), [link.addrA]);
    lma = await TesterAgent.start(place(b, 'lma'), [link.addrB]);
    await lma.emulateLma({
      prefixes: { 'mn1@x': '2001:db8:8000:1::/64' }, defaultPrefix: '2001:db8:8000::/64', linkLocal: 'fe80::5213:1',
      scripts: { 'quiet@x': [{ answer: false }], 'late@x': [{ answer: true, status: 0, delayMs: 300 }] },
    });
    mag = new EmulatedMag(magAgent, link.addrB);
  });
  after(async () => {
    await supervisor.stopAll();
    await scratch.cleanup();
  });

  it('gets an accepting PBA with the MN\'s prefix and the LMA\'s link-local address', async () => {
    const s = await mag.pbu({ mnId: 'mn1@x' });
    expect(s).to.be.accepted;
    expect([grantedPrefixes(s), grantedLinkLocal(s), s.reply!.seq === s.ref.seq]).to.deep.equal([['2001:db8:8000:1::/64'], 'fe80::5213:1', true]);
  });

  it('waits for a late PBA, and sees none from a silent script', async () => {
    const late = await mag.pbu({ mnId: 'late@x' }, { timeoutMs: 2000 });
    expect(late.reply!.timeMs - late.ref.timeMs).to.be.at.least(250);
    expect(await mag.pbu({ mnId: 'quiet@x' }, { timeoutMs: 300 })).not.to.have.reply;
  });

  it('proves silence with a barrier: a PBU with a bad checksum is not answered, the barrier is', async () => {
    const s = await mag.pbuExpectingSilence({ mnId: 'mn1@x' }, { badChecksum: true });
    expect(s).not.to.have.reply;
    expect(s.barrier).to.be.accepted;
    // The kernel drops it before the emulated LMA's socket (Linux checks protocol-135 checksums).
    expect((await lma.messages()).some((m) => m.seq === s.ref.seq)).to.equal(false);
  });

  it('sends through a bound protocol-135 socket when asked (the path IPsec policies protect): same PBU, answered alike', async () => {
    const s = await mag.pbu({ mnId: 'mn1@x' }, { protectable: true });
    expect(s).to.be.accepted;
    const got = (await lma.messages()).find((m) => m.seq === s.ref.seq && m.type === 5);
    expect(got?.src).to.equal(mag.address);
  });

  it('records other Mobility Headers too (an emulated LMA answers only PBUs)', async () => {
    expect(await mag.send(unknownTypeSpec(200), { type: 7 }, { timeoutMs: 200 })).not.to.have.reply;
    expect((await lma.messages()).some((m) => m.type === 200)).to.equal(true);
  });
});
