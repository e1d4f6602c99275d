// Settings and their provenance: every check that reads a domain setting, on a synthetic trace
// judged three ways (setting given and met -> PASS; given and broken -> FAIL; defaulted ->
// INCONCLUSIVE naming the option to give, unless the wire alone proves the fault), what the
// captures let the trace infer (and which frames showed it), and `analyze` with the options.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChecks } from '../../harness/checks/index.js';
import { summarizeTrace } from '../../harness/report/from-trace.js';
import { traceSettings } from '../../harness/conformance/profile.js';
import { DEFAULT_SETTINGS, RFC6543_LINK_LOCAL, type DomainSettings } from '../../harness/trace/index.js';
import type { MobilityOptionSpec } from '../../wire/index.js';
import {
  buildTrace, exchange, golden, LMA, MAG1, MN1, MN2, msg, removeTagged, spec, T0, TESTER, writePcaps, type Scenario, type Spec,
} from './scenario.js';

const LINKTYPE_IEEE802_11_RADIOTAP = 127;
const OTHER_MAC = '02:00:00:00:01:99';

function verdict(sc: Scenario, id: string) {
  return runChecks(buildTrace(sc), { only: [id] })[0]!;
}

const setOpt = (sc: Scenario, tag: string, type: number, patch: Record<string, unknown>): void => {
  const o = msg(sc, tag).options.find((x) => x.type === type);
  if (o === undefined) throw new Error(`${tag} has no option ${type}`);
  Object.assign(o, patch);
};

/** Only these capture points (and their frames). */
function only(sc: Scenario, ...names: string[]): Scenario {
  sc.points = sc.points.filter((p) => names.includes(p.name));
  sc.specs = sc.specs.filter((s) => names.includes(s.point));
  return sc;
}

function give(sc: Scenario, settings: Partial<DomainSettings>): Scenario {
  sc.options.settings = { ...sc.options.settings, ...settings };
  return sc;
}

function forget(sc: Scenario, ...keys: (keyof DomainSettings)[]): Scenario {
  const s = { ...sc.options.settings };
  for (const k of keys) delete s[k];
  sc.options.settings = s;
  return sc;
}

/** Every ATT option of every MAG PBU (and its PBA) set to `att`. */
function att(sc: Scenario, value: number): Scenario {
  for (const s of sc.specs) {
    if (s.kind !== 'mh' || s.src === TESTER || s.dst === TESTER) continue;
    for (const o of (s.msg as { options?: MobilityOptionSpec[] }).options ?? []) if (o.type === 24) Object.assign(o, { value });
  }
  return sc;
}

/** A few 802.11 frames (radiotap header, then a QoS-less data frame header) on an access capture. */
function wlanCapture(sc: Scenario, name = 'wlan'): Scenario {
  sc.points.push({ name, linkType: LINKTYPE_IEEE802_11_RADIOTAP });
  const frame = new Uint8Array([0, 0, 8, 0, 0, 0, 0, 0, 0x08, 0x01, 0, 0, ...new Array<number>(20).fill(2)]);
  sc.specs.push(...[1, 2, 3].map((k): Spec => ({ kind: 'raw', point: name, time: k, bytes: frame })));
  return sc;
}

/** A capture of the transport link only, MAG1's signalling alone: nothing shows the access technology. */
function transportOnly(): Scenario {
  const sc = only(golden(), 'trn');
  sc.specs = sc.specs.filter((s) => s.kind !== 'mh' || [s.src, s.dst].includes(MAG1));
  return sc;
}

interface ThreeWay {
  setting: keyof DomainSettings | 'capture point kind';
  /** What the INCONCLUSIVE reason names. */
  option: string;
  /** The setting given (or shown), and the requirement met. */
  base: () => Scenario;
  broken: (sc: Scenario) => void;
  /** Takes away what gives or shows the setting. */
  unknown: (sc: Scenario) => void;
  /** The met trace's verdict when the setting is defaulted (a PASS the wire proves by itself). */
  defaultedMet: 'PASS' | 'INCONCLUSIVE';
}

