// pmipd over real raw sockets between two namespaces: the LMA daemon in one, the PBU load tool
// (the MAG side) in the other; PBAs for every PBU, malformed headers counted, the control socket
// read. How fast (PBU -> PBA median, with and without garbage) is bench:pmipd's.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nsExec } from '../../harness/netns.js';
import { Supervisor } from '../../harness/process/supervisor.js';
import { controlRequest } from '../../pmipd/control-socket.js';
import { Scratch } from '../testbed/scratch.js';

const MAIN = 'dist/pmipd/main.js';
const LOAD = 'dist/pmipd/tools/pbu-load.js';

describe('pmipd over raw sockets (two namespaces)', function () {
  this.timeout(30_000);
  let scratch: Scratch;
  let sup: Supervisor;
  beforeEach(() => { scratch = new Scratch(); sup = new Supervisor(); });
  afterEach(async () => { await sup.stopAll(); await scratch.cleanup(); });

  it('answers real PBUs with PBAs and counts them, also among malformed headers', async () => {
    const lmaNs = await scratch.netns();
    const magNs = await scratch.netns();
    const link = await scratch.vethPair(lmaNs, magNs);
    const dir = scratch.tmpDir();
    const cfg = join(dir, 'domain.yaml');
    const mns = Array.from({ length: 200 }, (_, i) => `  - { nai: "mn${i}@bench.example" }`).join('\n');
    writeFileSync(cfg, `dataplane: none\nlma: { address: "${link.addrA}", prefixPool: [2001:db8:a000::/48] }\nmags:\n  - { name: mag1, address: "${link.addrB}", accessInterfaces: [pta] }\nmobileNodes:\n${mns}\n`);
    const control = join(dir, 'lma.sock');
    const lma = sup.start({ name: 'lma', netns: lmaNs, cmd: process.execPath, args: [MAIN, '--role', 'lma', '--config', cfg, '--control', control], logFile: join(dir, 'lma.log') });
    await lma.waitForOutput(/ ready role=lma/, { timeoutMs: 10_000 });

    const r = await nsExec(magNs, process.execPath, [LOAD, '--lmaa', link.addrA, '--src', link.addrB, '--count', '100', '--window', '1']);
    const res = JSON.parse(r.stdout) as { received: number; statuses: Record<string, number> };
    expect(res.received).to.equal(100);
    expect(res.statuses).to.deep.equal({ 0: 100 });

    // A burst of malformed headers around each PBU: dropped and counted, every PBU still answered.
    const noisy = await nsExec(magNs, process.execPath, [LOAD, '--lmaa', link.addrA, '--src', link.addrB, '--count', '100', '--window', '1', '--start', '100', '--garbage', '50']);
    const nres = JSON.parse(noisy.stdout) as { received: number; garbageSent: number };
    expect([nres.received, nres.garbageSent]).to.deep.equal([100, 5000]);

    // A PBU for an MN the LMA does not know: 153 on the wire, counted.
    const unknown = await nsExec(magNs, process.execPath, [LOAD, '--lmaa', link.addrA, '--src', link.addrB, '--template', 'x{n}@nowhere']);
    expect((JSON.parse(unknown.stdout) as { statuses: Record<string, number> }).statuses).to.deep.equal({ 153: 1 });
    const dump = await controlRequest(control, { cmd: 'dump' }) as { bindingCache: unknown[]; counters: Record<string, number> };
    expect(dump.bindingCache).to.have.length(200);
    expect(dump.counters).to.include({ pbu_rx: 201, pba_tx: 201, rejected_status_153: 1, malformed_dropped: 5000 });
  });
});
