// pmipd fuzzed in CI (issue 14): seeded campaigns of 100 000 inputs against its LMA and 20 000
// against its MAG end with no finding, and the report has its Robustness section. With the quirk
// crash-on-oversized-nai the campaign finds the crash, minimises it to the single PBU whose NAI is
// too long, and the replay command it prints reproduces it (and does not without the quirk).
// No assertion on speed: inputs per second are bench:fuzz's.
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readReproducer } from '../../harness/fuzz/reproducer.js';
import { decodeFrame, LINKTYPE_RAW, findOption, fromHex, type BindingUpdate } from '../../wire/index.js';
import { OVERSIZED_NAI_OCTETS } from '../../pmipd/lma/lma-core.js';
import { cli, usePrivateRunRoot } from '../testbed/run-root.js';

const FIFTEEN_MINUTES = 15 * 60_000;

describe('pmip-testbed fuzz against pmipd', function () {
  this.timeout(FIFTEEN_MINUTES);
  const dirs = usePrivateRunRoot();

  it('LMA: 100 000 inputs (seed 1), no finding, every probe passed, its rate printed, the Robustness section in the report', async () => {
    const out = join(dirs.out, 'lma');
    const r = await cli(['fuzz', '--target', 'lma', '--count', '100000', '--seed', '1', '--out', out], { timeoutMs: FIFTEEN_MINUTES });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
    expect(r.stdout).to.match(/^100\d{3} inputs \(\d+ packets, \d+ octets\) in [\d.]+ s: \d+ inputs\/s; \d+ probes passed, 0 failed; 0 finding\(s\)$/m);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { robustness: { inputs: number; findings: unknown[]; messages: Record<string, number>; fields: Record<string, number>; probes: { passed: number } } };
    expect(json.robustness.findings).to.deep.equal([]);
    expect(json.robustness.inputs).to.be.at.least(100_000);
    for (const m of ['PBU', 'BE', 'Heartbeat', 'BRI', 'BRA', 'UPA', 'seq:handover-race']) expect(json.robustness.messages[m] ?? 0, m).to.be.greaterThan(0);
    expect(json.robustness.probes.passed).to.be.greaterThan(100);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).to.include('<h2 id="robustness">Robustness</h2>');
    expect(html).to.include('option.MN-ID.nai(binary)');
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).to.match(/<testsuite name="robustness lma" tests="1" failures="0"/);
  });

  it('MAG: 20 000 inputs (seed 1) from its emulated LMA and its access link, no finding', async () => {
    const out = join(dirs.out, 'mag');
    const r = await cli(['fuzz', '--target', 'mag', '--count', '20000', '--seed', '1', '--out', out], { timeoutMs: FIFTEEN_MINUTES });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
    expect(r.stdout).to.match(/ 0 failed; 0 finding\(s\)$/m);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { robustness: { inputs: number; messages: Record<string, number> } };
    expect(json.robustness.inputs).to.be.at.least(20_000);
    for (const m of ['PBA', 'BRI', 'UPN', 'Heartbeat', 'RS', 'NS']) expect(json.robustness.messages[m] ?? 0, m).to.be.greaterThan(0);
  });

  it(`finds quirk crash-on-oversized-nai, minimises it to one PBU with an NAI over ${OVERSIZED_NAI_OCTETS} octets, and its replay command reproduces it`, async () => {
    const out = join(dirs.out, 'quirk');
    const r = await cli(['fuzz', '--target', 'lma', '--count', '20000', '--seed', '1', '--quirk', 'crash-on-oversized-nai', '--out', out], { timeoutMs: FIFTEEN_MINUTES });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(1);
    expect(r.stdout).to.match(/^finding 1 \(crash\): the IUT's process ended \(exit code 1\); it logged: RangeError: MN-ID of \d+ octets overflows/m);
    const m = /minimised to 1 packet\(s\) in \d+ attempts: (\S+)\n  replay: (pmip-testbed fuzz --replay .*)$/m.exec(r.stdout);
    expect(m, r.stdout).to.not.equal(null);
    expect(existsSync(m![1]!)).to.equal(true);
    const [pkt] = await readReproducer(m![1]!);
    const frame = decodeFrame(LINKTYPE_RAW, fromHex(pkt!.hex), 0, pkt!.hex.length / 2);
    expect(frame.mh?.name).to.equal('PBU');
    expect(findOption((frame.mh as BindingUpdate).options, 8)!.length - 1).to.be.greaterThan(OVERSIZED_NAI_OCTETS);
    // The printed command, as printed (minus the program name), from the directory it names paths from.
    const args = m![2]!.split(' ').slice(1);
    const again = await cli([...args, '--out', join(out, 'replay')], { timeoutMs: FIFTEEN_MINUTES });
    expect(again.exitCode, again.stdout + again.stderr).to.equal(1);
    expect(again.stdout).to.match(/REPRODUCED crash: .*RangeError: MN-ID of/);
    const clean = await cli([...args.filter((a, i) => a !== 'crash-on-oversized-nai' && !(a === '--quirk' && args[i + 1] === 'crash-on-oversized-nai')), '--out', join(out, 'clean')], { timeoutMs: FIFTEEN_MINUTES });
    expect(clean.exitCode, clean.stdout + clean.stderr).to.equal(0);
    expect(clean.stdout).to.match(/no failure, the IUT is healthy/);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).to.include('finding 1');
    expect(html).to.match(/mh\.options\[\d+\]\.id = /);
  });
});
