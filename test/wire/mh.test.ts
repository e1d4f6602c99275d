import { expect } from 'chai';
import { parseIpv6 } from '../../wire/bytes.js';
import {
  decodeMobilityHeader, encodeMobilityHeader, lifetimeSeconds, MhEncodeError,
  type BindingAck, type BindingError, type BindingRevocationAck, type BindingRevocationIndication,
  type BindingRevocationOther, type BindingUpdate, type HeartbeatMessage, type MobilityHeader,
  type MobilityHeaderSpec, type OtherMobilityMessage, type UpdateNotification, type UpdateNotificationAck,
} from '../../wire/mh.js';
import { MH_TYPE, BA_STATUS_CODE } from '../../wire/mh-registry.js';
import * as V from './mh-vectors.js';

const decodeHex = (h: string): MobilityHeader => {
  const b = V.bytesOf(h);
  return decodeMobilityHeader(b, 0, b.length);
};
const toHexString = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Independent checksum: BigInt sum of the pseudo-header and message words, folded, inverted. */
function referenceChecksum(src: string, dst: string, mh: Uint8Array): number {
  const words = (b: Uint8Array): bigint[] => {
    const w: bigint[] = [];
    for (let i = 0; i < b.length; i += 2) w.push(BigInt(b[i]!) * 256n + BigInt(b[i + 1] ?? 0));
    return w;
  };
  const copy = Uint8Array.from(mh);
  copy[4] = 0;
  copy[5] = 0;
  let sum = [...words(parseIpv6(src)), ...words(parseIpv6(dst)), ...words(copy)]
    .reduce((a, b) => a + b, BigInt(copy.length) + 135n);
  while (sum > 0xffffn) sum = (sum & 0xffffn) + (sum >> 16n);
  return Number(~sum & 0xffffn);
}

