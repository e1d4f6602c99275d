// A finding's inputs as a capture: pcapng with one interface per channel ("peer": the emulated
// MAG or LMA, "access": the MN-side sender on a MAG's access link), raw IPv6 frames in sending
// order. `fuzz --replay` reads it back and sends every frame through its channel again.
import { LINKTYPE, readCaptureAll } from '../capture/pcap-reader.js';
import { createPcapWriter } from '../capture/pcap-writer.js';
import { decodeFrame, formatIpv6, fromHex, toHex } from '../../wire/index.js';
import { ACCESS_IFACE, type Channel } from './generator.js';

export interface ReproPacket { channel: Channel; dst: string; hex: string; timeMs?: number }

const CHANNELS: Channel[] = ['peer', 'access'];

export function writeReproducer(path: string, packets: readonly ReproPacket[]): void {
  const w = createPcapWriter(path, { format: 'pcapng', interfaces: CHANNELS.map((name) => ({ linkType: LINKTYPE.RAW, name })) });
  const now = Date.now();
  packets.forEach((p, i) => w.write(fromHex(p.hex), ((p.timeMs ?? now) + i * 1e-3) / 1000, { interfaceId: CHANNELS.indexOf(p.channel) }));
  w.close();
}

export async function readReproducer(path: string): Promise<ReproPacket[]> {
  const { records } = await readCaptureAll(path);
  return records.map((r) => {
    const channel: Channel = r.interfaceName === 'access' ? 'access' : 'peer';
    if (r.data.length < 40) throw new Error(`${path}: frame ${r.index} is ${r.data.length} octets, shorter than an IPv6 header`);
    const dst = formatIpv6(r.data, 24);
    // On the access link, link-local and multicast destinations name the interface.
    const scoped = channel === 'access' && /^(fe80|ff0[12]):/i.test(dst) ? `${dst}%${ACCESS_IFACE}` : dst;
    return { channel, dst: scoped, hex: toHex(r.data) };
  });
}

/** A packet decoded field by field: "path = value" lines, as the report shows the minimised input. */
export function decodedFields(hex: string): string[] {
  const bytes = fromHex(hex);
  const frame = decodeFrame(LINKTYPE.RAW, bytes, 0, bytes.length);
  const lines: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) { v.forEach((x, i) => walk(x, `${path}[${i}]`)); return; }
    if (typeof v === 'object') { for (const [k, x] of Object.entries(v)) walk(x, path === '' ? k : `${path}.${k}`); return; }
    lines.push(`${path} = ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  };
  walk(frame, '');
  return lines;
}