const staleTimestamp = (status: number, pbaTime: number) => (sc: Scenario): void => {
  const base: MobilityOptionSpec[] = [{ type: 22, prefix: MN1.hnp }, { type: 23, value: 5 }, { type: 24, value: 3 }, { type: 8, subtype: 1, id: MN1.nai }];
  sc.specs = sc.specs.filter((s) => s.tag !== 'stale-pbu' && s.tag !== 'stale-pba');
  sc.specs.push(
    { kind: 'mh', tag: 'stale-pbu', point: 'trn', time: 408, src: TESTER, dst: LMA, msg: { type: 5, seq: 907, flags: { A: true, P: true }, lifetime: 400, autoPad: true, options: [...base, { type: 27, seconds: T0 + 100, fraction: 0 }] } },
    { kind: 'mh', tag: 'stale-pba', point: 'trn', time: 408.01, src: LMA, dst: TESTER, msg: { type: 6, status, flags: { P: true }, seq: 907, lifetime: 0, autoPad: true, options: [...base, { type: 27, seconds: T0 + pbaTime, fraction: 0 }] } });
};

/** MN1 attaches and de-registers; at `time` MN2 (or MN1's second interface) is given MN1's prefix. */
function prefixAfterDereg(time: number, who: 'other MN' | 'second interface', prefix = MN1.hnp, dereg = true): Scenario {
  const mn = who === 'other MN' ? MN2 : { ...MN1, mac: '02:00:00:00:bb:01' };
  return {
    points: [{ name: 'trn', kind: 'transport' }],
    specs: [
      ...exchange('mn1-attach', 1, MAG1, { mn: MN1, seq: 10, hi: 1 }, { hnps: [MN1.hnp], lla: MN1.lla }),
      ...(dereg ? exchange('mn1-dereg', 5, MAG1, { mn: MN1, seq: 11, hi: 4, hnp: MN1.hnp, lla: MN1.lla, lifetime: 0 }, {}) : []),
      ...exchange('late', time, MAG1, { mn, seq: 12, hi: 1 }, { hnps: [prefix], lla: 'fe80::b:1' }),
    ],
    options: { settings: { minDelayBeforeBceDeleteMs: 10000 } },
  };
}

/** MN1 de-registered at 5, and a second de-registration at 20, answered or not. */
function lateDereg(answered: boolean): Scenario {
  return {
    points: [{ name: 'trn', kind: 'transport' }],
    specs: [
      ...exchange('mn1-attach', 1, MAG1, { mn: MN1, seq: 10, hi: 1 }, { hnps: [MN1.hnp], lla: MN1.lla }),
      ...exchange('mn1-dereg', 5, MAG1, { mn: MN1, seq: 11, hi: 4, hnp: MN1.hnp, lla: MN1.lla, lifetime: 0 }, {}),
      ...exchange('mn1-dereg2', 20, MAG1, { mn: MN1, seq: 12, hi: 4, hnp: MN1.hnp, lla: MN1.lla, lifetime: 0 }, answered ? {} : null),
    ],
    options: { settings: { minDelayBeforeBceDeleteMs: 10000 } },
  };
}

const coreKindUnknown = (sc: Scenario): void => { delete sc.points.find((p) => p.name === 'core')!.kind; };

/** The requirement a CASES key judges ("ID (variant)" keys share one). */
const idOf = (key: string): string => key.split(' ')[0]!;