describe('wire/mh: message decoding', () => {
  it('decodes the A.8 PBU common header, flags and lifetime', () => {
    const m = decodeHex(V.PBU) as BindingUpdate;
    expect(m.malformed).to.equal(undefined);
    expect(m.type).to.equal(5);
    expect(m.name).to.equal('PBU');
    expect(m.payloadProto).to.equal(59);
    expect(m.headerLen).to.equal(12);
    expect(m.length).to.equal(104);
    expect(m.reserved).to.equal(0);
    expect(m.checksum).to.equal(V.PBU_CHECKSUM);
    expect(m.checksumOk).to.equal(null);
    expect(m.seq).to.equal(42);
    expect(m.flags).to.deep.equal({
      A: true, H: true, L: false, K: false, M: false, R: false, P: true, F: false, T: false, B: false, S: false, D: false,
    });
    expect(m.reservedFlags).to.equal(0);
    expect(m.lifetimeUnits).to.equal(150);
    expect(m.lifetime).to.equal(600);
    expect(m.options.map((o) => [o.type, o.offset, o.length])).to.deep.equal([
      [22, 12, 18], [23, 32, 2], [24, 36, 2], [8, 40, 16], [27, 58, 8], [1, 68, 0], [26, 70, 16], [25, 88, 8], [1, 98, 4],
    ]);
  });

  it('decodes a MIPv6 BU: every flag but P, reserved bits, name BU', () => {
    const m = decodeHex(V.BU) as BindingUpdate;
    expect(m.malformed).to.equal(undefined);
    expect(m.name).to.equal('BU');
    expect(m.seq).to.equal(1);
    expect(m.flags).to.deep.equal({
      A: true, H: true, L: true, K: true, M: true, R: true, P: false, F: true, T: true, B: true, S: true, D: true,
    });
    expect(m.reservedFlags).to.equal(5);
    expect(m.lifetimeUnits).to.equal(4);
    expect(m.lifetime).to.equal(16);
    expect(m.length).to.equal(48);
  });

  it('decodes a PBA', () => {
    const m = decodeHex(V.PBA) as BindingAck;
    expect(m.malformed).to.equal(undefined);
    expect(m.type).to.equal(6);
    expect(m.name).to.equal('PBA');
    expect(m.status).to.equal(0);
    expect(m.statusName).to.equal('ACCEPTED');
    expect(m.flags).to.deep.equal({ K: false, R: false, P: true, T: false, B: false, S: false, D: false });
    expect(m.reservedFlags).to.equal(0);
    expect(m.seq).to.equal(42);
    expect(m.lifetimeUnits).to.equal(150);
    expect(m.lifetime).to.equal(600);
    expect(m.headerLen).to.equal(8);
    expect(m.options.map((o) => o.type)).to.deep.equal([22, 8, 0, 33, 37, 38, 39]);
  });

  it('decodes a plain BA with a status name and the reserved flag bit', () => {
    const m = decodeHex(V.BA) as BindingAck;
    expect(m.name).to.equal('BA');
    expect(m.status).to.equal(135);
    expect(m.statusName).to.equal('SEQUENCE_NUMBER_OUT_OF_WINDOW');
    expect(m.flags).to.deep.equal({ K: true, R: false, P: false, T: false, B: false, S: false, D: false });
    expect(m.reservedFlags).to.equal(1);
    expect(m.seq).to.equal(7);
    expect(m.lifetime).to.equal(0);
  });

  it('names PMIPv6 BA status codes from A.9', () => {
    const b = V.bytesOf(V.BA);
    b[6] = 152;
    expect((decodeMobilityHeader(b, 0, b.length) as BindingAck).statusName).to.equal('PROXY_REG_NOT_ENABLED');
    b[6] = 200;
    expect((decodeMobilityHeader(b, 0, b.length) as BindingAck).statusName).to.equal('UNASSIGNED_200');
  });

  it('decodes a Binding Error', () => {
    const m = decodeHex(V.BE) as BindingError;
    expect(m.malformed).to.equal(undefined);
    expect(m.name).to.equal('BE');
    expect(m.status).to.equal(2);
    expect(m.statusName).to.equal('UNRECOGNIZED_MH_TYPE');
    expect(m.reservedBits).to.equal(0);
    expect(m.homeAddress).to.equal('2001:db8::99');
    expect(m.options).to.deep.equal([]);
  });

  it('decodes Heartbeat request and response', () => {
    const req = decodeHex(V.HEARTBEAT_REQUEST) as HeartbeatMessage;
    expect(req.name).to.equal('Heartbeat');
    expect(req.flags).to.deep.equal({ U: false, R: false });
    expect(req.reservedBits).to.equal(0);
    expect(req.seq).to.equal(5);
    const resp = decodeHex(V.HEARTBEAT_RESPONSE) as HeartbeatMessage;
    expect(resp.malformed).to.equal(undefined);
    expect(resp.flags).to.deep.equal({ U: true, R: true });
    expect(resp.seq).to.equal(4294967294);
    expect(resp.options.map((o) => [o.type, o.offset])).to.deep.equal([[1, 12], [28, 14], [1, 20]]);
  });

  it('decodes BRI, BRA and an undefined B.R. Type', () => {
    const bri = decodeHex(V.BRI) as BindingRevocationIndication;
    expect(bri.malformed).to.equal(undefined);
    expect(bri.name).to.equal('BRI');
    expect(bri.brType).to.equal(1);
    expect(bri.trigger).to.equal(3);
    expect(bri.triggerName).to.equal('INTER_MAG_HANDOVER_DIFFERENT_ACCESS_TYPE');
    expect(bri.seq).to.equal(9);
    expect(bri.flags).to.deep.equal({ P: true, V: false, G: false });
    expect(bri.reservedFlags).to.equal(0);
    expect(bri.options.map((o) => [o.type, o.offset])).to.deep.equal([[8, 12], [1, 22], [22, 28], [36, 48]]);
    const bra = decodeHex(V.BRA) as BindingRevocationAck;
    expect(bra.name).to.equal('BRA');
    expect(bra.brType).to.equal(2);
    expect(bra.status).to.equal(0);
    expect(bra.statusName).to.equal('SUCCESS');
    expect(bra.seq).to.equal(9);
    expect(bra.flags).to.deep.equal({ P: true, V: false, G: false });
    const other = decodeHex(V.BR_OTHER) as BindingRevocationOther;
    expect(other.name).to.equal('BR');
    expect(other.brType).to.equal(3);
    expect(other.code).to.equal(7);
    expect(other.flags).to.deep.equal({ P: false, V: false, G: true });
    expect(other.reservedFlags).to.equal(1);
  });

  it('decodes UPN with the 8-bit reason reading, and UPA', () => {
    const upn = decodeHex(V.UPN) as UpdateNotification;
    expect(upn.malformed).to.equal(undefined);
    expect(upn.name).to.equal('UPN');
    expect(upn.seq).to.equal(11);
    expect(upn.reason).to.equal(1);
    expect(upn.reasonName).to.equal('FORCE_REREGISTRATION');
    expect(upn.flags).to.deep.equal({ A: false, D: true });
    expect(upn.reservedBits).to.equal(0);
    const upa = decodeHex(V.UPA) as UpdateNotificationAck;
    expect(upa.name).to.equal('UPA');
    expect(upa.seq).to.equal(11);
    expect(upa.status).to.equal(128);
    expect(upa.statusName).to.equal('FAILED_TO_UPDATE_SESSION_PARAMETERS');
    expect(upa.reservedBits).to.equal(0);
  });

  it('keeps the fixed part of BRR and HoTI as data and decodes nothing after an unknown type', () => {
    const brr = decodeHex(V.BRR) as OtherMobilityMessage;
    expect(brr.name).to.equal('BRR');
    expect(brr.data).to.equal('0000');
    expect(brr.length).to.equal(8);
    const hoti = decodeHex(V.HOTI) as OtherMobilityMessage;
    expect(hoti.name).to.equal('HoTI');
    expect(hoti.data).to.equal('00000102030405060708');
    expect(hoti.options).to.deep.equal([]);
    const unknown = decodeHex(V.UNKNOWN_200) as OtherMobilityMessage;
    expect(unknown.type).to.equal(200);
    expect(unknown.name).to.equal('MH-200');
    expect(unknown.data).to.equal('00112233445566778899');
    expect(unknown.malformed).to.equal(undefined);
    const fbu = decodeHex(V.FBU) as OtherMobilityMessage;
    expect(fbu.name).to.equal('FBU');
    expect(fbu.data).to.equal('00112233445566778899');
  });

  it('decodes at an offset inside a larger buffer, option offsets staying MH-relative', () => {
    const mh = V.bytesOf(V.PBU);
    const frame = new Uint8Array(54 + mh.length + 7);
    frame.set(parseIpv6(V.PBU_SRC), 22);
    frame.set(parseIpv6(V.PBU_DST), 38);
    frame.set(mh, 54);
    const m = decodeMobilityHeader(frame, 54, mh.length, { addrBuf: frame, srcOff: 22, dstOff: 38 }) as BindingUpdate;
    expect(m.malformed).to.equal(undefined);
    expect(m.checksumOk).to.equal(true);
    expect(m.seq).to.equal(42);
    expect(m.options[0]!.offset).to.equal(12);
    expect(m.options[8]!.offset).to.equal(98);
  });

  it('narrows on type with the MH_TYPE constants', () => {
    const m = decodeHex(V.PBU);
    if (m.type !== MH_TYPE.BU) throw new Error('expected a BU');
    expect(m.flags.P).to.equal(true);
  });

  it('lifetimeSeconds converts 4-second units', () => {
    expect(lifetimeSeconds(150)).to.equal(600);
    expect(lifetimeSeconds(0)).to.equal(0);
  });
});

