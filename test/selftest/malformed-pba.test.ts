// pmipd's MAG against an LMA whose PBA for a new binding runs past its own Header Len (quirk
// pba-header-len-short, as OAI PMIPv6's LMA sends every BA): the MAG drops it (RFC 6275 §9.2) and
// retransmits the PBU (RFC 5213 §6.9.4). The attach case is run with and without the quirk and
// its captures analysed as a user would (`pmip-testbed analyze`): with the quirk the LMA gets
// MH-02 and MH-03 FAIL with the octet counts, the MAG's retransmission is judged PASS, and the
// quirk makes no MAG requirement fail; without it MH-02 and MH-03 pass and nothing is retransmitted.
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cli, usePrivateRunRoot } from '../testbed/run-root.js';

interface Judged { id: string; verdict: string; role: string; message: string }

describe('pmipd MAG facing PBAs that overrun their Header Len (quirk pba-header-len-short)', function () {
  this.timeout(300_000);
  const dirs = usePrivateRunRoot();
  const runs: Record<'clean' | 'quirk', { exitCode: number; stdout: string; judged: Map<string, Judged> }> = {} as never;

  before(async () => {
    for (const which of ['clean', 'quirk'] as const) {
      const report = join(dirs.out, which);
      const run = await cli(['run', '--cases', 'attach', ...(which === 'quirk' ? ['--quirk', 'pba-header-len-short'] : []), '--report', report], { timeoutMs: 150_000 });
      const caseDir = join(report, 'cases', 'attach');
      const captures = readdirSync(join(caseDir, 'captures')).filter((f) => f.endsWith('.pcap')).map((f) => `${basename(f, '.pcap')}=${join(caseDir, 'captures', f)}`);
      // The attach case's MAG uses no fixed link-layer address (RFC 6543).
      const analysed = await cli(['analyze', ...captures, '--events', join(caseDir, 'events.jsonl'), '--fixed-mac', 'none', '--json', '--no-report'], { timeoutMs: 60_000 });
      const judged = (JSON.parse(analysed.stdout) as { requirements: Judged[] }).requirements;
      runs[which] = { exitCode: run.exitCode ?? -1, stdout: run.stdout + run.stderr, judged: new Map(judged.map((r) => [r.id, r])) };
    }
  });

  const v = (which: 'clean' | 'quirk', id: string): Judged => runs[which].judged.get(id)!;

  it('the run with the quirk fails MH-02 and MH-03 against the baseline; the clean run matches it', () => {
    expect(runs.clean.exitCode, runs.clean.stdout).to.equal(0);
    expect(runs.quirk.exitCode, runs.quirk.stdout).to.equal(1);
    expect(runs.quirk.stdout).to.match(/^MH-02 +FAIL/m).and.match(/^MH-03 +FAIL/m);
  });

  it('MH-02 and MH-03 blame the LMA with the octet counts and the option past the declared end', () => {
    const mh02 = v('quirk', 'MH-02');
    expect(mh02.verdict).to.equal('FAIL');
    const [, declared, carried] = /PBA \(Header Len\+1\)x8 = (\d+) octets, but the IPv6 payload after extension headers holds (\d+)/.exec(mh02.message) ?? [];
    expect(Number(carried) - Number(declared), mh02.message).to.equal(4);
    expect(mh02.message).to.include(`option 27 (Timestamp) at offset ${Number(carried) - 10} is present after the declared end of the Mobility Header (Header Len says ${declared} octets, the option ends at ${carried})`);
    const mh03 = v('quirk', 'MH-03');
    expect(mh03.verdict).to.equal('FAIL');
    expect(mh03.message).to.include(`PBA checksum 0x`).and.include(`is wrong for the ${declared} octets Header Len declares, but right over all ${carried} octets of the IPv6 payload`);
    for (const id of ['MH-02', 'MH-03']) expect(v('clean', id).verdict, `${id} without the quirk: ${v('clean', id).message}`).to.equal('PASS');
  });

  it('the MAG is judged on its retransmission of the PBU whose reply it dropped, and fails nothing', () => {
    for (const id of ['MAG-RTX-01', 'MAG-RTX-02']) {
      expect(v('quirk', id).verdict, `${id}: ${v('quirk', id).message}`).to.equal('PASS');
      expect(v('quirk', id).message).to.match(/malformed and dropped by the MAG/);
      expect(v('clean', id).verdict, `${id} without the quirk`).to.equal('INCONCLUSIVE');
    }
    // Whatever analyze's inferred settings make the MAG fail in the clean run, the quirk adds nothing to it.
    const magFails = (which: 'clean' | 'quirk') => [...runs[which].judged.values()].filter((r) => r.verdict === 'FAIL' && r.role === 'MAG');
    const before = new Set(magFails('clean').map((r) => r.id));
    expect(magFails('quirk').filter((r) => !before.has(r.id)).map((r) => `${r.id}: ${r.message}`)).to.deep.equal([]);
    for (const which of ['clean', 'quirk'] as const) {
      for (const id of ['REREG-02', 'REREG-03', 'REREG-04']) expect(v(which, id).verdict, `${which} ${id}: ${v(which, id).message}`).to.not.equal('FAIL');
    }
  });

  it('the LMA\'s PBA checks read the dropped PBA as sent: P flag, HI and ATT echo, the Timestamp present', () => {
    for (const id of ['LMA-PBA-02', 'LMA-PBA-05', 'LMA-PBA-06', 'LMA-PBA-08', 'ORD-01', 'LMA-ERR-13']) {
      expect(v('quirk', id).verdict, `${id}: ${v('quirk', id).message}`).to.equal('PASS');
    }
  });
});
