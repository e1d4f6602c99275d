import { expect } from 'chai';
import { parseIpv6 } from '../../wire/bytes.js';
import { decodeMobilityHeader, encodeMobilityHeader, MhEncodeError, type MobilityHeader } from '../../wire/mh.js';
import {
  findOption, findOptions, isoFromUnix, timestampFromDate, timestampToMs,
  type MobilityOption, type MobilityOptionSpec,
} from '../../wire/mh-options.js';
import { MH_OPTION, OPTION_ALIGNMENT } from '../../wire/mh-registry.js';
import * as V from './mh-vectors.js';

const decodeHex = (h: string): MobilityHeader => {
  const b = V.bytesOf(h);
  return decodeMobilityHeader(b, 0, b.length);
};
const optionsOf = (h: string): MobilityOption[] => decodeHex(h).options;
const toHexString = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A PBU carrying just `options`, auto-padded, decoded again. */
function viaPbu(options: MobilityOptionSpec[]): MobilityHeader {
  const b = encodeMobilityHeader({ type: 5, seq: 1, flags: { A: true, P: true }, lifetime: 4, autoPad: true, options });
  return decodeMobilityHeader(b, 0, b.length);
}

describe('wire/mh-options: every option decoded field by field', () => {
  it('A.8 PBU: HNP, HI, ATT, MN-ID (NAI), Timestamp, PadN, LLA, MN-LL-ID', () => {
    expect(optionsOf(V.PBU)).to.deep.equal([
      { type: 22, name: 'Home Network Prefix', offset: 12, length: 18, reserved: 0, prefixLength: 0, prefix: '::/0' },
      { type: 23, name: 'Handoff Indicator', offset: 32, length: 2, reserved: 0, value: 1, valueName: 'ATTACHMENT_OVER_NEW_INTERFACE' },
      { type: 24, name: 'Access Technology Type', offset: 36, length: 2, reserved: 0, value: 3, valueName: 'IEEE_802_3' },
      {
        type: 8, name: 'Mobile Node Identifier', offset: 40, length: 16, subtype: 1, subtypeName: 'NAI',
        id: 'mn1@example.com', validNai: true,
      },
      {
        type: 27, name: 'Timestamp', offset: 58, length: 8, seconds: 1700000000, fraction: 32768,
        iso: '2023-11-14T22:13:20.500Z', ntpLike: false,
      },
      { type: 1, name: 'PadN', offset: 68, length: 0, nonZero: false },
      { type: 26, name: 'Link-local Address', offset: 70, length: 16, address: 'fe80::200:5eff:fe00:5213' },
      { type: 25, name: 'Mobile Node Link-layer Identifier', offset: 88, length: 8, reserved: 0, id: '020000000001' },
      { type: 1, name: 'PadN', offset: 98, length: 4, nonZero: false },
    ]);
  });

  it('PBA: HNP with a prefix, MN-ID (IMSI), Pad1, GRE Key, IPv4 HoA Reply, Default Router, DHCP mode', () => {
    expect(optionsOf(V.PBA)).to.deep.equal([
      { type: 22, name: 'Home Network Prefix', offset: 12, length: 18, reserved: 0, prefixLength: 64, prefix: '2001:db8:1::/64' },
      {
        type: 8, name: 'Mobile Node Identifier', offset: 32, length: 9, subtype: 3, subtypeName: 'IMSI',
        id: '21436587092143f5', validNai: false,
      },
      { type: 0, name: 'Pad1', offset: 43, length: 0 },
      { type: 33, name: 'GRE Key', offset: 44, length: 6, reserved: 0, key: 100 },
      {
        type: 37, name: 'IPv4 Home Address Reply', offset: 52, length: 6, status: 0, statusName: 'SUCCESS',
        prefixLength: 24, reserved: 0, address: '192.0.2.10',
      },
      { type: 38, name: 'IPv4 Default-Router Address', offset: 60, length: 6, reserved: 0, address: '192.0.2.1' },
      { type: 39, name: 'IPv4 DHCP Support Mode', offset: 68, length: 2, reserved: 0, S: true },
    ]);
  });

  it('BA: Binding Refresh Advice', () => {
    expect(optionsOf(V.BA)).to.deep.equal([
      { type: 2, name: 'Binding Refresh Advice', offset: 12, length: 2, interval: 5 },
    ]);
  });

  it('BU: Alternate CoA, Vendor-Specific, PadN with non-zero contents', () => {
    expect(optionsOf(V.BU)).to.deep.equal([
      { type: 1, name: 'PadN', offset: 12, length: 0, nonZero: false },
      { type: 3, name: 'Alternate Care-of Address', offset: 14, length: 16, address: '2001:db8::abcd' },
      { type: 19, name: 'Vendor Specific', offset: 32, length: 7, vendorId: 0x1234, subtype: 1, data: 'abcd' },
      { type: 1, name: 'PadN', offset: 41, length: 5, nonZero: true, data: '0102030405' },
    ]);
  });

  it('Heartbeat: Restart Counter', () => {
    expect(optionsOf(V.HEARTBEAT_RESPONSE)[1]).to.deep.equal(
      { type: 28, name: 'Restart Counter', offset: 14, length: 4, value: 10 });
  });

  it('BRI: NAI, HNP, IPv4 HoA Request', () => {
    const o = optionsOf(V.BRI);
    expect(o[0]).to.deep.equal({
      type: 8, name: 'Mobile Node Identifier', offset: 12, length: 8, subtype: 1, subtypeName: 'NAI', id: 'mn2@lma', validNai: true,
    });
    expect(o[2]).to.deep.equal(
      { type: 22, name: 'Home Network Prefix', offset: 28, length: 18, reserved: 0, prefixLength: 64, prefix: '2001:db8:1::/64' });
    expect(o[3]).to.deep.equal({
      type: 36, name: 'IPv4 Home Address Request', offset: 48, length: 6, prefixLength: 32, reserved: 0, address: '192.0.2.99',
    });
  });

  it('BRA: GRE Key without a key (length 2)', () => {
    expect(optionsOf(V.BRA)).to.deep.equal([{ type: 33, name: 'GRE Key', offset: 12, length: 2, reserved: 0 }]);
  });

  it('UPN: MN Group Identifier', () => {
    expect(optionsOf(V.UPN)[0]).to.deep.equal(
      { type: 50, name: 'Mobile Node Group Identifier', offset: 12, length: 6, subtype: 1, reserved: 0, groupId: 1 });
  });

  it('UPA: an unknown option type is kept raw', () => {
    expect(optionsOf(V.UPA)).to.deep.equal([{ type: 250, name: 'option-250', offset: 12, length: 2, data: 'abcd' }]);
  });

  it('reads reserved bits wherever the layouts have them', () => {
    const m = viaPbu([
      { type: 22, prefix: '2001:db8::/48', reserved: 0xa5 },
      { type: 36, prefixLength: 63, reserved: 0x3ff, address: '10.0.0.1' },
      { type: 37, status: 130, prefixLength: 1, reserved: 3, address: '10.0.0.2' },
      { type: 39, reserved: 0x7fff, S: false },
      { type: 25, reserved: 0xbeef, id: '00:11:22:33:44:55' },
    ]);
    expect(m.malformed).to.equal(undefined);
    expect(findOption(m.options, MH_OPTION.HOME_NETWORK_PREFIX)).to.include({ reserved: 0xa5, prefixLength: 48, prefix: '2001:db8::/48' });
    expect(findOption(m.options, MH_OPTION.IPV4_HOA_REQUEST)).to.include({ prefixLength: 63, reserved: 0x3ff, address: '10.0.0.1' });
    expect(findOption(m.options, MH_OPTION.IPV4_HOA_REPLY)).to.include({
      status: 130, statusName: 'INCORRECT_IPV4_HOME_ADDRESS', prefixLength: 1, reserved: 3,
    });
    expect(findOption(m.options, MH_OPTION.IPV4_DHCP_SUPPORT_MODE)).to.include({ reserved: 0x7fff, S: false });
    expect(findOption(m.options, MH_OPTION.MN_LINK_LAYER_ID)).to.include({ reserved: 0xbeef, id: '001122334455' });
  });
});