describe('wire/mh: checksum', () => {
  const src = parseIpv6(V.PBU_SRC);
  const dst = parseIpv6(V.PBU_DST);
  const addrBuf = new Uint8Array(32);
  addrBuf.set(src, 0);
  addrBuf.set(dst, 16);
  const ctx = { addrBuf, srcOff: 0, dstOff: 16 };

  it('the stored vector checksum matches an independent BigInt implementation', () => {
    expect(referenceChecksum(V.PBU_SRC, V.PBU_DST, V.bytesOf(V.PBU))).to.equal(V.PBU_CHECKSUM);
  });

  it('verifies a good checksum and rejects any flipped byte', () => {
    const b = V.bytesOf(V.PBU);
    expect(decodeMobilityHeader(b, 0, b.length, ctx).checksumOk).to.equal(true);
    for (const i of [0, 5, 7, 40, 103]) {
      const bad = V.bytesOf(V.PBU);
      bad[i]! ^= 0x01;
      expect(decodeMobilityHeader(bad, 0, bad.length, ctx).checksumOk, `byte ${i}`).to.equal(false);
    }
    const otherSrc = Uint8Array.from(addrBuf);
    otherSrc[15] ^= 0x02;
    expect(decodeMobilityHeader(b, 0, b.length, { addrBuf: otherSrc, srcOff: 0, dstOff: 16 }).checksumOk).to.equal(false);
  });

  it('is null when the MH is not captured in full', () => {
    const b = V.bytesOf(V.PBU);
    expect(decodeMobilityHeader(b, 0, 100, ctx).checksumOk).to.equal(null);
  });

  it('encode computes it from addrs, else writes msg.checksum or 0', () => {
    const m = decodeHex(V.PBU) as BindingUpdate;
    const withAddrs = encodeMobilityHeader({ ...m, checksum: 0 }, { src, dst });
    expect((withAddrs[4]! << 8) | withAddrs[5]!).to.equal(V.PBU_CHECKSUM);
    const hb = decodeHex(V.HEARTBEAT_REQUEST) as HeartbeatMessage;
    const computed = encodeMobilityHeader(hb, { src, dst });
    expect((computed[4]! << 8) | computed[5]!).to.equal(referenceChecksum(V.PBU_SRC, V.PBU_DST, computed));
    const given = encodeMobilityHeader({ ...hb, checksum: 0xbeef });
    expect((given[4]! << 8) | given[5]!).to.equal(0xbeef);
    const { checksum: _unused, ...noChecksum } = hb;
    const zero = encodeMobilityHeader(noChecksum);
    expect((zero[4]! << 8) | zero[5]!).to.equal(0);
  });
});

