// The fuzz generator: the same (seed, index) makes the same octets; the inputs cover every message
// model of each target, every registered mobility option, NAIs of every length class, floods up to
// the Mobility Header's maximum, truncation at every layer; and whatever it makes, the codec
// decodes without throwing.
import { expect } from 'chai';
import { decodeFrame, LINKTYPE_RAW, MH_OPTION_NAME } from '../../wire/index.js';
import { channelOf, generateInput, MH_MAX_OCTETS, type GenContext } from '../../harness/fuzz/generator.js';
import { modelsFor, OPTION_TYPES } from '../../harness/fuzz/models.js';
import { ddmin } from '../../harness/fuzz/ddmin.js';

const lma: GenContext = {
  target: 'lma', nowMs: Date.UTC(2026, 11, 6), mns: [{ nai: 'mn1@example.org', mac: '02:00:00:00:01:01' }],
  peer: ['2001:db8::1', '2001:db8:0:1::1'], targetAddress: '2001:db8::2',
};
const mag: GenContext = { ...lma, target: 'mag', peer: ['2001:db8::1'], access: { src: 'fe80::ff:fe00:102', mac: '02:00:00:00:01:02' } };
const N = 20_000;

function campaign(ctx: GenContext, seed = 1) {
  const messages = new Set<string>();
  const fields = new Set<string>();
  const optionTypes = new Set<number>();
  let maxMh = 0;
  for (let i = 0; i < N; i++) {
    const input = generateInput(seed, i, ctx);
    messages.add(input.message);
    for (const f of input.fields) fields.add(f);
    for (const p of input.packets) {
      const frame = decodeFrame(LINKTYPE_RAW, p.bytes, 0, p.bytes.length);
      if (frame.mh !== undefined) {
        maxMh = Math.max(maxMh, frame.mh.length);
        for (const o of frame.mh.options) optionTypes.add(o.type);
      }
    }
  }
  return { messages, fields, optionTypes, maxMh };
}

describe('fuzz generator', () => {
  it('makes input i of a seed the same every time, and other inputs for another seed', () => {
    for (const i of [0, 1, 999, 123_456]) {
      const a = generateInput(7, i, lma), b = generateInput(7, i, lma);
      expect(a.packets.map((p) => Buffer.from(p.bytes).toString('hex'))).to.deep.equal(b.packets.map((p) => Buffer.from(p.bytes).toString('hex')));
      expect(a.fields).to.deep.equal(b.fields);
    }
    const differ = [0, 1, 2, 3, 4, 5, 6, 7].filter((i) => Buffer.compare(Buffer.from(generateInput(1, i, lma).packets[0]!.bytes), Buffer.from(generateInput(2, i, lma).packets[0]!.bytes)) !== 0);
    expect(differ.length).to.be.greaterThan(4);
  });

  it('covers every message model, every registered option, the NAI classes, floods and truncation (LMA target)', () => {
    const c = campaign(lma);
    for (const m of modelsFor('lma')) expect(c.messages, m.name).to.include(m.name);
    for (const s of ['seq:attach-malformed-refresh', 'seq:handover-race', 'seq:deregistration-storm', 'seq:sequence-wrap', 'seq:replay']) expect(c.messages).to.include(s);
    const missing = OPTION_TYPES.filter((t) => !c.optionTypes.has(t)).map((t) => MH_OPTION_NAME[t]);
    expect(missing, 'option types never sent').to.deep.equal([]);
    for (const f of ['option.MN-ID.nai(binary)', 'option.MN-ID.nai(utf8)', 'option.flood', 'option.unknown', 'option.alignment', 'mh.headerLen',
      'mh.payloadProto', 'mh.checksum', 'truncated.common', 'truncated.fixed', 'truncated.options', 'ipv6.payloadLength', 'ipv6.extensionHeader',
      'PBU.lifetime', 'PBU.seq', 'PBU.flags', 'option.Timestamp', 'option.HNP.prefix']) expect(c.fields, f).to.include(f);
    expect(c.maxMh, 'the largest MH').to.be.within(MH_MAX_OCTETS - 200, MH_MAX_OCTETS);
  });

  it('sends a MAG PBAs, revocations, UPNs and RS/NS on its access link, each by its channel', () => {
    const c = campaign(mag);
    for (const m of modelsFor('mag')) expect(c.messages, m.name).to.include(m.name);
    for (const s of ['RS', 'NS', 'seq:pba-storm']) expect(c.messages).to.include(s);
    for (let i = 0; i < 2000; i++) {
      const input = generateInput(3, i, mag);
      for (const p of input.packets) expect(p.channel, `input ${i}`).to.equal(channelOf(3, i, 'mag'));
      if (input.message === 'RS' || input.message === 'NS') for (const p of input.packets) expect(p.dst).to.match(/%eth0$/);
    }
  });
});

describe('delta debugging (ddmin)', () => {
  it('finds the one failing item, and a failing pair, 1-minimal', async () => {
    const items = Array.from({ length: 300 }, (_, i) => i);
    const one = await ddmin(items, async (s) => s.includes(217));
    expect(one.items).to.deep.equal([217]);
    expect(one.tests).to.be.below(40);
    const pair = await ddmin(items, async (s) => s.includes(3) && s.includes(250));
    expect(pair.items).to.deep.equal([3, 250]);
  });

  it('keeps everything when nothing smaller fails', async () => {
    const r = await ddmin([1, 2, 3], async (s) => s.length === 3);
    expect(r.items).to.deep.equal([1, 2, 3]);
  });
});
