// The lookups that keep analysis linear: options by their noted types,
// repeated messages kept once, binary search on time-ordered lists. Each gives what the plain
// scan it replaces gives.
import { expect } from 'chai';
import { findOption, findOptions, type MobilityOptionSpec } from '../../wire/index.js';
import { SharedMessages } from '../../harness/trace/shared-messages.js';
import { countOptions, everyOptionOf, optionOf, optionsOf, partitionPoint } from '../../harness/trace/index.js';
import { buildTrace, exchange, golden, MAG1, MN1 } from './scenario.js';

describe('conformance/trace lookups', () => {
  it('SharedMessages hands back the first object for equal octets in an equal context, and forgets past its limit', () => {
    const shared = new SharedMessages<string>(2);
    const buf = Uint8Array.from([1, 2, 3, 9, 1, 2, 3]);
    expect(shared.share('a', 'b', buf, 0, 3, 'first')).to.equal('first');
    expect(shared.share('a', 'b', buf, 4, 7, 'again')).to.equal('first');
    expect(shared.share('a', 'c', buf, 4, 7, 'other context')).to.equal('other context');
    expect(shared.share('a', 'b', buf, 0, 2, 'shorter')).to.equal('shorter');
    expect(shared.share('a', 'b', buf, 0, 2, 'shorter again')).to.equal('shorter again');
    expect(shared.share('a', 'c', buf, 0, 3, 'remembered')).to.equal('other context');
  });

  it('option lookups by noted type agree with the wire lookups, malformed options counted but never returned', () => {
    const sc = golden();
    // HI with a Length of 1: decoded as a malformed raw option.
    sc.specs.push(...exchange('bad-hi', 500, MAG1, { mn: MN1, seq: 105, hi: 5, hnp: MN1.hnp, extra: [{ type: 23, data: '05' } as MobilityOptionSpec] }, null));
    const t = buildTrace(sc);
    const bad = t.mh.find((f) => f.mh.type === 5 && f.mh.seq === 105)!;
    expect(bad.mh.options.filter((o) => o.type === 23).map((o) => o.malformed === undefined)).to.deep.equal([true, false]);
    expect(countOptions(bad, 23)).to.equal(2);
    expect(optionsOf(bad, 23)).to.have.length(1);
    expect(everyOptionOf(bad, 23)).to.have.length(2);
    for (const f of t.mh) {
      for (const type of [3, 8, 22, 23, 24, 25, 26, 27] as const) {
        expect(optionOf(f, type)).to.equal(findOption(f.mh.options, type));
        expect(optionsOf(f, type)).to.deep.equal(findOptions(f.mh.options, type));
        expect(countOptions(f, type)).to.equal(f.mh.options.filter((o) => o.type === type).length);
      }
    }
  });

  it('partitionPoint finds the first index past the ones before a time', () => {
    const times = [1, 2, 2, 2, 5, 8];
    expect([0, 1, 2, 3, 5, 8, 9].map((x) => partitionPoint(times.length, (i) => times[i]! <= x))).to.deep.equal([0, 1, 4, 4, 5, 6, 6]);
    expect(partitionPoint(0, () => true)).to.equal(0);
  });
});