describe('wire/mh: round trips', () => {
  for (const [name, h] of Object.entries(V.ALL_VECTORS)) {
    it(`encode(decode(${name})) is byte-identical`, () => {
      const b = V.bytesOf(h);
      const m = decodeMobilityHeader(b, 0, b.length);
      expect(m.malformed, name).to.equal(undefined);
      expect(m.length, 'vector length agrees with Header Len').to.equal(b.length);
      expect(toHexString(encodeMobilityHeader(m))).to.equal(h);
      // and through JSON, as a scenario file or a report would carry it
      expect(toHexString(encodeMobilityHeader(JSON.parse(JSON.stringify(m)) as MobilityHeaderSpec))).to.equal(h);
    });
  }

  it('decode(encode(spec)) gives the fields of a semantic PBA spec', () => {
    const bytes = encodeMobilityHeader({
      type: 6, status: BA_STATUS_CODE.TIMESTAMP_MISMATCH, seq: 7, lifetime: 0, flags: { P: true }, autoPad: true,
      options: [{ type: 27, seconds: 1700000000, fraction: 1 }],
    });
    const m = decodeMobilityHeader(bytes, 0, bytes.length) as BindingAck;
    expect(m.malformed).to.equal(undefined);
    expect(m.name).to.equal('PBA');
    expect(m.status).to.equal(156);
    expect(m.statusName).to.equal('TIMESTAMP_MISMATCH');
    expect(m.seq).to.equal(7);
    expect(m.lifetimeUnits).to.equal(0);
    expect(m.flags.P).to.equal(true);
    expect(m.flags.K).to.equal(false);
    // TS wants 8n+2: 6 octets of PadN after offset 12, then 4 octets of PadN to end on 32
    expect(m.options.map((o) => [o.type, o.offset, o.length])).to.deep.equal([[1, 12, 4], [27, 18, 8], [1, 28, 2]]);
    expect(m.options[1]).to.include({ seconds: 1700000000, fraction: 1 });
    expect(m.length).to.equal(32);
  });

  it('decode(encode(spec)) for every message type built from semantic fields', () => {
    const specs: MobilityHeaderSpec[] = [
      { type: 5, seq: 65535, flags: { A: true, P: true, T: true }, lifetime: 262140, autoPad: true },
      { type: 7, status: 1, homeAddress: '2001:db8::1' },
      { type: 13, seq: 77, flags: { R: true }, options: [{ type: 28, value: 3 }], autoPad: true },
      { type: 16, brType: 1, trigger: 5, seq: 3, flags: { G: true }, autoPad: true },
      { type: 16, brType: 2, status: 128, seq: 3, autoPad: true },
      { type: 19, seq: 4, reason: 2, flags: { A: true }, autoPad: true },
      { type: 20, seq: 4, status: 0, autoPad: true },
      { type: 0, autoPad: true },
      { type: 201, data: '0102030405060708090a' },
    ];
    const expected: Record<string, unknown>[] = [
      { name: 'PBU', seq: 65535, lifetimeUnits: 65535, lifetime: 262140 },
      { name: 'BE', status: 1, homeAddress: '2001:db8::1' },
      { name: 'Heartbeat', seq: 77 },
      { name: 'BRI', trigger: 5, seq: 3 },
      { name: 'BRA', status: 128, statusName: 'BINDING_DOES_NOT_EXIST' },
      { name: 'UPN', seq: 4, reason: 2, reasonName: 'UPDATE_SESSION_PARAMETERS' },
      { name: 'UPA', status: 0, statusName: 'SUCCESS' },
      { name: 'BRR', data: '0000', length: 8 },
      { name: 'MH-201', data: '0102030405060708090a', length: 16 },
    ];
    specs.forEach((spec, i) => {
      const b = encodeMobilityHeader(spec);
      expect(b.length % 8, `spec ${i}`).to.equal(0);
      const m = decodeMobilityHeader(b, 0, b.length);
      expect(m.malformed, `spec ${i}`).to.equal(undefined);
      expect(m.payloadProto).to.equal(59);
      expect(m).to.include(expected[i]);
    });
    const hb = decodeMobilityHeader(...withLen(encodeMobilityHeader(specs[2]!))) as HeartbeatMessage;
    expect(hb.flags).to.deep.equal({ U: false, R: true });
    expect(hb.options.find((o) => o.type === 28)).to.include({ offset: 14, value: 3 });
    const upn = decodeMobilityHeader(...withLen(encodeMobilityHeader(specs[5]!))) as UpdateNotification;
    expect(upn.flags).to.deep.equal({ A: true, D: false });
    const pbu = decodeMobilityHeader(...withLen(encodeMobilityHeader(specs[0]!))) as BindingUpdate;
    expect(pbu.flags).to.include({ A: true, P: true, T: true, H: false, D: false });
  });
});