const CASES: Record<string, ThreeWay> = {
  'MAG-PBU-10': {
    setting: 'accessTechnologies', option: '--access-technology',
    base: () => give(transportOnly(), { accessTechnologies: [3] }),
    broken: (sc) => { att(sc, 4); },
    unknown: (sc) => { forget(sc, 'accessTechnologies'); },
    defaultedMet: 'INCONCLUSIVE',
  },
  'MAG-PBU-13': {
    setting: 'clockToleranceMs', option: '--clock-tolerance',
    base: golden, broken: (sc) => setOpt(sc, 'mn1-refresh-pbu', 27, { seconds: T0 + 90 }),
    unknown: (sc) => { forget(sc, 'clockToleranceMs'); }, defaultedMet: 'PASS',
  },
  'ORD-08': {
    setting: 'clockToleranceMs', option: '--clock-tolerance',
    base: golden, broken: (sc) => setOpt(sc, 'mn2-ho-pbu', 27, { seconds: T0 + 250 }),
    unknown: (sc) => { forget(sc, 'clockToleranceMs'); }, defaultedMet: 'PASS',
  },
  'ORD-04': {
    setting: 'clockToleranceMs', option: '--clock-tolerance',
    base: () => { const sc = golden(); staleTimestamp(156, 408)(sc); return sc; }, broken: staleTimestamp(156, 100),
    unknown: (sc) => { forget(sc, 'clockToleranceMs'); }, defaultedMet: 'PASS',
  },
  'ORD-05': {
    setting: 'clockToleranceMs', option: '--clock-tolerance',
    base: () => { const sc = golden(); staleTimestamp(157, 408)(sc); return sc; }, broken: staleTimestamp(157, 100),
    unknown: (sc) => { forget(sc, 'clockToleranceMs'); }, defaultedMet: 'PASS',
  },
  'RA-09': {
    setting: 'fixedMagLinkLayer', option: '--fixed-mac',
    // Given, the RAs' own MAC is the fixed one; broken, every RA comes from another MAC, which
    // leaves nothing to infer the fixed address from.
    base: () => give(golden(), { fixedMagLinkLayer: '00:00:5e:00:52:13' }),
    broken: (sc) => { for (const s of sc.specs) if (s.kind === 'nd' && s.msg.type === 134) { s.ethSrc = OTHER_MAC; s.msg.sourceLinkLayer = OTHER_MAC; } },
    unknown: (sc) => { forget(sc, 'fixedMagLinkLayer'); }, defaultedMet: 'PASS',
  },
  'RA-10': {
    setting: 'maxLinkMtu', option: '--link-mtu',
    base: golden, broken: (sc) => { spec(sc, 'mn1-ra', 'nd').msg.mtu = 1500; },
    unknown: (sc) => { forget(sc, 'maxLinkMtu'); }, defaultedMet: 'INCONCLUSIVE',
  },
  'FWD-12': {
    setting: 'enableMagLocalRouting', option: '--mag-local-routing',
    base: golden, broken: (sc) => removeTagged(sc, 'mn1-mn2-1', 'mn1-mn2-2'),
    unknown: (sc) => { forget(sc, 'enableMagLocalRouting'); }, defaultedMet: 'PASS',
  },
  'LMA-BCE-13': {
    setting: 'minDelayBeforeBceDeleteMs', option: '--min-delay-bce',
    base: () => lateDereg(false), broken: (sc) => { sc.specs = lateDereg(true).specs; },
    unknown: (sc) => { forget(sc, 'minDelayBeforeBceDeleteMs'); }, defaultedMet: 'PASS',
  },
  // The same with the late reply malformed: a PBA its MAG drops still answers the de-registration.
  'LMA-BCE-13 (dropped reply)': {
    setting: 'minDelayBeforeBceDeleteMs', option: '--min-delay-bce',
    base: () => lateDereg(false),
    broken: (sc) => { sc.specs = lateDereg(true).specs; spec(sc, 'mn1-dereg2-pba', 'mh').badChecksum = true; },
    unknown: (sc) => { forget(sc, 'minDelayBeforeBceDeleteMs'); }, defaultedMet: 'PASS',
  },
  'LMA-BCE-01': {
    setting: 'minDelayBeforeBceDeleteMs', option: '--min-delay-bce',
    base: () => prefixAfterDereg(9, 'other MN', '2001:db8:aa:22::/64'), broken: (sc) => { sc.specs = prefixAfterDereg(9, 'other MN').specs; },
    unknown: (sc) => { forget(sc, 'minDelayBeforeBceDeleteMs'); }, defaultedMet: 'PASS',
  },
  'LMA-BCE-02': {
    setting: 'minDelayBeforeBceDeleteMs', option: '--min-delay-bce',
    base: () => prefixAfterDereg(9, 'other MN', '2001:db8:aa:22::/64'), broken: (sc) => { sc.specs = prefixAfterDereg(9, 'other MN').specs; },
    unknown: (sc) => { forget(sc, 'minDelayBeforeBceDeleteMs'); }, defaultedMet: 'PASS',
  },
  'LMA-PBA-09': {
    setting: 'minDelayBeforeBceDeleteMs', option: '--min-delay-bce',
    base: () => prefixAfterDereg(9, 'other MN', '2001:db8:aa:22::/64'), broken: (sc) => { sc.specs = prefixAfterDereg(9, 'other MN').specs; },
    unknown: (sc) => { forget(sc, 'minDelayBeforeBceDeleteMs'); }, defaultedMet: 'PASS',
  },
  'LMA-BCE-12': {
    setting: 'minDelayBeforeBceDeleteMs', option: '--min-delay-bce',
    base: () => prefixAfterDereg(9, 'second interface', '2001:db8:aa:11::/64'), broken: (sc) => { sc.specs = prefixAfterDereg(9, 'second interface').specs; },
    unknown: (sc) => { forget(sc, 'minDelayBeforeBceDeleteMs'); }, defaultedMet: 'PASS',
  },
  ...Object.fromEntries(['MH6-01', 'MH6-03'].map((id): [string, ThreeWay] => [id, {
    setting: 'minDelayBeforeBceDeleteMs', option: '--min-delay-bce',
    base: () => prefixAfterDereg(9, 'second interface', '2001:db8:aa:11::/64'), broken: (sc) => { sc.specs = prefixAfterDereg(9, 'second interface').specs; },
    unknown: (sc) => { forget(sc, 'minDelayBeforeBceDeleteMs'); }, defaultedMet: 'PASS',
  }])),
  'HO-07': {
    setting: 'minDelayBeforeBceDeleteMs', option: '--min-delay-bce',
    base: golden, broken: (sc) => setOpt(sc, 'mn1-ho-pba', 22, { prefix: '2001:db8:aa:55::/64' }),
    unknown: (sc) => { forget(sc, 'minDelayBeforeBceDeleteMs'); }, defaultedMet: 'PASS',
  },
  'DEREG-08': {
    setting: 'minDelayBeforeBceDeleteMs', option: '--min-delay-bce',
    base: golden, broken: (sc) => setOpt(sc, 'mn1-ho-pba', 22, { prefix: '2001:db8:aa:33::/64' }),
    unknown: (sc) => { forget(sc, 'minDelayBeforeBceDeleteMs'); }, defaultedMet: 'PASS',
  },
  'DEREG-10': {
    setting: 'minDelayBeforeBceDeleteMs', option: '--min-delay-bce',
    base: golden, broken: (sc) => setOpt(sc, 'mn1-ho-pba', 26, { address: 'fe80::77' }),
    unknown: (sc) => { forget(sc, 'minDelayBeforeBceDeleteMs'); }, defaultedMet: 'PASS',
  },
  'FWD-02': {
    setting: 'capture point kind', option: '--point core=core',
    base: golden, broken: (sc) => removeTagged(sc, 'mn1-down-1'), unknown: coreKindUnknown, defaultedMet: 'PASS',
  },
  'FWD-03': {
    setting: 'capture point kind', option: '--point NAME=core',
    base: golden, broken: (sc) => removeTagged(sc, 'mn1-up-2'), unknown: coreKindUnknown, defaultedMet: 'PASS',
  },
  'FWD-05': {
    setting: 'capture point kind', option: '--point core=core',
    base: golden, broken: (sc) => { spec(sc, 'mn1-up-2', 'data').hopLimit = 63; }, unknown: coreKindUnknown, defaultedMet: 'PASS',
  },
};