describe('wire/mh-options: MN Identifier', () => {
  const nai = (id: string): { id: string; validNai: boolean } => {
    const o = findOption(viaPbu([{ type: 8, subtype: 1, id }]).options, MH_OPTION.MN_ID)!;
    return { id: o.id, validNai: o.validNai };
  };
  it('accepts user@realm, @realm and a bare name', () => {
    for (const id of ['mn1@example.com', 'user.name+tag@a-b.example', '@realm.example', 'imsi001010123456789']) {
      expect(nai(id), id).to.deep.equal({ id, validNai: true });
    }
  });
  it('rejects empty, spaces, two @, an empty or broken realm', () => {
    for (const id of ['', 'a b@x', 'a@b@c', 'user@', 'user@realm..com', 'user@.realm', 'user@realm.', 'user@re_alm']) {
      expect(nai(id), JSON.stringify(id)).to.deep.equal({ id, validNai: false });
    }
  });
  it('shows an NAI whose octets are not printable text escaped and says it is binary; it re-encodes as sent', () => {
    const cases: [number[], string][] = [
      [[0x74, 0x61, 0x62, 0x09, 0x40, 0x78], 'tab\\x09@x (binary NAI)'],
      [[0x00, 0x01, 0x5c, 0x41], '\\x00\\x01\\\\A (binary NAI)'],
      [[0xc3, 0x28, 0x40, 0x78], '\\xc3(@x (binary NAI)'],
      [[...Buffer.from('x (binary NAI)')], 'x (binary NAI) (binary NAI)'],
    ];
    for (const [octets, shown] of cases) {
      // A raw option (type 250) carrying subtype 1 and these octets, then turned into an MN-ID.
      const mh = encodeMobilityHeader({ type: 5, seq: 1, lifetime: 4, autoPad: true, options: [{ type: 250, data: Buffer.from([1, ...octets]).toString('hex') }] });
      mh[12] = MH_OPTION.MN_ID;
      const o = findOption(decodeMobilityHeader(mh, 0, mh.length).options, MH_OPTION.MN_ID)!;
      expect(o, shown).to.include({ id: shown, validNai: false });
      const again = encodeMobilityHeader(decodeMobilityHeader(mh, 0, mh.length));
      expect(toHexString(again), shown).to.equal(toHexString(mh));
    }
  });
  it('decodes non-ASCII NAIs as UTF-8 and marks them invalid', () => {
    expect(nai('müller@example.de')).to.deep.equal({ id: 'müller@example.de', validNai: false });
  });
  it('gives lower-case hex for other subtypes and never calls them a valid NAI', () => {
    const o = findOption(viaPbu([{ type: 8, subtype: 5, id: '0A0B0C0D0E0F' }]).options, MH_OPTION.MN_ID)!;
    expect(o).to.include({ subtype: 5, subtypeName: 'EUI_48', id: '0a0b0c0d0e0f', validNai: false });
    const odd = findOption(viaPbu([{ type: 8, subtype: 77, id: '41' }]).options, MH_OPTION.MN_ID)!;
    expect(odd).to.include({ subtypeName: 'UNASSIGNED_77', id: '41' });
  });
});