function withLen(b: Uint8Array): [Uint8Array, number, number] {
  return [b, 0, b.length];
}

describe('wire/mh: encoder input errors', () => {
  const base = { type: 5 as const, seq: 1, flags: { A: true, P: true }, autoPad: true };
  it('refuses a lifetime that is not a multiple of 4 s, or none at all', () => {
    expect(() => encodeMobilityHeader({ ...base, lifetime: 10 })).to.throw(MhEncodeError, /not a multiple of 4/);
    expect(() => encodeMobilityHeader(base)).to.throw(MhEncodeError, /needs lifetimeUnits or lifetime/);
  });
  it('prefers lifetimeUnits over lifetime', () => {
    const b = encodeMobilityHeader({ ...base, lifetimeUnits: 3, lifetime: 400 });
    expect((decodeMobilityHeader(b, 0, b.length) as BindingUpdate).lifetimeUnits).to.equal(3);
  });
  it('refuses out-of-range fields with the field name', () => {
    expect(() => encodeMobilityHeader({ ...base, seq: 70000, lifetime: 4 })).to.throw(MhEncodeError, /BU seq must be an integer 0\.\.65535/);
    expect(() => encodeMobilityHeader({ type: 6, status: 256, seq: 1, lifetime: 0 })).to.throw(MhEncodeError, /BA status/);
  });
  it('refuses a length that is not a multiple of 8 without autoPad or headerLen', () => {
    expect(() => encodeMobilityHeader({ type: 5, seq: 1, lifetime: 4 })).to.throw(MhEncodeError, /12 octets, not a multiple of 8/);
  });
  it('writes an explicit headerLen as given (MH-08 stimulus) and the decoder flags it', () => {
    const b = encodeMobilityHeader({ ...base, lifetime: 4, headerLen: 0 });
    expect(b.length).to.equal(16);
    expect(b[1]).to.equal(0);
    const m = decodeMobilityHeader(b, 0, b.length) as BindingUpdate;
    expect(m.malformed).to.equal('header length 0 (8 octets) is shorter than the 12 octets a PBU needs');
    // the fixed fields come from the captured octets; no options are read past Header Len
    expect(m.flags.P).to.equal(true);
    expect(m.lifetimeUnits).to.equal(1);
    expect(m.options).to.deep.equal([]);
  });
});