describe('settings provenance: each setting-dependent check judged given/met, given/broken and defaulted', () => {
  for (const [key, c] of Object.entries(CASES)) {
    const id = idOf(key);
    describe(`${key} (${c.setting})`, () => {
      it('given and met: PASS', () => {
        const r = verdict(c.base(), id);
        expect(r.verdict, r.message).to.equal('PASS');
      });
      it('given and broken: FAIL', () => {
        const sc = c.base();
        c.broken(sc);
        const r = verdict(sc, id);
        expect(r.verdict, r.message).to.equal('FAIL');
      });
      it(`defaulted and broken: INCONCLUSIVE, naming ${c.option.split(' ')[0]}`, () => {
        const sc = c.base();
        c.broken(sc);
        c.unknown(sc);
        const r = verdict(sc, id);
        expect(r.verdict, r.message).to.equal('INCONCLUSIVE');
        expect(r.message).to.include(c.option);
        expect(r.evidence.length, 'the instances left undecided').to.be.greaterThan(0);
      });
      it(`defaulted and met: ${c.defaultedMet}`, () => {
        const sc = c.base();
        c.unknown(sc);
        const r = verdict(sc, id);
        expect(r.verdict, r.message).to.equal(c.defaultedMet);
      });
    });
  }
});

describe('settings provenance: what the wire alone proves stays FAIL', () => {
  it('MAG-PBU-10: ATT 0 is reserved, given, inferred or defaulted', () => {
    const given = att(give(transportOnly(), { accessTechnologies: [4] }), 0);
    const inferred = att(wlanCapture(transportOnly()), 0);
    const defaulted = att(transportOnly(), 0);
    for (const sc of [given, inferred, defaulted]) {
      const r = verdict(sc, 'MAG-PBU-10');
      expect(r.verdict, r.message).to.equal('FAIL');
      expect(r.message).to.match(/ATT = 0, a reserved value/);
    }
  });

  it('MAG-PBU-10: two ATT options, with nothing known of the access technology', () => {
    const sc = transportOnly();
    msg(sc, 'mn1-refresh-pbu').options.push({ type: 24, value: 3 });
    const r = verdict(sc, 'MAG-PBU-10');
    expect(r.verdict, r.message).to.equal('FAIL');
    expect(r.message).to.match(/2 ATT options/);
  });

  it('MAG-PBU-13: an NTP-encoded timestamp, whatever the clock tolerance', () => {
    const sc = forget(golden(), 'clockToleranceMs');
    setOpt(sc, 'mn1-refresh-pbu', 27, { seconds: (T0 + 100 + 2_208_988_800) * 65536 });
    const r = verdict(sc, 'MAG-PBU-13');
    expect(r.verdict, r.message).to.equal('FAIL');
    expect(r.message).to.match(/NTP/);
  });

  it('RA-10: an RA advertising a prefix without an MTU option', () => {
    const sc = forget(golden(), 'maxLinkMtu');
    delete spec(sc, 'mn1-ra', 'nd').msg.mtu;
    const r = verdict(sc, 'RA-10');
    expect(r.verdict, r.message).to.equal('FAIL');
    expect(r.message).to.match(/no MTU option/);
  });

  it('LMA-BCE-01/02: a prefix given while the other MN\'s binding was live (no de-registration)', () => {
    const sc = forget(prefixAfterDereg(9, 'other MN', MN1.hnp, false), 'minDelayBeforeBceDeleteMs');
    for (const id of ['LMA-BCE-01', 'LMA-BCE-02']) expect(verdict(sc, id).verdict, id).to.equal('FAIL');
  });

  it('RA-09: RAs from RFC 6543\'s MAC show the domain uses it, so another MAC fails', () => {
    const sc = forget(golden(), 'fixedMagLinkLayer');
    spec(sc, 'mn1-ra', 'nd').msg.sourceLinkLayer = OTHER_MAC;
    const r = verdict(sc, 'RA-09');
    expect(r.verdict, r.message).to.equal('FAIL');
  });
});