describe('wire/mh-options: Timestamp', () => {
  it('timestampFromDate / timestampToMs use the RFC 5213 48.16 format', () => {
    expect(timestampFromDate(new Date(Date.UTC(2023, 10, 14, 22, 13, 20, 500)))).to.deep.equal({ seconds: 1700000000, fraction: 32768 });
    expect(timestampFromDate(1700000000500)).to.deep.equal({ seconds: 1700000000, fraction: 32768 });
    expect(timestampFromDate(1)).to.deep.equal({ seconds: 0, fraction: 65 });
    expect(timestampToMs({ seconds: 1700000000, fraction: 32768 })).to.equal(1700000000500);
    let ms = 1600000000000;
    for (let i = 0; i < 500; i++) {
      ms += 7919.37;
      const back = timestampToMs(timestampFromDate(ms));
      expect(ms - back).to.be.within(0, 1000 / 65536);
    }
  });

  it('isoFromUnix agrees with Date across its whole range, expanded years included', () => {
    const samples = [0, 86399, 951782400, 4102444800, 253402300799, 253402300800, 8639999999999, -1, -62198755200];
    let s = 12345;
    for (let i = 0; i < 2000; i++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      samples.push(Math.floor((s / 0x7fffffff) * 2 * 8.64e12 - 8.64e12));
    }
    for (const sec of samples) {
      const ms = (Math.abs(sec) * 7) % 1000;
      expect(isoFromUnix(sec, ms), String(sec)).to.equal(new Date(sec * 1000 + ms).toISOString());
    }
  });

  it('flags an NTP-format value and gives its NTP reading', () => {
    // NTP 2023-11-14T22:13:20.5Z: seconds since 1900 0xe8fe6f80, fraction 0x80000000
    const b = V.bytesOf(V.PBU);
    b.set([0xe8, 0xfe, 0x6f, 0x80, 0x80, 0x00, 0x00, 0x00], 60);
    const ts = findOption(decodeMobilityHeader(b, 0, b.length).options, MH_OPTION.TIMESTAMP)!;
    expect(ts.seconds).to.equal(0xe8fe6f808000);
    expect(ts.fraction).to.equal(0);
    expect(ts.ntpLike).to.equal(true);
    expect(ts.ntpIso).to.equal('2023-11-14T22:13:20.500Z');
    expect(ts.iso).to.match(/^\+\d{7}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  });

  it('is NTP-like from 2100 on', () => {
    const ok = findOption(viaPbu([{ type: 27, seconds: 4102444800, fraction: 65535 }]).options, MH_OPTION.TIMESTAMP)!;
    expect(ok).to.include({ ntpLike: false, iso: '2100-01-01T00:00:00.999Z' });
    expect(ok.ntpIso).to.equal(undefined);
    const late = findOption(viaPbu([{ type: 27, seconds: 4102444801, fraction: 0 }]).options, MH_OPTION.TIMESTAMP)!;
    expect(late).to.include({ ntpLike: true, iso: '2100-01-01T00:00:01.000Z' });
  });
});

describe('wire/mh-options: Access Network Identifier (RFC 6757)', () => {
  // Type 52, len 27: Network-Identifier (E=1, "ssid", "ap1"), Geo-Location (+1, -2), Operator-Identifier (PEN 32586).
  const ANI = '341b' + '010a' + '80' + '04' + '73736964' + '03' + '617031' + '0206' + '000001' + 'fffffe' + '0305' + '01' + '00007f4a';

  it('decodes every sub-option and re-encodes byte for byte', () => {
    const bytes = Buffer.from('3b05130000000001' + '01800000' + ANI + '01050000000000', 'hex');
    const m = decodeMobilityHeader(bytes, 0, bytes.length);
    expect(m.malformed).to.equal(undefined);
    const o = findOption(m.options, MH_OPTION.ACCESS_NETWORK_ID)!;
    expect(o.subOptions).to.deep.equal([
      { type: 1, E: true, reserved: 0, networkName: '73736964', accessPointName: '617031' },
      { type: 2, latitude: 1, longitude: -2 },
      { type: 3, opIdType: 1, opId: '00007f4a' },
    ]);
    expect(toHexString(encodeMobilityHeader(m))).to.equal(bytes.toString('hex'));
  });

  it('keeps a sub-option whose lengths disagree as raw data, and an overrunning one makes the option malformed', () => {
    const inconsistent = viaPbu([{ type: 52, subOptions: [{ type: 1, data: '800503616263' }] }]);
    expect(findOption(inconsistent.options, MH_OPTION.ACCESS_NETWORK_ID)!.subOptions).to.deep.equal([{ type: 1, data: '800503616263' }]);
    const overrun = Buffer.from('3b02130000000001' + '01800000' + '3404' + '0109' + '0000' + '010400000000', 'hex');
    const m = decodeMobilityHeader(overrun, 0, overrun.length);
    expect(m.malformed).to.match(/Access Network Identifier.*overruns/);
  });

  it('refuses a geo-location outside 24 bits', () => {
    expect(() => viaPbu([{ type: 52, subOptions: [{ type: 2, latitude: 0x800000, longitude: 0 }] }])).to.throw(MhEncodeError, /24-bit/);
  });
});

describe('wire/mh-options: autoPad', () => {
  const a8Options: MobilityOptionSpec[] = [
    { type: 22, prefix: '::/0' },
    { type: 23, value: 1 },
    { type: 24, value: 3 },
    { type: 8, subtype: 1, id: 'mn1@example.com' },
    { type: 27, seconds: 1700000000, fraction: 0x8000 },
    { type: 26, address: 'fe80::200:5eff:fe00:5213' },
    { type: 25, id: '020000000001' },
  ];

  it('reproduces the catalog A.8 PBU offset by offset, Header Len 12, byte for byte', () => {
    const bytes = encodeMobilityHeader(
      { type: 5, seq: 42, flags: { A: true, H: true, P: true }, lifetime: 600, autoPad: true, options: a8Options },
      { src: parseIpv6(V.PBU_SRC), dst: parseIpv6(V.PBU_DST) },
    );
    expect(bytes[1]).to.equal(12);
    expect(bytes.length).to.equal(104);
    const m = decodeMobilityHeader(bytes, 0, bytes.length);
    expect(m.options.map((o) => [o.type, o.offset, o.length])).to.deep.equal([
      [22, 12, 18], // 12 = 8n+4
      [23, 32, 2],
      [24, 36, 2],
      [8, 40, 16],
      [27, 58, 8], // 58 = 8n+2
      [1, 68, 0], // PadN, 2 octets
      [26, 70, 16], // 70 = 8n+6
      [25, 88, 8], // 88 = 8n
      [1, 98, 4], // PadN to 104
    ]);
    expect(toHexString(bytes)).to.equal(V.PBU);
  });

  it('drops given padding and recomputes it', () => {
    const padded: MobilityOptionSpec[] = [{ type: 1, length: 6 }, ...a8Options.slice(0, 3), { type: 0 }, ...a8Options.slice(3)];
    const spec = { type: 5 as const, seq: 42, flags: { A: true, H: true, P: true }, lifetime: 600, autoPad: true };
    expect(toHexString(encodeMobilityHeader({ ...spec, options: padded })))
      .to.equal(toHexString(encodeMobilityHeader({ ...spec, options: a8Options })));
  });

  it('uses Pad1 for a one-octet gap', () => {
    // MN-ID "abcdefgh": 11 octets at 12 ends at 23; GRE Key wants 4n -> Pad1 at 23
    const m = viaPbu([{ type: 8, subtype: 1, id: 'abcdefgh' }, { type: 33, key: 1 }]);
    expect(m.options.map((o) => [o.type, o.offset])).to.deep.equal([[8, 12], [0, 23], [33, 24]]);
    expect(m.length).to.equal(32);
  });

  it('aligns every option type in any order', () => {
    const all: MobilityOptionSpec[] = [
      { type: 2, interval: 9 }, { type: 3, address: '2001:db8::1' }, { type: 8, subtype: 1, id: 'x@y' },
      { type: 19, vendorId: 10415, subtype: 2, data: '010203' }, { type: 22, prefix: '2001:db8:5::/64' },
      { type: 23, value: 3 }, { type: 24, value: 4 }, { type: 25, id: '0a0b0c0d0e0f' },
      { type: 26, address: 'fe80::1' }, { type: 27, seconds: 1, fraction: 2 }, { type: 28, value: 3 },
      { type: 33, key: 7 }, { type: 36, address: '0.0.0.0' }, { type: 37, status: 0, prefixLength: 24, address: '10.1.1.1' },
      { type: 38, address: '10.1.1.254' }, { type: 39, S: true }, { type: 50, subtype: 1, groupId: 1 },
      { type: 240, data: '00' },
    ];
    let seed = 7;
    for (let round = 0; round < 40; round++) {
      const order = [...all];
      for (let i = order.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const j = seed % (i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const m = viaPbu(order);
      expect(m.malformed).to.equal(undefined);
      expect(m.length % 8).to.equal(0);
      expect(m.options.filter((o) => o.type !== 0 && o.type !== 1)).to.have.length(all.length);
      for (const o of m.options) {
        const a = OPTION_ALIGNMENT[o.type];
        if (a) expect(o.offset % a.x, `option ${o.type} at ${o.offset}`).to.equal(a.y);
      }
    }
  });
});

describe('wire/mh-options: encoding rules', () => {
  it('takes the HNP length from prefixLength or the prefix text, and refuses a conflict or none', () => {
    expect(findOption(viaPbu([{ type: 22, prefix: '2001:db8::', prefixLength: 56 }]).options, 22)!.prefix).to.equal('2001:db8::/56');
    expect(() => viaPbu([{ type: 22, prefix: '2001:db8::/64', prefixLength: 56 }])).to.throw(MhEncodeError, /disagrees/);
    expect(() => viaPbu([{ type: 22, prefix: '2001:db8::' }])).to.throw(MhEncodeError, /needs a prefix length/);
  });

  it('refuses a known option whose given length does not match its contents', () => {
    expect(() => viaPbu([{ type: 23, value: 1, length: 3 }])).to.throw(MhEncodeError, /has length 2, but the spec says 3/);
  });

  it('writes a known type given as raw data, and honours a raw option\'s lying length', () => {
    const raw = viaPbu([{ type: 22, data: '00' }]);
    expect(raw.malformed).to.equal('option 22 (Home Network Prefix) at offset 12 has length 1, expected 18');
    const lying = encodeMobilityHeader({
      type: 5, seq: 1, lifetime: 4, options: [{ type: 250, data: 'abcd', length: 20 }, { type: 1, length: 6 }],
    });
    expect(decodeMobilityHeader(lying, 0, lying.length).malformed).to.equal('option 250 at offset 12 overruns the header');
  });

  it('refuses an option type without a layout unless given as data', () => {
    expect(() => viaPbu([{ type: 35 } as unknown as MobilityOptionSpec])).to.throw(MhEncodeError, /give it as \{ type, data \}/);
  });

  it('findOption / findOptions return only well-formed options of the type', () => {
    const m = decodeHex(V.PBU);
    expect(findOption(m.options, MH_OPTION.HOME_NETWORK_PREFIX)?.prefix).to.equal('::/0');
    expect(findOption(m.options, MH_OPTION.GRE_KEY)).to.equal(undefined);
    expect(findOptions(m.options, MH_OPTION.PADN).map((o) => o.offset)).to.deep.equal([68, 98]);
    const bad = viaPbu([{ type: 22, data: '00' }]);
    expect(findOption(bad.options, MH_OPTION.HOME_NETWORK_PREFIX)).to.equal(undefined);
  });
});

describe('wire/mh-options: RFC 5555 options of RFC 5844 §4 IPv4 transport', () => {
  // PBU header (12 octets: A P F, seq 1, lifetime 1 unit), option 32 at 12 (4n), option 31 at 20 (4n), PadN to 32.
  const PBU_HEX = '3b03' + '05' + '00' + '0000' + '0001' + '8300' + '0001'
    + '2006' + '0000' + 'c000020a'
    + '1f06' + '8000' + '0000001e'
    + '0102' + '0000';

  it('decodes and re-encodes the IPv4 CoA (32) and NAT Detection (31) byte for byte', () => {
    const bytes = V.bytesOf(PBU_HEX);
    const m = decodeMobilityHeader(bytes, 0, bytes.length);
    expect(m.malformed).to.equal(undefined);
    expect(m.type === 5 && m.flags.F).to.equal(true);
    expect(findOption(m.options, MH_OPTION.IPV4_COA)).to.deep.equal({ type: 32, name: 'IPv4 Care-of Address', offset: 12, length: 6, reserved: 0, address: '192.0.2.10' });
    expect(findOption(m.options, MH_OPTION.NAT_DETECTION)).to.deep.equal({ type: 31, name: 'NAT Detection', offset: 20, length: 6, F: true, reserved: 0, refreshTime: 30 });
    const again = encodeMobilityHeader({ type: 5, seq: 1, flags: { A: true, P: true, F: true }, lifetimeUnits: 1, autoPad: true, checksum: 0, payloadProto: 59,
      options: [{ type: 32, address: '192.0.2.10' }, { type: 31, F: true, refreshTime: 30 }] });
    expect(toHexString(again)).to.equal(PBU_HEX);
  });

  it('keeps a wrong-length IPv4 CoA raw and says so', () => {
    const m = viaPbu([{ type: 32, length: 4, data: 'c000020a' }]);
    expect(m.malformed).to.match(/option 32 \(IPv4 Care-of Address\) at offset \d+ has length 4, expected 6/);
  });
});