describe('wire/mh: malformed input never throws', () => {
  it('reports truncation at every length of the PBU', () => {
    const full = V.bytesOf(V.PBU);
    for (let len = 0; len <= full.length; len++) {
      const cut = full.slice(0, len);
      let m: MobilityHeader | undefined;
      expect(() => { m = decodeMobilityHeader(cut, 0, len); }, `len ${len}`).not.to.throw();
      if (len === full.length) expect(m!.malformed).to.equal(undefined);
      else expect(m!.malformed, `len ${len}`).to.be.a('string');
      if (len >= 6) expect(m!.malformed ?? '', `len ${len}`).to.match(len === full.length ? /^$/ : /exceeds the \d+ octets captured/);
      if (len >= 3) expect(m!.type).to.equal(5);
      // options are kept only when all their bytes were captured
      for (const o of m!.options) expect(o.offset + (o.type === 0 ? 1 : o.length + 2)).to.be.at.most(len);
    }
  });

  it('gives clear reasons for short common parts and a missing type', () => {
    const empty = decodeMobilityHeader(new Uint8Array(0), 0, 0);
    expect(empty.type).to.equal(-1);
    expect(empty.name).to.equal('MH-?');
    expect(empty.malformed).to.equal('only 0 of the 6 octets of the Mobility Header common part captured');
    const four = V.bytesOf(V.PBU).slice(0, 4);
    const m = decodeMobilityHeader(four, 0, 4) as BindingUpdate;
    expect(m.malformed).to.equal('only 4 of the 6 octets of the Mobility Header common part captured');
    expect(m.headerLen).to.equal(12);
    expect(m.seq).to.equal(0);
    const cut = decodeMobilityHeader(V.bytesOf(V.PBU), 0, 40) as BindingUpdate;
    expect(cut.malformed).to.equal('header length 12 (104 octets) exceeds the 40 octets captured');
    expect(cut.seq).to.equal(42);
    expect(cut.options.map((o) => o.type)).to.deep.equal([22, 23, 24]);
  });

  it('treats len beyond the buffer as what the buffer holds, and a negative len as nothing', () => {
    const b = V.bytesOf(V.PBU).slice(0, 50);
    expect(decodeMobilityHeader(b, 0, 1000).malformed).to.equal('header length 12 (104 octets) exceeds the 50 octets captured');
    expect(decodeMobilityHeader(b, 0, -5).malformed).to.equal('only 0 of the 6 octets of the Mobility Header common part captured');
    expect(decodeMobilityHeader(b, 60, 10).malformed).to.equal('only 0 of the 6 octets of the Mobility Header common part captured');
  });

  it('flags a Header Len beyond the data', () => {
    const b = V.bytesOf(V.PBU);
    b[1] = 20;
    const m = decodeMobilityHeader(b, 0, b.length) as BindingUpdate;
    expect(m.malformed).to.equal('header length 20 (168 octets) exceeds the 104 octets captured');
    expect(m.options).to.have.length(9);
  });

  it('flags an option that overruns the header', () => {
    const b = V.bytesOf('3b0105000000 0001 8200 0001 1612 0000'.replace(/ /g, ''));
    const m = decodeMobilityHeader(b, 0, b.length);
    expect(m.malformed).to.equal('option 22 at offset 12 overruns the header');
    expect(m.options).to.deep.equal([]);
  });

  it('flags an option without its Length octet', () => {
    // 12: PadN len 1 (3 octets), 15: a Type byte with nothing after it
    const b = V.bytesOf('3b0105000000 0001 8200 0001 010100 05'.replace(/ /g, ''));
    const m = decodeMobilityHeader(b, 0, b.length);
    expect(m.malformed).to.equal('option 5 at offset 15 has no Length octet');
    expect(m.options).to.have.length(1);
  });

  it('keeps an option of the wrong length raw, flagging it and the message', () => {
    // 0: Header Len 3 (32), type 5; 12: HNP with length 17 instead of 18 (fills 12..30); 31: Pad1
    const b = V.bytesOf('3b0305000000 0001 8200 0001 1611 0040 20010db80001000000000000000000 00'.replace(/ /g, ''));
    const m = decodeMobilityHeader(b, 0, b.length);
    const reason = 'option 22 (Home Network Prefix) at offset 12 has length 17, expected 18';
    expect(m.malformed).to.equal(reason);
    expect(m.options[0]).to.deep.equal({
      type: 22, name: 'Home Network Prefix', offset: 12, length: 17, data: '004020010db80001000000000000000000', malformed: reason,
    });
    expect(m.options[1]).to.deep.equal({ type: 0, name: 'Pad1', offset: 31, length: 0 });
    // the raw option re-encodes as it came
    expect(toHexString(encodeMobilityHeader(m))).to.equal(toHexString(b));
  });

  it('flags a GRE Key option of length 4', () => {
    // 0: Header Len 2 (24), type 5; 12: GRE Key with length 4; 18: PadN len 4
    const b = V.bytesOf('3b0205000000 0001 8200 0001 2104 00000000 0104 00000000'.replace(/ /g, ''));
    const m = decodeMobilityHeader(b, 0, b.length);
    expect(m.malformed).to.match(/^option 33 \(GRE Key\) at offset 12 has length 4, expected 2 or 6$/);
  });

  it('never throws on random bytes', () => {
    let seed = 12345;
    const rnd = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
    for (let n = 0; n < 3000; n++) {
      const len = rnd() % 80;
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = rnd() & 0xff;
      if (len > 2 && n % 2 === 0) b[2] = [5, 6, 7, 13, 16, 19, 20][n % 7]!;
      if (len > 1 && n % 3 === 0) b[1] = rnd() % 10;
      expect(() => decodeMobilityHeader(b, 0, len)).not.to.throw();
    }
  });
});