describe('settings provenance: what the captures show', () => {
  it('the access technology from an 802.11 access capture\'s link type, naming its frames', () => {
    const t = buildTrace(wlanCapture(transportOnly()));
    const wlan = t.points.find((p) => p.name === 'wlan')!;
    expect(wlan.kind).to.equal('access');
    expect(wlan.kindSource).to.equal('inferred');
    expect(t.settings.accessTechnologies).to.deep.equal([4]);
    expect(t.provenance.accessTechnologies.source).to.equal('inferred');
    expect(t.provenance.accessTechnologies.frames.map((f) => `${f.point}#${f.frame}`)).to.deep.equal(['wlan#1']);
    expect(t.provenance.accessTechnologies.how).to.match(/wlan is IEEE 802\.11 radiotap/);
    // The report's settings table and capture list say so.
    const summary = summarizeTrace(t);
    expect(summary.settings.find((x) => x.name === 'accessTechnologies')!.source).to.match(/^inferred from wlan#1 \(link type of the access captures: wlan is IEEE 802\.11 radiotap\)$/);
    expect(summary.settings.find((x) => x.name === 'timestampValidityWindowMs')!.source).to.equal('default');
    expect(summary.settings.find((x) => x.name === 'maxLinkMtu')!.source).to.equal('given');
    expect(summary.points.find((p) => p.name === 'wlan')).to.include({ kind: 'access', kindSource: 'inferred' });
  });

  it('MAG-PBU-10 by the inferred access technology: ATT 4 passes on WLAN, ATT 3 fails naming the inference', () => {
    expect(verdict(att(wlanCapture(transportOnly()), 4), 'MAG-PBU-10').verdict).to.equal('PASS');
    const r = verdict(wlanCapture(transportOnly()), 'MAG-PBU-10');
    expect(r.verdict, r.message).to.equal('FAIL');
    expect(r.message).to.include('wlan (IEEE 802.11 radiotap)').and.include('--access-technology');
    // Ethernet access links allow 802.3 or a virtual link, not 802.11.
    expect(verdict(att(forget(golden(), 'accessTechnologies'), 4), 'MAG-PBU-10').verdict).to.equal('FAIL');
  });

  it('MAG-PBU-10: an access capture of one MAG says nothing of another MAG\'s links', () => {
    const sc = golden();
    sc.points = sc.points.filter((p) => p.name !== 'acc2' && p.name !== 'acc4');
    sc.specs = sc.specs.filter((s) => s.point !== 'acc2' && s.point !== 'acc4');
    for (const s of sc.specs) if (s.kind === 'mh' && s.src === '2001:db8:1::3') for (const o of (s.msg as { options?: MobilityOptionSpec[] }).options ?? []) if (o.type === 24) Object.assign(o, { value: 4 });
    const r = verdict(sc, 'MAG-PBU-10');
    expect(r.verdict, r.message).to.equal('INCONCLUSIVE');
    expect(r.message).to.include('no access capture of 2001:db8:1::3');
  });

  it('the fixed MAG link-layer address from the RAs that use it', () => {
    const t = buildTrace(forget(golden(), 'fixedMagLinkLayer'));
    expect(t.provenance.fixedMagLinkLayer.source).to.equal('inferred');
    expect(t.provenance.fixedMagLinkLayer.frames[0]!.point).to.equal('acc1');
  });

  it('the fixed MAG link-local address from an RA sent from RFC 6543\'s address: the PBUs\' LLA options then fail', () => {
    const sc = golden();
    spec(sc, 'mn1-ra', 'nd').src = RFC6543_LINK_LOCAL;
    const t = buildTrace(sc);
    expect(t.settings.fixedMagLinkLocal).to.equal(RFC6543_LINK_LOCAL);
    expect(t.provenance.fixedMagLinkLocal).to.include({ source: 'inferred' });
    expect(t.provenance.fixedMagLinkLocal.frames.map((f) => f.point)).to.deep.equal(['acc1']);
    expect(verdict(sc, 'MAG-PBU-15').verdict).to.equal('FAIL');
    expect(verdict(give(sc, { fixedMagLinkLocal: null }), 'MAG-PBU-15').verdict).to.equal('PASS');
  });

  it('RA-10 without --link-mtu: a packet the transport link carried proves the path takes the advertised MTU', () => {
    const sc = forget(golden(), 'maxLinkMtu');
    sc.specs.push({ kind: 'data', point: 'trn', time: 2.5, src: MN1.hoa, dst: '2001:db8:ff::1', hopLimit: 63, id: 77, size: 1412, outer: { src: MAG1, dst: LMA } });
    const r = verdict(sc, 'RA-10');
    expect(r.verdict, r.message).to.equal('PASS');
    expect(r.message).to.match(/carried 1500 octets \(trn#\d+\)/);
  });

  it('a capture with nothing to say is core by default, and says so', () => {
    const sc = golden();
    coreKindUnknown(sc);
    const core = buildTrace(sc).points.find((p) => p.name === 'core')!;
    expect(core.kind).to.equal('core');
    expect(core.kindSource).to.equal('default');
  });
});

describe('settings provenance: the testbed', () => {
  it('gives every setting a check reads, so no verdict of its runs rests on a default', () => {
    const given = traceSettings({}, []);
    expect(Object.keys(DEFAULT_SETTINGS).filter((k) => given[k as keyof DomainSettings] === undefined)).to.deep.equal([]);
  });
});

describe('settings provenance: `pmip-testbed analyze` with and without the settings', function () {
  this.timeout(60000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'pmip-provenance-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cli = join(new URL('../../../', import.meta.url).pathname, 'dist', 'harness', 'cli', 'main.js');

  function analyze(sc: Scenario, name: string, ...args: string[]): { status: number | null; verdict: (id: string) => { verdict: string; message: string }; stderr: string } {
    const files = [...writePcaps(sc, mkdtempSync(join(dir, `${name}-`))).entries()].map(([n, f]) => `${n}=${f}`);
    const r = spawnSync(process.execPath, [cli, 'analyze', ...files, '--no-report', '--json', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const json = r.status === 2 ? { requirements: [] } : JSON.parse(r.stdout) as { requirements: { id: string; verdict: string; message: string }[] };
    return { status: r.status, stderr: r.stderr, verdict: (id) => json.requirements.find((x) => x.id === id)! };
  }

  it('PBUs with ATT 4: MAG-PBU-10 INCONCLUSIVE by default, PASS with --access-technology 4', () => {
    const sc = att(transportOnly(), 4);
    const byDefault = analyze(sc, 'att4');
    expect(byDefault.verdict('MAG-PBU-10').verdict).to.equal('INCONCLUSIVE');
    expect(byDefault.verdict('MAG-PBU-10').message).to.include('--access-technology');
    expect(analyze(sc, 'att4-given', '--access-technology', '4').verdict('MAG-PBU-10').verdict).to.equal('PASS');
    expect(analyze(sc, 'att4-list', '--access-technology', '3,1').verdict('MAG-PBU-10').verdict).to.equal('FAIL');
  });

  it('PBUs with ATT 0: MAG-PBU-10 FAIL by default, with --access-technology and with a WLAN access capture', () => {
    const sc = att(transportOnly(), 0);
    expect(analyze(sc, 'att0').verdict('MAG-PBU-10').verdict).to.equal('FAIL');
    expect(analyze(sc, 'att0-given', '--access-technology', '4').verdict('MAG-PBU-10').verdict).to.equal('FAIL');
    expect(analyze(wlanCapture(att(transportOnly(), 0)), 'att0-wlan').verdict('MAG-PBU-10').verdict).to.equal('FAIL');
  });

  it('--access-technology takes ATT values 1-255, and --help lists the setting options', () => {
    const bad = analyze(transportOnly(), 'bad', '--access-technology', 'wifi');
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/--access-technology wants ATT values/);
    const help = spawnSync(process.execPath, [cli, 'analyze', '--help'], { encoding: 'utf8' });
    for (const o of ['--access-technology', '--mag-local-routing', '--clock-tolerance', '--link-mtu', '--min-delay-bce', '--fixed-mac']) expect(help.stdout).to.include(o);
  });
});
