// The requirement catalog in code against the shared catalog's own "Counts" section.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { REQUIREMENTS, requirement, requirementGroups, UnknownRequirementError } from '../../harness/catalog/index.js';

describe('conformance/catalog', () => {
  it('has the 185 part-C rows by group and the 48 part-D rows of the catalog counts', () => {
    const c = REQUIREMENTS.filter((r) => r.part === 'C');
    const byGroup = Object.fromEntries(requirementGroups().filter((g) => g.group.startsWith('C.')).map((g) => [g.group, g.requirements.length]));
    expect(c.length).to.equal(185);
    expect(byGroup).to.deep.equal({
      'C.1': 12, 'C.2': 20, 'C.3': 16, 'C.4': 19, 'C.5': 14, 'C.6': 10, 'C.7': 10, 'C.8': 8, 'C.9': 7, 'C.10': 11,
      'C.11': 13, 'C.12': 14, 'C.13': 16, 'C.14': 3, 'C.15': 4, 'C.16': 8,
    });
    expect(REQUIREMENTS.filter((r) => r.part === 'D').length).to.equal(48);
  });

  it('normalises the primary level as the catalog counts it', () => {
    const c = REQUIREMENTS.filter((r) => r.part === 'C');
    const n = (f: (l: string, t: string) => boolean): number => c.filter((r) => f(r.level, r.levelText)).length;
    expect(n((l) => l === 'MUST' || l === 'MUST NOT')).to.equal(146);
    expect(n((l, t) => (l === 'SHOULD' || l === 'SHOULD NOT') && !t.startsWith('should'))).to.equal(22);
    expect(n((_, t) => t.startsWith('should'))).to.equal(1);
    expect(n((l) => l === 'MAY')).to.equal(4);
    expect(n((l) => l === 'DERIVED')).to.equal(9);
    expect(n((l) => l === 'FORMAT')).to.equal(2);
    expect(n((l) => l === 'INFO')).to.equal(1);
  });

  it('keeps each row: section, level text, roles, observability, statement', () => {
    const r = requirement('LMA-PBA-02');
    expect(r).to.include({ group: 'C.4', family: 'LMA-PBA', section: '5213 §5.3.6, §8.2', level: 'MUST', levelText: 'MUST', roleText: 'LMA' });
    expect(r.roles).to.deep.equal(['LMA']);
    expect(r.observability).to.include({ text: 'P', passive: true, stimulus: false });
    expect(r.statement).to.match(/P = 1/);
    expect(requirement('HO-07').observability).to.include({ text: 'P/T', passive: true, timing: true });
    expect(requirement('MH-01').roles).to.deep.equal(['MAG', 'LMA']);
    expect(() => requirement('NOPE-1')).to.throw(UnknownRequirementError);
  });

  const shared = new URL('../../../../shared/rfc5213-catalog.md', import.meta.url).pathname;
  (existsSync(shared) ? it : it.skip)('the committed requirements-data.ts is generated from the current shared catalog', () => {
    const script = new URL('../../../scripts/gen-catalog.mjs', import.meta.url).pathname;
    const r = spawnSync(process.execPath, [script, '--check', '--catalog', shared], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
  });
});
