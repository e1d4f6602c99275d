// Run inside `pmip-testbed vm` by .ci/run's VM part (Debian's kernel has IPv6 ESP): the ipsec-manual
// and ipsec-ikev2 cases against pmipd must judge SEC-01, SEC-02, SEC-04, SEC-05, LMA-PBA-16,
// LMA-VAL-01 PASS, and HB-09, UPN-11 and BR-09 on the Heartbeat, Update Notification and Binding
// Revocation messages they provoke; ipsec-ikev2 also SEC-03 (where a check for it exists); and
// record the SAs they used beside their captures. Not part of `npm test`: on a kernel without ESP the cases are SKIPPED.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { checkedRequirements } from '../../harness/checks/index.js';
import { vmDescription } from '../../harness/vm/guest.js';

const CLI = fileURLToPath(new URL('../../harness/cli/main.js', import.meta.url));

interface CaseJson { name: string; status: string; skipped?: string; verdicts: { id: string; verdict: string; message: string }[] }

describe('in a VM on a distribution kernel: IPsec', function () {
  this.timeout(1_200_000);

  it('judges the SEC requirements, LMA-VAL-01 and the companion messages\' protection PASS with manual keys and with IKEv2, and records the SAs', async function () {
    if (vmDescription() === undefined) {
      console.log('    SKIPPED: not inside pmip-testbed vm');
      this.skip();
    }
    const report = mkdtempSync(join(tmpdir(), 'pmip-guest-ipsec-'));
    try {
      const r = await execa(process.execPath, [CLI, 'run', '--cases', 'ipsec-*', '--report', report], { reject: false, all: true });
      expect(r.exitCode, r.all).to.equal(0);
      const cases = (JSON.parse(readFileSync(join(report, 'results.json'), 'utf8')) as { cases: CaseJson[] }).cases;
      const checked = new Set(checkedRequirements());
      for (const name of ['ipsec-manual', 'ipsec-ikev2']) {
        const c = cases.find((x) => x.name === name);
        expect(c?.status, `${name} in ${report}:\n${r.all}`).to.equal('completed');
        const want = ['SEC-01', 'SEC-02', 'SEC-04', 'SEC-05', 'LMA-PBA-16', 'LMA-VAL-01', 'HB-09', 'BR-09', 'UPN-11', ...(name === 'ipsec-ikev2' && checked.has('SEC-03') ? ['SEC-03'] : [])];
        const seen = Object.fromEntries(want.map((id) => [id, c!.verdicts.find((v) => v.id === id)?.verdict ?? 'none']));
        expect(seen, `${name}: ${c!.verdicts.map((v) => `${v.id} ${v.verdict}: ${v.message}`).join('\n')}`).to.deep.equal(Object.fromEntries(want.map((id) => [id, 'PASS'])));
        const sas = join(report, 'cases', name, 'captures', 'esp-sas.json');
        expect(existsSync(sas), `${sas}`).to.equal(true);
        // Both directions of mag1's and mag2's pairs at least.
        expect((JSON.parse(readFileSync(sas, 'utf8')) as unknown[]).length, sas).to.be.at.least(4);
      }
    } finally {
      rmSync(report, { recursive: true, force: true });
    }
  });
});
